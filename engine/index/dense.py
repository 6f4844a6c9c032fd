r"""Dense search: one model's vectors from the ``vectors`` table, searched through a :class:`VectorStore`.

A query vector :math:`q` is normalised and each passage :math:`i` encoded by the model scores

.. math::
    s_i = \langle x_i, q / \lVert q \rVert \rangle = \cos(x_i, q)

(the stored :math:`x_i` are L2-normalised), best first, ties by passage id. The store (``exact`` by default: the
numpy scan of :class:`engine.vectors.ExactStore`; any spec of :func:`engine.vectors.open_store`) is filled from
the table, ids in ascending order, and kept until the index's ``generation`` moves — every write, from any
process, bumps it — so the store always holds exactly the committed vectors of the documents.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.errors import UserError
from engine.index.vector_table import load_vectors
from engine.vectors import VectorStore, open_store

DEFAULT_STORE = "exact"


class DenseSearch:
    """The vector store of the model searched last, reloaded when the index has changed since it was filled.

    One model at a time stays in memory.
    """

    def __init__(self, spec: str = DEFAULT_STORE):
        self.spec = spec
        self._loaded: tuple[str, int, VectorStore] | None = None  # fingerprint, generation, store

    def cached(self, fingerprint: str, generation: int) -> VectorStore | None:
        """The loaded store when it holds ``fingerprint``'s vectors as of ``generation``, else None."""
        if self._loaded is not None and self._loaded[:2] == (fingerprint, generation):
            return self._loaded[2]
        return None

    def load(self, db, fingerprint: str, dim: int, generation: int, path: Path) -> VectorStore:
        """Fill a new store with ``fingerprint``'s rows (ids ascending) and keep it as the one for ``generation``."""
        ids, matrix = load_vectors(db, fingerprint, dim, path)
        store = open_store(self.spec, dim)
        store.add(ids, matrix)
        self._loaded = (fingerprint, generation, store)
        return store


def unit_query(query_vec: np.ndarray, dim: int, fingerprint: str) -> np.ndarray:
    """``q / |q|`` as float32 ``[dim]``; a :class:`UserError` when ``q`` has another number of dims."""
    q = np.asarray(query_vec, dtype=np.float32).reshape(-1)
    if q.shape[0] != dim:
        raise UserError(f"query vector has {q.shape[0]} dims but the index vectors of {fingerprint} have {dim}")
    return q / max(float(np.linalg.norm(q)), 1e-12)
