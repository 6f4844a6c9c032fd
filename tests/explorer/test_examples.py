"""The Search tab's everyday examples find their answer with the real models (the shipped OT student, ONNX)."""

from __future__ import annotations

import pytest

from explorer.examples import EXAMPLES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app():
    from explorer.config import ExplorerConfig
    from explorer.models import default_registry
    from explorer.service import Explorer

    config = ExplorerConfig(threads=1)
    explorer = Explorer(config, default_registry(config.student, "onnx", 1))
    explorer.open_default()
    return explorer


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"{e.lang}:{e.english}")
def test_each_example_finds_its_answer_as_a_strong_match(app, example):
    result = app.search(example.query, example.lang)  # the default model: the student
    assert result.model == "student"
    top = [h.doc_id for h in result.hits[:3]]
    assert set(top) & set(example.answers), (example.english, [h.title for h in result.hits[:3]])
    best = next(r for h, r in zip(result.hits, result.relevance) if h.doc_id in example.answers)
    assert best.strong, (example.english, best)


def test_an_unanswerable_query_says_no_strong_match(app):
    result = app.search("Insert a new row above the selected cell", "en")  # a LibreOffice string: not here
    assert result.no_strong_match


def test_once_exported_the_student_needs_no_parallel_export(app):
    from explorer.config import DEFAULT_STUDENT
    from explorer.prepare import needs_export, start_student_export

    assert not needs_export(DEFAULT_STUDENT) and start_student_export(DEFAULT_STUDENT) is None
