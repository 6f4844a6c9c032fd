"""Pieces → words: every piece in exactly one word; merging keeps the mass and the marginals (oracle: the plan)."""

import numpy as np
import pytest

from engine.explain import group_words, merge_mass, merge_max, words_of

PIECES = ["▁Yesu", "▁an", "ati", "▁kwa", "▁", "iye", ",", "▁(", "new", ")", "▁Ida", "'", "i", "▁1,000", "."]


@pytest.mark.parametrize("pieces, words, punct", [
    (["▁Yesu", "▁an", "ati"], ["Yesu", "anati"], [False, False]),
    (["▁free", ","], ["free", ","], [False, True]),
    (["▁(", "new", ")"], ["(", "new", ")"], [True, False, True]),
    (["▁Ida", "'", "i"], ["Ida'i"], [False]),                      # punctuation inside a word stays
    (["▁", "iye"], ["iye"], [False]),                              # a bare ▁ belongs to the word after it
    (["▁", "(", "Hello"], ["(", "Hello"], [True, False]),
    (["▁way", ".", "\""], ["way", ".", "\""], [False, True, True]),
    (["▁", ","], [","], [True]),
    (["▁"], ["▁"], [True]),
])
def test_group_words(pieces, words, punct):
    w = group_words(pieces)
    assert w.words == words and w.punct.tolist() == punct
    assert len(w.group) == len(pieces) and np.all(np.diff(w.group) >= 0) and w.group[0] == 0
    assert set(w.group.tolist()) == set(range(len(words)))


def test_without_punctuation_split_words_are_whitespace_chunks():
    assert group_words(["▁free", ",", "▁and"], split_punctuation=False).words == ["free,", "and"]


def test_merging_keeps_total_mass_and_both_marginals():
    rng = np.random.default_rng(0)
    rows, cols = group_words(PIECES), group_words(PIECES[3:] + ["▁the", "▁way"])
    plan = rng.random((len(rows.group), len(cols.group)))
    plan /= plan.sum()
    word_plan = merge_mass(plan, rows, cols)
    assert word_plan.shape == (len(rows), len(cols))
    assert word_plan.sum() == pytest.approx(1.0)
    for word in range(len(rows)):
        assert word_plan[word].sum() == pytest.approx(plan[rows.group == word].sum())
    for word in range(len(cols)):
        assert word_plan[:, word].sum() == pytest.approx(plan[:, cols.group == word].sum())


def test_merge_max_is_the_largest_piece_pair():
    rng = np.random.default_rng(1)
    rows, cols = group_words(PIECES), group_words(["▁the", "▁way", ",", "▁tru", "th"])
    values = rng.standard_normal((len(rows.group), len(cols.group)))
    got = merge_max(values, rows, cols)
    for i in range(len(rows)):
        for j in range(len(cols)):
            assert got[i, j] == values[np.ix_(rows.group == i, cols.group == j)].max()


def test_words_of_tokenizes_with_the_tokenizer(tiny_encoder):
    tok = tiny_encoder.tokenizer
    text = "Jesus said, I am the way."
    assert words_of(text, tok) == group_words(tok.tokenize(text)).words
    assert words_of(text, tok) == ["Jesus", "said", ",", "I", "am", "the", "way", "."]
