r"""OT alignment loss: entropic OT distance between a teacher sentence and its translation.

Inputs, per batch item :math:`k`: teacher token embeddings :math:`t_{k,1..n}` of the English sentence
:math:`e_k` (frozen), student token embeddings :math:`s_{k,1..m}` of its translation :math:`f_k`, and
masks of the real tokens (special and prefix tokens already masked out by the caller).

.. math::
    C_{ij} = 1 - \cos(t_i, s_j), \qquad
    P^\star = \mathop{\arg\min}_{P\mathbb{1} = a,\ P^\top\mathbb{1} = b} \langle P, C\rangle - \varepsilon H(P),
    \qquad
    \mathcal{L} = \frac{1}{B} \sum_k W(e_k, f_k), \quad W = \langle P^\star, C \rangle

:math:`a`, :math:`b` are uniform over real tokens unless token weights (e.g. IDF) are given. The plan is
held constant (envelope theorem): :math:`\partial W / \partial C = P^\star`, so gradients reach the
student through the cost only. OPTICAL adds :math:`\lambda\, W(e, S(e))` by calling this loss again with
the student's encoding of the English sentence.

Reference: Z. Huang, P. Yu and J. Allan. Improving Cross-lingual Information Retrieval on Low-Resource
Languages via Optimal Transport Distillation. WSDM 2023.
"""

from __future__ import annotations

import torch

from engine.losses.registry import LossConfig, TokenLoss, register_loss
from engine.ot.defaults import SINKHORN
from engine.ot.torch import cosine_cost, ot_distance


@register_loss("ot-align")
class OTAlignmentLoss(TokenLoss):
    """Mean entropic OT distance between paired teacher and student token sets.

    Parameters
    ----------
    eps : float
        Entropic regularisation, in cost units (costs lie in [0, 2]).
    max_iter : int
        Sinkhorn iteration cap.
    tol : float
        Sinkhorn stopping threshold on the max marginal violation.
    """

    def __init__(self, eps: float = SINKHORN.eps, max_iter: int = SINKHORN.max_iter, tol: float = SINKHORN.tol):
        super().__init__()
        self.eps, self.max_iter, self.tol = eps, max_iter, tol

    @classmethod
    def from_config(cls, config: LossConfig) -> OTAlignmentLoss:
        return cls(eps=config.eps, max_iter=config.sinkhorn_iter)

    def forward(
        self,
        t: torch.Tensor,
        t_mask: torch.Tensor,
        s: torch.Tensor,
        s_mask: torch.Tensor,
        t_weights: torch.Tensor | None = None,
        s_weights: torch.Tensor | None = None,
        return_stats: bool = False,
    ):
        """Loss for teacher ``t`` (B, n, d) / ``t_mask`` (B, n) and student ``s`` (B, m, d) / ``s_mask`` (B, m).

        ``t_weights`` (B, n) and ``s_weights`` (B, m) are optional token weights (see
        :func:`engine.ot.torch.weights_from_scores`). Returns the scalar loss, or ``(loss, stats)`` with
        ``return_stats=True``; stats hold ``sinkhorn_iter`` and ``sinkhorn_converged`` (fraction).
        """
        if t.shape[0] != s.shape[0]:
            raise ValueError(f"OTAlignmentLoss: teacher batch {t.shape[0]} != student batch {s.shape[0]}.")
        W, tp = ot_distance(
            cosine_cost(t, s), t_weights, s_weights, self.eps,
            max_iter=self.max_iter, tol=self.tol, mask_a=t_mask, mask_b=s_mask,
        )
        loss = W.mean()
        if not return_stats:
            return loss
        stats = {"sinkhorn_iter": tp.n_iter, "sinkhorn_converged": tp.converged.float().mean().item()}
        return loss, stats
