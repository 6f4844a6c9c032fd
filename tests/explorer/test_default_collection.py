"""The shipped default collection (everyday WordNet glosses + UDHR), its precomputed vectors and the background."""

import gzip
import json

import numpy as np

from explorer.default_collection import EVERYDAY, default_documents
from explorer.precomputed import ASSET, BACKGROUND_ASSET, PrecomputedEncoder, load_shipped_vectors, text_key
from explorer.relevance import background_texts


def test_default_documents_cover_everyday_topics():
    docs = default_documents()
    ids = [d["id"] for d in docs]
    assert len(ids) == len(set(ids)) and 2500 <= len(docs) <= 3500
    assert {d["source"] for d in docs} == {"wordnet", "udhr"}
    assert sum(d["source"] == "udhr" for d in docs) == 31
    with gzip.open(EVERYDAY, "rt", encoding="utf-8") as f:
        topics = {json.loads(line)["topic"] for line in f}
    assert {"health", "farming", "weather", "money", "rights", "school", "places"} <= topics
    assert (EVERYDAY.parent / "README.md").is_file()  # sources and licence


def test_background_is_unrelated_to_the_collection():
    texts = background_texts()
    assert len(texts) == 512 and not set(texts) & {d["text"] for d in default_documents()}


def test_shipped_vectors_cover_the_collection_and_the_background_compactly():
    with np.load(ASSET) as data:
        fingerprint = str(data["fingerprint"])
    table = load_shipped_vectors(fingerprint)
    assert all(text_key(d["text"]) in table for d in default_documents())
    background = load_shipped_vectors(fingerprint, BACKGROUND_ASSET)
    assert all(text_key(t) in background for t in background_texts())
    assert ASSET.stat().st_size + BACKGROUND_ASSET.stat().st_size < 4 * 2**20


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
