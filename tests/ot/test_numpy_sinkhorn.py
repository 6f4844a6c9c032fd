"""engine.ot (the numpy solver for serving) against POT and against the torch training solver."""

import subprocess
import sys

import numpy as np
import ot
import pytest
import torch

import engine.ot as np_ot
from engine.ot.torch import sinkhorn_log as torch_sinkhorn


@pytest.mark.parametrize("eps", [0.02, 0.05, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_matches_pot(eps, weighted):
    rng = np.random.default_rng(int(eps * 100) + weighted)
    cost = rng.random((7, 11)) * 2
    a = rng.random(7) + 0.1 if weighted else None
    b = rng.random(11) + 0.1 if weighted else None
    got = np_ot.sinkhorn_log(cost, a, b, eps, max_iter=5000, tol=1e-10)
    a_n = np_ot.marginal(7) if a is None else a / a.sum()
    b_n = np_ot.marginal(11) if b is None else b / b.sum()
    want = ot.sinkhorn(a_n, b_n, cost, eps, method="sinkhorn_log", numItermax=5000, stopThr=1e-12)
    np.testing.assert_allclose(got.plan, want, atol=1e-8)
    assert got.converged and got.marginal_error < 1e-9


def test_matches_the_torch_solver_and_zero_weights_carry_no_mass():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((6, 16)), rng.standard_normal((9, 16))
    cost = np_ot.cosine_cost(x, y)
    want_cost = 1 - torch.nn.functional.cosine_similarity(torch.tensor(x)[:, None], torch.tensor(y)[None], dim=-1)
    np.testing.assert_allclose(cost, want_cost.numpy(), atol=1e-6)
    b = np.r_[np.ones(8), 0.0]  # the last English token weighs nothing
    got = np_ot.sinkhorn_log(cost, None, b, 0.05, max_iter=300, tol=1e-6)
    tp = torch_sinkhorn(torch.tensor(cost, dtype=torch.float64)[None], None, torch.tensor(b)[None], 0.05,
                        max_iter=300, tol=1e-6)
    np.testing.assert_allclose(got.plan, tp.plan[0].numpy(), atol=1e-6)
    assert got.plan[:, -1].sum() == 0 and abs(got.plan.sum() - 1) < 1e-6


@pytest.mark.parametrize("eps", [1e-3, 5e-3])
def test_small_eps_and_garbage_never_give_nan(eps):
    rng = np.random.default_rng(0)
    cost = rng.random((30, 40)) * 2
    cost[0, 0] = np.nan
    cost[1, 1] = np.inf
    res = np_ot.sinkhorn_log(cost, None, None, eps, max_iter=500)
    assert np.isfinite(res.plan).all() and abs(res.plan.sum() - 1) < 1e-3
    empty = np_ot.sinkhorn_log(np.zeros((0, 4)), None, None, 0.05)
    assert empty.plan.shape == (0, 4) and not empty.converged
    with pytest.raises(ValueError, match="eps"):
        np_ot.sinkhorn_log(cost, None, None, 0.0)


def test_identical_token_sets_are_at_distance_zero_and_idf_weights_follow_scores():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 8))
    assert np_ot.ot_distance(x, x, eps=0.01) < 0.02 < np_ot.ot_distance(x, rng.standard_normal((5, 8)))
    np.testing.assert_allclose(np_ot.marginal(3, np.array([1.0, 3.0, -2.0])), [0.25, 0.75, 0.0])
    np.testing.assert_allclose(np_ot.marginal(2, np.zeros(2)), [0.5, 0.5])


def test_imports_no_torch():
    code = ("import sys, engine.ot, explorer.alignment, engine.search; engine.ot.sinkhorn_log; "
            "print('torch' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"
