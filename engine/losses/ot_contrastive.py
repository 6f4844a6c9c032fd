r"""OT contrastive loss: in-batch retrieval where the score of a sentence pair is minus its OT distance.

Inputs: teacher token embeddings ``t`` (B, n, d) of English sentences :math:`e_1..e_B` (frozen), student
token embeddings ``s`` (B, m, d) of their translations :math:`f_1..f_B`, and masks of real tokens.
For every teacher sentence :math:`i` and every student sentence :math:`j` (:math:`B^2` transport
problems, solved in one batched Sinkhorn call):

.. math::
    C^{(ij)}_{kl} = 1 - \cos(t_{ik}, s_{jl}), \qquad
    W_{ij} = \langle P^{\star(ij)}, C^{(ij)} \rangle, \qquad
    \mathcal{L} = -\frac{1}{B}\sum_i \log
        \frac{\exp(-W_{ii}/\tau)}{\sum_j \exp(-W_{ij}/\tau)}

i.e. cross-entropy over the logits :math:`-W/\tau` with the true translation (the diagonal) as target;
rows are English queries retrieving the foreign sentence, as in CLIR. ``symmetric=True`` averages with
the transposed direction. The plans are held constant (envelope gradient), as in
:func:`engine.ot.torch.ot_distance`.

Reference: Z. Huang, P. Yu and J. Allan. Improving Cross-lingual Information Retrieval on Low-Resource
Languages via Optimal Transport Distillation. WSDM 2023; the in-batch contrastive form follows
A. van den Oord, Y. Li and O. Vinyals, Representation Learning with Contrastive Predictive Coding, 2018.
"""

from __future__ import annotations

import torch

from engine.losses.in_batch import in_batch_cross_entropy
from engine.losses.registry import LossConfig, TokenLoss, register_loss
from engine.ot.defaults import SINKHORN
from engine.ot.torch import cosine_cost_pairwise, ot_distance


def pairwise_ot_distances(
    t: torch.Tensor,
    t_mask: torch.Tensor,
    s: torch.Tensor,
    s_mask: torch.Tensor,
    eps: float,
    max_iter: int = SINKHORN.max_iter,
    tol: float = SINKHORN.tol,
    t_weights: torch.Tensor | None = None,
    s_weights: torch.Tensor | None = None,
):
    """OT distance between every teacher sentence i and every student sentence j.

    Returns ``W`` of shape (Bt, Bs) and the :class:`engine.ot.torch.TransportPlan` of the Bt*Bs problems
    (problem ``i * Bs + j``).
    """
    Bt, n, _ = t.shape
    Bs, m, _ = s.shape
    cost = cosine_cost_pairwise(t, s).reshape(Bt * Bs, n, m)
    expand_t = lambda x: x[:, None].expand(Bt, Bs, n).reshape(Bt * Bs, n)  # noqa: E731
    expand_s = lambda x: x[None].expand(Bt, Bs, m).reshape(Bt * Bs, m)  # noqa: E731
    W, tp = ot_distance(
        cost,
        None if t_weights is None else expand_t(t_weights),
        None if s_weights is None else expand_s(s_weights),
        eps,
        max_iter=max_iter,
        tol=tol,
        mask_a=expand_t(t_mask),
        mask_b=expand_s(s_mask),
    )
    return W.reshape(Bt, Bs), tp


@register_loss("ot-contrastive")
class OTContrastiveLoss(TokenLoss):
    """In-batch cross-entropy over logits ``-W / tau`` of all teacher/student OT distances.

    Parameters
    ----------
    eps : float
        Entropic regularisation, in cost units (costs lie in [0, 2]).
    tau : float
        Temperature of the logits.
    max_iter, tol : int, float
        Sinkhorn iteration cap and stopping threshold.
    symmetric : bool
        Also retrieve teacher sentences from student sentences and average the two losses.
    """

    def __init__(
        self,
        eps: float = SINKHORN.eps,
        tau: float = 0.02,
        max_iter: int = SINKHORN.max_iter,
        tol: float = SINKHORN.tol,
        symmetric: bool = False,
    ):
        super().__init__()
        self.eps, self.tau, self.max_iter, self.tol, self.symmetric = eps, tau, max_iter, tol, symmetric

    @classmethod
    def from_config(cls, config: LossConfig) -> OTContrastiveLoss:
        """Training retrieves in both directions (``symmetric=True``)."""
        return cls(eps=config.eps, tau=config.tau, max_iter=config.sinkhorn_iter, symmetric=True)

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

        Returns the scalar loss, or ``(loss, stats)`` with ``return_stats=True``; stats hold
        ``accuracy`` (in-batch retrieval of the true translation), ``sinkhorn_iter`` and
        ``sinkhorn_converged`` (fraction of the B*B problems).
        """
        if t.shape[0] != s.shape[0]:
            raise ValueError(
                f"OTContrastiveLoss: teacher batch {t.shape[0]} != student batch {s.shape[0]}; "
                "row i of both must be a translation pair."
            )
        W, tp = pairwise_ot_distances(
            t, t_mask, s, s_mask, self.eps, self.max_iter, self.tol, t_weights, s_weights
        )
        loss, accuracy = in_batch_cross_entropy(-W / self.tau, self.symmetric)
        if not return_stats:
            return loss
        stats = {
            "accuracy": accuracy,
            "sinkhorn_iter": tp.n_iter,
            "sinkhorn_converged": tp.converged.float().mean().item(),
        }
        return loss, stats
