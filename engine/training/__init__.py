"""Distillation: config, trainer (OT and sentence-level losses), dev-set checkpoint selection.

``distill`` is imported lazily so that reading the config (e.g. for ``--help``) does not import torch.
"""

from engine.training.config import DistillConfig

__all__ = ["DistillConfig", "distill"]


def __getattr__(name):
    if name == "distill":
        from engine.training.trainer import distill

        return distill
    raise AttributeError(name)
