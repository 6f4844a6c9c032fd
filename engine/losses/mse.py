r"""Pooled MSE loss: sentence-level teacher–student distillation.

Inputs: teacher token embeddings ``t`` (B, n, d) / ``t_mask`` (B, n) of English sentences and student
token embeddings ``s`` (B, m, d) / ``s_mask`` (B, m) of their translations.

.. math::
    \mathcal{L} = \frac{1}{B\,d} \sum_k \big\| \bar{s}_k - \bar{t}_k \big\|_2^2,
    \qquad \bar{x}_k = \text{mean of the real tokens of } x_k

Reference: N. Reimers and I. Gurevych. Making Monolingual Sentence Embeddings Multilingual using
Knowledge Distillation. EMNLP 2020 (sentence-transformers ``MSELoss``).
"""

from __future__ import annotations

import torch.nn.functional as F

from engine.encoders.pooling import mean_pool
from engine.losses.registry import TokenLoss, register_loss


@register_loss("mse")
class PooledMSELoss(TokenLoss):
    """MSE between mask-aware mean-pooled student and teacher vectors (no settings)."""

    pooled = True

    def forward(self, t, t_mask, s, s_mask, t_weights=None, s_weights=None, return_stats: bool = False):
        """Same signature as the OT losses; token weights are ignored (pooling is a plain mean)."""
        loss = F.mse_loss(mean_pool(s, s_mask), mean_pool(t, t_mask))
        return (loss, {}) if return_stats else loss
