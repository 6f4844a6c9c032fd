"""On-disk cache of text embeddings, keyed by model fingerprint, input kind and text hash.

Documents are encoded once per model: a second evaluation (or a student that shares the teacher's documents) reads
vectors back instead of re-encoding. One SQLite file per fingerprint; rows are committed per batch, so an interrupted
encoding resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Sequence

import numpy as np


def text_key(kind: str, text: str) -> str:
    return hashlib.sha1(f"{kind}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    def __init__(self, root: Path, fingerprint: str, dim: int):
        root.mkdir(parents=True, exist_ok=True)
        self.path = root / f"{fingerprint}.sqlite"
        self.dim = dim
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            chunk = list(keys[i : i + 500])
            q = f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(chunk))})"
            for key, blob in self.db.execute(q, chunk):
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.size == self.dim:
                    out[key] = vec
        return out

    def put_many(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        rows = [(k, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for k, v in zip(keys, vectors)]
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)

    def close(self) -> None:
        self.db.close()


def encode_cached(encoder, texts: Sequence[str], kind: str, cache_root: Path | None, batch_size: int = 32,
                  progress: bool | str = False, chunk: int = 1024) -> np.ndarray:
    """``encoder.encode`` with a per-text cache; misses are encoded in chunks and stored as they finish."""
    if cache_root is None:
        return encoder.encode(list(texts), kind=kind, batch_size=batch_size, progress=progress)
    cache = EmbeddingCache(cache_root, encoder.fingerprint, encoder.dim)
    try:
        keys = [text_key(kind, t) for t in texts]
        found = cache.get_many(list(dict.fromkeys(keys)))
        missing = list(dict.fromkeys(i for i, k in enumerate(keys) if k not in found))
        todo: dict[str, int] = {}
        for i in missing:
            todo.setdefault(keys[i], i)
        order = list(todo.values())
        from tqdm.auto import tqdm

        bar = tqdm(total=len(order), desc=progress if isinstance(progress, str) else "encoding", unit="text",
                   disable=not progress or not order, leave=False)
        for start in range(0, len(order), chunk):
            idx = order[start : start + chunk]
            vecs = encoder.encode([texts[i] for i in idx], kind=kind, batch_size=batch_size)
            cache.put_many([keys[i] for i in idx], vecs)
            found.update({keys[i]: v for i, v in zip(idx, vecs)})
            bar.update(len(idx))
        bar.close()
        return np.stack([found[k] for k in keys]) if keys else np.zeros((0, encoder.dim), np.float32)
    finally:
        cache.close()
