"""Sentence-level baselines against torch's own loss functions on hand-pooled vectors."""

import torch
import torch.nn.functional as F

from engine.encoders.pooling import mean_pool
from engine.losses import PooledInfoNCELoss, PooledMSELoss


def batch(seed=0, B=6, n=7, m=9, d=12):
    g = torch.Generator().manual_seed(seed)
    t, s = torch.randn(B, n, d, generator=g), torch.randn(B, m, d, generator=g)
    t_mask = torch.arange(n)[None] < torch.randint(1, n + 1, (B,), generator=g)[:, None]
    s_mask = torch.arange(m)[None] < torch.randint(1, m + 1, (B,), generator=g)[:, None]
    return t, t_mask, s, s_mask


def hand_pool(x, mask):
    return torch.stack([x[k, mask[k]].mean(0) for k in range(x.shape[0])])


def test_mean_pool_ignores_padding_even_nan():
    t, t_mask, _, _ = batch()
    torch.testing.assert_close(mean_pool(t, t_mask), hand_pool(t, t_mask))
    t_nan = torch.where(t_mask[:, :, None], t, torch.full_like(t, float("nan")))
    torch.testing.assert_close(mean_pool(t_nan, t_mask), hand_pool(t, t_mask))
    assert (mean_pool(t, torch.zeros_like(t_mask)) == 0).all()


def test_mse_matches_torch_on_pooled_vectors():
    t, t_mask, s, s_mask = batch(1)
    expected = F.mse_loss(hand_pool(s, s_mask), hand_pool(t, t_mask))
    torch.testing.assert_close(PooledMSELoss()(t, t_mask, s, s_mask), expected)


def test_infonce_matches_manual_cross_entropy():
    t, t_mask, s, s_mask = batch(2)
    u, v = hand_pool(t, t_mask), hand_pool(s, s_mask)
    sim = torch.stack([torch.stack([F.cosine_similarity(u[i], v[j], dim=0) for j in range(6)]) for i in range(6)])
    log_probs = sim / 0.02 - torch.logsumexp(sim / 0.02, dim=1, keepdim=True)
    expected = -log_probs.diagonal().mean()
    loss, stats = PooledInfoNCELoss(tau=0.02)(t, t_mask, s, s_mask, return_stats=True)
    torch.testing.assert_close(loss, expected)
    assert stats["accuracy"] == (sim.argmax(1) == torch.arange(6)).float().mean().item()


def test_infonce_on_identical_inputs_is_perfect_and_backprops():
    t, t_mask, _, _ = batch(3)
    s = t.clone().requires_grad_(True)
    loss, stats = PooledInfoNCELoss()(t, t_mask, s, t_mask, return_stats=True)
    assert stats["accuracy"] == 1.0
    loss.backward()
    assert torch.isfinite(s.grad).all()
