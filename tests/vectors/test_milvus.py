"""The Milvus stores against a real embedded milvus-lite instance (never a mock), with the exact scan as oracle."""

import socket

import numpy as np
import pytest

from engine.errors import UserError
from engine.vectors import (
    STORES,
    ExactStore,
    MilvusClusterStore,
    MilvusLiteStore,
    open_store,
)

pytest.importorskip("milvus_lite")


def unit(a):
    return (a / np.linalg.norm(a, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture()
def data():
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(20, 32))
    x = unit(centres[rng.integers(0, 20, 600)] + 0.5 * rng.normal(size=(600, 32)))
    return [f"doc-{i}" for i in range(600)], x, unit(x[:12] + 0.2 * rng.normal(size=(12, 32)))


def test_milvus_lite_answers_like_the_exact_scan(tmp_path, data):
    ids, x, q = data
    store = open_store(f"milvus-lite:{tmp_path / 'm.db'}", 32)
    assert isinstance(store, MilvusLiteStore) and STORES["milvus"] is MilvusClusterStore
    store.add(ids, x)
    store.persist()
    exact = ExactStore(32)
    exact.add(ids, x)
    (e_ids, e_scores), (m_ids, m_scores) = exact.search(q, 10), store.search(q, 10)
    assert np.mean([len(set(a) & set(b)) / 10 for a, b in zip(e_ids, m_ids)]) >= 0.95
    np.testing.assert_allclose(m_scores[:, 0], e_scores[:, 0], atol=1e-5)
    assert store.count() == 600
    np.testing.assert_allclose(store.get(["doc-5", "doc-7"]), x[[5, 7]], atol=1e-6)
    assert store.get(["doc-5", "nope"]) is None
    assert store.delete(["doc-5", "doc-6", "nope"]) == 2 and store.count() == 598
    store.add(["doc-7"], -x[7:8])  # an upsert: replaced, not duplicated
    assert store.count() == 598
    np.testing.assert_allclose(store.get(["doc-7"])[0], -x[7], atol=1e-6)
    again = open_store(f"milvus-lite:{tmp_path / 'm.db'}", 32)  # a second client on the same file, after flush
    assert again.count() == 598
    found, _ = again.search(x[5], 5)
    assert "doc-5" not in found[0]
    again.clear()
    assert again.count() == 0


def test_collections_are_scoped_per_model(tmp_path):
    assert MilvusLiteStore.scoped(f"{tmp_path}/m.db", "ab12") == f"{tmp_path}/m.db#vectors_ab12"
    assert MilvusLiteStore.scoped(f"{tmp_path}/m.db#docs", "ab12") == f"{tmp_path}/m.db#docs_ab12"
    assert MilvusClusterStore.scoped("db.example:19530/passages", "0f3a") == "db.example:19530/passages_0f3a"


def test_bad_locations_and_unreachable_servers_are_one_line_errors(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(UserError, match=f"milvus: cannot reach 127.0.0.1:{port}") as err:
        open_store(f"milvus://127.0.0.1:{port}/passages", 8)
    assert "\n" not in str(err.value)
    with pytest.raises(UserError, match="not HOST:PORT/COLLECTION"):
        open_store("milvus://no port here", 8)
    with pytest.raises(UserError, match="ending in .db"):
        open_store(f"milvus-lite:{tmp_path / 'x.sqlite'}", 8)
    with pytest.raises(UserError, match="needs a file"):
        open_store("milvus-lite", 8)
    open_store(f"milvus-lite:{tmp_path / 'd.db'}", 8).add(["a"], np.ones((1, 8), np.float32))
    with pytest.raises(UserError, match="has dims \\[8\\], expected 4") as err:
        open_store(f"milvus-lite:{tmp_path / 'd.db'}", 4)
    assert str(tmp_path) not in str(err.value)  # no server paths in messages
