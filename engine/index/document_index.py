"""``DocumentIndex``: documents, BM25 and dense search over one SQLite file (see :mod:`engine.index`)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from engine.documents import normalize_document, to_passages
from engine.errors import UserError
from engine.index import document_table as docs_sql
from engine.index import vector_table as vecs_sql
from engine.index.dense import DEFAULT_STORE, DenseSearch, unit_query
from engine.index.fts import bm25_top_k, fts_query
from engine.index.meta import (
    bump,
    generation,
    get_meta,
    model_key,
    now,
    registered_models,
    set_meta,
)
from engine.index.records import AddReport, Document, Hit
from engine.index.schema import FORMAT, IndexConfig, check_schema, create_schema
from engine.index.store_sync import SyncReport
from engine.index.vector_log import ensure_log
from engine.vectors import AnnConfig, VectorStore


class DocumentIndex:
    """Documents, BM25 and dense vectors in one SQLite file (see :mod:`engine.index`).

    ``DocumentIndex(path)`` opens an existing index and raises :class:`UserError` when the file is missing, is not
    SQLite, is damaged or is some other database; ``create=True`` makes a new one when the file does not exist.
    ``store`` names the vector store that answers dense queries (:mod:`engine.index.dense`: ``auto`` by default —
    exact below ``ann.exact_below`` vectors, FAISS from there —, ``exact``, ``faiss[:DIR]``,
    ``milvus-lite:FILE.db``, ``milvus://HOST:PORT/COLLECTION``); ``ann`` overrides the ANN settings saved in
    ``<db>.ann/config.json``. Safe to share between threads (one connection, one lock).
    """

    def __init__(self, path: str | Path, create: bool = False, config: IndexConfig | None = None,
                 store: str = DEFAULT_STORE, ann: AnnConfig | None = None):
        import sqlite_utils

        self.path = Path(path).expanduser()
        self._lock = threading.RLock()
        self._dense = DenseSearch(store, self.path, ann)
        exists = self.path.exists() and self.path.stat().st_size > 0
        if self.path.is_dir():
            raise UserError(f"{self.path} is a directory; give the index file path (e.g. {self.path}/index.db)")
        if not exists and not create:
            raise UserError(f"no index at {self.path}; build one with: python -m engine index --collection DIR "
                            f"--db {self.path}")
        if not exists:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        except sqlite3.Error as exc:
            raise UserError(f"{self.path}: cannot open ({exc})") from None
        self.db = sqlite_utils.Database(conn)
        with self._guard("open"):
            if exists:
                check_schema(self.db, self.path)
                self.config = IndexConfig(**json.loads(get_meta(self.db, "config")))
            else:
                self.config = config or IndexConfig()
                create_schema(self.db, self.config)
                self._write_sidecar()
            ensure_log(self.db)
            self.db.execute("PRAGMA synchronous=NORMAL")

    # ------------------------------------------------------------------ setup
    @contextmanager
    def _guard(self, action: str):
        """SQLite errors become one-line :class:`UserError` s that name the file."""
        try:
            with self._lock:
                yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                raise UserError(f"{self.path}: the index is locked by another process ({action}); retry when the "
                                f"other job has finished") from None
            raise UserError(f"{self.path}: {action} failed ({exc}); the file may be damaged or not an index"
                            ) from None
        except sqlite3.DatabaseError as exc:
            raise UserError(f"{self.path}: not a readable index ({exc}); rebuild it with python -m engine index"
                            ) from None

    def _write_sidecar(self) -> None:
        from engine.fileio import write_text_atomic

        try:
            write_text_atomic(self.path.with_name(self.path.name + ".json"),
                              json.dumps(self.metadata(), indent=2, ensure_ascii=False) + "\n")
        except OSError:
            pass  # read-only directory: the meta table still says how the index was made

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()

    def __enter__(self) -> "DocumentIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ reading
    def count(self) -> int:
        """Number of passages (documents after splitting)."""
        with self._guard("count"):
            return docs_sql.count_passages(self.db)

    def models(self) -> dict[str, dict]:
        """``fingerprint -> {"name", "dim", "added", "vectors"}`` for every model with vectors here."""
        with self._guard("read models"):
            counts = vecs_sql.vector_counts(self.db)
            return {fp: dict(info, vectors=counts[fp]) for fp, info in registered_models(self.db).items()
                    if counts.get(fp)}

    def fingerprints(self) -> list[str]:
        return sorted(self.models())

    def metadata(self) -> dict:
        """Model(s) with dims, creation and update times, counts and the build config."""
        with self._guard("read metadata"):
            return {"path": str(self.path), "format": int(get_meta(self.db, "format") or FORMAT),
                    "created": json.loads(get_meta(self.db, "created") or "null"),
                    "updated": json.loads(get_meta(self.db, "updated") or "null"),
                    "documents": docs_sql.count_documents(self.db), "passages": docs_sql.count_passages(self.db),
                    "models": self.models(), "config": asdict(self.config)}

    def get(self, ids: Iterable[str]) -> list[Document]:
        """Documents (passages) by id, in the order asked; unknown ids are left out."""
        ids = list(ids)
        with self._guard("read documents"):
            found = docs_sql.read_documents_by_id(self.db, ids)
        return [found[i] for i in ids if i in found]

    def vectors(self, ids: Sequence[str], fingerprint: str) -> np.ndarray | None:
        """The stored vectors ``[len(ids), d]`` of ``ids`` for ``fingerprint``, or None if any is missing."""
        return self.vector_store(fingerprint).get(ids)

    # ------------------------------------------------------------------ search
    def vector_store(self, fingerprint: str, progress: bool = True) -> VectorStore:
        """The vector store holding ``fingerprint``'s current vectors (loaded or synced when this file changed)."""
        with self._guard("load vectors"):
            current = generation(self.db)
            store = self._dense.cached(fingerprint, current)
            if store is not None:
                return store
            info = self.models().get(fingerprint)
            if info is None:
                raise UserError(self._no_vectors_message(fingerprint))
            return self._dense.load(self.db, fingerprint, int(info["dim"]), current, self.path, progress)

    def sync_vectors(self, fingerprint: str, progress: bool = True) -> SyncReport | None:
        """Bring ``fingerprint``'s store up to date now, after indexing, so the first search does not pay for it;
        what the sync did, or None when the store lives in memory (filled when a search needs it)."""
        with self._guard("sync vectors"):
            if self._dense.resolve(self.db, fingerprint)[1] is None:
                return None
            self._dense.last_sync = None
            self.vector_store(fingerprint, progress)
            return self._dense.last_sync

    @property
    def store_spec(self) -> str:
        return self._dense.spec

    def _no_vectors_message(self, fingerprint: str) -> str:
        have = ", ".join(f"{info['name']} ({fp}, dims {info['dim']})" for fp, info in self.models().items())
        return (f"{self.path} has no vectors for model fingerprint {fingerprint}; it holds: {have or 'none'}. "
                f"Index with that model: python -m engine index --db {self.path} --model MODEL --collection ...")

    def languages(self, fingerprint: str | None = None) -> dict[str, int]:
        """Passages per language (normalised codes; none given counts as English), of the whole index or of the
        passages with a vector from ``fingerprint``."""
        from engine.languages import normalize_code

        sql = "SELECT COALESCE(NULLIF(lang, ''), 'en'), COUNT(*) FROM documents GROUP BY 1"
        params: tuple = ()
        if fingerprint is not None:
            sql = ("SELECT COALESCE(NULLIF(d.lang, ''), 'en'), COUNT(*) FROM vectors v JOIN documents d "
                   "ON d.id = v.doc_id WHERE v.fingerprint = ? GROUP BY 1")
            params = (fingerprint,)
        with self._guard("count languages"):
            rows = self.db.execute(sql, params).fetchall()
        out: dict[str, int] = {}
        for lang, n in rows:
            try:
                code = normalize_code(lang)
            except UserError:
                code = lang
            out[code] = out.get(code, 0) + int(n)
        return out

    def dense_search(self, query_vec: np.ndarray, fingerprint: str, k: int = 10) -> list[Hit]:
        """Top-``k`` cosine of the passages encoded by ``fingerprint`` (:mod:`engine.index.dense`)."""
        store = self.vector_store(fingerprint)
        q = unit_query(query_vec, store.dim, fingerprint)
        ids, scores = store.search(q, int(k))
        return self._hits(ids[0], [float(s) for s in scores[0]])

    def bm25_search(self, text: str, k: int = 10) -> list[Hit]:
        """BM25 top-``k`` over title + text (FTS5 ``bm25()``, negated so higher is better); see :func:`fts_query`."""
        if not isinstance(text, str):
            raise UserError(f"query must be a string, got {type(text).__name__}")
        query = fts_query(text)
        if not query or k <= 0:
            return []
        with self._guard("BM25 search"):
            rows = bm25_top_k(self.db, query, k)
        return self._hits([r[0] for r in rows], [r[1] for r in rows])

    def _hits(self, ids: list[str], scores: list[float]) -> list[Hit]:
        docs = {d.id: d for d in self.get(ids)}
        return [Hit(doc_id=i, score=s, title=docs[i].title, text=docs[i].text, rank=r)
                for r, (i, s) in enumerate(zip(ids, scores), 1) if i in docs]

    # ------------------------------------------------------------------ writing
    def add_documents(self, docs: Iterable[dict], encoder, batch_size: int = 32, progress: bool = True,
                      total: int | None = None, on_batch: Callable[[int], None] | None = None) -> AddReport:
        """Store ``docs`` and their passage vectors from ``encoder`` (the document encoder: teacher / base).

        Documents are ``{"id", "text", "title"?, "lang"?, "source"?}``; long ones are split into passages. Work is
        committed per batch of about ``batch_size`` passages; passages already stored unchanged with a vector for
        ``encoder.fingerprint`` are skipped, so a rerun after an interruption resumes. Duplicate ids in ``docs``
        are a :class:`UserError` (batches before the duplicate stay committed). ``total`` sizes the progress bar
        when ``docs`` is an iterator; ``on_batch(n)`` is called after each committed batch of ``n`` documents.
        """
        from tqdm.auto import tqdm

        from engine.encoders.common import check_batch_size

        check_batch_size(batch_size)
        start = time.perf_counter()
        report = AddReport(fingerprint=encoder.fingerprint, model=encoder.name)
        self._register_model(encoder)
        total = len(docs) if hasattr(docs, "__len__") else total
        bar = tqdm(total=total, desc=f"indexing ({encoder.name})", unit="doc", leave=False,
                   disable=None if progress else True)  # None: shown on a terminal only
        seen: set[str] = set()
        group: list[tuple[str, list[dict]]] = []
        pending = 0

        def checked() -> Iterator[dict]:
            for n, raw in enumerate(docs, 1):
                doc = normalize_document(raw, f"document #{n}")
                if doc["id"] in seen:
                    raise UserError(f"document #{n}: duplicate document id {doc['id']!r} in this input")
                seen.add(doc["id"])
                yield doc

        try:
            for doc_id, passages in to_passages(checked(), self.config.max_passage_chars):
                group.append((doc_id, passages))
                pending += len(passages)
                if pending >= batch_size:
                    self._add_group(group, encoder, batch_size, report)
                    bar.update(len(group))
                    if on_batch is not None:
                        on_batch(len(group))
                    group, pending = [], 0
            if group:
                self._add_group(group, encoder, batch_size, report)
                bar.update(len(group))
                if on_batch is not None:
                    on_batch(len(group))
        finally:
            bar.close()
            report.seconds = time.perf_counter() - start
            self._write_sidecar()
        return report

    def _register_model(self, encoder) -> None:
        with self._guard("register model"):
            key = model_key(encoder.fingerprint)
            known = get_meta(self.db, key)
            if known and int(json.loads(known)["dim"]) != int(encoder.dim):
                raise UserError(f"{self.path}: model {encoder.fingerprint} was indexed with dims "
                                f"{json.loads(known)['dim']}, the encoder has {encoder.dim}")
            if not known:
                with self.db.conn:
                    set_meta(self.db, key, {"name": encoder.name, "dim": int(encoder.dim), "added": now(),
                                            "source": str(getattr(encoder, "source", "") or encoder.name)})

    def _add_group(self, group: list[tuple[str, list[dict]]], encoder, batch_size: int, report: AddReport) -> None:
        """One batch: encode what is new or changed, then write documents and vectors in one transaction."""
        parents = [doc_id for doc_id, _ in group]
        passages = [p for _, ps in group for p in ps]
        new_ids = [p["id"] for p in passages]
        fp = encoder.fingerprint
        with self._guard("read existing documents"):
            existing = docs_sql.rows_of(self.db, parents, new_ids)
            with_vector = vecs_sql.ids_with_vectors(self.db, fp, new_ids)
        rows, changed, encode = [], [], []
        for p in passages:
            row = (p["text"], p.get("title"), p.get("lang"), p.get("source"), p["parent"])
            old = existing.get(p["id"])
            if old is not None and old[0] != p["text"]:
                changed.append(p["id"])
            if old != row:
                rows.append((p["id"], *row))
            if p["id"] in changed or p["id"] not in with_vector:
                encode.append(p)
        stale = [i for i, old in existing.items() if old[4] in parents and i not in set(new_ids)]
        vectors = np.zeros((0, encoder.dim), np.float32)
        if encode:  # the slow part runs before the write transaction, so a failure here writes nothing
            vectors = encoder.encode([p["text"] for p in encode], kind="passage", batch_size=batch_size)
            report.truncated += int(getattr(encoder.last_report, "truncated", 0))
        with self._guard("write batch"), self.db.conn:
            docs_sql.upsert_documents(self.db, rows)
            vecs_sql.delete_vectors(self.db, changed + stale)  # every model's vector of a changed text goes
            docs_sql.delete_documents(self.db, stale)
            vecs_sql.put_vectors(self.db, fp, [p["id"] for p in encode], vectors)
            bump(self.db)
        report.documents += len(group)
        report.passages += len(passages)
        report.encoded += len(encode)
        report.skipped += len(passages) - len(encode)
        report.updated += len(changed)
        report.removed += len(stale)

    def delete(self, ids: Iterable[str]) -> int:
        """Delete documents (with all their passages) or single passages by id; returns passages removed."""
        ids = [str(i) for i in ids]
        with self._guard("delete"), self.db.conn:
            targets = list(dict.fromkeys(docs_sql.passage_ids(self.db, ids)))  # an id and its parent: once
            vecs_sql.delete_vectors(self.db, targets)
            docs_sql.delete_documents(self.db, targets)
            bump(self.db)
        self._write_sidecar()
        return len(targets)
