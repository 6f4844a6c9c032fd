"""Merging scores of several document languages (engine.vectors.merging), against a direct numpy computation."""

import numpy as np
import pytest

from engine.errors import UserError
from engine.evaluation.dense import dense_run
from engine.vectors.merging import MOMENT_SAMPLE, merged_scores, sample_rows


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_z_score_standardises_each_language_per_query():
    rng = np.random.default_rng(0)
    q, d = _unit(rng.normal(size=(4, 8))), _unit(rng.normal(size=(30, 8)))
    groups = ["en"] * 20 + ["ny"] * 10
    z = merged_scores(q, d, groups, "z-score")
    raw = q @ d.T
    for cols in (slice(0, 20), slice(20, 30)):
        block = raw[:, cols]
        expect = (block - block.mean(1, keepdims=True)) / block.std(1, keepdims=True)
        assert np.allclose(z[:, cols], expect, atol=1e-5)
        assert np.allclose(z[:, cols].mean(1), 0, atol=1e-5) and np.allclose(z[:, cols].std(1), 1, atol=1e-4)
    assert np.allclose(merged_scores(q, d, groups, "cosine"), raw, atol=1e-6)


def test_a_language_scored_low_everywhere_is_not_buried_by_z_score():
    """The same scores in both languages but 0.3 higher in English (a document side trained into the query's space):
    cosine ranks every English document first, z-score the best document of each language."""
    pattern = np.random.default_rng(1).normal(0, 0.05, size=(1, 10))
    scores_en, scores_ny = pattern + 0.5, pattern + 0.2
    # build vectors that reproduce the scores exactly: a query e0 and documents with that first coordinate
    q = np.eye(1, 21)
    d = np.zeros((20, 21))
    d[:, 0] = np.concatenate([scores_en, scores_ny], axis=1)[0]
    d[np.arange(20), np.arange(1, 21)] = 1.0
    groups = ["en"] * 10 + ["ny"] * 10
    ids = [f"e{i}" for i in range(10)] + [f"n{i}" for i in range(10)]
    cosine = dense_run(["q"], q, ids, d, k=2, doc_groups=groups)
    z = dense_run(["q"], q, ids, d, k=2, doc_groups=groups, merge="z-score")
    assert all(doc.startswith("e") for doc in cosine["q"])
    best = f"{int(np.argmax(pattern))}"
    assert set(z["q"]) == {"e" + best, "n" + best}


def test_sample_is_fixed_and_bounded_and_bad_names_fail():
    assert np.array_equal(sample_rows(10), np.arange(10))
    rows = sample_rows(5000)
    assert len(rows) == MOMENT_SAMPLE and np.array_equal(rows, sample_rows(5000)) and np.all(np.diff(rows) > 0)
    with pytest.raises(UserError, match="unknown merge"):
        merged_scores(np.ones((1, 2)), np.ones((3, 2)), ["en"] * 3, "rrf")
    single = merged_scores(np.ones((1, 2)), np.ones((3, 2)), ["en"] * 3, "z-score")
    assert np.isfinite(single).all()  # a spread of zero stays finite
