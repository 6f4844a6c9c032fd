"""What the handlers do, without the UI: search, align and uploads over a small index and the tiny model."""

import json

import pytest

from engine.errors import UserError
from explorer.models import BASE, STUDENT


def test_search_returns_ranked_hits(tiny_app):
    result = tiny_app.search("Binadamu wote wamezaliwa huru", "sw", BASE)
    assert result.lang == "sw" and [h.rank for h in result.hits] == [1, 2, 3, 4]
    assert {h.doc_id for h in result.hits} == {"udhr-1", "udhr-3", "JHN.14.6", "lo-1"}


def test_compare_says_student_not_available(tiny_app):
    both = tiny_app.compare("ndine njira", "ny")
    assert len(both[BASE].hits) == 4 and "student not available" in both[STUDENT]


def test_align_with_a_result_or_a_sentence(tiny_app):
    out = tiny_app.align("ndine njira", doc_id="JHN.14.6", lang_choice="ny", eps=0.1)
    assert out["english"].startswith("Jesus said") and out["base"].plan.shape[0] == len(out["base"].query_tokens)
    out = tiny_app.align("ndine njira", english="I am the way", marginals="idf")
    assert out["base"].english_tokens[-1] == "▁way"
    with pytest.raises(UserError, match="not in this collection"):
        tiny_app.align("ndine njira", doc_id="nope")
    with pytest.raises(UserError, match="choose a result"):
        tiny_app.align("ndine njira")


@pytest.mark.parametrize("query, message", [
    ("", "type a query"), ("a" * 10_000, "characters long"), ("😀😀😀", "no letters"),
    ("ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ ᎠᏂᏴᏫᏯ", "does not know this script"),
])
def test_bad_queries(tiny_app, query, message):
    with pytest.raises(UserError, match=message):
        tiny_app.search(query)


def test_unknown_collection_and_model(tiny_app):
    with pytest.raises(UserError, match="unknown collection"):
        tiny_app.search("Mtu ana haki", collection="../../etc")
    with pytest.raises(UserError, match="unknown model"):
        tiny_app.search("Mtu ana haki", model="/tmp/evil")


def test_upload_makes_a_searchable_collection(tiny_app, tmp_path):
    path = tmp_path / "my docs.jsonl"
    path.write_text("\n".join(json.dumps({"id": f"d{i}", "text": f"document number {i}"}) for i in range(70)))
    seen = []
    name, count = tiny_app.add_collection(path, progress=lambda d, t: seen.append((d, t)))
    assert (name, count) == ("my-docs", 70) and seen[-1] == (70, 70)
    assert len(tiny_app.search("document", "en", collection=name).hits) == 10
    assert tiny_app.add_collection(path)[0] == "my-docs-2"


@pytest.mark.parametrize("filename, content, message", [
    ("evil.py", "import os", "unsupported file type"),
    ("docs.pdf", "%PDF-1.4", "unsupported file type"),
    ("bad.jsonl", '{"id": 1, "text": "ok"}\n{not json', "bad.jsonl:2"),
    ("empty.txt", "\n\n", "empty"),
])
def test_bad_uploads(tiny_app, tmp_path, filename, content, message):
    path = tmp_path / filename
    path.write_text(content)
    with pytest.raises(UserError, match=message):
        tiny_app.add_collection(path)


def test_upload_limits(tiny_app, tmp_path):
    tiny_app.config.max_upload_docs = 5
    many = tmp_path / "many.txt"
    many.write_text("\n".join(f"line {i}" for i in range(6)))
    with pytest.raises(UserError, match="more than 5 documents"):
        tiny_app.add_collection(many)
    tiny_app.config.max_upload_bytes = 100
    big = tmp_path / "big.txt"
    big.write_text("x" * 200)
    with pytest.raises(UserError, match="limit is"):
        tiny_app.add_collection(big)
