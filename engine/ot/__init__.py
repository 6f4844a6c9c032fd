r"""Optimal transport between token sets, without torch: the numpy Sinkhorn and the Sinkhorn defaults.

For token weights :math:`a \in \Delta_n`, :math:`b \in \Delta_m` and cost :math:`C_{ij} = 1 - \cos(x_i, y_j)`:

.. math::
    P^\star = \mathop{\arg\min}_{P \ge 0,\ P\mathbb{1} = a,\ P^\top\mathbb{1} = b}
              \langle P, C \rangle - \varepsilon H(P),
    \qquad W = \langle P^\star, C \rangle

solved by Sinkhorn iterations (Cuturi 2013) in the log domain (Peyré & Cuturi, *Computational Optimal Transport*,
2019, §4.4).

Two solvers, one problem:

* this package — one problem at a time in numpy, for serving (OT rerank) and the explorer's heatmaps. Importing
  ``engine.ot`` never imports torch, so the serving layer can use it;
* :mod:`engine.ot.torch` — batched, masked problems with an envelope gradient, for training (import it directly).

Both take their defaults from :data:`SINKHORN` (:mod:`engine.ot.defaults`).

Public API
----------
sinkhorn_log, ot_distance, cosine_cost, marginal, PlanResult (numpy);
SinkhornDefaults, SINKHORN, HEATMAP_SINKHORN, RERANK_SINKHORN (defaults)
"""

from typing import TYPE_CHECKING

from engine.ot.defaults import (
    HEATMAP_SINKHORN,
    RERANK_SINKHORN,
    SINKHORN,
    SinkhornDefaults,
)

if TYPE_CHECKING:
    from engine.ot._numpy_sinkhorn import (
        PlanResult,
        cosine_cost,
        marginal,
        ot_distance,
        sinkhorn_log,
    )

# The numpy solver is loaded on first use, so reading the defaults (``python -m engine --help``) imports no numpy.
_NUMPY = {"PlanResult", "cosine_cost", "marginal", "ot_distance", "sinkhorn_log"}

__all__ = [
    "HEATMAP_SINKHORN",
    "PlanResult",
    "RERANK_SINKHORN",
    "SINKHORN",
    "SinkhornDefaults",
    "cosine_cost",
    "marginal",
    "ot_distance",
    "sinkhorn_log",
]


def __getattr__(name: str):
    if name in _NUMPY:
        from engine.ot import _numpy_sinkhorn

        return getattr(_numpy_sinkhorn, name)
    raise AttributeError(f"module 'engine.ot' has no attribute {name!r}")
