import sqlite3

import numpy as np
import pytest

from engine.errors import UserError
from engine.index import DocumentIndex, fts_query

DOCS = [
    {"id": "sw-1", "text": "Watoto wanacheza mpira shuleni", "title": "Michezo", "lang": "sw"},
    {"id": "sw-2", "text": "Kila mtu ana haki ya uhuru", "lang": "sw"},
    {"id": "en-1", "text": "Everyone has the right to freedom", "title": "Article 3"},
    {"id": "en-2", "text": "Children play football at school"},
    {"id": "en-3", "text": 'Quoted "words" AND operators NEAR(x y) * ^col: stay text'},
] + [{"id": f"filler-{i}", "text": f"filler document number {i} about topic {i % 7}"} for i in range(40)]


class FlakyEncoder:
    """Wraps an encoder and raises after ``fail_after`` encode calls: an interrupted build."""

    def __init__(self, encoder, fail_after):
        self.inner, self.fail_after, self.calls = encoder, fail_after, 0

    def __getattr__(self, item):
        return getattr(self.inner, item)

    def encode(self, texts, **kwargs):
        self.calls += 1
        if self.calls > self.fail_after:
            raise KeyboardInterrupt
        return self.inner.encode(texts, **kwargs)


@pytest.fixture(scope="module")
def built_db(tmp_path_factory, tiny_encoder):
    path = tmp_path_factory.mktemp("index") / "index.db"
    with DocumentIndex(path, create=True) as idx:
        idx.add_documents(DOCS, tiny_encoder, batch_size=8, progress=False)
        idx.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture()
def index(tmp_path, built_db):
    """A private copy of the built index, so tests may write to it."""
    import shutil

    shutil.copy(built_db, tmp_path / "index.db")
    shutil.copy(built_db.with_name("index.db.json"), tmp_path / "index.db.json")
    idx = DocumentIndex(tmp_path / "index.db")
    yield idx
    idx.close()


def test_build_metadata_and_get(index, tiny_encoder):
    meta = index.metadata()
    assert meta["documents"] == meta["passages"] == len(DOCS) == index.count()
    assert meta["models"][tiny_encoder.fingerprint]["dim"] == tiny_encoder.dim
    assert meta["models"][tiny_encoder.fingerprint]["vectors"] == len(DOCS)
    assert index.fingerprints() == [tiny_encoder.fingerprint]
    assert (index.path.parent / "index.db.json").is_file()  # how it was made, beside it
    docs = index.get(["en-1", "missing", "sw-1"])
    assert [d.id for d in docs] == ["en-1", "sw-1"] and docs[0].title == "Article 3" and docs[1].lang == "sw"
    assert index.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_dense_search_matches_a_brute_force_oracle(index, tiny_encoder):
    texts = [d["text"] for d in DOCS]
    doc_vecs = tiny_encoder.encode(texts, kind="passage")
    q = tiny_encoder.encode(["children playing football"], kind="query")[0]
    expected = np.argsort(-(doc_vecs @ q), kind="stable")[:5]
    hits = index.dense_search(q, tiny_encoder.fingerprint, k=5)
    assert [h.doc_id for h in hits] == [DOCS[i]["id"] for i in expected]
    np.testing.assert_allclose([h.score for h in hits], (doc_vecs @ q)[expected], rtol=1e-5, atol=1e-6)
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert len(index.dense_search(q, tiny_encoder.fingerprint, k=1000)) == len(DOCS)
    with pytest.raises(UserError, match="no vectors for model fingerprint nope"):
        index.dense_search(q, "nope")
    with pytest.raises(UserError, match="has 3 dims"):
        index.dense_search(np.ones(3), tiny_encoder.fingerprint)


def test_bm25_finds_words_and_titles(index):
    assert index.bm25_search("uhuru")[0].doc_id == "sw-2"
    assert index.bm25_search("michezo")[0].doc_id == "sw-1"  # title field
    hits = index.bm25_search("freedom right")
    assert hits[0].doc_id == "en-1" and hits[0].score > 0


HOSTILE = ['"', '""', 'a"b', "NEAR(x y)", "AND OR NOT", "col:*", "^start", "x\x00y", "😀🙂", "\x00", "   ", "(((",
           "title:freedom", "'; DROP TABLE documents; --", 'words" OR "x', "\ud7ff\ue000 ünïcödé", "a" * 5000,
           "\udcff lone surrogate", "a\udcffb"]


def test_hostile_fts_queries_are_safe(index):
    for query in HOSTILE:
        assert isinstance(index.bm25_search(query, k=3), list), query
    assert index.count() == len(DOCS)


def test_fts_query_quotes_every_word():
    assert fts_query('say "hi" NEAR x\x00y 😀') == '"say" OR """hi""" OR "NEAR" OR "x" OR "y"'
    assert fts_query("😀 !!") == ""


def test_operators_are_matched_as_plain_words(index):
    assert index.bm25_search("NEAR")[0].doc_id == "en-3"
    assert index.bm25_search('"words"')[0].doc_id == "en-3"


def test_interrupted_build_resumes_without_losing_work(tmp_path, tiny_encoder):
    path = tmp_path / "resume.db"
    flaky = FlakyEncoder(tiny_encoder, fail_after=3)
    with pytest.raises(KeyboardInterrupt):
        DocumentIndex(path, create=True).add_documents(DOCS, flaky, batch_size=8, progress=False)
    idx = DocumentIndex(path)
    assert idx.count() == 24  # three batches of 8 committed, the fourth lost
    report = idx.add_documents(DOCS, tiny_encoder, batch_size=8, progress=False)
    assert (report.skipped, report.encoded) == (24, len(DOCS) - 24)
    again = idx.add_documents(DOCS, tiny_encoder, batch_size=8, progress=False)
    assert again.encoded == 0 and again.skipped == len(DOCS)
    q = tiny_encoder.encode(["freedom"])[0]
    fresh = DocumentIndex(tmp_path / "fresh.db", create=True)
    fresh.add_documents(DOCS, tiny_encoder, batch_size=8, progress=False)
    assert [h.doc_id for h in idx.dense_search(q, tiny_encoder.fingerprint, 10)] == \
        [h.doc_id for h in fresh.dense_search(q, tiny_encoder.fingerprint, 10)]


def test_add_update_and_delete_without_rebuild(index, tiny_encoder):
    q = tiny_encoder.encode(["a brand new text about volcanoes"])[0]
    before = index.dense_search(q, tiny_encoder.fingerprint, k=3)  # loads and caches the matrix
    report = index.add_documents([{"id": "new", "text": "a brand new text about volcanoes"},
                                  {"id": "sw-2", "text": "Kila mtu ana haki ya kuishi"}], tiny_encoder,
                                 progress=False)
    assert (report.encoded, report.updated) == (2, 1)
    assert index.dense_search(q, tiny_encoder.fingerprint, k=1)[0].doc_id == "new"  # cache invalidated
    assert before[0].doc_id != "new"
    assert index.get(["sw-2"])[0].text.endswith("kuishi") and index.bm25_search("kuishi")[0].doc_id == "sw-2"
    assert index.bm25_search("uhuru") == []  # the old text left the FTS index too
    assert index.delete(["new", "en-1", "not-there"]) == 2
    assert index.count() == len(DOCS) - 1
    ids = [h.doc_id for h in index.dense_search(q, tiny_encoder.fingerprint, k=100)]
    assert "new" not in ids and "en-1" not in ids and index.bm25_search("freedom") == []
    n_vectors = index.db.execute("SELECT count(*) FROM vectors").fetchone()[0]
    assert n_vectors == index.count()


def test_writes_from_another_handle_are_seen(index, tiny_encoder):
    q = tiny_encoder.encode(["zebra crossing"])[0]
    index.dense_search(q, tiny_encoder.fingerprint)
    other = DocumentIndex(index.path)
    other.add_documents([{"id": "zebra", "text": "zebra crossing"}], tiny_encoder, progress=False)
    assert index.dense_search(q, tiny_encoder.fingerprint, k=1)[0].doc_id == "zebra"


def test_one_megabyte_document_is_indexed_as_passages(tmp_path, tiny_encoder):
    idx = DocumentIndex(tmp_path / "big.db", create=True)
    big = " ".join(f"Line {i} of the long report mentions giraffes." for i in range(22000))
    assert len(big) > 1_000_000
    report = idx.add_documents([{"id": "big", "text": big}, {"id": "small", "text": "tiny"}], tiny_encoder,
                               batch_size=64, progress=False)
    assert report.documents == 2 and report.passages == idx.count() > 100
    assert idx.get(["big#1"])[0].parent == "big"
    assert idx.bm25_search("giraffes", k=1)[0].doc_id.startswith("big#")
    # re-adding a shorter version drops the stale passages
    report = idx.add_documents([{"id": "big", "text": "now short"}], tiny_encoder, progress=False)
    assert idx.count() == 2 and report.removed > 100
    assert idx.delete(["big"]) == 1 and idx.count() == 1


def test_bad_input_to_add_keeps_the_index_intact(index, tiny_encoder):
    n = index.count()
    for bad, needle in [([{"id": "a", "text": "x"}, {"id": "a", "text": "y"}], "duplicate document id 'a'"),
                        ([{"id": "", "text": "x"}], "missing or empty 'id'"),
                        ([{"id": "b", "text": ""}], "has no 'text'"),
                        (["just a string"], "expected a document dict")]:
        with pytest.raises(UserError, match=needle):
            index.add_documents(bad, tiny_encoder, progress=False)
    assert index.count() == n


def test_missing_corrupt_and_foreign_databases(tmp_path):
    with pytest.raises(UserError, match="no index at .*python -m engine index"):
        DocumentIndex(tmp_path / "missing.db")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite at all" * 100)
    for create in (False, True):
        with pytest.raises(UserError, match="not a readable index"):
            DocumentIndex(garbage, create=create)
    assert garbage.read_bytes() == b"this is not sqlite at all" * 100  # never overwritten
    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("CREATE TABLE people (name TEXT)").connection.commit()
    with pytest.raises(UserError, match="not an optical-clir index"):
        DocumentIndex(foreign, create=True)
    with pytest.raises(UserError, match="is a directory"):
        DocumentIndex(tmp_path)


def test_truncated_database_is_a_user_error(index, tmp_path, tiny_encoder):
    index.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    index.close()
    data = index.path.read_bytes()
    broken = tmp_path / "broken.db"
    broken.write_bytes(data[: len(data) // 3])
    with pytest.raises(UserError):
        idx = DocumentIndex(broken)
        idx.dense_search(np.ones(tiny_encoder.dim), tiny_encoder.fingerprint)
        idx.bm25_search("freedom")
