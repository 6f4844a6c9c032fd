"""The shipped default collection and its precomputed vectors."""

import numpy as np

from explorer.default_collection import default_documents
from explorer.precomputed import PrecomputedEncoder, load_shipped_vectors, text_key


def test_default_documents():
    docs = default_documents()
    ids = [d["id"] for d in docs]
    assert len(ids) == len(set(ids)) and 2000 <= len(docs) <= 3000
    assert {d["source"] for d in docs} == {"udhr", "bible-web", "libreoffice"}
    assert sum(d["source"] == "udhr" for d in docs) == 31


def test_precomputed_encoder_uses_the_table_and_encodes_misses(tiny_encoder):
    known = np.ones(tiny_encoder.dim, np.float32) / np.sqrt(tiny_encoder.dim)
    enc = PrecomputedEncoder(tiny_encoder, {text_key("known text"): known})
    out = enc.encode(["known text", "other text"], kind="passage")
    np.testing.assert_allclose(out[0], known)
    np.testing.assert_allclose(out[1], tiny_encoder.encode(["other text"], kind="passage")[0], atol=1e-6)
    assert enc.fingerprint == tiny_encoder.fingerprint


def test_vectors_of_another_model_are_ignored(tmp_path):
    path = tmp_path / "v.npz"
    np.savez(path, fingerprint=np.array("aaa"), keys=np.array(["k"]), vectors=np.ones((1, 4), np.float16))
    assert set(load_shipped_vectors("aaa", path)) == {"k"}
    assert load_shipped_vectors("bbb", path) == {}
    assert load_shipped_vectors("aaa", tmp_path / "missing.npz") == {}
