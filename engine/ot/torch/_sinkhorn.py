"""Batched, masked, log-domain Sinkhorn and the OT distance with an envelope gradient."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from engine.ot.defaults import SINKHORN
from engine.ot.torch._marginals import uniform_marginals


@dataclass
class TransportPlan:
    """Result of a batched OT solve.

    Attributes
    ----------
    plan : torch.Tensor, shape (B, n, m)
        Transport plan; zero on padded rows/columns and for empty problems.
        Dtype is ``promote(cost.dtype, float32)``.
    n_iter : int
        Sinkhorn iterations run (the same for every problem of the batch).
    converged : torch.Tensor, shape (B,), bool
        ``marginal_error < tol``; False for empty problems (and everywhere when ``tol=0``).
    marginal_error : torch.Tensor, shape (B,)
        :math:`\\max(\\|P\\mathbb{1} - a\\|_\\infty, \\|P^\\top\\mathbb{1} - b\\|_\\infty)` over real tokens.
    empty : torch.Tensor, shape (B,), bool
        Problems with no real token (or no mass) on one side; their plan is zero.
    """

    plan: torch.Tensor
    n_iter: int
    converged: torch.Tensor
    marginal_error: torch.Tensor
    empty: torch.Tensor


def _support(weights, mask, shape, device, dtype, name):
    """Renormalised weights over real tokens and the boolean support they live on."""
    if mask is None:
        mask = torch.ones(shape, dtype=torch.bool, device=device)
    elif mask.shape != shape:
        raise ValueError(f"sinkhorn_log: {name} has shape {tuple(mask.shape)}, expected {tuple(shape)}.")
    mask = mask.to(device=device, dtype=torch.bool)
    if weights is None:
        return uniform_marginals(mask, dtype), mask
    if weights.shape != shape:
        raise ValueError(
            f"sinkhorn_log: marginal for {name} has shape {tuple(weights.shape)}, expected {tuple(shape)}."
        )
    w = torch.where(mask, weights.to(device=device, dtype=dtype), torch.zeros((), dtype=dtype, device=device))
    if (w < 0).any():
        raise ValueError(f"sinkhorn_log: marginal for {name} has negative entries; weights must be >= 0.")
    support = mask & (w > 0)
    w = w / w.sum(dim=-1, keepdim=True).clamp_min(torch.finfo(dtype).tiny)
    return w, support


def _safe_log(w, support):
    neg_inf = torch.tensor(float("-inf"), dtype=w.dtype, device=w.device)
    return torch.where(support, torch.log(w.clamp_min(torch.finfo(w.dtype).tiny)), neg_inf)


# exp(-80) ~ 1e-35: below float32 resolution next to the row maximum (exp(0) = 1), and it keeps
# exp off its slow underflow path, which dominates the iteration for padding (-inf) and small eps.
_LOG_FLOOR = -80.0


def _logsumexp(y: torch.Tensor, dim: int) -> torch.Tensor:
    """logsumexp of a temporary ``y`` (overwritten when no grad is needed) whose slices hold a finite value."""
    mx = y.amax(dim=dim, keepdim=True)
    if torch.is_grad_enabled() and y.requires_grad:
        z = torch.exp((y - mx).clamp_min(_LOG_FLOOR))
    else:
        z = y.sub_(mx).clamp_min_(_LOG_FLOOR).exp_()
    return z.sum(dim=dim).log_() + mx.squeeze(dim)


def sinkhorn_log(
    cost: torch.Tensor,
    a: torch.Tensor | None,
    b: torch.Tensor | None,
    eps: float,
    max_iter: int = SINKHORN.max_iter,
    tol: float = SINKHORN.tol,
    mask_a: torch.Tensor | None = None,
    mask_b: torch.Tensor | None = None,
    check_every: int = SINKHORN.check_every,
) -> TransportPlan:
    r"""Solve a batch of entropic OT problems with log-domain Sinkhorn iterations.

    For every problem :math:`k` of the batch:

    .. math::
        P^\star = \mathop{\arg\min}_{P \in U(a, b)} \langle P, C \rangle - \varepsilon H(P),
        \qquad U(a, b) = \{P \ge 0 : P\mathbb{1}_m = a,\ P^\top \mathbb{1}_n = b\},
        \qquad H(P) = -\sum_{ij} P_{ij}(\log P_{ij} - 1)

    with dual potentials :math:`f, g` updated in log space (Peyré & Cuturi 2019, Remark 4.23):

    .. math::
        g_j &\leftarrow -\varepsilon \log \sum_i \exp\big((f_i - C_{ij})/\varepsilon + \log a_i\big) \\
        f_i &\leftarrow -\varepsilon \log \sum_j \exp\big((g_j - C_{ij})/\varepsilon + \log b_j\big) \\
        P_{ij} &= a_i b_j \exp\big((f_i + g_j - C_{ij})/\varepsilon\big)

    Working with ``logsumexp`` keeps the iterations finite for small :math:`\varepsilon`
    (:math:`\varepsilon = 10^{-3}` with costs in :math:`[0, 2]`), where the kernel
    :math:`e^{-C/\varepsilon}` of the plain algorithm (Cuturi 2013) underflows.

    Padding: positions where ``mask_a``/``mask_b`` is False (or the weight is 0) get
    :math:`\log a_i = -\infty`, so they carry no mass; ``a`` and ``b`` are renormalised over real tokens.
    A problem with no real token on either side is *empty*: its plan is zero, ``empty`` is True and
    ``converged`` False. No NaN is produced in any case, including garbage (NaN/inf) costs on padding.

    The row marginals are exact after each iteration (the ``f`` update comes last); every
    ``check_every`` iterations the column violation is measured and the loop stops once every non-empty
    problem is below ``tol``. Checking less often avoids a host sync per iteration.

    Parameters
    ----------
    cost : torch.Tensor, shape (B, n, m)
        Ground cost :math:`C`. Any float dtype/device; iterations run in ``promote(dtype, float32)``.
    a : torch.Tensor, shape (B, n), or None
        Source weights (teacher side). None: uniform over ``mask_a``.
    b : torch.Tensor, shape (B, m), or None
        Target weights (student side). None: uniform over ``mask_b``.
    eps : float
        Entropic regularisation :math:`\varepsilon > 0`, in the units of the cost.
    max_iter : int
        Maximum number of iterations (each one updates both potentials).
    tol : float
        Stop when the max absolute marginal violation of every problem is below ``tol``.
        ``tol=0`` runs exactly ``max_iter`` iterations.
    mask_a : torch.Tensor, shape (B, n), bool, or None
        True on real rows. None: all real.
    mask_b : torch.Tensor, shape (B, m), bool, or None
        True on real columns. None: all real.
    check_every : int
        Iterations between convergence checks.
    Returns
    -------
    TransportPlan
        ``plan`` (B, n, m) plus ``n_iter``, ``converged``, ``marginal_error``, ``empty``.
        The solver does not detach: call it under ``torch.no_grad()`` unless you mean to
        differentiate through the unrolled iterations.

    Examples
    --------
    >>> C = torch.rand(2, 3, 4)
    >>> out = sinkhorn_log(C, None, None, eps=0.05)
    >>> out.plan.sum(dim=(1, 2))
    tensor([1.0000, 1.0000])

    References
    ----------
    .. [1] M. Cuturi. Sinkhorn Distances: Lightspeed Computation of Optimal Transport. NeurIPS 2013.
    .. [2] G. Peyré and M. Cuturi. Computational Optimal Transport. Foundations and Trends in
       Machine Learning 11(5-6), 2019. Section 4.4 (log-domain stabilisation).
    """
    if cost.dim() != 3:
        raise ValueError(f"sinkhorn_log: cost must be (B, n, m), got shape {tuple(cost.shape)}.")
    if not eps > 0:
        raise ValueError(f"sinkhorn_log: eps must be > 0, got {eps}.")
    if max_iter < 1 or check_every < 1:
        raise ValueError(f"sinkhorn_log: max_iter and check_every must be >= 1, got {max_iter}, {check_every}.")
    B, n, m = cost.shape
    device = cost.device
    dtype = torch.promote_types(cost.dtype, torch.float32)

    a, sup_a = _support(a, mask_a, (B, n), device, dtype, "mask_a")
    b, sup_b = _support(b, mask_b, (B, m), device, dtype, "mask_b")
    empty = ~(sup_a.any(dim=1) & sup_b.any(dim=1))
    if n == 0 or m == 0:
        zeros = torch.zeros(B, dtype=dtype, device=device)
        return TransportPlan(torch.zeros(B, n, m, dtype=dtype, device=device), 0, zeros > 0, zeros, zeros == 0)

    # Empty problems are solved with all-ones support and zeroed at the end: no -inf - -inf anywhere.
    solve_a = sup_a | empty[:, None]
    solve_b = sup_b | empty[:, None]
    log_a = _safe_log(torch.where(empty[:, None], uniform_marginals(solve_a, dtype), a), solve_a)
    log_b = _safe_log(torch.where(empty[:, None], uniform_marginals(solve_b, dtype), b), solve_b)
    pair = solve_a[:, :, None] & solve_b[:, None, :]
    zero = torch.zeros((), dtype=dtype, device=device)
    cost = torch.where(pair, cost.to(dtype), zero)

    neg_c = -cost / eps
    f = torch.zeros(B, n, dtype=dtype, device=device)  # potentials divided by eps: f/eps, g/eps
    g = torch.zeros(B, m, dtype=dtype, device=device)
    n_iter = 0
    for it in range(1, max_iter + 1):
        g = -_logsumexp(neg_c + (f + log_a)[:, :, None], dim=1)
        f = -_logsumexp(neg_c + (g + log_b)[:, None, :], dim=2)
        n_iter = it
        if tol > 0 and it % check_every == 0 and it < max_iter:
            col = (g + _logsumexp(neg_c + (f + log_a)[:, :, None], dim=1) + log_b).exp()
            col_err = torch.where(solve_b, (col - log_b.exp()).abs(), zero).amax(dim=1)
            if bool(((col_err < tol) | empty).all()):
                break

    log_plan = neg_c + (f + log_a)[:, :, None] + (g + log_b)[:, None, :]
    plan = torch.where(empty[:, None, None], zero, log_plan.exp())
    row_err = (plan.sum(dim=2) - a).abs().amax(dim=1)
    col_err = (plan.sum(dim=1) - b).abs().amax(dim=1)
    marginal_error = torch.where(empty, zero, torch.maximum(row_err, col_err))
    converged = (marginal_error < tol) & ~empty
    return TransportPlan(plan, n_iter, converged, marginal_error.detach(), empty)


def ot_distance(
    cost: torch.Tensor,
    a: torch.Tensor | None,
    b: torch.Tensor | None,
    eps: float,
    max_iter: int = SINKHORN.max_iter,
    tol: float = SINKHORN.tol,
    mask_a: torch.Tensor | None = None,
    mask_b: torch.Tensor | None = None,
    check_every: int = SINKHORN.check_every,
    detach_plan: bool = True,
) -> tuple[torch.Tensor, TransportPlan]:
    r"""Entropic OT distance :math:`W = \langle P^\star, C \rangle` for a batch of problems.

    :math:`P^\star` is the :func:`sinkhorn_log` plan. With ``detach_plan=True`` (the default, as in
    OPTICAL) the plan is computed under ``torch.no_grad()`` and treated as a constant, so

    .. math::
        \frac{\partial W}{\partial C_{ij}} = P^\star_{ij}

    (envelope theorem), gradients flow only through :math:`C` and no graph of the iterations is kept.
    ``detach_plan=False`` differentiates through the unrolled iterations instead (memory grows with
    ``n_iter``).

    Parameters
    ----------
    cost, a, b, eps, max_iter, tol, mask_a, mask_b, check_every
        As in :func:`sinkhorn_log`.
    detach_plan : bool
        Treat the plan as a constant (envelope gradient).

    Returns
    -------
    W : torch.Tensor, shape (B,)
        0 for empty problems. Dtype ``promote(cost.dtype, float32)``.
    plan : TransportPlan

    References
    ----------
    .. [1] Z. Huang, P. Yu and J. Allan. Improving Cross-lingual Information Retrieval on Low-Resource
       Languages via Optimal Transport Distillation. WSDM 2023.
    """
    kwargs = dict(max_iter=max_iter, tol=tol, mask_a=mask_a, mask_b=mask_b, check_every=check_every)
    if detach_plan:
        with torch.no_grad():
            tp = sinkhorn_log(cost.detach(), a, b, eps, **kwargs)
    else:
        tp = sinkhorn_log(cost, a, b, eps, **kwargs)
    dtype = tp.plan.dtype
    # Padding costs may be garbage (NaN); 0 * NaN would leak into W and the gradient.
    zero = torch.zeros((), dtype=dtype, device=cost.device)
    W = (tp.plan * torch.where(tp.plan > 0, cost.to(dtype), zero)).sum(dim=(1, 2))
    return W, tp
