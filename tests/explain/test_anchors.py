"""Anchors: identical numbers and names, once on each side."""

import numpy as np

from engine.explain import find_anchors


def test_numbers_and_names_once_on_each_side():
    src = ["Ndime", "Excel", "2023", "ya", "PDF", "ya", "a"]
    trg = ["I", "saved", "excel", "2023", "as", "PDF", "a", "a"]
    got = {(a.src, a.trg, a.word, a.kind) for a in find_anchors(src, trg, cognates=False)}
    # "ya" repeats and is not on the English side; "a" is too short and repeats in English
    assert got == {(1, 2, "Excel", "name"), (2, 3, "2023", "number"), (4, 5, "PDF", "name")}


def test_punctuation_is_never_an_anchor():
    assert find_anchors(["%1", "..."], ["%1", "..."], np.array([False, True]), np.array([False, True]))[0].word == "%1"
    assert len(find_anchors(["%1", "..."], ["%1", "..."], np.array([False, True]), np.array([False, True]))) == 1


def test_cognate_names():
    src = ["Abrahamu", "anabala", "Isaki", ";", "Davide", "ndi", "Davidi"]
    trg = ["Abraham", "became", "the", "father", "of", "Isaac", "David"]
    got = [(a.src, a.trg, a.word, a.kind) for a in find_anchors(src, trg)]
    # "Isaki"/"Isaac" share only 3 letters; two capitalised "Davi…" words make that prefix ambiguous
    assert got == [(0, 0, "Abrahamu~Abraham", "cognate")]
    assert find_anchors(["Excel"], ["Excel"])[0].kind == "name"  # identical is a name, never a cognate
