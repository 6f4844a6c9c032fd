r"""Optimal transport between token sets in torch: batched log-domain Sinkhorn, exact OT, cosine costs.

For each pair of sentences with token weights :math:`a \in \Delta_n` (teacher) and
:math:`b \in \Delta_m` (student), and cost :math:`C_{ij} = 1 - \cos(t_i, s_j)`:

.. math::
    P^\star = \mathop{\arg\min}_{P \ge 0,\ P\mathbb{1} = a,\ P^\top\mathbb{1} = b}
              \langle P, C \rangle - \varepsilon H(P),
    \qquad W = \langle P^\star, C \rangle

solved by Sinkhorn iterations (Cuturi 2013) in the log domain (Peyré & Cuturi, *Computational
Optimal Transport*, 2019, §4.4), batched over padded, masked problems. ``W`` is differentiated with
the plan held constant (envelope theorem), as in OPTICAL (Huang, Yu & Allan, WSDM 2023).

This is the training solver and imports torch; the torch-free solver for serving is :mod:`engine.ot`, whose
defaults (:data:`engine.ot.SINKHORN`) this one shares.

Public API
----------
sinkhorn_log, TransportPlan, ot_distance, sinkhorn_emd,
cosine_cost, cosine_cost_pairwise, uniform_marginals, weights_from_scores
"""

from engine.ot.torch._cost import cosine_cost, cosine_cost_pairwise
from engine.ot.torch._emd import sinkhorn_emd
from engine.ot.torch._marginals import uniform_marginals, weights_from_scores
from engine.ot.torch._sinkhorn import TransportPlan, ot_distance, sinkhorn_log

__all__ = [
    "TransportPlan",
    "cosine_cost",
    "cosine_cost_pairwise",
    "ot_distance",
    "sinkhorn_emd",
    "sinkhorn_log",
    "uniform_marginals",
    "weights_from_scores",
]
