r"""Entropic OT for serving, in numpy: one problem at a time, no autograd, no torch.

The app's heatmaps and the optional OT rerank solve a handful of small problems per request (a query against one
English text, or against each of the top-k documents); training solves thousands in batches and uses
:func:`engine.ot.torch.sinkhorn_log`. Both solve the same problem with the same iterations:

.. math::
    P^\star = \mathop{\arg\min}_{P \ge 0,\ P\mathbb{1} = a,\ P^\top\mathbb{1} = b}
              \langle P, C \rangle - \varepsilon H(P), \qquad C_{ij} = 1 - \cos(x_i, y_j)

    g_j \leftarrow -\varepsilon \log \sum_i \exp\big((f_i - C_{ij})/\varepsilon + \log a_i\big), \quad
    f_i \leftarrow -\varepsilon \log \sum_j \exp\big((g_j - C_{ij})/\varepsilon + \log b_j\big), \quad
    P_{ij} = a_i b_j \exp\big((f_i + g_j - C_{ij})/\varepsilon\big)

(log-domain Sinkhorn, Peyré & Cuturi 2019 §4.4), so :math:`\varepsilon = 10^{-3}` stays finite. Tokens with zero
weight carry no mass. Tested against POT and against the torch solver. Imports numpy only: the serving layer and
the explorer use it without torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.ot.defaults import SINKHORN


@dataclass
class PlanResult:
    plan: np.ndarray  # [n, m], sums to 1 (zeros when a side has no mass)
    n_iter: int
    converged: bool
    marginal_error: float


def cosine_cost(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``1 − cos(x_i, y_j)`` for token embeddings ``x`` [n, d] and ``y`` [m, d], in [0, 2]; zero vectors cost 1.

    Computed with :func:`numpy.einsum`, not ``x @ y.T``: these matrices are tiny, and in a server that has just run
    ONNX Runtime on busy cores, BLAS hands even a tiny product to its thread pool and waits for it (measured on 2
    shared cores: 23 ms for a 14 × 64 product right after an encode, 0.13 ms with einsum; same numbers up to
    rounding)."""
    x, y = np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.float32)
    xn = x / np.maximum(np.sqrt(np.einsum("id,id->i", x, x))[:, None], 1e-12)
    yn = y / np.maximum(np.sqrt(np.einsum("jd,jd->j", y, y))[:, None], 1e-12)
    return np.clip(1.0 - np.einsum("id,jd->ij", xn, yn), 0.0, 2.0).astype(np.float32)


def marginal(n: int, scores: np.ndarray | None = None) -> np.ndarray:
    r"""Uniform weights over ``n`` tokens, or :math:`w_i = \max(s_i, 0) / \sum_k \max(s_k, 0)` from scores (IDF);
    all-zero scores fall back to uniform."""
    if scores is None:
        return np.full(n, 1.0 / max(n, 1), dtype=np.float64)
    s = np.clip(np.asarray(scores, dtype=np.float64), 0.0, None)
    return s / s.sum() if s.sum() > 0 else np.full(n, 1.0 / max(n, 1))


def _logsumexp(y: np.ndarray, axis: int) -> np.ndarray:
    mx = np.max(y, axis=axis, keepdims=True)
    mx = np.where(np.isfinite(mx), mx, 0.0)
    return np.log(np.exp(y - mx).sum(axis=axis)) + np.squeeze(mx, axis=axis)


def sinkhorn_log(cost: np.ndarray, a: np.ndarray | None, b: np.ndarray | None, eps: float,
                 max_iter: int = SINKHORN.max_iter, tol: float = SINKHORN.tol) -> PlanResult:
    """Log-domain Sinkhorn for one problem (``cost`` [n, m]); stops when the column marginal error < ``tol``."""
    if cost.ndim != 2:
        raise ValueError(f"sinkhorn_log: cost must be (n, m), got shape {cost.shape}")
    if not eps > 0:
        raise ValueError(f"sinkhorn_log: eps must be > 0, got {eps}")
    n, m = cost.shape
    a = marginal(n) if a is None else np.asarray(a, dtype=np.float64)
    b = marginal(m) if b is None else np.asarray(b, dtype=np.float64)
    if n == 0 or m == 0 or a.sum() <= 0 or b.sum() <= 0:
        return PlanResult(np.zeros((n, m)), 0, False, 0.0)
    a, b = a / a.sum(), b / b.sum()
    with np.errstate(divide="ignore"):
        log_a, log_b = np.log(a), np.log(b)  # -inf on zero-weight tokens: no mass, never NaN below
    neg_c = -np.nan_to_num(np.asarray(cost, dtype=np.float64), nan=2.0, posinf=2.0, neginf=0.0) / eps
    f, g = np.zeros(n), np.zeros(m)
    err, it = np.inf, 0
    for it in range(1, max_iter + 1):
        g = -_logsumexp(neg_c + (f + log_a)[:, None], axis=0)
        f = -_logsumexp(neg_c + (g + log_b)[None, :], axis=1)
        if it % SINKHORN.check_every == 0 or it == max_iter:
            plan = np.exp(neg_c + (f + log_a)[:, None] + (g + log_b)[None, :])
            err = float(np.abs(plan.sum(axis=0) - b).max())
            if err < tol:
                break
    plan = np.exp(neg_c + (f + log_a)[:, None] + (g + log_b)[None, :])
    err = float(max(np.abs(plan.sum(axis=1) - a).max(), np.abs(plan.sum(axis=0) - b).max()))
    return PlanResult(plan, it, err < tol, err)


def ot_distance(x: np.ndarray, y: np.ndarray, eps: float = SINKHORN.eps, max_iter: int = SINKHORN.max_iter,
                tol: float = SINKHORN.tol) -> float:
    r""":math:`W = \langle P^\star, C \rangle` between token sets ``x`` [n, d] and ``y`` [m, d], uniform weights."""
    cost = cosine_cost(x, y)
    return float((sinkhorn_log(cost, None, None, eps, max_iter, tol).plan * cost).sum())
