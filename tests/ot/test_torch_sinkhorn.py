"""engine.ot.torch (the batched training solver) against POT (the oracle) and against a loop of single problems."""

import numpy as np
import ot
import pytest
import torch

from engine.ot.torch import (
    cosine_cost,
    cosine_cost_pairwise,
    ot_distance,
    sinkhorn_emd,
    sinkhorn_log,
    uniform_marginals,
    weights_from_scores,
)


def ragged_batch(seed, B=5, n=9, m=7, dtype=torch.float64, weighted=False):
    """A padded batch of random problems with ragged lengths; padding holds garbage costs."""
    g = torch.Generator().manual_seed(seed)
    cost = torch.rand(B, n, m, generator=g, dtype=dtype) * 2
    len_a = torch.randint(1, n + 1, (B,), generator=g)
    len_b = torch.randint(1, m + 1, (B,), generator=g)
    len_a[0], len_b[0] = n, m  # one problem without padding
    mask_a = torch.arange(n)[None] < len_a[:, None]
    mask_b = torch.arange(m)[None] < len_b[:, None]
    cost = torch.where(mask_a[:, :, None] & mask_b[:, None, :], cost, torch.full_like(cost, float("nan")))
    if weighted:
        a = torch.rand(B, n, generator=g, dtype=dtype) + 0.1
        b = torch.rand(B, m, generator=g, dtype=dtype) + 0.1
    else:
        a, b = uniform_marginals(mask_a, dtype), uniform_marginals(mask_b, dtype)
    return cost, a, b, mask_a, mask_b, len_a, len_b


@pytest.mark.parametrize("eps", [0.02, 0.05, 0.2, 1.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_matches_pot_on_each_unpadded_slice(eps, weighted):
    cost, a, b, mask_a, mask_b, len_a, len_b = ragged_batch(int(eps * 100), weighted=weighted)
    out = sinkhorn_log(cost, a, b, eps, max_iter=5000, tol=1e-10, mask_a=mask_a, mask_b=mask_b)
    assert out.converged.all()
    assert torch.isfinite(out.plan).all()
    for k in range(cost.shape[0]):
        na, nb = int(len_a[k]), int(len_b[k])
        ak = a[k, :na].numpy() / a[k, :na].sum().item()
        bk = b[k, :nb].numpy() / b[k, :nb].sum().item()
        ref = ot.sinkhorn(
            ak, bk, cost[k, :na, :nb].numpy(), eps, method="sinkhorn_log", stopThr=1e-12, numItermax=10000
        )
        np.testing.assert_allclose(out.plan[k, :na, :nb].numpy(), ref, atol=1e-8)
        assert out.plan[k, na:].abs().sum() == 0 and out.plan[k, :, nb:].abs().sum() == 0


def test_batched_equals_loop_of_single_problems():
    cost, a, b, mask_a, mask_b, len_a, len_b = ragged_batch(7, B=6, weighted=True)
    batched = sinkhorn_log(cost, a, b, 0.05, max_iter=37, tol=0.0, mask_a=mask_a, mask_b=mask_b)
    assert batched.n_iter == 37
    for k in range(cost.shape[0]):
        na, nb = int(len_a[k]), int(len_b[k])
        single = sinkhorn_log(
            cost[k : k + 1, :na, :nb], a[k : k + 1, :na], b[k : k + 1, :nb], 0.05, max_iter=37, tol=0.0
        )
        torch.testing.assert_close(batched.plan[k, :na, :nb], single.plan[0], rtol=0, atol=1e-12)
        torch.testing.assert_close(batched.marginal_error[k], single.marginal_error[0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_small_eps_is_finite_and_meets_marginals(dtype):
    x = torch.randn(4, 20, 32, generator=torch.Generator().manual_seed(0), dtype=dtype)
    y = x[:, :15] + 0.3 * torch.randn(4, 15, 32, generator=torch.Generator().manual_seed(1), dtype=dtype)
    cost = cosine_cost(x, y)  # in [0, 2]
    mask_a = torch.ones(4, 20, dtype=torch.bool)
    mask_a[1, 12:] = False
    out = sinkhorn_log(cost, None, None, 1e-3, max_iter=5000, tol=1e-4, mask_a=mask_a)
    assert torch.isfinite(out.plan).all()
    assert out.converged.all(), out.marginal_error
    a = uniform_marginals(mask_a, out.plan.dtype)
    assert (out.plan.sum(2) - a).abs().max() < 1e-4
    assert (out.plan.sum(1) - 1 / 15).abs().max() < 1e-4
    # Not converged within a tiny budget: still finite, and honestly flagged.
    short = sinkhorn_log(cost, None, None, 1e-3, max_iter=3, mask_a=mask_a)
    assert torch.isfinite(short.plan).all() and not short.converged.any()


def test_fully_masked_problem_gives_zero_plan_without_nan():
    cost = torch.rand(3, 4, 5, requires_grad=True)
    mask_a = torch.ones(3, 4, dtype=torch.bool)
    mask_b = torch.ones(3, 5, dtype=torch.bool)
    mask_a[1] = False  # no real teacher token
    mask_b[2] = False  # no real student token
    W, out = ot_distance(cost, None, None, 1e-3, max_iter=200, mask_a=mask_a, mask_b=mask_b)
    assert torch.isfinite(out.plan).all() and torch.isfinite(W).all()
    assert out.plan[1:].abs().sum() == 0 and (W[1:] == 0).all()
    assert out.empty.tolist() == [False, True, True]
    assert out.converged[1:].tolist() == [False, False]
    W.sum().backward()
    assert torch.isfinite(cost.grad).all() and cost.grad[1:].abs().sum() == 0


def test_zero_weights_on_real_tokens_act_as_padding():
    cost, a, b, mask_a, mask_b, *_ = ragged_batch(3, weighted=True)
    a[:, 0] = 0.0
    out = sinkhorn_log(cost, a, b, 0.1, max_iter=2000, tol=1e-10, mask_a=mask_a, mask_b=mask_b)
    assert torch.isfinite(out.plan).all() and out.converged.all()
    assert out.plan[:, 0].abs().max() == 0


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_envelope_gradient_of_ot_distance_is_the_plan(dtype):
    cost, a, b, mask_a, mask_b, *_ = ragged_batch(11, dtype=dtype)
    cost = torch.nan_to_num(cost, nan=1.0).requires_grad_(True)
    W, out = ot_distance(cost, a, b, 0.1, max_iter=500, tol=1e-7, mask_a=mask_a, mask_b=mask_b)
    assert W.dtype == dtype
    W.sum().backward()
    torch.testing.assert_close(cost.grad, out.plan, rtol=0, atol=0)
    torch.testing.assert_close(W, (out.plan * cost).sum((1, 2)).detach())


def test_unrolled_gradient_is_finite_with_padding():
    cost, a, b, mask_a, mask_b, *_ = ragged_batch(12)
    cost = torch.nan_to_num(cost, nan=1.0).requires_grad_(True)
    W, _ = ot_distance(cost, a, b, 0.1, max_iter=20, mask_a=mask_a, mask_b=mask_b, detach_plan=False)
    W.sum().backward()
    assert torch.isfinite(cost.grad).all()


def test_half_precision_cost_runs_in_float32():
    cost = torch.rand(2, 6, 5).to(torch.bfloat16)
    out = sinkhorn_log(cost, None, None, 0.05, max_iter=200)
    assert out.plan.dtype == torch.float32 and out.converged.all()


def test_emd_matches_pot_emd2():
    rng = np.random.default_rng(0)
    C = rng.random((7, 5))
    a, b = rng.random(7) + 0.1, rng.random(5) + 0.1
    plan = sinkhorn_emd(torch.from_numpy(C), torch.from_numpy(a), torch.from_numpy(b))
    expected = ot.emd2(a / a.sum(), b / b.sum(), C)
    assert abs((plan * torch.from_numpy(C)).sum().item() - expected) < 1e-10
    np.testing.assert_allclose(plan.sum(1).numpy(), a / a.sum(), atol=1e-12)
    assert sinkhorn_emd(C).dtype == torch.float64  # numpy in, torch out


def test_small_eps_distance_approaches_emd():
    rng = np.random.default_rng(1)
    C = torch.from_numpy(rng.random((1, 8, 6)) * 2)
    exact = ot.emd2(np.full(8, 1 / 8), np.full(6, 1 / 6), C[0].numpy())
    gaps = []
    for eps in [0.1, 0.01, 0.002]:
        W, out = ot_distance(C, None, None, eps, max_iter=20000, tol=1e-9)
        assert out.converged.all()
        gaps.append(W.item() - exact)
    assert gaps[0] > gaps[1] > gaps[2] >= -1e-9
    assert gaps[2] < 1e-2


def test_cosine_costs():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(3, 4, 8, generator=g), torch.randn(2, 5, 8, generator=g)
    pair = cosine_cost_pairwise(x, y)
    assert pair.shape == (3, 2, 4, 5)
    for p in range(3):
        for q in range(2):
            ref = 1 - torch.nn.functional.cosine_similarity(x[p][:, None], y[q][None], dim=-1)
            torch.testing.assert_close(pair[p, q], ref)
    torch.testing.assert_close(cosine_cost(x[:2], y), torch.stack([pair[0, 0], pair[1, 1]]))
    zero = cosine_cost(torch.zeros(1, 2, 8), y[:1])
    assert torch.isfinite(zero).all() and (zero == 1).all()


def test_marginal_helpers():
    mask = torch.tensor([[True, True, False], [False, False, False]])
    torch.testing.assert_close(uniform_marginals(mask), torch.tensor([[0.5, 0.5, 0.0], [0.0, 0.0, 0.0]]))
    scores = torch.tensor([[3.0, 1.0, 9.0], [1.0, 1.0, 1.0]])
    torch.testing.assert_close(weights_from_scores(scores, mask), torch.tensor([[0.75, 0.25, 0.0], [0.0, 0.0, 0.0]]))
    # All-zero scores on real tokens fall back to uniform.
    torch.testing.assert_close(weights_from_scores(torch.zeros(1, 3), mask[:1]), torch.tensor([[0.5, 0.5, 0.0]]))


def test_zero_size_problem():
    out = sinkhorn_log(torch.rand(2, 0, 3), None, None, 0.1)
    assert out.plan.shape == (2, 0, 3) and out.empty.all()


def test_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match="cost must be"):
        sinkhorn_log(torch.rand(3, 4), None, None, 0.1)
    with pytest.raises(ValueError, match="eps must be > 0"):
        sinkhorn_log(torch.rand(1, 3, 4), None, None, 0.0)
    with pytest.raises(ValueError, match="mask_b"):
        sinkhorn_log(torch.rand(1, 3, 4), None, None, 0.1, mask_b=torch.ones(1, 5, dtype=torch.bool))
