r"""The vector-store interface: vectors keyed by string ids, searched by inner product.

Scoring. A store holds vectors :math:`x_i \in \mathbb{R}^d` and answers a query :math:`q` with the ``k`` ids of
largest

.. math::
    s(q, x_i) = \langle q, x_i \rangle = \sum_{j=1}^{d} q_j x_{ij},

best first. The encoders L2-normalise every vector and callers normalise the query, so :math:`s = \cos(q, x_i)
\in [-1, 1]`. Equal scores are ordered by row: the id added first comes first (replacing an id's vector keeps its
row), so a search is deterministic.

Stores are opened by spec through :func:`engine.vectors.registry.open_store`; each implementation registers itself
there with :func:`~engine.vectors.registry.register_store`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Iterable, Sequence

import numpy as np

from engine.errors import UserError


class VectorStore(ABC):
    """Top-``k`` search by inner product over vectors keyed by id (module docstring: scoring and ties)."""

    name: ClassVar[str] = ""  # the registry key, set by register_store

    @property
    @abstractmethod
    def dim(self) -> int:
        """The dimension ``d`` of every vector in the store."""

    @abstractmethod
    def add(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors`` ``[len(ids), d]`` under ``ids``; an id already stored gets the new vector (same row)."""

    @abstractmethod
    def delete(self, ids: Iterable[str]) -> int:
        """Remove ``ids`` (unknown ids are ignored); returns how many were removed."""

    @abstractmethod
    def search(self, query_vecs: np.ndarray, k: int) -> tuple[list[list[str]], np.ndarray]:
        """Top-``k`` ids ``[Q][k']`` and scores ``[Q, k']`` (float32) by inner product, best first.

        ``query_vecs`` is ``[Q, d]`` or one query ``[d]`` (treated as ``Q = 1``); ``k' = min(k, count())``.
        """

    @abstractmethod
    def clear(self) -> None:
        """Remove every vector (a full rebuild starts from here)."""

    @abstractmethod
    def get(self, ids: Sequence[str]) -> np.ndarray | None:
        """The stored vectors ``[len(ids), d]`` of ``ids`` in that order, or None when any id is missing."""

    @abstractmethod
    def count(self) -> int:
        """Number of stored vectors."""

    @abstractmethod
    def persist(self) -> None:
        """Write the store to its location, so that :meth:`load` gives it back."""

    @classmethod
    def locked(cls, location: str):
        """A context manager held while one process opens, updates and persists the store at ``location``, so
        that two processes never write it at once. Nothing by default (servers such as Milvus order writes)."""
        from contextlib import nullcontext

        return nullcontext()

    @classmethod
    def probe(cls, location: str | None) -> None:
        """Fail early, with a one-line :class:`UserError`, when ``location`` is malformed or cannot be reached."""

    @classmethod
    def scoped(cls, location: str | None, key: str) -> str | None:
        """The location of the part of ``location`` that holds one model's vectors (``key``: its fingerprint).

        A folder ``location/key`` by default (None stays None: in memory); Milvus names a collection instead.
        """
        from pathlib import Path

        return None if location is None else str(Path(location) / key)

    @classmethod
    @abstractmethod
    def load(cls, location: str) -> "VectorStore":
        """The store persisted at ``location``."""

    @classmethod
    @abstractmethod
    def open(cls, location: str | None, dim: int) -> "VectorStore":
        """The store at ``location`` (loaded when it exists, else new there; in memory when None), of ``dim``."""


def check_vectors(vectors: np.ndarray, rows: int | None, dim: int, what: str = "vectors") -> np.ndarray:
    """``vectors`` as float32 ``[rows, dim]`` (``rows=None``: any number), or a :class:`UserError` naming the shapes."""
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim != 2 or array.shape[1] != dim or (rows is not None and array.shape[0] != rows):
        want = f"[{rows if rows is not None else 'N'}, {dim}]"
        raise UserError(f"{what} have shape {list(array.shape)}, expected {want}")
    return array
