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


def test_the_student_is_the_default_and_says_when_it_routes_to_the_base(tiny_student_app):
    assert tiny_student_app.default_model() == STUDENT
    result = tiny_student_app.search("ndine njira", "ny")
    assert result.model == STUDENT and not result.routed_to_base
    result = tiny_student_app.search("Mtu ana haki", "sw")  # the tiny student's card gives Swahili to the base
    assert result.model == STUDENT and result.routed_to_base
    assert not tiny_student_app.search("Mtu ana haki", "sw", BASE).routed_to_base
    out = tiny_student_app.align("Mtu ana haki", english="Everyone has rights", lang_choice="sw")
    assert out["routed"] == {BASE: False, STUDENT: True}


def test_hits_carry_their_relevance(tiny_app):
    result = tiny_app.search("Binadamu wote wamezaliwa huru", "sw", BASE)
    assert len(result.relevance) == len(result.hits) == 4
    assert all(r.score == pytest.approx(h.score) for r, h in zip(result.relevance, result.hits))
    assert result.relevance[0].z >= result.relevance[-1].z


def test_a_query_sent_while_loading_waits_for_the_collection(tiny_registry, tiny_encoder, tmp_path):
    import threading

    from engine.index import DocumentIndex
    from explorer.config import ExplorerConfig
    from explorer.service import Explorer

    from .conftest import DOCS

    db = tmp_path / "ready.db"
    DocumentIndex(db, create=True).add_documents(DOCS, tiny_encoder, progress=False)
    app = Explorer(ExplorerConfig(cache_dir=tmp_path / "cache", student=None, db=db), tiny_registry)
    answers = []
    asker = threading.Thread(target=lambda: answers.append(app.search("Mtu ana haki", "sw", BASE)))
    asker.start()
    asker.join(0.3)
    assert asker.is_alive() and not answers  # waiting, not failing
    app.open_default()
    asker.join(10)
    assert len(answers[0].hits) == 4


def test_a_failed_start_answers_waiting_queries_with_the_reason(tiny_registry, tmp_path):
    from explorer.config import ExplorerConfig
    from explorer.service import Explorer

    app = Explorer(ExplorerConfig(cache_dir=tmp_path / "cache", student=None), tiny_registry)
    app.loading_failed("disk full")
    with pytest.raises(UserError, match="could not be opened: disk full"):
        app.search("Mtu ana haki", "sw", BASE)


@pytest.mark.parametrize("content, message", [
    ('{"id": 1, "text": "ok"}\n{not json', "my notes.jsonl:2: malformed JSON"),
    ('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}', "my notes.jsonl:2: duplicate document id"),
])
def test_upload_errors_name_the_users_file_not_the_server_path(tiny_app, tmp_path, content, message):
    server_copy = tmp_path / "gradio" / "3f9a0c" / "my notes.jsonl"  # where Gradio keeps an upload
    server_copy.parent.mkdir(parents=True)
    server_copy.write_text(content)
    with pytest.raises(UserError) as err:
        tiny_app.add_collection(server_copy)
    assert str(err.value).startswith(message), str(err.value)
    assert str(tmp_path) not in str(err.value) and "gradio" not in str(err.value)


def test_reasons_are_each_hits_word_links_read_with_the_answering_model(tiny_student_app, monkeypatch):
    from explorer import alignment

    result = tiny_student_app.search("  Mtu ana haki  ", "sw", STUDENT)  # Swahili: the student routes to the base
    assert result.query == "Mtu ana haki" and result.routed_to_base
    seen = []
    real = alignment.result_reasons
    monkeypatch.setattr(alignment, "result_reasons", lambda q_enc, *a, **k: seen.append(q_enc) or real(q_enc, *a, **k))
    reasons = tiny_student_app.reasons(result, k=2)
    assert len(reasons) == len(result.hits) and all(1 <= len(r) <= 2 for r in reasons)
    assert seen == [tiny_student_app.registry.query_encoder(BASE, "sw")]
    assert {lk.query for r in reasons for lk in r} <= {"Mtu", "ana", "haki"}
    result.hits = []
    assert tiny_student_app.reasons(result) == []


def test_an_index_in_milvus_lite_is_searched_through_the_store_given(tiny_registry, tiny_encoder, tmp_path):
    """``--db`` with ``--store milvus-lite:...``: the app's dense search goes through a real embedded Milvus."""
    pytest.importorskip("milvus_lite")
    from engine.index import DocumentIndex
    from explorer.app import parse_args
    from explorer.service import Explorer

    from .conftest import DOCS

    db, store = tmp_path / "m.db", f"milvus-lite:{tmp_path / 'vectors.db'}"
    with DocumentIndex(db, create=True, store=store) as index:
        report = index.add_documents(DOCS, tiny_encoder, progress=False)
        index.sync_vectors(report.fingerprint, progress=False)
    config, _ = parse_args(["--db", str(db), "--store", store, "--no-student"])
    assert config.store == store
    config.cache_dir = tmp_path / "cache"
    app = Explorer(config, tiny_registry)
    app.open_default()
    assert app.collections["default"].store_spec.startswith("milvus-lite")
    answer = app.search("Everyone has the right to life", "en", "base")
    exact = DocumentIndex(db, store="exact")
    q = tiny_encoder.encode(["Everyone has the right to life"], kind="query")[0]
    assert [h.doc_id for h in answer.hits] == [h.doc_id for h in exact.dense_search(q, tiny_encoder.fingerprint, 4)]


@pytest.fixture(scope="module")
def sw_student(tiny_sw_student_dir):
    from engine.encoders import load_encoder

    return load_encoder(tiny_sw_student_dir)


def test_an_upload_in_several_languages_is_searched_on_each_languages_encoder(tmp_path, sw_student):
    import numpy as np

    from engine.index import DocumentIndex
    from explorer.config import ExplorerConfig
    from explorer.models import ModelRegistry, ModelSpec
    from explorer.service import DEFAULT, Explorer

    base = sw_student.document_encoder
    registry = ModelRegistry(ModelSpec(BASE, "base (tiny)", "base"), ModelSpec(STUDENT, "OT student", "student"),
                             loader=lambda source, b=None: sw_student if source == "student" else base)
    default = DocumentIndex(tmp_path / "default.db", create=True)
    default.add_documents([{"id": "d", "text": "a default document"}], base, progress=False)
    app = Explorer(ExplorerConfig(cache_dir=tmp_path / "cache"), registry, {DEFAULT: default})
    docs = [{"id": "en1", "text": "Children play football at school.", "lang": "en"},
            {"id": "sw1", "text": "Watoto wanacheza mpira shuleni.", "lang": "swh"},
            {"id": "sw2", "text": "Kila mtu ana haki ya kuishi.", "lang": "sw"},
            {"id": "x1", "text": "No language given here."}]
    upload = tmp_path / "mixed.jsonl"
    upload.write_text("".join(json.dumps(d) + "\n" for d in docs))
    name, n = app.add_collection(upload)
    index = app.collections[name]
    assert n == 4 and index.languages(base.fingerprint) == {"en": 2, "sw": 2}  # all have the teacher's vectors
    assert index.languages(sw_student.fingerprint) == {"sw": 2}  # Swahili ones the student's too

    query = "watoto wanacheza"
    student_hits = app.search(query, "sw", STUDENT, name).hits
    q = sw_student.for_language("sw").encode([query], kind="query")[0]
    expect = {"sw1": sw_student.encode([docs[1]["text"]], kind="passage")[0] @ q,
              "en1": base.encode([docs[0]["text"]], kind="passage")[0] @ q}
    got = {h.doc_id: h.score for h in student_hits}
    assert set(got) == {"en1", "sw1", "sw2", "x1"}
    assert all(np.isclose(got[d], expect[d], atol=1e-4) for d in expect)  # each on its own language's vectors
    base_hits = app.search(query, "sw", BASE, name).hits
    qb = base.encode([query], kind="query")[0]
    assert np.isclose({h.doc_id: h.score for h in base_hits}["sw1"],
                      base.encode([docs[1]["text"]], kind="passage")[0] @ qb, atol=1e-4)
