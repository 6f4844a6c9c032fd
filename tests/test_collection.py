"""load_collection: shipped suites, user folders, and errors that name the file and the line."""

from __future__ import annotations

import gzip
import json

import pytest

from engine.collection import list_suite_langs, load_collection
from engine.errors import UserError


def write_collection(folder, corpus=None, queries=None, qrels=None):
    folder.mkdir(parents=True, exist_ok=True)
    corpus = corpus if corpus is not None else [{"id": "d1", "text": "water", "title": "W"}, {"id": "d2", "text": "fire"}]
    (folder / "corpus.jsonl").write_text(
        corpus if isinstance(corpus, str) else "".join(json.dumps(r) + "\n" for r in corpus)
    )
    (folder / "queries.tsv").write_text(queries if queries is not None else "q1\tmadzi\nq2\tmoto\n")
    (folder / "qrels").write_text(qrels if qrels is not None else "q1 0 d1 1\nq2 0 d2 1\n")
    return folder


def test_tiny_folder_loads(tmp_path):
    c = load_collection(write_collection(tmp_path / "c"))
    assert c.docs == {"d1": "water", "d2": "fire"}
    assert c.titles == {"d1": "W"}
    assert c.queries == {"q1": "madzi", "q2": "moto"}
    assert c.qrels == {"q1": {"d1": 1}, "q2": {"d2": 1}}


def test_gzipped_files_and_suite_layout(tmp_path):
    folder = write_collection(tmp_path / "c")
    (folder / "ny").mkdir()
    for name in ("queries.tsv", "qrels"):
        (folder / "ny" / f"{name}.gz").write_bytes(gzip.compress((folder / name).read_bytes()))
        (folder / name).unlink()
    assert list_suite_langs(folder) == ["ny"]
    assert load_collection(folder, "nya").lang == "ny"
    with pytest.raises(UserError, match="name a language"):
        load_collection(folder)


def test_shipped_suite_by_name():
    c = load_collection("udhr", "swh")
    assert len(c.queries) == 31 and len(c.docs) == 3031
    assert c.qrels["udhr-1"] == {"udhr-1": 1}


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"corpus": '{"id": "d1", "text": "water"}\n{"id": "d2", "text": \n'}, r"corpus\.jsonl:2: malformed JSON"),
        ({"corpus": '{"id": "d1"}\n'}, r"corpus\.jsonl:1: missing or non-string field 'text'"),
        ({"corpus": '{"id": "d1", "text": "a"}\n{"id": "d1", "text": "b"}\n'}, r"corpus\.jsonl:2: duplicate document id"),
        ({"queries": "q1\tmadzi\nq1\tmoto\n"}, r"queries\.tsv:2: duplicate query id"),
        ({"queries": "q1\tmadzi\nq2\t  \n"}, r"queries\.tsv:2: query 'q2' has empty text"),
        ({"queries": "q1 madzi\n"}, r"queries\.tsv:1: expected 'qid<TAB>text'"),
        ({"qrels": "q1 0 d1 1\nq2 0 d9 1\n"}, r"qrels:2: unknown document id 'd9'"),
        ({"qrels": "q9 0 d1 1\n"}, r"qrels:1: unknown query id 'q9'"),
        ({"qrels": "q1 0 d1\n"}, r"qrels:1: expected 4 columns"),
        ({"qrels": "q1 0 d1 yes\n"}, r"qrels:1: relevance 'yes' is not an integer"),
    ],
)
def test_validation_errors_name_file_and_line(tmp_path, files, message):
    folder = write_collection(tmp_path / "c", files.get("corpus"), files.get("queries"), files.get("qrels"))
    with pytest.raises(UserError, match=message):
        load_collection(folder)


def test_non_utf8_and_missing_files(tmp_path):
    folder = write_collection(tmp_path / "c")
    (folder / "queries.tsv").write_bytes(b"q1\tmadzi\nq2\tmo\xfft\n")
    with pytest.raises(UserError, match=r"queries\.tsv:2: not UTF-8"):
        load_collection(folder)
    (folder / "qrels").unlink()
    with pytest.raises(UserError, match="qrels is missing"):
        load_collection(folder)
    with pytest.raises(UserError, match="no collection folder or shipped suite"):
        load_collection(tmp_path / "nowhere")
    with pytest.raises(UserError, match="no queries for language"):
        load_collection("bible-ny", "sw")
