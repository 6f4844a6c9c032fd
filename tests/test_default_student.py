"""The shipped default student: compact, complete vocabulary, loadable offline, better than base on its dev data."""

import json
from pathlib import Path

import pytest

STUDENT = Path(__file__).resolve().parents[1] / "exports" / "default-student"


def test_shipped_student_is_compact_and_keeps_the_vocabulary():
    from safetensors import safe_open

    delta = STUDENT / "delta.safetensors"
    assert delta.stat().st_size <= 25 * 1024 * 1024
    with safe_open(str(delta), "pt") as f:
        names = list(f.keys())
    assert names and not any("word_embeddings" in n for n in names)  # vocabulary rows come from the base, all of them
    card = json.loads((STUDENT / "student.json").read_text())
    assert card["base"] == "multilingual-e5-small" and card["loss"] == "ot-contrastive"
    assert {"am", "ny", "om", "rw", "xh", "zu", "sw"} <= set(card["langs"])
    # checkpoint chosen on dev: the student beats the base on dev for every language it answers
    for lang in card["langs"]:
        if lang not in card["fallback_langs"]:
            assert card["dev"]["student"][lang] > card["dev"]["base"][lang], lang
    assert card["dev"]["student"]["en"] >= card["dev"]["base"]["en"] - 0.02


@pytest.mark.slow
def test_shipped_student_loads_offline_and_routes(e5):
    from engine.encoders.students import load_student

    student = load_student(STUDENT, base=e5)
    assert student.document_encoder is e5
    card = student.card
    for lang in card.fallback_langs:
        assert student.for_language(lang) is e5
    assert student.for_language("nya") is student.student
    v = student.encode(["Yesu anati kwa iye, Ine ndine njira, ndi choonadi, ndi moyo"], kind="query")
    docs = e5.encode(["Jesus said to him, I am the way, the truth, and the life.",
                      "The stock market fell sharply today."], kind="passage")
    scores = docs @ v[0]
    assert scores[0] > scores[1]
