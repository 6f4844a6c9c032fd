r"""The exact store: every stored vector scored for every query, in numpy.

Search computes :math:`S = Q X^\top` (``[Q, N]``, inner products; cosines for L2-normalised rows) block by block
and keeps each row's top ``k`` with :func:`top_k` (score descending, then row ascending, so ties go to the row
added first): :math:`O(N d)` per query, no approximation.

Persisted as one ``.npz`` file (``ids``: unicode strings, ``vectors``: float32 ``[N, d]``), written atomically.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from engine.errors import UserError
from engine.vectors.base import VectorStore, check_vectors
from engine.vectors.registry import register_store


def top_k(query_vecs: np.ndarray, doc_vecs: np.ndarray, k: int, block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k by inner product: row indices ``[Q, k]`` and scores ``[Q, k]``, best first (ties: lower row first).

    ``k`` is capped at the number of rows; queries are scored ``block`` at a time so memory stays ``O(block N)``.
    """
    k = min(k, doc_vecs.shape[0])
    idx_out = np.zeros((len(query_vecs), k), dtype=np.int64)
    score_out = np.zeros((len(query_vecs), k), dtype=np.float32)
    for s in range(0, len(query_vecs), block):
        idx_out[s : s + block], score_out[s : s + block] = top_k_of_scores(query_vecs[s : s + block] @ doc_vecs.T, k)
    return idx_out, score_out


def top_k_of_scores(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The best ``k`` columns of each row of ``scores`` ``[Q, N]`` and their scores, best first (ties: lower
    column first)."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    part_scores = np.take_along_axis(scores, part, axis=1)
    kth = part_scores.min(axis=1, keepdims=True)
    for r in np.flatnonzero((scores >= kth).sum(axis=1) > k):  # ties across the k-th place: lowest rows win
        tied = np.flatnonzero(scores[r] >= kth[r])
        part[r] = tied[np.lexsort((tied, -scores[r, tied]))[:k]]
        part_scores[r] = scores[r, part[r]]
    order = np.lexsort((part, -part_scores), axis=1)  # score desc, then index asc: deterministic ties
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(part_scores, order, axis=1)


@register_store("exact")
class ExactStore(VectorStore):
    """Vectors in one float32 matrix ``[N, d]`` (row order = order of first addition), searched exactly.

    ``ExactStore(dim)`` lives in memory; ``ExactStore(dim, path)`` persists to ``path`` (``.npz``). A read-only
    float32 C-contiguous matrix added to an empty store is kept as it is, without a copy (nothing can write to it
    through that array); any other input is copied.
    """

    def __init__(self, dim: int, path: str | Path | None = None):
        if int(dim) < 1:
            raise UserError(f"a vector store needs a positive dimension, got {dim!r}")
        self._dim = int(dim)
        self.path = Path(path).expanduser() if path is not None else None
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}
        self._vectors = np.zeros((0, self._dim), dtype=np.float32)

    @property
    def dim(self) -> int:
        return self._dim

    def count(self) -> int:
        return len(self._ids)

    def ids(self) -> list[str]:
        """Stored ids in row order."""
        return list(self._ids)

    def add(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        ids = [str(i) for i in ids]
        vectors = check_vectors(vectors, len(ids), self._dim)
        if len(set(ids)) != len(ids):
            seen: set[str] = set()
            dup = next(i for i in ids if i in seen or seen.add(i))
            raise UserError(f"id {dup!r} is given twice in one add")
        old = [(self._rows[i], n) for n, i in enumerate(ids) if i in self._rows]
        new = [n for n, i in enumerate(ids) if i not in self._rows]
        if old:
            if not self._vectors.flags.writeable:
                self._vectors = self._vectors.copy()
            rows, given = zip(*old)
            self._vectors[list(rows)] = vectors[list(given)]
        if not new:
            return
        fresh = vectors if len(new) == len(ids) else vectors[new]
        if not self._ids:
            keep = fresh.flags.c_contiguous and not fresh.flags.writeable and fresh.dtype == np.float32
            self._vectors = fresh if keep else np.array(fresh, dtype=np.float32, order="C")
        else:
            self._vectors = np.concatenate([self._vectors, fresh])
        for n in new:
            self._rows[ids[n]] = len(self._ids)
            self._ids.append(ids[n])

    def delete(self, ids: Iterable[str]) -> int:
        gone = {self._rows[i] for i in map(str, ids) if i in self._rows}
        if not gone:
            return 0
        keep = np.array([r not in gone for r in range(len(self._ids))], dtype=bool)
        self._vectors = self._vectors[keep]
        self._ids = [i for i, k in zip(self._ids, keep) if k]
        self._rows = {i: r for r, i in enumerate(self._ids)}
        return len(gone)

    def clear(self) -> None:
        self._ids, self._rows = [], {}
        self._vectors = np.zeros((0, self._dim), dtype=np.float32)

    def search(self, query_vecs: np.ndarray, k: int) -> tuple[list[list[str]], np.ndarray]:
        queries = np.asarray(query_vecs, dtype=np.float32)
        queries = check_vectors(queries[None] if queries.ndim == 1 else queries, None, self._dim, "query vectors")
        k = min(int(k), len(self._ids))
        if k <= 0:
            return [[] for _ in range(len(queries))], np.zeros((len(queries), 0), dtype=np.float32)
        rows, scores = top_k(queries, self._vectors, k)
        return [[self._ids[r] for r in row] for row in rows], scores

    def get(self, ids: Sequence[str]) -> np.ndarray | None:
        rows = [self._rows.get(str(i)) for i in ids]
        if any(r is None for r in rows):
            return None
        return self._vectors[rows]

    # ------------------------------------------------------------------ persistence
    def persist(self) -> None:
        from engine.fileio import write_bytes_atomic

        if self.path is None:
            raise UserError("this vector store lives in memory; open it with a path (exact:PATH) to persist it")
        buffer = io.BytesIO()
        np.savez(buffer, ids=np.array(self._ids, dtype=str), vectors=self._vectors)
        write_bytes_atomic(self.path, buffer.getvalue())

    @classmethod
    def load(cls, location: str | Path) -> "ExactStore":
        path = Path(location).expanduser()
        try:
            with np.load(path, allow_pickle=False) as data:
                ids, vectors = [str(i) for i in data["ids"]], np.asarray(data["vectors"], dtype=np.float32)
        except FileNotFoundError:
            raise UserError(f"{path}: no such vector store file") from None
        except (OSError, ValueError, KeyError) as exc:
            raise UserError(f"{path}: not a vector store written by ExactStore.persist ({exc})") from None
        if vectors.ndim != 2 or vectors.shape[0] != len(ids) or vectors.shape[1] < 1:
            raise UserError(f"{path}: {len(ids)} ids but vectors of shape {list(vectors.shape)}")
        store = cls(vectors.shape[1], path)
        store.add(ids, vectors)
        return store

    @classmethod
    def open(cls, location: str | None, dim: int) -> "ExactStore":
        if location is None:
            return cls(dim)
        path = Path(location).expanduser()
        if not path.exists():
            return cls(dim, path)
        store = cls.load(path)
        if store.dim != int(dim):
            raise UserError(f"{path}: the vector store has {store.dim} dims, expected {dim}")
        return store
