"""OT losses against hand-built loops over engine.ot.torch.ot_distance."""

import pytest
import torch
import torch.nn.functional as F

from engine.losses import LOSSES, OTAlignmentLoss, OTContrastiveLoss
from engine.ot.torch import cosine_cost, ot_distance


def paired_batch(seed, B=5, n=9, m=11, d=16, noise=0.5, dtype=torch.float64):
    """Teacher tokens and a noisy, shorter-or-longer student view of each sentence, with ragged masks."""
    g = torch.Generator().manual_seed(seed)
    t = torch.randn(B, n, d, generator=g, dtype=dtype)
    s = torch.randn(B, m, d, generator=g, dtype=dtype) * noise
    s[:, :n] += t  # student token j (j < n) is a noisy copy of teacher token j
    t_mask = torch.arange(n)[None] < torch.randint(3, n + 1, (B,), generator=g)[:, None]
    s_mask = torch.arange(m)[None] < torch.randint(3, m + 1, (B,), generator=g)[:, None]
    return t, t_mask, s, s_mask


def test_contrastive_equals_loop_of_pairs():
    t, t_mask, s, s_mask = paired_batch(0)
    loss_fn = OTContrastiveLoss(eps=0.05, tau=0.02, max_iter=50, tol=0.0)
    B = t.shape[0]
    W = torch.empty(B, B, dtype=t.dtype)
    for i in range(B):
        for j in range(B):
            ti, sj = t[i : i + 1, t_mask[i]], s[j : j + 1, s_mask[j]]
            W[i, j] = ot_distance(cosine_cost(ti, sj), None, None, 0.05, max_iter=50, tol=0.0)[0][0]
    expected = F.cross_entropy(-W / 0.02, torch.arange(B))
    loss, stats = loss_fn(t, t_mask, s, s_mask, return_stats=True)
    torch.testing.assert_close(loss, expected, rtol=1e-10, atol=1e-10)
    assert stats["sinkhorn_iter"] == 50
    sym = OTContrastiveLoss(eps=0.05, tau=0.02, max_iter=50, tol=0.0, symmetric=True)(t, t_mask, s, s_mask)
    torch.testing.assert_close(sym, 0.5 * (expected + F.cross_entropy(-W.T / 0.02, torch.arange(B))))


def test_contrastive_with_token_weights_equals_loop():
    t, t_mask, s, s_mask = paired_batch(1, B=3)
    g = torch.Generator().manual_seed(5)
    tw, sw = torch.rand(t_mask.shape, generator=g, dtype=t.dtype), torch.rand(s_mask.shape, generator=g, dtype=t.dtype)
    loss_fn = OTContrastiveLoss(max_iter=30, tol=0.0)
    W = torch.empty(3, 3, dtype=t.dtype)
    for i in range(3):
        for j in range(3):
            W[i, j] = ot_distance(
                cosine_cost(t[i : i + 1], s[j : j + 1]), tw[i : i + 1], sw[j : j + 1], 0.05,
                max_iter=30, tol=0.0, mask_a=t_mask[i : i + 1], mask_b=s_mask[j : j + 1],
            )[0][0]
    torch.testing.assert_close(loss_fn(t, t_mask, s, s_mask, tw, sw), F.cross_entropy(-W / 0.02, torch.arange(3)))


def test_contrastive_decreases_when_student_moves_toward_teacher():
    t, t_mask, _, s_mask = paired_batch(2, m=9)
    s_mask = t_mask.clone()
    noise = torch.randn(t.shape, generator=torch.Generator().manual_seed(3), dtype=t.dtype) * 3
    loss_fn = OTContrastiveLoss()
    losses = [loss_fn(t, t_mask, t + alpha * noise, s_mask).item() for alpha in (1.0, 0.5, 0.1)]
    assert losses[0] > losses[1] > losses[2]


def test_contrastive_gradient_step_lowers_loss():
    t, t_mask, s, s_mask = paired_batch(4, noise=2.0)
    s = s.clone().requires_grad_(True)
    loss_fn = OTContrastiveLoss()
    before = loss_fn(t, t_mask, s, s_mask)
    before.backward()
    assert torch.isfinite(s.grad).all() and s.grad.abs().sum() > 0
    after = loss_fn(t, t_mask, (s - 0.5 * s.grad).detach(), s_mask)
    assert after < before


def test_contrastive_identical_inputs_retrieve_the_diagonal():
    t, t_mask, _, _ = paired_batch(5, B=8, d=32)
    loss, stats = OTContrastiveLoss(max_iter=500)(t, t_mask, t.clone(), t_mask.clone(), return_stats=True)
    assert stats["accuracy"] == 1.0
    assert loss.item() < 0.1
    assert stats["sinkhorn_converged"] == 1.0


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_alignment_is_mean_of_paired_distances_and_backprops(dtype):
    t, t_mask, s, s_mask = paired_batch(6, dtype=dtype)
    s = s.clone().requires_grad_(True)
    loss, stats = OTAlignmentLoss(eps=0.05, max_iter=50)(t, t_mask, s, s_mask, return_stats=True)
    W, _ = ot_distance(cosine_cost(t, s), None, None, 0.05, max_iter=50, mask_a=t_mask, mask_b=s_mask)
    torch.testing.assert_close(loss, W.mean())
    loss.backward()
    assert torch.isfinite(s.grad).all()
    assert s.grad[~s_mask].abs().sum() == 0  # padded student tokens get no gradient
    assert stats["sinkhorn_iter"] <= 50


def test_registry_builds_every_loss_with_one_call_signature():
    t, t_mask, s, s_mask = paired_batch(7, dtype=torch.float32)
    s = s.clone().requires_grad_(True)
    for name, cls in LOSSES.items():
        loss, stats = cls()(t, t_mask, s, s_mask, return_stats=True)
        assert loss.dim() == 0 and torch.isfinite(loss), name
        assert isinstance(stats, dict)
        loss.backward()
        assert torch.isfinite(s.grad).all(), name
        s.grad = None


def test_batch_with_an_empty_student_sentence_stays_finite():
    t, t_mask, s, s_mask = paired_batch(8)
    s_mask[2] = False
    s = s.clone().requires_grad_(True)
    for loss_fn in (OTContrastiveLoss(), OTAlignmentLoss()):
        loss = loss_fn(t, t_mask, s, s_mask)
        loss.backward()
        assert torch.isfinite(loss) and torch.isfinite(s.grad).all()
        s.grad = None
