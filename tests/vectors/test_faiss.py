"""The FAISS store against the exact scan (the oracle): recall, order, deletes, replacement and persistence."""

import json

import numpy as np
import pytest

from engine.errors import UserError
from engine.vectors import AnnConfig, ExactStore, FaissStore, open_store


def clustered(n, d=48, clusters=120, seed=0, noise=0.6):
    """Unit vectors around ``clusters`` centres, like passage embeddings (topics), and queries near them."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, d))
    x = centres[rng.integers(0, clusters, n)] + noise * rng.normal(size=(n, d))
    q = x[rng.integers(0, n, 50)] + 0.3 * rng.normal(size=(50, d))
    unit = lambda a: (a / np.linalg.norm(a, axis=1, keepdims=True)).astype(np.float32)  # noqa: E731
    return [f"p{i:05d}" for i in range(n)], unit(x), unit(q)


@pytest.fixture(scope="module")
def data():
    return clustered(12_000)


def recall_at(exact_ids, ann_ids, k=10):
    return float(np.mean([len(set(a[:k]) & set(b[:k])) / k for a, b in zip(exact_ids, ann_ids)]))


def test_the_ivf_finds_what_the_exact_scan_finds(data, tmp_path):
    ids, x, q = data
    exact, ann = ExactStore(x.shape[1]), FaissStore(x.shape[1], tmp_path / "s", AnnConfig(min_train=1_000))
    exact.add(ids, x)
    ann.add(ids, x)
    assert ann.train() and ann._index.nlist == AnnConfig().cells(len(ids))
    (e_ids, e_scores), (a_ids, a_scores) = exact.search(q, 10), ann.search(q, 10)
    assert recall_at(e_ids, a_ids) >= 0.95
    for row_e, row_a, sc_e, sc_a in zip(e_ids, a_ids, e_scores, a_scores):  # re-ranked: exact scores, best first
        assert np.all(np.diff(sc_a) <= 0)
        got = dict(zip(row_a, sc_a))
        np.testing.assert_allclose([got[i] for i in row_a if i in row_e],
                                   [s for i, s in zip(row_e, sc_e) if i in got], rtol=1e-5)


def test_an_untrained_store_is_the_exact_scan_ties_included(tmp_path):
    ids = [f"d{i}" for i in range(40)]
    x = np.repeat(np.eye(8, dtype=np.float32), 5, axis=0)  # five copies of each vector: ties everywhere
    exact, ann = ExactStore(8), open_store(f"faiss:{tmp_path / 'f'}", 8)
    exact.add(ids, x)
    ann.add(ids, x)
    assert not ann.train()
    for k in (1, 3, 7, 40, 100):
        e, a = exact.search(x[:9], k), ann.search(x[:9], k)
        assert e[0] == a[0] and np.array_equal(e[1], a[1])


def test_deletes_replacements_and_persistence_keep_the_store_exact(data, tmp_path):
    ids, x, q = data
    config = AnnConfig(min_train=1_000, nprobe=10_000)  # every cell: only the 8-bit shortlist is approximate
    store = FaissStore(x.shape[1], tmp_path / "s", config)
    store.add(ids, x)
    store.persist()
    gone = set(ids[::3])
    assert store.delete(list(gone) + ["never-added"]) == len(gone)
    store.add([ids[1]], -x[1:2])  # replaced: same id, same row, new vector
    store.persist()
    again = FaissStore.load(tmp_path / "s")
    assert again.count() == len(ids) - len(gone) and again.trained()
    assert json.loads((tmp_path / "s" / "config.json").read_text())["min_train"] == 1_000
    oracle = ExactStore(x.shape[1])
    keep = [n for n, i in enumerate(ids) if i not in gone]
    vecs = x.copy()
    vecs[1] = -x[1]
    oracle.add([ids[n] for n in keep], vecs[keep])
    a_ids, _ = again.search(q, 10)
    assert not gone & {i for row in a_ids for i in row}
    assert recall_at(oracle.search(q, 10)[0], a_ids) >= 0.99
    np.testing.assert_array_equal(again.get([ids[1], ids[2]]), vecs[[1, 2]])
    assert again.get([ids[0]]) is None  # deleted


def test_an_add_that_was_never_persisted_is_not_in_the_store_after_a_crash(tmp_path):
    ids, x, _ = clustered(300, d=16)
    store = FaissStore(16, tmp_path / "s")
    store.add(ids[:200], x[:200])
    store.persist()
    store.add(ids[200:], x[200:])  # written to vectors.f32 but never persisted: the process "dies" here
    again = FaissStore.load(tmp_path / "s")
    assert again.count() == 200 and again.ids() == ids[:200]
    assert (tmp_path / "s" / "vectors.f32").stat().st_size == 200 * 16 * 4
    np.testing.assert_array_equal(again.get(ids[:200]), x[:200])


def test_bad_input_is_one_line(tmp_path):
    with pytest.raises(UserError, match="dimension"):
        FaissStore(0)
    with pytest.raises(UserError, match="no FAISS store"):
        FaissStore.load(tmp_path / "nothing")
    store = FaissStore(8, tmp_path / "s")
    store.add(["a"], np.ones((1, 8), np.float32))
    store.persist()
    with pytest.raises(UserError, match="has 8 dims, expected 4"):
        open_store(f"faiss:{tmp_path / 's'}", 4)
    with pytest.raises(UserError, match="unknown ANN setting"):
        (tmp_path / "c.json").write_text('{"nprobes": 3}')
        AnnConfig.load(tmp_path / "c.json")
