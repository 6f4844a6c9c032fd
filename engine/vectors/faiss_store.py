r"""The FAISS store: an inverted file over 8-bit scalar-quantised vectors, with exact re-ranking of a shortlist.

Search, for a query :math:`q` (unit length) and stored unit vectors :math:`x_i`:

1. *Coarse*: the ``nprobe`` IVF cells whose k-means centroids :math:`c_j` have the largest :math:`\langle q,
   c_j\rangle` (``nlist`` cells in all, trained on a sample of the stored vectors).
2. *Shortlist*: in those cells, the ``R = max(rerank, k)`` vectors of largest :math:`\langle q, \tilde x_i\rangle`,
   where :math:`\tilde x_i` is :math:`x_i` scalar-quantised to 8 bits per dimension (``SQ8``: 4× smaller).
3. *Re-rank*: the shortlist re-scored exactly, :math:`s_i = \langle q, x_i\rangle` from the float32 vectors, best
   first, ties by row (the id added first comes first), as :class:`~engine.vectors.exact.ExactStore` orders them.

Per query that reads :math:`N \cdot \text{nprobe}/\text{nlist}` codes of ``d`` bytes plus ``R`` float32 rows,
instead of :math:`N` float32 rows. Below ``min_train`` vectors the store is not trained and scans its float32
vectors exactly. Settings: :class:`~engine.vectors.ann_config.AnnConfig`.

On disk (``faiss:DIR``), one folder::

    config.json   -- AnnConfig
    vectors.f32   -- float32 rows [rows, d], appended; read row by row for re-ranking and get (not held in RAM)
    ids.json      -- {"rows": n, "dim": d, "ids": [id or null per row]}   (null: a deleted row)
    ivf.faiss     -- the trained IVF-SQ index (FAISS ids = rows), absent while untrained

``persist`` writes ``ids.json`` and ``ivf.faiss`` atomically after the vectors; rows of ``vectors.f32`` past
``rows`` (an add that was never persisted) are dropped on load, so a crash leaves the last persisted state.
Replacing an id's vector rewrites its row in place; a delete removes the row from the IVF and marks it null.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from engine.errors import UserError
from engine.vectors.ann_config import CONFIG_FILE, AnnConfig
from engine.vectors.base import VectorStore, check_vectors
from engine.vectors.registry import register_store

VECTORS_FILE, IDS_FILE, INDEX_FILE = "vectors.f32", "ids.json", "ivf.faiss"


def _faiss():
    try:
        import faiss
    except ImportError:
        raise UserError("the faiss vector store needs faiss-cpu: pip install faiss-cpu") from None
    return faiss


def rank_rows(rows: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The best ``k`` of ``rows`` by ``scores`` (descending, ties by row ascending)."""
    order = np.lexsort((rows, -scores))[:k]
    return rows[order], scores[order]


@register_store("faiss")
class FaissStore(VectorStore):
    """IVF-SQ8 with exact re-ranking (module docstring); ``faiss`` in memory, ``faiss:DIR`` on disk."""

    def __init__(self, dim: int, path: str | Path | None = None, config: AnnConfig | None = None):
        if int(dim) < 1:
            raise UserError(f"a vector store needs a positive dimension, got {dim!r}")
        self._dim = int(dim)
        self.path = Path(path).expanduser() if path is not None else None
        self.config = config or (AnnConfig.load(self.path / CONFIG_FILE) if self.path else AnnConfig())
        self._ids: list[str | None] = []
        self._rows: dict[str, int] = {}
        self._memory = np.zeros((0, self._dim), np.float32)  # in-memory stores only
        self._fd: int | None = None  # vectors.f32, open for reading (on-disk stores)
        self._live: tuple[np.ndarray, np.ndarray] | None = None  # rows and vectors for an untrained scan
        self._index = None  # the trained IVF, or None
        self._dirty = False
        if self.path is not None:
            self.path.mkdir(parents=True, exist_ok=True)
            (self.path / VECTORS_FILE).touch()

    # ------------------------------------------------------------------ the float32 rows
    def _read_rows(self, rows: np.ndarray) -> np.ndarray:
        """Float32 rows ``[len(rows), d]``; from disk by ``pread`` (not a memory map: the kernel's read-around
        would map megabytes per query, and they would count as resident memory)."""
        rows = np.asarray(rows, dtype=np.int64)
        if self.path is None:
            return self._memory[rows]
        size = 4 * self._dim
        out = np.empty((len(rows), self._dim), np.float32)
        if self._fd is None:
            self._fd = os.open(self.path / VECTORS_FILE, os.O_RDONLY)
        view = out.view(np.uint8).reshape(len(rows), size)
        for n, row in enumerate(rows.tolist()):
            view[n] = np.frombuffer(os.pread(self._fd, size, row * size), np.uint8)
        return out

    def __del__(self):
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)

    def _live_matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """Live rows (ascending) and their vectors, kept while the store is unchanged (untrained scans only)."""
        if self._live is None:
            live = np.fromiter(self._rows.values(), dtype=np.int64, count=len(self._rows))
            live.sort()
            self._live = (live, self._read_rows(live))
        return self._live

    def _append(self, vectors: np.ndarray) -> None:
        if self.path is None:
            self._memory = np.concatenate([self._memory, vectors]) if len(self._memory) else vectors.copy()
            return
        with open(self.path / VECTORS_FILE, "r+b") as handle:
            handle.seek(len(self._ids) * 4 * self._dim)
            handle.write(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())

    def _overwrite(self, rows: list[int], vectors: np.ndarray) -> None:
        if self.path is None:
            self._memory[rows] = vectors
            return
        with open(self.path / VECTORS_FILE, "r+b") as handle:
            for row, vec in zip(rows, vectors):
                handle.seek(row * 4 * self._dim)
                handle.write(np.ascontiguousarray(vec, dtype=np.float32).tobytes())

    # ------------------------------------------------------------------ interface
    @property
    def dim(self) -> int:
        return self._dim

    def count(self) -> int:
        return len(self._rows)

    def ids(self) -> list[str]:
        """Stored ids in row order."""
        return [i for i in self._ids if i is not None]

    def trained(self) -> bool:
        return self._index is not None

    def add(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        ids = [str(i) for i in ids]
        vectors = check_vectors(vectors, len(ids), self._dim)
        if len(set(ids)) != len(ids):
            raise UserError("an id is given twice in one add")
        old = [(self._rows[i], n) for n, i in enumerate(ids) if i in self._rows]
        new = [n for n, i in enumerate(ids) if i not in self._rows]
        if old:
            rows, given = map(list, zip(*old))
            self._overwrite(rows, vectors[given])
            if self._index is not None:
                self._index.remove_ids(np.array(rows, dtype=np.int64))
                self._index.add_with_ids(vectors[given], np.array(rows, dtype=np.int64))
        if new:
            first = len(self._ids)
            self._append(vectors[new])
            for n in new:
                self._rows[ids[n]] = len(self._ids)
                self._ids.append(ids[n])
            if self._index is not None:
                self._index.add_with_ids(vectors[new], np.arange(first, len(self._ids), dtype=np.int64))
        self._dirty, self._live = True, None

    def delete(self, ids: Iterable[str]) -> int:
        rows = [self._rows.pop(i) for i in dict.fromkeys(map(str, ids)) if i in self._rows]
        for row in rows:
            self._ids[row] = None
        if rows and self._index is not None:
            self._index.remove_ids(np.array(rows, dtype=np.int64))
        self._dirty = self._dirty or bool(rows)
        self._live = None if rows else self._live
        return len(rows)

    def clear(self) -> None:
        self._ids, self._rows, self._index, self._live = [], {}, None, None
        self._memory = np.zeros((0, self._dim), np.float32)
        if self.path is not None:
            (self.path / VECTORS_FILE).write_bytes(b"")
            (self.path / INDEX_FILE).unlink(missing_ok=True)
        self._dirty = True

    def get(self, ids: Sequence[str]) -> np.ndarray | None:
        rows = [self._rows.get(str(i)) for i in ids]
        if any(r is None for r in rows):
            return None
        return self._read_rows(np.array(rows, dtype=np.int64))

    def search(self, query_vecs: np.ndarray, k: int) -> tuple[list[list[str]], np.ndarray]:
        queries = np.asarray(query_vecs, dtype=np.float32)
        queries = check_vectors(queries[None] if queries.ndim == 1 else queries, None, self._dim, "query vectors")
        k = min(int(k), self.count())
        if k <= 0:
            return [[] for _ in range(len(queries))], np.zeros((len(queries), 0), dtype=np.float32)
        self.train()
        out_ids, out_scores = [], np.zeros((len(queries), k), np.float32)
        if self._index is None:
            live, matrix = self._live_matrix()
            for n, q in enumerate(queries):
                rows, scores = rank_rows(live, matrix @ q, k)
                out_ids.append([self._ids[r] for r in rows])
                out_scores[n, : len(rows)] = scores
            return out_ids, out_scores
        self._index.nprobe = min(self.config.nprobe, self._index.nlist)
        _, candidates = self._index.search(queries, max(k, self.config.rerank))
        for n, (q, rows) in enumerate(zip(queries, candidates)):
            rows = np.asarray(rows[rows >= 0], dtype=np.int64)
            rows, scores = rank_rows(rows, self._read_rows(rows) @ q, k)
            out_ids.append([self._ids[r] for r in rows])
            out_scores[n, : len(rows)] = scores
        width = min(len(r) for r in out_ids)  # an IVF may find fewer than k in the cells it visits
        return [r[:width] for r in out_ids], out_scores[:, :width]

    # ------------------------------------------------------------------ training
    def train(self) -> bool:
        """Build the IVF once the store holds ``min_train`` vectors; True when an IVF answers searches."""
        if self._index is not None or self.count() < max(self.config.min_train, 1):
            return self._index is not None
        faiss = _faiss()
        live = np.fromiter(self._rows.values(), dtype=np.int64, count=len(self._rows))
        live.sort()
        rng = np.random.default_rng(self.config.seed)
        sample = np.sort(rng.choice(live, min(len(live), self.config.train_size), replace=False))
        nlist = self.config.cells(len(live))
        quantizer = faiss.IndexFlatIP(self._dim)
        kind = {"SQ8": faiss.ScalarQuantizer.QT_8bit, "SQ4": faiss.ScalarQuantizer.QT_4bit,
                "SQFP16": faiss.ScalarQuantizer.QT_fp16}.get(self.config.quantizer.upper())
        if kind is None:
            raise UserError(f"unknown FAISS quantizer {self.config.quantizer!r}; choose SQ8, SQ4 or SQfp16")
        index = faiss.IndexIVFScalarQuantizer(quantizer, self._dim, nlist, kind, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = self.config.seed
        index.train(self._read_rows(sample))
        for start in range(0, len(live), 65_536):
            part = live[start : start + 65_536]
            index.add_with_ids(self._read_rows(part), part)
        self._index, self._dirty = index, True
        return True

    # ------------------------------------------------------------------ persistence
    def persist(self) -> None:
        from engine.fileio import write_text_atomic

        if self.path is None:
            raise UserError("this vector store lives in memory; open it with a location (faiss:DIR) to persist it")
        self.train()
        if not self._dirty and (self.path / IDS_FILE).exists():
            return
        with open(self.path / VECTORS_FILE, "r+b") as handle:
            os.fsync(handle.fileno())
        if self._index is not None:  # written by FAISS to a temporary file, then renamed: no copy in memory
            temporary = self.path / (INDEX_FILE + ".tmp")
            _faiss().write_index(self._index, str(temporary))
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(temporary, self.path / INDEX_FILE)
        else:
            (self.path / INDEX_FILE).unlink(missing_ok=True)
        write_text_atomic(self.path / IDS_FILE, json.dumps({"rows": len(self._ids), "dim": self._dim,
                                                            "ids": self._ids}, ensure_ascii=False))
        if not (self.path / CONFIG_FILE).exists():
            self.config.save(self.path / CONFIG_FILE)
        self._dirty = False

    @classmethod
    def load(cls, location: str | Path) -> "FaissStore":
        path = Path(location).expanduser()
        try:
            state = json.loads((path / IDS_FILE).read_text(encoding="utf-8"))
            rows, dim, ids = int(state["rows"]), int(state["dim"]), list(state["ids"])
        except FileNotFoundError:
            raise UserError(f"{path.name}: no FAISS store there (no {IDS_FILE})") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UserError(f"{path.name}: not a FAISS store written by FaissStore.persist ({exc})") from None
        vectors = path / VECTORS_FILE
        if len(ids) != rows or vectors.stat().st_size < rows * 4 * dim:
            raise UserError(f"{path.name}: the FAISS store is incomplete ({rows} rows listed); delete it to rebuild")
        if vectors.stat().st_size > rows * 4 * dim:
            os.truncate(vectors, rows * 4 * dim)  # rows appended after the last persist: not part of the store
        store = cls(dim, path)
        store._ids = ids
        store._rows = {i: r for r, i in enumerate(ids) if i is not None}
        if (path / INDEX_FILE).exists():
            store._index = _faiss().read_index(str(path / INDEX_FILE))
            if store._index.ntotal != len(store._rows):
                store._index = None  # out of step (a crash between files): retrained from the vectors
        return store

    @classmethod
    @contextmanager
    def locked(cls, location: str):
        """An exclusive ``flock`` on ``DIR/.lock``: one process at a time loads, updates and persists the store."""
        import fcntl

        path = Path(location).expanduser()
        path.mkdir(parents=True, exist_ok=True)
        with open(path / ".lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @classmethod
    def open(cls, location: str | None, dim: int) -> "FaissStore":
        if location is None:
            return cls(dim)
        path = Path(location).expanduser()
        if not (path / IDS_FILE).exists():
            return cls(dim, path)
        store = cls.load(path)
        if store.dim != int(dim):
            raise UserError(f"{path.name}: the FAISS store has {store.dim} dims, expected {dim}")
        return store
