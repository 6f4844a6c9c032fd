"""Shipped document vectors for the default collection, so a fresh clone answers its first query in seconds.

``explorer/assets/default-vectors.npz`` holds, for one model fingerprint, the SHA-1 of each ``passage: `` input and
its vector as float16 (cosine error < 1e-3, far below the gaps between ranks that matter). It is only ever used for
the model whose fingerprint it names; anything else is encoded live. Regenerate it after the default collection or
the base model changes::

    python -m explorer --write-vectors

(:func:`write_shipped_vectors` reads the evaluation embedding cache where it can, so this is quick after an
evaluation run.)
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

ASSETS = Path(__file__).resolve().parent / "assets"
ASSET = ASSETS / "default-vectors.npz"
BACKGROUND_ASSET = ASSETS / "background-vectors.npz"  # the calibration background (explorer.relevance)


def text_key(text: str) -> str:
    return hashlib.sha1(f"passage\x00{text}".encode()).hexdigest()


def load_shipped_vectors(fingerprint: str, path: Path = ASSET) -> dict[str, np.ndarray]:
    """``text key -> float32 vector`` when ``path`` was made by the model ``fingerprint``; otherwise empty."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["fingerprint"]) != fingerprint:
                return {}
            keys, vecs = data["keys"], data["vectors"].astype(np.float32)
    except (OSError, KeyError, ValueError):
        return {}
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    return dict(zip(keys.tolist(), vecs))


class PrecomputedEncoder:
    """An encoder that answers ``passage`` inputs from a table and encodes only the misses with the real one."""

    def __init__(self, encoder, table: dict[str, np.ndarray]):
        self.encoder, self.table = encoder, table
        self.name, self.fingerprint, self.dim = encoder.name, encoder.fingerprint, encoder.dim
        self.source = getattr(encoder, "source", None)
        self.last_report = getattr(encoder, "last_report", None)

    def encode(self, texts, kind="passage", batch_size=32, progress=False, max_length=None) -> np.ndarray:
        texts = list(texts)
        keys = [text_key(t) for t in texts] if kind == "passage" else [None] * len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing = [i for i, k in enumerate(keys) if k not in self.table]
        for i, k in enumerate(keys):
            if k in self.table:
                out[i] = self.table[k]
        if missing:
            out[missing] = self.encoder.encode([texts[i] for i in missing], kind=kind, batch_size=batch_size)
        self.last_report = getattr(self.encoder, "last_report", None)
        return out


def write_shipped_vectors(encoder, texts: list[str], path: Path = ASSET, cache_root: Path | None = None) -> Path:
    """Encode ``texts`` as passages (through the evaluation embedding cache) and write the asset file."""
    from engine.artifacts.offline_e5 import default_cache_dir
    from engine.evaluation.embedding_cache import encode_cached

    texts = list(dict.fromkeys(texts))
    vecs = encode_cached(encoder, texts, "passage", cache_root or default_cache_dir() / "embeddings",
                         progress="explorer: document vectors")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, fingerprint=np.array(encoder.fingerprint), keys=np.array([text_key(t) for t in texts]),
                        vectors=vecs.astype(np.float16))
    tmp.replace(path)
    return path
