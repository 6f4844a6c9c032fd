"""Vector stores by spec: ``NAME`` (in memory) or ``NAME:LOCATION`` / ``NAME://LOCATION``.

Each store class registers itself under its name with :func:`register_store` and opens itself from the location
and dimension (:meth:`VectorStore.open`), so callers pass a spec and never keep a table of their own. Registered
now: ``exact`` (:class:`engine.vectors.exact.ExactStore`: ``exact`` in memory, ``exact:PATH`` an ``.npz`` file),
``faiss`` (``faiss:DIR``), ``milvus-lite`` (``milvus-lite:FILE.db[#COLLECTION]``) and ``milvus``
(``milvus://HOST:PORT/COLLECTION``).
"""

from __future__ import annotations

from typing import Callable, TypeVar

from engine.errors import UserError
from engine.vectors.base import VectorStore

STORES: dict[str, type[VectorStore]] = {}

S = TypeVar("S", bound=type[VectorStore])


def register_store(name: str) -> Callable[[S], S]:
    """Class decorator: make a :class:`VectorStore` subclass openable as ``name`` / ``name:LOCATION``."""

    def register(cls: S) -> S:
        if name in STORES and STORES[name] is not cls:
            raise ValueError(f"vector store {name!r} is already registered by {STORES[name].__qualname__}")
        cls.name = name
        STORES[name] = cls
        return cls

    return register


def parse_spec(spec: str) -> tuple[str, str | None]:
    """``"exact"`` -> ``("exact", None)``; ``"exact:/p"`` and ``"exact:///p"`` -> ``("exact", "/p")``."""
    name, sep, location = str(spec).partition(":")
    if sep and location.startswith("//"):
        location = location[2:]
    return name.strip().lower(), (location or None) if sep else None


def open_store(spec: str, dim: int) -> VectorStore:
    """The store named by ``spec`` (module docstring), of dimension ``dim``."""
    name, location = parse_spec(spec)
    cls = STORES.get(name)
    if cls is None:
        raise UserError(f"unknown vector store {spec!r}; choose one of {', '.join(sorted(STORES)) or 'none'} "
                        f"(as NAME or NAME:LOCATION)")
    return cls.open(location, int(dim))
