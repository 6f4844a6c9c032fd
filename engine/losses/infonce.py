r"""Pooled InfoNCE loss: in-batch contrastive loss on mean-pooled sentence vectors (no OT).

Inputs: teacher token embeddings ``t`` (B, n, d) / ``t_mask`` (B, n) of English sentences and student
token embeddings ``s`` (B, m, d) / ``s_mask`` (B, m) of their translations.

.. math::
    u_i = \frac{\bar{t}_i}{\|\bar{t}_i\|}, \quad v_j = \frac{\bar{s}_j}{\|\bar{s}_j\|}, \qquad
    \mathcal{L} = -\frac{1}{B} \sum_i \log \frac{\exp(u_i^\top v_i / \tau)}{\sum_j \exp(u_i^\top v_j / \tau)}

Rows are English sentences retrieving their translation, as in
:class:`engine.losses.ot_contrastive.OTContrastiveLoss`, of which this is the sentence-level baseline.

Reference: A. van den Oord, Y. Li and O. Vinyals. Representation Learning with Contrastive Predictive
Coding. 2018; in-batch negatives as in F. Feng et al., Language-agnostic BERT Sentence Embedding, ACL 2022.
"""

from __future__ import annotations

import torch.nn.functional as F

from engine.encoders.pooling import mean_pool
from engine.losses.in_batch import in_batch_cross_entropy
from engine.losses.registry import LossConfig, TokenLoss, register_loss


@register_loss("infonce")
class PooledInfoNCELoss(TokenLoss):
    """In-batch cross-entropy over cosine similarities of mean-pooled vectors divided by ``tau``.

    Parameters
    ----------
    tau : float
        Temperature.
    symmetric : bool
        Also retrieve teacher sentences from student sentences and average the two losses.
    """

    pooled = True

    def __init__(self, tau: float = 0.02, symmetric: bool = False):
        super().__init__()
        self.tau, self.symmetric = tau, symmetric

    @classmethod
    def from_config(cls, config: LossConfig) -> PooledInfoNCELoss:
        return cls(tau=config.tau)

    def forward(self, t, t_mask, s, s_mask, t_weights=None, s_weights=None, return_stats: bool = False):
        """Same signature as the OT losses; token weights are ignored. Stats hold ``accuracy``."""
        u = F.normalize(mean_pool(t, t_mask), dim=-1)
        v = F.normalize(mean_pool(s, s_mask), dim=-1)
        loss, accuracy = in_batch_cross_entropy(u @ v.T / self.tau, self.symmetric)
        return (loss, {"accuracy": accuracy}) if return_stats else loss
