"""Which pairs go into which batch: a seeded shuffle per epoch, optionally grouped by length (``--length-buckets``)
or by neighbourhood (``--local-batches``)."""

from __future__ import annotations

import numpy as np


def pair_lengths(triples: list[tuple[str, str, str]]) -> np.ndarray:
    """Characters per ``(lang, en, other)`` pair, both sides: the length that length buckets sort by."""
    return np.array([len(en) + len(other) for _, en, other in triples])


def local_order(n: int, block: int, rng: np.random.Generator) -> np.ndarray:
    """A permutation of ``range(n)`` made of runs of ``block`` consecutive indices, the runs shuffled.

    The cut points move by a random offset each epoch, so two neighbours are not always in the same run. Pairs in file
    order (consecutive verses of one chapter, neighbouring strings of one catalogue) then share batches: each one's
    in-batch negatives include its neighbours, the documents a passage retriever has to tell apart (``bible-ny``
    passages of one chapter share most words), instead of random pairs that are easy to separate.
    """
    start = int(rng.integers(block)) if n > block else 0
    runs = np.split(np.arange(n), range(start or block, n, block))
    return np.concatenate([runs[i] for i in rng.permutation(len(runs))])


def batch_order(n: int, batch_size: int, epoch: int, seed: int, lengths: np.ndarray | None = None,
                bucket_batches: int = 64, local: int = 0) -> list[np.ndarray]:
    """The batches of one epoch: a seeded shuffle, deterministic for ``(seed, epoch)`` (so ``--resume`` is exact).

    With ``lengths``, the shuffled pairs are cut into pools of ``bucket_batches`` batches, each pool is sorted by
    length and cut into batches, and the batches are shuffled: every batch holds pairs of similar length, so
    padding (most of the compute of a step) shrinks, while every pair is still seen once per epoch.

    With ``local`` > 0 the pairs must come in file order: batches are cut from :func:`local_order` (runs of ``local``
    consecutive pairs) and ``lengths`` is ignored.
    """
    rng = np.random.default_rng(seed + 1000 * epoch)
    if local > 0:
        perm, lengths = local_order(n, local, rng), None
    else:
        perm = rng.permutation(n)
    if lengths is not None:
        pool = batch_size * bucket_batches
        perm = np.concatenate([chunk[np.argsort(lengths[chunk], kind="stable")]
                               for chunk in np.split(perm, range(pool, n, pool))])
    batches = [perm[i : i + batch_size] for i in range(0, n - batch_size + 1, batch_size)] or [perm]
    if lengths is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches
