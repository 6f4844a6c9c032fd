r"""Dense search: one model's vectors from the ``vectors`` table, searched through a :class:`VectorStore`.

A query vector :math:`q` is normalised and each passage :math:`i` encoded by the model scores

.. math::
    s_i = \langle x_i, q / \lVert q \rVert \rangle = \cos(x_i, q)

(the stored :math:`x_i` are L2-normalised), best first. Which store answers is a spec
(:func:`engine.vectors.open_store`):

* ``auto`` (the default) — the exact numpy scan below :attr:`AnnConfig.exact_below` vectors (100,000), else the
  FAISS IVF-SQ8 store in ``<db>.ann/<fingerprint>/``; the config is read from ``<db>.ann/config.json`` and saved
  there when the first ANN store is made;
* a store in memory (``exact``, or any store given without a location) — filled from the table, ids ascending,
  whenever the index's ``generation`` has moved (every write, from any process, bumps it);
* a store with a location (``faiss`` = ``faiss:<db>.ann``, ``faiss:DIR``, ``milvus-lite:FILE.db``,
  ``milvus://HOST:PORT/COLLECTION``) — one per model (:meth:`VectorStore.scoped`), kept in step with the table
  through the change log (:func:`engine.index.store_sync.sync_store`) when the generation moves.

Either way the store holds exactly the committed vectors of the documents.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.errors import UserError
from engine.index.store_sync import SyncReport, state_key, sync_store
from engine.index.vector_table import count_vectors, load_vectors
from engine.vectors import STORES, AnnConfig, VectorStore, open_store, parse_spec

DEFAULT_STORE = "auto"
ANN_CONFIG = "config.json"


def ann_dir(db_path: Path) -> Path:
    """Where the ``auto`` and ``faiss`` stores of the index at ``db_path`` live: ``<db>.ann/``."""
    return db_path.with_name(db_path.name + ".ann")


def check_spec(spec: str) -> str:
    """``spec`` when it names a registered store (reachable) or ``auto``; else a one-line :class:`UserError`."""
    name, location = parse_spec(spec)
    if name != DEFAULT_STORE and name not in STORES:
        raise UserError(f"unknown vector store {spec!r}; choose auto, {', '.join(sorted(STORES))} "
                        f"(e.g. faiss, faiss:DIR, milvus-lite:FILE.db, milvus://HOST:PORT/COLLECTION)")
    if name != DEFAULT_STORE:
        STORES[name].probe(location)  # a bad URI or an unreachable server fails before any work
    return spec


class DenseSearch:
    """The vector store of the model searched last, brought up to date when the index has changed since.

    One model at a time stays in memory.
    """

    def __init__(self, spec: str = DEFAULT_STORE, db_path: Path | None = None, ann: AnnConfig | None = None):
        self.spec = check_spec(spec or DEFAULT_STORE)
        self.db_path = db_path
        self.ann = ann
        self.last_sync: SyncReport | None = None
        self._loaded: tuple[str, int, VectorStore] | None = None  # fingerprint, generation, store

    def ann_config(self) -> AnnConfig:
        if self.ann is not None:
            return self.ann
        return AnnConfig.load(ann_dir(self.db_path) / ANN_CONFIG) if self.db_path else AnnConfig()

    def cached(self, fingerprint: str, generation: int) -> VectorStore | None:
        """The loaded store when it holds ``fingerprint``'s vectors as of ``generation``, else None."""
        if self._loaded is not None and self._loaded[:2] == (fingerprint, generation):
            return self._loaded[2]
        return None

    def resolve(self, db, fingerprint: str) -> tuple[str, str | None]:
        """``(store name, location for this model or None)``: ``auto`` decided by the number of vectors."""
        name, location = parse_spec(self.spec)
        if name == DEFAULT_STORE:
            config = self.ann_config()
            if count_vectors(db, fingerprint) < config.exact_below:
                return "exact", None
            name = "faiss"
        if name == "faiss" and location is None and self.db_path is not None:
            location = str(ann_dir(self.db_path))
        if name == "exact" or location is None:
            return name, None
        return name, STORES[name].scoped(location, fingerprint)

    def load(self, db, fingerprint: str, dim: int, generation: int, path: Path, progress: bool = True
             ) -> VectorStore:
        """The store for ``fingerprint`` as of ``generation``, filled or synced from the table, kept for reuse."""
        name, location = self.resolve(db, fingerprint)
        if location is None:
            ids, matrix = load_vectors(db, fingerprint, dim, path)
            store = open_store(name, dim)
            store.add(ids, matrix)
            self._loaded = (fingerprint, generation, store)
            return store
        if name == "faiss":
            self._save_ann_config(Path(location))
        with STORES[name].locked(location):  # opened again under the lock: another process may have synced it
            store = open_store(f"{name}:{location}", dim)
            self.last_sync = sync_store(db, store, fingerprint, dim, path, state_key(name, location), progress)
        self._loaded = (fingerprint, generation, store)
        return store

    def _save_ann_config(self, store_dir: Path) -> None:
        """The ANN settings beside the index (``<db>.ann/config.json``) and in a new store's folder."""
        config = self.ann_config()
        for target in ([ann_dir(self.db_path) / ANN_CONFIG] if self.db_path else []) + [store_dir / ANN_CONFIG]:
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                config.save(target)


def unit_query(query_vec: np.ndarray, dim: int, fingerprint: str) -> np.ndarray:
    """``q / |q|`` as float32 ``[dim]``; a :class:`UserError` when ``q`` has another number of dims."""
    q = np.asarray(query_vec, dtype=np.float32).reshape(-1)
    if q.shape[0] != dim:
        raise UserError(f"query vector has {q.shape[0]} dims but the index vectors of {fingerprint} have {dim}")
    return q / max(float(np.linalg.norm(q)), 1e-12)
