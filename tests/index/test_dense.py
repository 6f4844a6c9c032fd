"""Dense search of the index goes through its vector store, gives the hits it gave before, and stays consistent."""

import numpy as np
import pytest

from engine.errors import UserError
from engine.index import DocumentIndex
from engine.vectors import STORES, ExactStore, register_store

DOCS = [{"id": f"d{i:02d}", "text": f"passage {i % 5} about topic {i % 3}"} for i in range(30)]  # repeated texts


def pre_refactor_dense_search(index: DocumentIndex, q: np.ndarray, fingerprint: str, k: int):
    """The dense search as ``engine/index.py`` computed it before the vector store: the oracle for ids and scores."""
    rows = index.db.execute("SELECT doc_id, vec FROM vectors WHERE fingerprint = ? ORDER BY doc_id",
                            [fingerprint]).fetchall()
    dim = len(rows[0][1]) // 4
    matrix = np.frombuffer(b"".join(v for _, v in rows), dtype=np.float32).reshape(len(rows), dim)
    ids = [r[0] for r in rows]
    q = np.asarray(q, dtype=np.float32).reshape(-1)
    k = min(int(k), len(ids))
    scores = matrix @ (q / max(float(np.linalg.norm(q)), 1e-12))
    top = np.lexsort((np.arange(len(ids)), -scores))[:k]  # a full sort: ties at the k-th place go to the lower row
    # (the pre-refactor scan took argpartition's pick there; ExactStore.top_k now keeps the documented order)
    return [ids[i] for i in top], [float(scores[i]) for i in top]


@pytest.fixture()
def index(tmp_path, tiny_encoder):
    idx = DocumentIndex(tmp_path / "i.db", create=True)
    idx.add_documents(DOCS, tiny_encoder, batch_size=8, progress=False)
    yield idx
    idx.close()


@pytest.fixture()
def recording_store():
    """A registered store that records its searches (removed from the registry afterwards)."""

    @register_store("recording")
    class RecordingStore(ExactStore):
        searches: list = []

        def search(self, query_vecs, k):
            RecordingStore.searches.append(k)
            return super().search(query_vecs, k)

    yield RecordingStore
    del STORES["recording"]


def test_dense_hits_are_those_of_the_pre_refactor_scan(index, tiny_encoder):
    fp = tiny_encoder.fingerprint
    for text in ["passage 1 about topic 2", "topic", "something else entirely"]:
        q = tiny_encoder.encode([text], kind="query")[0] * 3.0  # not unit length: the index normalises it
        for k in (1, 4, 7, 30, 100):
            hits = index.dense_search(q, fp, k=k)
            ids, scores = pre_refactor_dense_search(index, q, fp, k)
            assert [h.doc_id for h in hits] == ids and [h.score for h in hits] == scores
    ties = index.dense_search(tiny_encoder.encode(["passage 0 about topic 0"], kind="query")[0], fp, k=30)
    tied = [h.doc_id for h in ties if h.score == ties[0].score]
    assert len(tied) > 1 and tied == sorted(tied)  # equal vectors: by passage id, as before


def test_dense_search_goes_through_the_named_store(tiny_encoder, recording_store, index):
    other = DocumentIndex(index.path, store="recording")
    q = tiny_encoder.encode(["topic 1"], kind="query")[0]
    assert other.dense_search(q, tiny_encoder.fingerprint, k=5) == index.dense_search(q, tiny_encoder.fingerprint,
                                                                                       k=5)
    assert recording_store.searches == [5] and isinstance(other.vector_store(tiny_encoder.fingerprint),
                                                          recording_store)
    with pytest.raises(UserError, match="unknown vector store 'no-such-store'"):  # refused on open, before any work
        DocumentIndex(index.path, store="no-such-store")
    other.close()


def test_the_store_holds_exactly_the_committed_vectors(index, tiny_encoder):
    fp = tiny_encoder.fingerprint

    def stored_ids():
        return [r[0] for r in index.db.execute("SELECT id FROM documents ORDER BY id")]

    store = index.vector_store(fp)
    assert store is index.vector_store(fp)  # no write, no reload
    assert store.ids() == stored_ids() and store.count() == index.count() == len(DOCS)
    index.add_documents([{"id": "new", "text": "a new passage"}, {"id": "d03", "text": "changed text"}],
                        tiny_encoder, progress=False)
    store = index.vector_store(fp)
    assert store.ids() == stored_ids() and "new" in store.ids()
    np.testing.assert_allclose(store.get(["d03"])[0], tiny_encoder.encode(["changed text"], kind="passage")[0],
                               rtol=1e-5, atol=1e-6)
    assert index.delete(["d00", "new", "missing"]) == 2
    store = index.vector_store(fp)
    assert store.ids() == stored_ids() and "d00" not in store.ids() and store.count() == index.count()
    np.testing.assert_array_equal(index.vectors(["d01", "d02"], fp), store.get(["d01", "d02"]))
    assert index.vectors(["d00"], fp) is None


def test_deleting_a_document_and_its_passage_counts_each_passage_once(tmp_path, tiny_encoder):
    idx = DocumentIndex(tmp_path / "long.db", create=True)
    long_text = " ".join(f"Sentence {i} of a long document." for i in range(1200))
    idx.add_documents([{"id": "long", "text": long_text}, {"id": "short", "text": "short"}], tiny_encoder,
                      progress=False)
    passages = idx.count() - 1
    assert passages > 1
    assert idx.delete(["long", *[f"x{i}" for i in range(600)], "long#1"]) == passages  # across SQL chunks
    assert idx.count() == 1 and idx.vector_store(tiny_encoder.fingerprint).ids() == ["short"]
    idx.close()
