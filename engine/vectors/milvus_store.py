r"""Milvus behind the :class:`VectorStore` interface: a cluster (``milvus://HOST:PORT/COLLECTION``) or the embedded
milvus-lite (``milvus-lite:PATH.db`` or ``milvus-lite:PATH.db#COLLECTION``), through the same ``pymilvus`` client.

One collection per model: ``id`` (VARCHAR primary key, the passage id) and ``vec`` (FLOAT_VECTOR ``[d]``), metric
inner product (cosine for unit vectors), strong consistency, so a search sees every committed write. The vector
index is HNSW by default (:class:`MilvusConfig`): a graph of ``M`` neighbours per node built with
``efConstruction`` candidates, searched greedily with a beam of ``ef ≥ k``; its score is the exact
:math:`\langle q, x_i\rangle` of the vectors it visits. ``add`` is an upsert, so an id's vector is replaced.
Ties are ordered as Milvus returns them (no row order across segments).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from engine.errors import UserError
from engine.vectors.base import VectorStore, check_vectors
from engine.vectors.registry import register_store

DEFAULT_COLLECTION = "vectors"
BATCH = 2_000  # rows per upsert / get / delete call


@dataclass
class MilvusConfig:
    """The Milvus vector index: type, build parameters and search parameters."""

    index_type: str = "HNSW"
    build: dict = field(default_factory=lambda: {"M": 16, "efConstruction": 200})
    search: dict = field(default_factory=lambda: {"ef": 128})


def collection_name(name: str) -> str:
    """``name`` as a Milvus collection name: letters, digits and ``_``, starting with a letter or ``_``."""
    clean = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return clean if clean[:1].isalpha() or clean[:1] == "_" else "c_" + clean


def _pymilvus():
    try:
        import pymilvus
    except ImportError:
        raise UserError("the milvus vector stores need pymilvus (and milvus-lite for milvus-lite:): "
                        "pip install pymilvus milvus-lite") from None
    return pymilvus


class MilvusStore(VectorStore):
    """A Milvus collection (module docstring); subclasses parse the location into a client URI and a collection."""

    def __init__(self, dim: int, uri: str, collection: str, shown: str, config: MilvusConfig | None = None):
        self._dim, self.uri, self.collection, self.shown = int(dim), uri, collection_name(collection), shown
        self.config = config or MilvusConfig()
        pymilvus = _pymilvus()
        try:
            self.client = pymilvus.MilvusClient(uri, timeout=10)
        except Exception as exc:  # pymilvus raises MilvusException, grpc errors or OSError for a bad file
            raise UserError(f"{self.name}: cannot reach {shown} ({_first_line(exc)})") from None
        self._ensure()

    # ------------------------------------------------------------------ collection
    def _call(self, what: str, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise UserError(f"{self.name}: {what} failed on {self.shown} ({_first_line(exc)})") from None

    def _ensure(self) -> None:
        from pymilvus import DataType, MilvusClient

        if self._call("list collections", self.client.has_collection, self.collection):
            info = self._call("describe", self.client.describe_collection, self.collection)
            dims = [f.get("params", {}).get("dim") for f in info["fields"] if f["name"] == "vec"]
            if dims and self._dim == 0:  # load(): take the collection's dimension
                self._dim = int(dims[0])
            if not dims or int(dims[0]) != self._dim:
                raise UserError(f"{self.name}: collection {self.collection} on {self.shown} has dims {dims[:1]}, "
                                f"expected {self._dim}")
            self._call("load", self.client.load_collection, self.collection)
            return
        if self._dim < 1:
            raise UserError(f"{self.name}: no collection {self.collection} on {self.shown}")
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=1024)
        schema.add_field("vec", DataType.FLOAT_VECTOR, dim=self._dim)
        params = self.client.prepare_index_params()
        params.add_index(field_name="vec", index_type=self.config.index_type, metric_type="IP",
                         params=dict(self.config.build))
        self._call("create collection", self.client.create_collection, self.collection, schema=schema,
                   index_params=params, consistency_level="Strong")

    # ------------------------------------------------------------------ interface
    @property
    def dim(self) -> int:
        return self._dim

    def count(self) -> int:
        rows = self._call("count", self.client.query, self.collection, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    def add(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        ids = [str(i) for i in ids]
        vectors = check_vectors(vectors, len(ids), self._dim)
        if len(set(ids)) != len(ids):
            raise UserError("an id is given twice in one add")
        for s in range(0, len(ids), BATCH):
            rows = [{"id": i, "vec": v} for i, v in zip(ids[s : s + BATCH], vectors[s : s + BATCH])]
            self._call("upsert", self.client.upsert, self.collection, rows)

    def _present(self, ids: Sequence[str]) -> list[str]:
        found: list[str] = []
        for s in range(0, len(ids), BATCH):
            rows = self._call("get", self.client.get, self.collection, ids=list(ids[s : s + BATCH]),
                              output_fields=["id"])
            found += [r["id"] for r in rows]
        return found

    def delete(self, ids: Iterable[str]) -> int:
        present = self._present(list(dict.fromkeys(map(str, ids))))
        for s in range(0, len(present), BATCH):
            self._call("delete", self.client.delete, self.collection, ids=present[s : s + BATCH])
        return len(present)

    def clear(self) -> None:
        self._call("drop collection", self.client.drop_collection, self.collection)
        self._ensure()

    def get(self, ids: Sequence[str]) -> np.ndarray | None:
        ids = [str(i) for i in ids]
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(ids))
        for s in range(0, len(unique), BATCH):
            for row in self._call("get", self.client.get, self.collection, ids=unique[s : s + BATCH],
                                  output_fields=["vec"]):
                found[row["id"]] = np.asarray(row["vec"], dtype=np.float32)
        if any(i not in found for i in ids):
            return None
        return np.stack([found[i] for i in ids]) if ids else np.zeros((0, self._dim), np.float32)

    def search(self, query_vecs: np.ndarray, k: int) -> tuple[list[list[str]], np.ndarray]:
        queries = np.asarray(query_vecs, dtype=np.float32)
        queries = check_vectors(queries[None] if queries.ndim == 1 else queries, None, self._dim, "query vectors")
        if int(k) <= 0:
            return [[] for _ in range(len(queries))], np.zeros((len(queries), 0), dtype=np.float32)
        params = {"metric_type": "IP", "params": {**self.config.search,
                                                  **({"ef": max(int(k), self.config.search["ef"])}
                                                     if "ef" in self.config.search else {})}}
        result = self._call("search", self.client.search, self.collection, data=list(queries), limit=int(k),
                            search_params=params, output_fields=[])
        ids = [[hit["id"] for hit in hits] for hits in result]
        width = min((len(r) for r in ids), default=0)
        scores = np.array([[hit["distance"] for hit in hits[:width]] for hits in result], dtype=np.float32)
        return [r[:width] for r in ids], scores.reshape(len(queries), width)

    def persist(self, wait_s: float = 1800.0) -> None:
        """Flush, then wait (up to ``wait_s``) until the vector index covers every row: until then Milvus scans
        the unindexed segments by brute force, which is what a search right after a bulk load would pay."""
        import time

        self._call("flush", self.client.flush, self.collection)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            info = self._call("describe index", self.client.describe_index, self.collection, "vec")
            if int(info.get("pending_index_rows", 0)) == 0 and \
                    int(info.get("indexed_rows", 0)) >= int(info.get("total_rows", 0)):
                return
            time.sleep(0.5)

    @classmethod
    def load(cls, location: str) -> "MilvusStore":
        return cls._connect(location, dim=0)

    @classmethod
    def open(cls, location: str | None, dim: int) -> "MilvusStore":
        if int(dim) < 1:
            raise UserError(f"a vector store needs a positive dimension, got {dim!r}")
        return cls._connect(location, int(dim))

    @classmethod
    def _connect(cls, location: str | None, dim: int) -> "MilvusStore":
        uri, collection, shown = cls.parse(location)
        return cls(dim, uri, collection, shown)

    @classmethod
    def parse(cls, location: str | None) -> tuple[str, str, str]:
        """``(client URI, collection, what messages show)`` of ``location``, or a :class:`UserError`."""
        raise NotImplementedError

    @classmethod
    def probe(cls, location: str | None) -> None:
        cls.parse(location)

    def settings(self) -> dict:
        return {"store": self.name, "collection": self.collection, **asdict(self.config)}


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return re.sub(r"(/[^\s:,'\"]+)+", lambda m: Path(m.group(0)).name, text)[:200]  # no server paths


@register_store("milvus")
class MilvusClusterStore(MilvusStore):
    """``milvus://HOST:PORT/COLLECTION`` (a Milvus standalone server or cluster proxy)."""

    @classmethod
    def parse(cls, location: str | None) -> tuple[str, str, str]:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})(?:/([A-Za-z0-9_]*))?", location or "")
        if match is None:
            raise UserError(f"milvus store location {location!r} is not HOST:PORT/COLLECTION "
                            f"(e.g. --store milvus://localhost:19530/passages)")
        host, port, coll = match.group(1), match.group(2), match.group(3) or DEFAULT_COLLECTION
        return f"http://{host}:{port}", coll, f"{host}:{port}"

    @classmethod
    def probe(cls, location: str | None) -> None:
        uri, _, shown = cls.parse(location)
        try:
            _pymilvus().MilvusClient(uri, timeout=10).list_collections()
        except UserError:
            raise
        except Exception as exc:
            raise UserError(f"{cls.name}: cannot reach {shown} ({_first_line(exc)})") from None

    @classmethod
    def scoped(cls, location: str | None, key: str) -> str:
        base = location or "localhost:19530"
        head, _, coll = base.partition("/")
        return f"{head}/{collection_name((coll or DEFAULT_COLLECTION) + '_' + key)}"


@register_store("milvus-lite")
class MilvusLiteStore(MilvusStore):
    """``milvus-lite:PATH.db`` or ``milvus-lite:PATH.db#COLLECTION``: embedded Milvus in one local file."""

    @classmethod
    def parse(cls, location: str | None) -> tuple[str, str, str]:
        if not location:
            raise UserError("milvus-lite needs a file: --store milvus-lite:PATH.db")
        path_text, _, coll = location.partition("#")
        path = Path(path_text).expanduser()
        if path.suffix != ".db":
            raise UserError(f"milvus-lite wants a file name ending in .db, got {path.name!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        return str(path.resolve()), coll or DEFAULT_COLLECTION, path.name

    @classmethod
    def scoped(cls, location: str | None, key: str) -> str:
        if not location:
            raise UserError("milvus-lite needs a file: --store milvus-lite:PATH.db")
        path, _, coll = location.partition("#")
        return f"{path}#{collection_name((coll or DEFAULT_COLLECTION) + '_' + key)}"
