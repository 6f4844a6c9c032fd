"""The exact store against a brute-force numpy oracle: scores ``Q X^T``, best first, ties by row."""

import subprocess
import sys

import numpy as np
import pytest

from engine.errors import UserError
from engine.vectors import STORES, ExactStore, VectorStore, open_store, parse_spec


def oracle(queries: np.ndarray, ids: list[str], matrix: np.ndarray, k: int):
    """Every score computed, rows sorted by (score desc, row asc): the order the store must give."""
    scores = np.atleast_2d(queries).astype(np.float32) @ matrix.T
    out_ids, out_scores = [], []
    for row in scores:
        order = np.lexsort((np.arange(len(row)), -row))[:k]
        out_ids.append([ids[i] for i in order])
        out_scores.append(row[order])
    return out_ids, np.array(out_scores, dtype=np.float32).reshape(len(scores), -1)


def unit(rng, n, d):
    x = rng.normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture()
def data():
    rng = np.random.default_rng(0)
    return [f"doc-{i:03d}" for i in range(200)], unit(rng, 200, 16), unit(rng, 5, 16)


def check(store: ExactStore, ids, matrix, queries, k):
    got_ids, got_scores = store.search(queries, k)
    want_ids, want_scores = oracle(queries, ids, matrix, k)
    assert got_ids == want_ids
    assert got_scores.dtype == np.float32 and got_scores.shape == want_scores.shape
    np.testing.assert_allclose(got_scores, want_scores, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("k", [1, 7, 200, 500])
def test_search_matches_the_oracle(data, k):
    ids, matrix, queries = data
    store = ExactStore(16)
    store.add(ids[:120], matrix[:120])
    store.add(ids[120:], matrix[120:])  # a second add appends rows
    assert store.count() == 200 and store.dim == 16 and store.ids() == ids
    check(store, ids, matrix, queries, k)


def test_one_query_as_a_vector_and_empty_answers(data):
    ids, matrix, queries = data
    store = ExactStore(16)
    empty_ids, empty_scores = store.search(queries[0], 3)  # nothing stored yet
    assert empty_ids == [[]] and empty_scores.shape == (1, 0)
    store.add(ids, matrix)
    got_ids, got_scores = store.search(queries[0], 3)
    assert got_ids == oracle(queries[0], ids, matrix, 3)[0] and got_scores.shape == (1, 3)
    none_ids, none_scores = store.search(queries, 0)
    assert none_ids == [[]] * 5 and none_scores.shape == (5, 0)


def test_ties_go_to_the_row_added_first():
    v = np.eye(4, dtype=np.float32)
    store = ExactStore(4)
    store.add(["z", "a", "m", "b"], np.stack([v[0], v[0], v[1], v[0]]))  # rows out of id order
    ids, scores = store.search(v[0], 4)
    assert ids == [["z", "a", "b", "m"]] and scores[0].tolist() == [1, 1, 1, 0]
    assert oracle(v[0], ["z", "a", "m", "b"], store.get(["z", "a", "m", "b"]), 4)[0] == ids
    store.add(["z"], v[:1])  # replacing a vector keeps its row
    assert store.search(v[0], 2)[0] == [["z", "a"]]
    store.delete(["a"])
    assert store.search(v[0], 3)[0] == [["z", "b", "m"]]


def test_add_replaces_and_delete_removes(data):
    ids, matrix, queries = data
    store = ExactStore(16)
    store.add(ids[:50], matrix[:50])
    store.add([ids[3], ids[60]], matrix[[100, 60]])  # one replaced in place, one new at the end
    assert store.count() == 51 and store.ids() == ids[:50] + [ids[60]]
    np.testing.assert_array_equal(store.get([ids[3], ids[60]]), matrix[[100, 60]])
    expected_matrix = matrix[list(range(50)) + [60]].copy()
    expected_matrix[3] = matrix[100]
    check(store, ids[:50] + [ids[60]], expected_matrix, queries, 10)

    assert store.delete([ids[3], ids[10], "not-there", ids[10]]) == 2
    keep = [i for i in range(51) if i not in (3, 10)]
    kept_ids = [store_id for n, store_id in enumerate(ids[:50] + [ids[60]]) if n in keep]
    assert store.count() == 49 and store.ids() == kept_ids
    check(store, kept_ids, expected_matrix[keep], queries, 100)
    assert store.get([ids[3]]) is None and store.get([]).shape == (0, 16)
    assert store.delete([]) == 0


def test_bad_shapes_and_duplicate_ids_are_user_errors(data):
    ids, matrix, _ = data
    store = ExactStore(16)
    with pytest.raises(UserError, match=r"shape \[3, 16\], expected \[2, 16\]"):
        store.add(ids[:2], matrix[:3])
    with pytest.raises(UserError, match=r"expected \[2, 16\]"):
        store.add(ids[:2], matrix[:2, :8])
    with pytest.raises(UserError, match="'doc-000' is given twice"):
        store.add([ids[0], ids[1], ids[0]], matrix[:3])
    assert store.count() == 0
    store.add(ids[:2], matrix[:2])
    with pytest.raises(UserError, match=r"query vectors have shape \[1, 3\]"):
        store.search(np.ones(3), 1)
    with pytest.raises(UserError, match="positive dimension"):
        ExactStore(0)


def test_read_only_input_is_kept_writable_input_is_copied(data):
    ids, matrix, queries = data
    frozen = matrix.copy()
    frozen.flags.writeable = False
    store = ExactStore(16)
    store.add(ids, frozen)
    assert not np.shares_memory(store.get(ids[:1]), frozen)  # get returns a copy
    assert np.shares_memory(store._vectors, frozen)  # no copy of the loaded matrix
    store.add(ids[:1], matrix[5:6])  # replacing a row of a read-only matrix copies it first
    assert frozen[0].tolist() == matrix[0].tolist()

    mutable = matrix.copy()
    other = ExactStore(16)
    other.add(ids, mutable)
    mutable[:] = 0
    check(other, ids, matrix, queries, 5)


def test_persist_and_reload(tmp_path, data):
    ids, matrix, queries = data
    path = tmp_path / "store.npz"
    store = ExactStore(16, path)
    store.add(ids, matrix)
    store.delete(ids[:5])
    store.persist()
    loaded = ExactStore.load(path)
    assert loaded.dim == 16 and loaded.count() == 195 and loaded.ids() == ids[5:]
    check(loaded, ids[5:], matrix[5:], queries, 20)
    reopened = open_store(f"exact:{path}", 16)
    assert isinstance(reopened, ExactStore) and reopened.ids() == ids[5:]
    with pytest.raises(UserError, match="has 16 dims, expected 8"):
        open_store(f"exact://{path}", 8)
    fresh = open_store(f"exact:{tmp_path / 'new.npz'}", 16)
    assert fresh.count() == 0 and not (tmp_path / "new.npz").exists()
    fresh.persist()
    assert ExactStore.load(tmp_path / "new.npz").count() == 0
    with pytest.raises(UserError, match="lives in memory"):
        ExactStore(16).persist()
    (tmp_path / "junk.npz").write_bytes(b"not numpy")
    with pytest.raises(UserError, match="junk.npz: not a vector store"):
        ExactStore.load(tmp_path / "junk.npz")
    with pytest.raises(UserError, match="no such vector store file"):
        ExactStore.load(tmp_path / "missing.npz")


def test_registry_opens_stores_by_spec():
    assert STORES["exact"] is ExactStore and ExactStore.name == "exact"
    store = open_store("exact", 8)
    assert isinstance(store, ExactStore) and store.path is None and store.dim == 8
    assert parse_spec("exact") == ("exact", None)
    assert parse_spec("exact:/tmp/x.npz") == ("exact", "/tmp/x.npz")
    assert parse_spec("milvus://host:19530/docs") == ("milvus", "host:19530/docs")
    with pytest.raises(UserError, match="unknown vector store 'annoy'.*exact"):
        open_store("annoy", 8)
    with pytest.raises(TypeError):
        VectorStore()  # the interface is abstract


def test_the_vectors_package_imports_no_torch():
    code = "import sys, engine.vectors; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
