"""Stores outside SQLite (FAISS on disk, milvus-lite) stay equal to the index through add, delete and resume."""

import json

import numpy as np
import pytest

from engine.index import DocumentIndex
from engine.index.dense import ann_dir
from engine.vectors import AnnConfig, ExactStore, FaissStore, MilvusLiteStore

TOPICS = ["football at school", "the right to freedom", "rain in the valley", "a market in the city",
          "songs of the river", "bread and salt", "the old teacher", "trains at night"]
DOCS = [{"id": f"d{i:03d}", "text": f"{TOPICS[i % 8]} number {i} with {TOPICS[(i * 3) % 8]}"} for i in range(300)]
QUERIES = ["football", "freedom and rights", "night trains in the rain", "bread", "teacher of songs"]
EVERYTHING = AnnConfig(min_train=50, nprobe=10_000, rerank=10_000)  # trained IVF, but every vector re-ranked


def ids_of(index, encoder, k=10):
    return [[h.doc_id for h in index.dense_search(encoder.encode([t], kind="query")[0], encoder.fingerprint, k=k)]
            for t in QUERIES]


@pytest.fixture(scope="module")
def exact_ids(tmp_path_factory, tiny_encoder):
    with DocumentIndex(tmp_path_factory.mktemp("oracle") / "oracle.db", create=True, store="exact") as idx:
        idx.add_documents(DOCS, tiny_encoder, batch_size=64, progress=False)
        return ids_of(idx, tiny_encoder)


def assert_store_matches_table(index, fp):
    store = index.vector_store(fp, progress=False)
    rows = dict(index.db.execute("SELECT doc_id, vec FROM vectors WHERE fingerprint = ?", [fp]).fetchall())
    assert store.count() == len(rows)
    ids = sorted(rows)
    np.testing.assert_allclose(store.get(ids), np.frombuffer(b"".join(rows[i] for i in ids), np.float32)
                               .reshape(len(ids), -1), atol=1e-6)


def test_faiss_store_answers_like_the_exact_index_and_follows_adds_deletes_and_resume(tmp_path, tiny_encoder,
                                                                                       exact_ids):
    fp = tiny_encoder.fingerprint
    index = DocumentIndex(tmp_path / "i.db", create=True, store="faiss", ann=EVERYTHING)
    index.add_documents(DOCS[:200], tiny_encoder, batch_size=64, progress=False)
    report = index.sync_vectors(fp, progress=False)
    store = index.vector_store(fp)
    assert isinstance(store, FaissStore) and store.trained() and report.mode == "full" and report.vectors == 200
    assert (ann_dir(index.path) / fp / "ivf.faiss").exists()
    index.add_documents(DOCS, tiny_encoder, batch_size=64, progress=False)  # a resumed job: 100 new, 200 skipped
    report = index.sync_vectors(fp, progress=False)
    assert (report.mode, report.applied) == ("delta", 100)
    assert ids_of(index, tiny_encoder) == exact_ids
    gone = ["d001", "d002", "d150"]
    index.delete(gone)
    index.add_documents([{"id": "d010", "text": "a completely different passage about football"}], tiny_encoder,
                        progress=False)
    report = index.sync_vectors(fp, progress=False)
    assert report.mode == "delta" and report.applied == 4
    assert not set(gone) & {i for row in ids_of(index, tiny_encoder, k=300) for i in row}
    assert_store_matches_table(index, fp)
    index.close()

    reopened = DocumentIndex(tmp_path / "i.db", store="faiss")  # another process later: loads, applies nothing
    report = reopened.sync_vectors(fp, progress=False)
    assert (report.mode, report.applied, report.vectors) == ("delta", 0, 297)
    assert_store_matches_table(reopened, fp)
    reopened.close()


def test_a_store_that_lost_its_state_is_rebuilt_not_duplicated(tmp_path, tiny_encoder):
    fp = tiny_encoder.fingerprint
    with DocumentIndex(tmp_path / "i.db", create=True, store="faiss", ann=EVERYTHING) as index:
        index.add_documents(DOCS[:120], tiny_encoder, batch_size=64, progress=False)
        index.sync_vectors(fp, progress=False)
        with index.db.conn:  # the store was persisted but the process died before recording its seq
            index.db.execute("DELETE FROM meta WHERE key LIKE 'store:%'")
        index.add_documents(DOCS[120:150], tiny_encoder, batch_size=64, progress=False)
        report = index.sync_vectors(fp, progress=False)
        assert report.mode == "full" and index.vector_store(fp).count() == 150
        assert_store_matches_table(index, fp)


def test_auto_is_exact_below_the_threshold_and_faiss_above_it(tmp_path, tiny_encoder):
    fp = tiny_encoder.fingerprint
    config = AnnConfig(exact_below=250, min_train=50)
    with DocumentIndex(tmp_path / "i.db", create=True, ann=config) as index:
        assert index.store_spec == "auto"
        index.add_documents(DOCS[:200], tiny_encoder, batch_size=64, progress=False)
        assert index.sync_vectors(fp) is None  # exact: in memory, nothing to sync
        assert isinstance(index.vector_store(fp), ExactStore) and not ann_dir(index.path).exists()
        index.add_documents(DOCS, tiny_encoder, batch_size=64, progress=False)
        store = index.vector_store(fp, progress=False)
        assert isinstance(store, FaissStore) and store.count() == 300 and store.trained()
    saved = json.loads((ann_dir(tmp_path / "i.db") / "config.json").read_text())
    assert saved["exact_below"] == 250 and saved["min_train"] == 50  # the threshold is saved next to the index
    with DocumentIndex(tmp_path / "i.db") as again:  # reopened without a config: the saved one decides
        assert isinstance(again.vector_store(fp, progress=False), FaissStore)


def test_milvus_lite_behind_the_index(tmp_path, tiny_encoder, exact_ids):
    pytest.importorskip("milvus_lite")
    fp = tiny_encoder.fingerprint
    spec = f"milvus-lite:{tmp_path / 'vectors.db'}"
    with DocumentIndex(tmp_path / "i.db", create=True, store=spec) as index:
        index.add_documents(DOCS, tiny_encoder, batch_size=64, progress=False)
        report = index.sync_vectors(fp, progress=False)
        store = index.vector_store(fp)
        assert isinstance(store, MilvusLiteStore) and store.collection == f"vectors_{fp}" and report.vectors == 300
        got = ids_of(index, tiny_encoder)
        assert np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, exact_ids)]) >= 0.95
        index.delete(["d003", "d004"])
        assert not {"d003", "d004"} & {i for row in ids_of(index, tiny_encoder, k=300) for i in row}
        assert_store_matches_table(index, fp)
