"""Distillation: config, trainer (OT and sentence-level losses), dev-set checkpoint selection.

:func:`distill` (:mod:`~engine.training.trainer`) is the loop; its parts are one module each: ``data`` (bitext and
dev split), ``batching`` (length buckets), ``forward`` (the forward passes of a step, ``frozen_bottom`` cache),
``objective`` (loss + English term), ``optimizer``, ``precision``, ``checkpoint`` (``--resume``), ``selection`` (dev
selection), ``dev`` (dev retrieval) and ``distributed``.

``distill`` is imported lazily so that reading the config (e.g. for ``--help``) does not import torch.
"""

from engine.training.config import DistillConfig

__all__ = ["DistillConfig", "distill"]


def __getattr__(name):
    if name == "distill":
        from engine.training.trainer import distill

        return distill
    raise AttributeError(name)
