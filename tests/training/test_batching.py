"""Batches of one epoch: every pair once, deterministic per (seed, epoch), length buckets cut padding."""

import numpy as np

from engine.training.batching import batch_order


def test_length_buckets_cover_every_pair_once_and_cut_padding():
    lengths = np.random.default_rng(0).integers(5, 200, size=1000)
    plain = batch_order(1000, 16, epoch=0, seed=13)
    bucketed = batch_order(1000, 16, epoch=0, seed=13, lengths=lengths, bucket_batches=8)
    seen = np.concatenate(bucketed).tolist()
    assert len(seen) == len(set(seen)) == 992 and set(seen) <= set(range(1000))  # each once; full batches only
    assert all(len(b) == 16 for b in bucketed)
    padded = lambda batches: sum(len(b) * lengths[b].max() for b in batches)  # noqa: E731
    assert padded(bucketed) < 0.7 * padded(plain)
    again = batch_order(1000, 16, epoch=0, seed=13, lengths=lengths, bucket_batches=8)
    assert all((a == b).all() for a, b in zip(bucketed, again))  # deterministic: --resume replays the same batches
    other_epoch = batch_order(1000, 16, epoch=1, seed=13, lengths=lengths, bucket_batches=8)
    assert any((a != b).any() for a, b in zip(bucketed, other_epoch))


def test_local_batches_hold_runs_of_neighbours_and_still_cover_every_pair_once():
    batches = batch_order(1000, 32, epoch=0, seed=13, local=16)
    seen = np.concatenate(batches).tolist()
    assert len(seen) == len(set(seen)) == 992 and set(seen) <= set(range(1000))
    # a batch is at most three runs of consecutive indices (two whole runs, or parts of three at the random offset)
    runs_per_batch = [1 + int((np.diff(b) != 1).sum()) for b in batches]
    assert max(runs_per_batch) <= 3 and np.mean(runs_per_batch) < 2.6
    plain = batch_order(1000, 32, epoch=0, seed=13)
    assert np.mean([1 + int((np.diff(b) != 1).sum()) for b in plain]) > 25  # random batches: nobody's neighbours
    again = batch_order(1000, 32, epoch=0, seed=13, local=16)
    assert all((a == b).all() for a, b in zip(batches, again))
    cut = lambda bs: {int(b[i]) for b in bs for i in range(1, len(b)) if b[i] != b[i - 1] + 1}  # noqa: E731
    assert cut(batches) != cut(batch_order(1000, 32, epoch=1, seed=13, local=16))  # the cut points move per epoch
