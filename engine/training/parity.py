r"""Language parity: a query should score a document's two language versions alike.

In a collection holding both English and low-resource documents, a retriever is biased when, for the same content,
it scores the version in the query's language higher than the other (the ``mixed`` suite's SameLang@10). Trained on
its document side, the student encodes the query and the other language's documents itself, and the two share the
surface of one language: the student then prefers them (SameLang@10 0.68–0.71 for Chichewa, 0.5 = no bias).

The parity term (weight :math:`\lambda_{par}`, ``--language-parity``) asks every query of a step to score every unit's
two document versions — the student's document vector of the other language :math:`d^f_j` and the teacher's of its
English :math:`d^e_j` — the same, in logit units (:math:`\tau`):

.. math::
    q_i = \frac{\bar S(f_i)}{\|\bar S(f_i)\|}, \quad
    d^f_j = \frac{\bar S_{passage}(f_j)}{\|\bar S_{passage}(f_j)\|}, \quad d^e_j = T_{passage}(e_j), \qquad
    \mathcal{L}_{par} = \frac{1}{B^2} \sum_{i, j} \Big(\frac{q_i^\top d^f_j - q_i^\top d^e_j}{\tau}\Big)^2

over all pairs :math:`(i, j)` of the batch, its own unit's (:math:`j = i`, the relevant document) included. Unlike
the in-batch InfoNCE of the document side, which is blind to a shift of all of a query's scores in one language, it
pins the two languages' score levels to each other, query by query.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def parity_loss(s_q: torch.Tensor, q_mask: torch.Tensor, t_doc: torch.Tensor, t_mask: torch.Tensor,
                s_doc: torch.Tensor, s_mask: torch.Tensor, tau: float) -> tuple[torch.Tensor, float]:
    r""":math:`\mathcal{L}_{par}` above and the mean absolute score gap :math:`|q_i^\top (d^f_j - d^e_j)|`; ``s_q``
    [B, m, d] the student's query states, ``t_doc`` / ``s_doc`` [B, n, d] the teacher's English and the student's
    other-language document states, each with the mask of the tokens retrieval pools (every real token)."""
    from engine.encoders.pooling import mean_pool

    q = F.normalize(mean_pool(s_q, q_mask), dim=-1)
    d_e = F.normalize(mean_pool(t_doc, t_mask), dim=-1).to(q.dtype)
    d_f = F.normalize(mean_pool(s_doc, s_mask), dim=-1)
    gap = q @ (d_f - d_e).T
    return (gap / tau).pow(2).mean(), float(gap.detach().abs().mean())


def add_parity_term(loss: torch.Tensor, stats: dict, hidden: tuple, pair: tuple, weight: float, tau: float
                    ) -> tuple[torch.Tensor, dict]:
    """``loss + λ_par·L_par`` for one step: ``hidden`` the step's query states
    (:class:`engine.training.forward.StepForward`), ``pair`` its document states (``StepForward.passage_pair``)."""
    _, _, s_h, s_batch, _ = hidden
    t_doc, t_batch, s_doc, s_doc_batch = pair
    dev = s_h.device
    term, gap = parity_loss(s_h, s_batch.attention_mask.bool().to(dev), t_doc, t_batch.attention_mask.bool().to(dev),
                            s_doc, s_doc_batch.attention_mask.bool().to(dev), tau)
    return loss + weight * term, {**stats, "parity": float(term.detach()), "parity_gap": gap}
