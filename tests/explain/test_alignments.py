"""Alignments read off plans, symmetrisation and scores, on hand-computed cases."""

import numpy as np
import pytest

from engine.explain import (
    AlignmentCounts,
    backward_links,
    content_links,
    forward_links,
    grow_diag_final_and,
    parse_pharaoh,
    plan_alignments,
)


def test_directed_links_are_row_and_column_argmax():
    plan = np.array([[0.5, 0.1, 0.0],
                     [0.0, 0.2, 0.1],
                     [0.0, 0.3, 0.0]])
    assert forward_links(plan) == {(0, 0), (1, 1), (2, 1)}
    assert backward_links(plan) == {(0, 0), (2, 1), (1, 2)}
    out = plan_alignments(plan)
    assert out["intersection"] == {(0, 0), (2, 1)}
    assert out["intersection"] <= out["gdfa"] <= out["forward"] | out["backward"]


def test_rows_without_mass_get_no_link():
    assert forward_links(np.array([[0.0, 0.0], [0.0, 1.0]])) == {(1, 1)}
    assert forward_links(np.zeros((0, 3))) == set()


def test_grow_diag_final_and_by_hand():
    fwd = {(0, 0), (1, 1), (2, 1), (3, 3)}
    bwd = {(0, 0), (1, 1), (1, 2), (4, 4)}
    # intersection {(0,0),(1,1)}; grow: (2,1) and (1,2) touch (1,1) diagonally/adjacent and an unaligned word;
    # final-and: (3,3) and (4,4) join, both words unaligned
    assert grow_diag_final_and(fwd, bwd) == {(0, 0), (1, 1), (2, 1), (1, 2), (3, 3), (4, 4)}
    # a union link whose two words are both aligned already is not added
    assert grow_diag_final_and({(0, 0), (1, 1)}, {(0, 0), (1, 1), (0, 1)}) == {(0, 0), (1, 1)}


def test_scores_by_hand():
    counts = AlignmentCounts()
    counts.add({(0, 0), (1, 1), (2, 3)}, {(0, 0), (1, 1), (2, 2), (3, 3)})
    counts.add(set(), {(0, 1)})
    assert (counts.predicted, counts.reference, counts.correct) == (3, 5, 2)
    assert counts.precision == pytest.approx(2 / 3) and counts.recall == pytest.approx(2 / 5)
    assert counts.f1 == pytest.approx(2 * (2 / 3) * (2 / 5) / (2 / 3 + 2 / 5))
    assert counts.aer == pytest.approx(1 - counts.f1)  # sure = possible: AER = 1 - F1
    assert AlignmentCounts().as_dict()["f1"] == 0.0


def test_pharaoh_and_content_links():
    assert parse_pharaoh("0-1 2-2\n") == {(0, 1), (2, 2)}
    assert parse_pharaoh("") == set()
    assert content_links({(0, 0), (1, 1)}, np.array([False, True]), np.array([False, False])) == {(0, 0)}
