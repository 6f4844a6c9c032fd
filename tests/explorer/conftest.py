"""Explorer fixtures: the tiny model behind the app's registry and a small index in tmp."""

from __future__ import annotations

import gzip
import json
import socket
from pathlib import Path

import pytest

DOCS = [
    {"id": "udhr-1", "text": "All human beings are born free and equal in dignity and rights.", "title": "UDHR 1"},
    {"id": "udhr-3", "text": "Everyone has the right to life, liberty and security of person.", "title": "UDHR 3"},
    {"id": "JHN.14.6", "text": "Jesus said to him, I am the way, the truth, and the life.", "title": "John 14:6"},
    {"id": "lo-1", "text": "Insert a new row above the selected cell <b>now</b>", "title": "LibreOffice"},
]


@pytest.fixture(scope="session")
def tiny_registry(tiny_model_dir, tiny_encoder):
    from explorer.models import BASE, ModelRegistry, ModelSpec

    return ModelRegistry(ModelSpec(BASE, "base (tiny)", str(tiny_model_dir)),
                         loader=lambda source, base=None: tiny_encoder)


@pytest.fixture(scope="session")
def tiny_student_registry(tiny_model_dir, tiny_encoder):
    """Base + an OT student (the tiny model again, a distinct object) that routes Swahili to the base."""
    from engine.encoders import load_encoder
    from engine.encoders.common import RoutedStudent
    from explorer.models import BASE, STUDENT, ModelRegistry, ModelSpec

    student = RoutedStudent(load_encoder(tiny_model_dir), tiny_encoder, tiny_encoder, ["sw"], tiny_model_dir)
    return ModelRegistry(ModelSpec(BASE, "base (tiny)", "base"), ModelSpec(STUDENT, "OT student (tiny)", "student"),
                         loader=lambda source, base=None: student if source == "student" else tiny_encoder)


@pytest.fixture()
def tiny_student_app(tmp_path, tiny_student_registry, tiny_encoder):
    from engine.index import DocumentIndex
    from explorer.config import ExplorerConfig
    from explorer.service import DEFAULT, Explorer

    index = DocumentIndex(tmp_path / "index.db", create=True)
    index.add_documents(DOCS, tiny_encoder, progress=False)
    return Explorer(ExplorerConfig(cache_dir=tmp_path / "cache"), tiny_student_registry, {DEFAULT: index})


@pytest.fixture()
def tiny_app(tmp_path, tiny_registry, tiny_encoder):
    from engine.index import DocumentIndex
    from explorer.config import ExplorerConfig
    from explorer.service import DEFAULT, Explorer

    index = DocumentIndex(tmp_path / "index.db", create=True)
    index.add_documents(DOCS, tiny_encoder, progress=False)
    config = ExplorerConfig(cache_dir=tmp_path / "cache", student=None)
    return Explorer(config, tiny_registry, {DEFAULT: index})


REPO = Path(__file__).resolve().parents[2]
VERSE = "JHN.14.9"  # a Chichewa NT verse of the test split; its English passage must come back in the top 10


def chichewa_verse() -> tuple[str, str]:
    """The verse's Chichewa text (checked to be in data/bitext/bible/ny.test.tsv.gz) and its passage id."""
    queries = dict(line.rstrip("\n").split("\t") for line in open(REPO / "data/suites/bible-ny/ny/queries.tsv"))
    with gzip.open(REPO / "data/bitext/bible/ny.test.tsv.gz", "rt", encoding="utf-8") as f:
        test_side = {line.rstrip("\n").split("\t")[1] for line in f}
    assert queries[VERSE] in test_side
    qrels = [line.split() for line in open(REPO / "data/suites/bible-ny/ny/qrels")]
    return queries[VERSE], next(doc for qid, _, doc, _ in qrels if qid == VERSE)


def small_collection(passage: str, n: int = 120) -> list[dict]:
    rows = [json.loads(line) for line in open(REPO / "data/suites/bible-ny/corpus.jsonl")]
    step = max(1, len(rows) // n)
    picked = [r for i, r in enumerate(rows) if i % step == 0 or r["id"] == passage]
    return [{"id": r["id"], "text": r["text"], "title": r.get("title", "")} for r in picked]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def served(tmp_path_factory, e5):
    from engine.index import DocumentIndex
    from explorer.app import build_demo, launch
    from explorer.config import ExplorerConfig
    from explorer.models import BASE, ModelRegistry, ModelSpec
    from explorer.service import DEFAULT, Explorer

    tmp = tmp_path_factory.mktemp("explorer")
    query, passage = chichewa_verse()
    index = DocumentIndex(tmp / "small.db", create=True)
    index.add_documents(small_collection(passage), e5, progress=False)
    config = ExplorerConfig(port=free_port(), cache_dir=tmp / "cache", student=None)
    registry = ModelRegistry(ModelSpec(BASE, "base (multilingual-e5-small)", "default"),
                             loader=lambda source, base=None: e5)
    demo = build_demo(config, Explorer(config, registry, {DEFAULT: index}))
    launch(demo, config, prevent_thread_lock=True, quiet=True)
    yield {"url": f"http://127.0.0.1:{config.port}/", "query": query, "passage": passage, "demo": demo}
    demo.close()


def pytest_addoption(parser):
    parser.addoption("--screenshots", default=None, metavar="DIR",
                     help="test_browser.py: write the explorer screenshots here (e.g. docs/)")
