r"""Sinkhorn settings, defined once: the entropic regularisation :math:`\varepsilon`, the iteration cap and the
stopping tolerance used by training, serving and the explorer.

:data:`SINKHORN` is the default everywhere (the losses, :class:`engine.training.DistillConfig`, both solvers). A
caller that needs a different budget uses one of the named variants below, each with the reason it differs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SinkhornDefaults:
    r"""How a log-domain Sinkhorn solve is run.

    Attributes
    ----------
    eps : float
        Entropic regularisation :math:`\varepsilon`, in cost units (cosine costs lie in [0, 2]).
    max_iter : int
        Iteration cap (each iteration updates both dual potentials).
    tol : float
        Stop once the max absolute marginal violation is below ``tol``.
    check_every : int
        Iterations between convergence checks (each check costs a host sync on GPU).
    """

    eps: float = 0.05
    max_iter: int = 50
    tol: float = 1e-4
    check_every: int = 10


SINKHORN = SinkhornDefaults()
"""Training (losses, ``DistillConfig``) and the solvers' own defaults: ε = 0.05, 50 iterations, tol 1e-4."""

# One small problem drawn for a person: run to convergence rather than stop at the training budget.
HEATMAP_SINKHORN = SinkhornDefaults(max_iter=200)

# Rerank scores are compared across candidates: a tighter tolerance, so no tie is decided by where a solve stopped.
RERANK_SINKHORN = SinkhornDefaults(max_iter=300, tol=1e-5)

__all__ = ["HEATMAP_SINKHORN", "RERANK_SINKHORN", "SINKHORN", "SinkhornDefaults"]
