"""Distillation losses on token embeddings, one per module, each registered under its name in ``LOSSES``.

Every loss is a :class:`TokenLoss` (an ``nn.Module``) called as ``loss(t, t_mask, s, s_mask, t_weights=None,
s_weights=None, return_stats=False)`` with teacher tokens ``t`` (B, n, d), student tokens ``s`` (B, m, d) and
boolean masks of the real tokens; it returns a scalar, or ``(scalar, stats: dict)`` with ``return_stats=True``.
``LOSSES[name].from_config(config)`` builds it as a training run is configured (:mod:`engine.losses.registry`).

=================  ======================================  =========================================
name               class                                   paper
=================  ======================================  =========================================
``ot-align``       :class:`OTAlignmentLoss`                Huang, Yu & Allan, WSDM 2023 (OPTICAL)
``ot-contrastive`` :class:`OTContrastiveLoss`              OPTICAL + in-batch InfoNCE
``mse``            :class:`PooledMSELoss`                  Reimers & Gurevych, EMNLP 2020
``infonce``        :class:`PooledInfoNCELoss`              van den Oord et al. 2018
=================  ======================================  =========================================
"""

from engine.losses.registry import LOSSES, TokenLoss, register_loss

# isort: off
# Importing a loss module registers it; this order is the order error messages list the names in.
from engine.losses.ot_alignment import OTAlignmentLoss
from engine.losses.ot_contrastive import OTContrastiveLoss, pairwise_ot_distances
from engine.losses.mse import PooledMSELoss
from engine.losses.infonce import PooledInfoNCELoss
from engine.losses.in_batch import in_batch_cross_entropy

# isort: on

__all__ = [
    "LOSSES",
    "OTAlignmentLoss",
    "OTContrastiveLoss",
    "PooledInfoNCELoss",
    "PooledMSELoss",
    "TokenLoss",
    "in_batch_cross_entropy",
    "pairwise_ot_distances",
    "register_loss",
]
