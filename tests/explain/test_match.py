"""Explanations against oracles: POT's plan, brute-force argmax, rows that sum to 1, no NaN at small ε."""

import numpy as np
import pytest

from engine.explain import explain_match, explain_plan, group_words, row_normalise
from engine.ot import cosine_cost

Q = ["▁Ana", "▁wa", "kuru", "▁mpira", ",", "▁leo", "."]
D = ["▁The", "▁children", "▁play", "▁foot", "ball", "▁today", "."]


def embeddings(seed: int = 0):
    rng = np.random.default_rng(seed)
    d = rng.standard_normal((len(D), 16)).astype(np.float32)
    # query pieces near a document piece, so the plan has clear links
    near = [1, 2, 2, 3, 6, 5, 6]
    q = d[near] + 0.3 * rng.standard_normal((len(Q), 16)).astype(np.float32)
    return q, d


def test_plan_is_pots_and_words_keep_mass():
    import ot

    q, d = embeddings()
    ex = explain_match(Q, D, q, d, eps=0.1, max_iter=5000)
    cost = cosine_cost(q, d).astype(np.float64)
    oracle = ot.sinkhorn(np.full(len(Q), 1 / len(Q)), np.full(len(D), 1 / len(D)), cost, 0.1,
                         method="sinkhorn_log", numItermax=20000, stopThr=1e-10)
    rows, cols = group_words(Q), group_words(D)
    expected = rows.indicator() @ oracle @ cols.indicator().T
    np.testing.assert_allclose(ex.plan, expected, atol=2e-4)
    assert ex.plan.sum() == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(ex.plan.sum(1), [np.mean(rows.group == i) for i in range(len(rows))], atol=2e-4)
    assert ex.ot_cost == pytest.approx(float((oracle * cost).sum()), abs=1e-3)


def test_rows_sum_to_one_and_links_are_the_row_argmax():
    q, d = embeddings(1)
    ex = explain_match(Q, D, q, d, eps=0.02)
    np.testing.assert_allclose(ex.share.sum(1), 1.0, atol=1e-9)
    assert len(ex.links) == len(ex.query_words) == ex.share.shape[0]
    for i, link in enumerate(ex.links):
        j = max(range(len(ex.doc_words)), key=lambda col: ex.share[i, col])
        assert (link.row, link.col, link.query, link.doc) == (i, j, ex.query_words[i], ex.doc_words[j])
        assert link.weight == pytest.approx(ex.share[i, j])
    assert [(lk.query, lk.doc) for lk in ex.links[:3]] == [("Ana", "children"), ("wakuru", "play"),
                                                           ("mpira", "football")]


def test_top_links_agree_with_brute_force():
    q, d = embeddings(2)
    ex = explain_match(Q, D, q, d, eps=0.02)
    brute = []
    for i in range(len(ex.query_words)):
        for j in range(len(ex.doc_words)):
            if ex.share[i, j] == ex.share[i].max() and not ex.query.punct[i] and not ex.doc.punct[j]:
                brute.append((ex.share[i, j], ex.query_words[i], ex.doc_words[j]))
    brute.sort(key=lambda t: -t[0])
    top = ex.top_links(3)
    assert [(lk.query, lk.doc) for lk in top] == [(qw, dw) for _, qw, dw in brute[:3]]
    assert all(not ex.query.punct[lk.row] for lk in ex.top_links(10))
    assert len(ex.top_links(10, punctuation=True)) == len(ex.query_words)


def test_maxsim_is_the_largest_cosine_per_query_word():
    q, d = embeddings(3)
    ex = explain_match(Q, D, q, d)
    cos = 1.0 - cosine_cost(q, d).astype(np.float64)
    rows = group_words(Q)
    for m in ex.maxsim:
        assert m.weight == pytest.approx(cos[rows.group == m.row].max(), abs=1e-6)
        assert m.doc == ex.doc_words[int(np.argmax(ex.cosine[m.row]))]
    assert 0 < ex.maxsim_score() <= 1


@pytest.mark.parametrize("eps", [1e-3, 0.005, 0.01])
def test_small_eps_is_finite(eps):
    q, d = embeddings(4)
    ex = explain_match(Q, D, q, d, eps=eps, max_iter=2000)
    assert np.isfinite(ex.plan).all() and np.isfinite(ex.share).all()
    assert ex.plan.sum() == pytest.approx(1.0, abs=1e-3)


def test_row_normalise_leaves_empty_rows_zero():
    out = row_normalise(np.array([[0.0, 0.0], [1.0, 3.0]]))
    np.testing.assert_allclose(out, [[0, 0], [0.25, 0.75]])


def test_explain_plan_checks_shapes():
    with pytest.raises(ValueError, match="must be"):
        explain_plan(["▁a"], ["▁b", "▁c"], np.ones((1, 1)), np.ones((1, 1)), 0.01)
