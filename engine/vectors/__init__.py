r"""Vector stores: top-``k`` by inner product over L2-normalised vectors (= cosine), behind one interface.

numpy only (no torch, no SQLite): the document index (:mod:`engine.index`) keeps documents and asks a store for
dense top-``k``; any store registered here can stand behind it.

* :class:`VectorStore` — the interface: ``add``, ``delete``, ``search``, ``get``, ``count``, ``persist`` / ``load``,
  ``dim``. Score :math:`s(q, x) = \langle q, x \rangle`, best first, ties by row (first added first).
* :class:`ExactStore` — exact numpy scan (``exact``, ``exact:PATH.npz``).
* :class:`FaissStore` — FAISS IVF over 8-bit scalar-quantised vectors, shortlist re-ranked exactly (``faiss``,
  ``faiss:DIR``); settings :class:`AnnConfig`.
* :class:`MilvusLiteStore` / :class:`MilvusClusterStore` — Milvus, embedded (``milvus-lite:FILE.db``) or a server
  or cluster (``milvus://HOST:PORT/COLLECTION``), through ``pymilvus``.
* :func:`open_store` — a store by spec; :func:`register_store` adds a kind (e.g. ``faiss``, ``milvus://``).
"""

from engine.vectors.ann_config import AnnConfig
from engine.vectors.base import VectorStore
from engine.vectors.exact import ExactStore
from engine.vectors.faiss_store import FaissStore
from engine.vectors.milvus_store import (
           MilvusClusterStore,
           MilvusConfig,
           MilvusLiteStore,
)
from engine.vectors.registry import STORES, open_store, parse_spec, register_store

__all__ = ["STORES", "AnnConfig", "ExactStore", "FaissStore", "MilvusClusterStore", "MilvusConfig", "MilvusLiteStore",
           "VectorStore", "open_store", "parse_spec", "register_store"]
