import json

import pytest

from engine.documents import (
    MAX_PASSAGE_CHARS,
    read_documents,
    split_passages,
    to_passages,
)
from engine.errors import UserError


def test_jsonl_csv_and_text_formats(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": "x", "text": "hello", "title": "T"}\n\n{"id": 7, "text": "b"}\n')
    (tmp_path / "b.csv").write_text('id,text,title\ny,"a, quoted\nmultiline text",Y\n')
    (tmp_path / "c.txt").write_text("first line\nsecond line\n")
    (tmp_path / "d.txt").write_text("para one\nstill one\n\n  \npara two\n")
    (tmp_path / "ignored.tsv").write_text("q1\tnot a document\n")
    docs = list(read_documents(tmp_path))
    assert [d["id"] for d in docs] == ["x", "7", "y", "c-1", "c-2", "d-1", "d-2"]
    assert docs[0]["title"] == "T" and docs[2]["text"] == "a, quoted\nmultiline text"
    assert docs[5]["text"] == "para one\nstill one"


@pytest.mark.parametrize("name,content,needle", [
    ("dup.jsonl", '{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', "dup.jsonl:2: duplicate document id 'a'"),
    ("bad.jsonl", '{"id": "a", "text": "x"}\n{"id": "b", "text"\n', "bad.jsonl:2: malformed JSON"),
    ("notext.jsonl", '{"id": "a", "text": "  "}\n', "notext.jsonl:1: document 'a' has no 'text'"),
    ("empty.txt", "\n  \n\n", "the collection is empty"),
    ("empty.jsonl", "", "the collection is empty"),
    ("header.csv", "name,body\nx,y\n", "header.csv:1: the CSV header must name 'id' and 'text'"),
    ("dup.csv", "id,text\na,x\nb,y\na,z\n", "dup.csv:4: duplicate document id 'a' (first at"),
    ("doc.pdf", "x", "unsupported file type .pdf"),
])
def test_bad_collections_name_file_and_line(tmp_path, name, content, needle):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(UserError, match=None) as err:
        list(read_documents(path))
    assert needle in str(err.value)


def test_missing_path_and_non_utf8(tmp_path):
    with pytest.raises(UserError, match="no such file"):
        list(read_documents(tmp_path / "nope.jsonl"))
    (tmp_path / "l1.txt").write_bytes("ok\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(UserError, match=r"l1.txt:2: not UTF-8"):
        list(read_documents(tmp_path / "l1.txt"))


def test_a_one_megabyte_document_splits_into_bounded_passages(tmp_path):
    text = " ".join(f"Sentence number {i} talks about rights." for i in range(26000))  # ~1 MB
    assert len(text) > 1_000_000
    (tmp_path / "big.jsonl").write_text(json.dumps({"id": "big", "text": text}) + "\n")
    (doc,) = read_documents(tmp_path / "big.jsonl")
    (doc_id, passages), = to_passages([doc])
    assert doc_id == "big" and len(passages) > 100
    assert [p["id"] for p in passages[:2]] == ["big#1", "big#2"] and {p["parent"] for p in passages} == {"big"}
    assert all(len(p["text"]) <= MAX_PASSAGE_CHARS for p in passages)
    assert all(p["text"].endswith(".") for p in passages)  # cut at sentence ends
    assert " ".join(p["text"] for p in passages).split() == text.split()  # nothing lost


def test_split_cuts_hard_without_spaces_and_keeps_short_text():
    assert split_passages("short") == ["short"]
    pieces = split_passages("x" * 20001, max_chars=8000)
    assert [len(p) for p in pieces] == [8000, 8000, 4001]
