r"""Vector stores: top-``k`` by inner product over L2-normalised vectors (= cosine), behind one interface.

numpy only (no torch, no SQLite): the document index (:mod:`engine.index`) keeps documents and asks a store for
dense top-``k``; any store registered here can stand behind it.

* :class:`VectorStore` — the interface: ``add``, ``delete``, ``search``, ``get``, ``count``, ``persist`` / ``load``,
  ``dim``. Score :math:`s(q, x) = \langle q, x \rangle`, best first, ties by row (first added first).
* :class:`ExactStore` — exact numpy scan (``exact``, ``exact:PATH.npz``).
* :func:`open_store` — a store by spec; :func:`register_store` adds a kind (e.g. ``faiss``, ``milvus://``).
"""

from engine.vectors.base import VectorStore
from engine.vectors.exact import ExactStore
from engine.vectors.registry import STORES, open_store, parse_spec, register_store

__all__ = ["STORES", "ExactStore", "VectorStore", "open_store", "parse_spec", "register_store"]
