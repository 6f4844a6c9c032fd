"""Keeping a vector store outside SQLite (FAISS on disk, Milvus) equal to one model's rows of the ``vectors`` table.

The index file is the record: documents and their vectors are committed there together, per batch. A store that
lives elsewhere remembers, in the index's ``meta`` table under its own key, the last :mod:`~engine.index.vector_log`
``seq`` it has applied. :func:`sync_store`, inside one read snapshot of the file:

1. *delta* — every id logged after that ``seq`` gets its current vector (``add`` replaces) or is deleted;
2. *check* — the store must then hold exactly as many vectors as the table (else, and when it has no ``seq`` yet:
   *full* — cleared and refilled from the table, streamed in chunks);

then persists the store and records the log head as its new ``seq``. Applying a change twice is harmless, so a
crash anywhere repeats work and never loses or duplicates a vector; deleted documents leave the store with them.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.index.meta import get_meta, now, set_meta
from engine.index.vector_log import changed_since, log_head
from engine.index.vector_table import count_vectors, iter_vectors, read_vectors
from engine.vectors import VectorStore

STATE_PREFIX = "store:"


@dataclass
class SyncReport:
    """What one :func:`sync_store` did: ``mode`` is ``delta`` or ``full``; ``applied`` ids written or deleted."""

    mode: str
    applied: int
    vectors: int
    seconds: float


def state_key(spec_name: str, location: str) -> str:
    return f"{STATE_PREFIX}{spec_name}:{location}"


def sync_store(db, store: VectorStore, fingerprint: str, dim: int, path: Path, key: str,
               progress: bool = True) -> SyncReport:
    """Bring ``store`` up to ``fingerprint``'s committed vectors (module docstring); ``key`` holds its ``seq``."""
    start = time.perf_counter()
    raw = get_meta(db, key)
    seq = int(json.loads(raw)["seq"]) if raw else None
    own = not db.conn.in_transaction
    if own:
        db.conn.execute("BEGIN")  # one snapshot: the log head, the delta and the table agree
    try:
        head = log_head(db)
        mode, applied = "delta", 0
        if seq is not None and head >= 0:  # head -1: an old read-only index without a log, refilled each time
            applied = apply_changes(db, store, fingerprint, changed_since(db, fingerprint, seq, head))
        expected = count_vectors(db, fingerprint)
        if seq is None or store.count() != expected:
            mode, applied = "full", refill(db, store, fingerprint, dim, path, expected, progress)
    finally:
        if own:
            db.conn.commit()
    store.persist()
    try:
        with db.conn:
            set_meta(db, key, {"seq": head, "vectors": expected, "synced": now()})
    except sqlite3.OperationalError:
        pass  # a read-only index: the store is current; the next open repeats the delta
    return SyncReport(mode, applied, expected, time.perf_counter() - start)


def apply_changes(db, store: VectorStore, fingerprint: str, ids: list[str]) -> int:
    """Put the current vector of each of ``ids`` into ``store``, or delete the id where the table has none."""
    for s in range(0, len(ids), 10_000):
        part = ids[s : s + 10_000]
        found = read_vectors(db, fingerprint, part)
        gone = [i for i in part if i not in found]
        if gone:
            store.delete(gone)
        if found:
            keys = list(found)
            store.add(keys, np.frombuffer(b"".join(found[i] for i in keys), np.float32).reshape(len(keys), -1))
    return len(ids)


def refill(db, store: VectorStore, fingerprint: str, dim: int, path: Path, total: int, progress: bool) -> int:
    """Clear ``store`` and stream every ``fingerprint`` vector into it, ids ascending."""
    from tqdm.auto import tqdm

    store.clear()
    with tqdm(total=total, desc=f"loading vectors into {store.name}", unit="vec", leave=False,
              disable=None if progress else True) as bar:
        for ids, vectors in iter_vectors(db, fingerprint, dim, path):
            store.add(ids, vectors)
            bar.update(len(ids))
    return total
