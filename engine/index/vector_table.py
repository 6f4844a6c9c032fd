"""The ``vectors`` table: each passage's float32 vector per model fingerprint, the index's copy of every vector.

``vec`` is the encoder's L2-normalised vector as float32 bytes (``4 d`` of them). Writes run inside
the caller's transaction, with the document rows they belong to, so documents and vectors never disagree on disk;
:mod:`engine.index.dense` loads one fingerprint's rows into a vector store for search.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from engine.errors import UserError
from engine.index.sql import chunks, marks


def vector_counts(db) -> dict[str, int]:
    """``fingerprint -> number of vectors``."""
    return {fp: int(n) for fp, n in db.execute("SELECT fingerprint, count(*) FROM vectors GROUP BY fingerprint")}


def ids_with_vectors(db, fingerprint: str, ids: Sequence[str]) -> set[str]:
    """Those of ``ids`` that have a vector for ``fingerprint``."""
    found: set[str] = set()
    for chunk in chunks(ids):
        q = f"SELECT doc_id FROM vectors WHERE fingerprint = ? AND doc_id IN ({marks(len(chunk))})"
        found.update(r[0] for r in db.execute(q, [fingerprint, *chunk]))
    return found


def put_vectors(db, fingerprint: str, ids: Sequence[str], vectors: np.ndarray) -> None:
    """Insert or replace the vectors of ``ids`` for ``fingerprint``."""
    db.conn.executemany(
        "INSERT OR REPLACE INTO vectors (doc_id, fingerprint, vec) VALUES (?, ?, ?)",
        [(i, fingerprint, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for i, v in zip(ids, vectors)])


def delete_vectors(db, ids: Sequence[str]) -> None:
    """Remove the vectors of ``ids`` for every model."""
    for chunk in chunks(ids):
        db.execute(f"DELETE FROM vectors WHERE doc_id IN ({marks(len(chunk))})", list(chunk))


def load_vectors(db, fingerprint: str, dim: int, path: Path) -> tuple[list[str], np.ndarray]:
    """Ids (ascending) and their vectors ``[N, dim]`` (read-only float32, no copy) for ``fingerprint``."""
    rows = db.execute("SELECT doc_id, vec FROM vectors WHERE fingerprint = ? ORDER BY doc_id",
                      [fingerprint]).fetchall()
    if any(len(vec) != 4 * dim for _, vec in rows):
        raise UserError(f"{path}: vectors of {fingerprint} do not all have {dim} dims; rebuild it")
    matrix = np.frombuffer(b"".join(vec for _, vec in rows), dtype=np.float32).reshape(len(rows), dim)
    return [doc_id for doc_id, _ in rows], matrix


def iter_vectors(db, fingerprint: str, dim: int, path: Path, size: int = 50_000):
    """``(ids, vectors [n, dim])`` chunks of at most ``size`` rows of ``fingerprint``, ids ascending.

    Streams, so a store fills from a million vectors without holding them all twice.
    """
    cursor = db.execute("SELECT doc_id, vec FROM vectors WHERE fingerprint = ? ORDER BY doc_id", [fingerprint])
    while rows := cursor.fetchmany(size):
        if any(len(vec) != 4 * dim for _, vec in rows):
            raise UserError(f"{path}: vectors of {fingerprint} do not all have {dim} dims; rebuild it")
        yield [r[0] for r in rows], np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(len(rows), dim)


def read_vectors(db, fingerprint: str, ids: Sequence[str]) -> dict[str, bytes]:
    """``id -> vector bytes`` of those of ``ids`` that have a ``fingerprint`` vector."""
    found: dict[str, bytes] = {}
    for chunk in chunks(ids):
        q = f"SELECT doc_id, vec FROM vectors WHERE fingerprint = ? AND doc_id IN ({marks(len(chunk))})"
        found.update(db.execute(q, [fingerprint, *chunk]).fetchall())
    return found


def count_vectors(db, fingerprint: str) -> int:
    return int(db.execute("SELECT count(*) FROM vectors WHERE fingerprint = ?", [fingerprint]).fetchone()[0])
