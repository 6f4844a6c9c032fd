"""Exact OT of one small problem through POT, the reference for the entropic solver."""

from __future__ import annotations

import numpy as np
import torch


def sinkhorn_emd(cost, a=None, b=None) -> torch.Tensor:
    r"""Exact (unregularised) OT plan of one small problem, through POT's network simplex ``ot.emd``.

    .. math::
        P^\star = \mathop{\arg\min}_{P \ge 0,\ P\mathbb{1} = a,\ P^\top\mathbb{1} = b} \langle P, C \rangle

    Used as the :math:`\varepsilon \to 0` reference of :func:`sinkhorn_log`.

    Parameters
    ----------
    cost : numpy.ndarray or torch.Tensor, shape (n, m)
    a : array or tensor, shape (n,), or None
        Source weights; None is uniform. Renormalised to sum 1.
    b : array or tensor, shape (m,), or None
        Target weights; None is uniform. Renormalised to sum 1.

    Returns
    -------
    plan : torch.Tensor, shape (n, m)
        On the device of ``cost`` if it is a tensor; dtype ``promote(cost.dtype, float32)``
        (float64 for numpy input).

    References
    ----------
    .. [1] N. Bonneel, M. van de Panne, S. Paris and W. Heidrich. Displacement Interpolation Using
       Lagrangian Mass Transport. ACM TOG 2011 (the solver behind ``ot.emd``).
    """
    import ot  # POT, imported here so that importing engine.ot.torch stays light

    def as_np(x):
        if isinstance(x, torch.Tensor):
            return x.detach().cpu().to(torch.float64).numpy()
        return np.asarray(x, dtype=np.float64)

    C = as_np(cost)
    if C.ndim != 2:
        raise ValueError(f"sinkhorn_emd: cost must be a single (n, m) problem, got shape {C.shape}.")
    n, m = C.shape
    a_np = np.full(n, 1.0 / n) if a is None else as_np(a)
    b_np = np.full(m, 1.0 / m) if b is None else as_np(b)
    P = ot.emd(a_np / a_np.sum(), b_np / b_np.sum(), np.ascontiguousarray(C))
    if isinstance(cost, torch.Tensor):
        return torch.from_numpy(P).to(device=cost.device, dtype=torch.promote_types(cost.dtype, torch.float32))
    return torch.from_numpy(P)
