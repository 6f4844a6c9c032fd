"""A document index in one SQLite file: texts, BM25 (FTS5) and dense vectors per model fingerprint.

Layout (WAL mode, so readers never block the writer)::

    documents(id TEXT PRIMARY KEY, title, text, lang, source, parent)   -- one row per passage
    documents_fts                                                     -- FTS5 over title + text (triggers)
    vectors(doc_id, fingerprint, vec BLOB, PRIMARY KEY (doc_id, fingerprint))
    meta(key TEXT PRIMARY KEY, value TEXT)                            -- JSON values: config, models, counters

``parent`` is the id of the document a passage came from (itself for short documents; long documents become
passages ``<id>#<k>``, see :mod:`engine.documents`). ``vec`` is the encoder's L2-normalised float32 vector, so the
cosine is an inner product. One index holds vectors of any number of models, each keyed by its fingerprint:
students share the teacher's document vectors.

Building is resumable: :meth:`DocumentIndex.add_documents` commits once per batch and skips passages that already
have a vector for the encoder's fingerprint, so an interrupted build loses at most the batch in flight and a rerun
with the same input picks up where it stopped. Adding a document again with changed text replaces it (its stale
vectors for every model go); :meth:`DocumentIndex.delete` removes documents without a rebuild.

Dense search is exact: the vectors of one fingerprint are held as an in-memory float32 matrix ``[N, d]`` and scored
by ``X q`` (cosine, ``q`` normalised); the matrix is reloaded when the index's ``generation`` counter — bumped by
every write, from any process — has moved. BM25 search goes through FTS5 with the user's words quoted as FTS5
strings, so no input can inject query syntax.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from engine.documents import MAX_PASSAGE_CHARS, normalize_document, read_documents, to_passages
from engine.errors import UserError
from engine.search import Hit

FORMAT = 1
_SQL_VARS = 500  # ids per IN (...) query, well under SQLite's variable limit
_MAX_FTS_TERMS = 64
_SELECT_DOCS = "SELECT id, text, title, lang, source, parent FROM documents"

__all__ = ["AddReport", "Document", "DocumentIndex", "IndexConfig", "fts_query", "read_documents"]


@dataclass
class IndexConfig:
    """How an index is built; stored in its ``meta`` table and in ``<db>.json`` beside it."""

    max_passage_chars: int = MAX_PASSAGE_CHARS
    fts_tokenize: str = "unicode61 remove_diacritics 2"
    encoded_field: str = "text"  # titles are searchable by BM25 and shown, but not encoded
    format: int = FORMAT


@dataclass
class Document:
    id: str
    text: str
    title: str = ""
    lang: str = ""
    source: str = ""
    parent: str = ""


@dataclass
class AddReport:
    """What one :meth:`DocumentIndex.add_documents` call did."""

    fingerprint: str
    model: str
    documents: int = 0  # input documents
    passages: int = 0  # after splitting long documents
    encoded: int = 0
    skipped: int = 0  # already indexed for this fingerprint, unchanged
    updated: int = 0  # existing ids whose text changed
    removed: int = 0  # stale passages of re-added documents
    truncated: int = 0  # passages longer than the encoder's token limit
    seconds: float = 0.0


def fts_query(text: str, max_terms: int = _MAX_FTS_TERMS) -> str:
    """An FTS5 query matching any of ``text``'s words: each word a quoted FTS5 string, joined by ``OR``.

    Quotes are doubled inside the string, control characters (NUL included) split words, and words without a
    letter or digit are dropped, so operators (``AND``, ``NEAR``, ``*``, ``:``, ``^``) are matched as plain words.
    Lone surrogates are dropped. Emoji and other symbols are not tokens for the ``unicode61`` tokenizer, so a
    query of only those matches nothing.
    """
    text = text.encode("utf-8", "ignore").decode("utf-8")  # lone surrogates cannot reach SQLite
    words = [w for w in re.split(r"[\s\x00-\x1f\x7f]+", text) if any(c.isalnum() for c in w)]
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words[:max_terms])


def _chunks(items: Sequence, size: int = _SQL_VARS) -> Iterator[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


class DocumentIndex:
    """Documents, BM25 and dense vectors in one SQLite file (see the module docstring).

    ``DocumentIndex(path)`` opens an existing index and raises :class:`UserError` when the file is missing, is not
    SQLite, is damaged or is some other database; ``create=True`` makes a new one when the file does not exist.
    Safe to share between threads (one connection, one lock).
    """

    def __init__(self, path: str | Path, create: bool = False, config: IndexConfig | None = None):
        import sqlite_utils

        self.path = Path(path).expanduser()
        self._lock = threading.RLock()
        self._matrices: dict[str, tuple[int, list[str], np.ndarray]] = {}
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
                self._check_existing()
                self.config = IndexConfig(**json.loads(self._meta("config")))
            else:
                self.config = config or IndexConfig()
                self._create()
            self.db.execute("PRAGMA synchronous=NORMAL")

    # ------------------------------------------------------------------ setup
    def _check_existing(self) -> None:
        tables = set(self.db.table_names())
        if not {"documents", "vectors", "meta"} <= tables:
            raise UserError(f"{self.path} is an SQLite database but not an optical-clir index (tables: "
                            f"{', '.join(sorted(tables)) or 'none'}); give another --db path")
        fmt = self._meta("format")
        if fmt is None or int(fmt) > FORMAT:
            raise UserError(f"{self.path}: index format {fmt} is not supported by this version (max {FORMAT})")
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError:
            pass  # a read-only index still serves searches

    def _create(self) -> None:
        self.db.execute("PRAGMA journal_mode=WAL")
        with self.db.conn:
            self.db.execute("CREATE TABLE documents (id TEXT PRIMARY KEY, title TEXT, text TEXT NOT NULL, "
                            "lang TEXT, source TEXT, parent TEXT NOT NULL)")
            self.db.execute("CREATE INDEX documents_parent ON documents(parent)")
            self.db.execute("CREATE TABLE vectors (doc_id TEXT NOT NULL, fingerprint TEXT NOT NULL, "
                            "vec BLOB NOT NULL, PRIMARY KEY (doc_id, fingerprint))")
            self.db.execute("CREATE INDEX vectors_fingerprint ON vectors(fingerprint)")
            self.db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            for key, value in (("format", FORMAT), ("created", _now()), ("generation", 0),
                               ("config", asdict(self.config))):
                self._set_meta(key, value)
        self.db["documents"].enable_fts(["title", "text"], fts_version="FTS5", create_triggers=True,
                                        tokenize=self.config.fts_tokenize)
        self._write_sidecar()

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

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value) -> None:
        self.db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = "
                        "excluded.value", [key, json.dumps(value)])

    def _generation(self) -> int:
        return int(self._meta("generation") or 0)

    def _bump(self) -> None:
        self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
        self._set_meta("updated", _now())

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
            return int(self.db.execute("SELECT count(*) FROM documents").fetchone()[0])

    def models(self) -> dict[str, dict]:
        """``fingerprint -> {"name", "dim", "added", "vectors"}`` for every model with vectors here."""
        with self._guard("read models"):
            out = {}
            for key, value in self.db.execute("SELECT key, value FROM meta WHERE key LIKE 'model:%'"):
                out[key[6:]] = json.loads(value)
            counts = dict(self.db.execute("SELECT fingerprint, count(*) FROM vectors GROUP BY fingerprint"))
            return {fp: dict(info, vectors=int(counts[fp])) for fp, info in out.items() if counts.get(fp)}

    def fingerprints(self) -> list[str]:
        return sorted(self.models())

    def metadata(self) -> dict:
        """Model(s) with dims, creation and update times, counts and the build config."""
        with self._guard("read metadata"):
            passages = self.count()
            documents = int(self.db.execute("SELECT count(DISTINCT parent) FROM documents").fetchone()[0])
            return {"path": str(self.path), "format": int(self._meta("format") or FORMAT),
                    "created": json.loads(self._meta("created") or "null"),
                    "updated": json.loads(self._meta("updated") or "null"),
                    "documents": documents, "passages": passages, "models": self.models(),
                    "config": asdict(self.config)}

    def get(self, ids: Iterable[str]) -> list[Document]:
        """Documents (passages) by id, in the order asked; unknown ids are left out."""
        ids = list(ids)
        found: dict[str, Document] = {}
        with self._guard("read documents"):
            for chunk in _chunks(ids):
                for row in self.db.execute(f"{_SELECT_DOCS} WHERE id IN ({_marks(len(chunk))})", list(chunk)):
                    found[row[0]] = Document(row[0], row[1], row[2] or "", row[3] or "", row[4] or "", row[5])
        return [found[i] for i in ids if i in found]

    def vectors(self, ids: Sequence[str], fingerprint: str) -> np.ndarray | None:
        """The stored vectors ``[len(ids), d]`` of ``ids`` for ``fingerprint``, or None if any is missing."""
        ids_, matrix = self._matrix(fingerprint)
        pos = {d: i for i, d in enumerate(ids_)}
        if any(i not in pos for i in ids):
            return None
        return matrix[[pos[i] for i in ids]]

    # ------------------------------------------------------------------ search
    def _matrix(self, fingerprint: str) -> tuple[list[str], np.ndarray]:
        with self._guard("load vectors"):
            generation = self._generation()
            cached = self._matrices.get(fingerprint)
            if cached and cached[0] == generation:
                return cached[1], cached[2]
            info = self.models().get(fingerprint)
            if info is None:
                raise UserError(self._no_vectors_message(fingerprint))
            rows = self.db.execute("SELECT doc_id, vec FROM vectors WHERE fingerprint = ? ORDER BY doc_id",
                                   [fingerprint]).fetchall()
            dim = int(info["dim"])
            if any(len(vec) != 4 * dim for _, vec in rows):
                raise UserError(f"{self.path}: vectors of {fingerprint} do not all have {dim} dims; rebuild it")
            matrix = np.frombuffer(b"".join(vec for _, vec in rows), dtype=np.float32).reshape(len(rows), dim)
            ids = [doc_id for doc_id, _ in rows]
            self._matrices = {fingerprint: (generation, ids, matrix)}  # one model at a time stays in memory
            return ids, matrix

    def _no_vectors_message(self, fingerprint: str) -> str:
        have = ", ".join(f"{info['name']} ({fp}, dims {info['dim']})" for fp, info in self.models().items())
        return (f"{self.path} has no vectors for model fingerprint {fingerprint}; it holds: {have or 'none'}. "
                f"Index with that model: python -m engine index --db {self.path} --model MODEL --collection ...")

    def dense_search(self, query_vec: np.ndarray, fingerprint: str, k: int = 10) -> list[Hit]:
        """Exact cosine top-``k`` of the passages encoded by ``fingerprint``: ``score = <x_i, q/|q|>``."""
        ids, matrix = self._matrix(fingerprint)
        q = np.asarray(query_vec, dtype=np.float32).reshape(-1)
        if q.shape[0] != matrix.shape[1]:
            raise UserError(f"query vector has {q.shape[0]} dims but the index vectors of {fingerprint} have "
                            f"{matrix.shape[1]}")
        k = min(int(k), len(ids))
        if k <= 0:
            return []
        scores = matrix @ (q / max(float(np.linalg.norm(q)), 1e-12))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(ids) else np.arange(len(ids))
        top = top[np.lexsort((top, -scores[top]))]  # score desc, then index: deterministic ties
        return self._hits([ids[i] for i in top], [float(scores[i]) for i in top])

    def bm25_search(self, text: str, k: int = 10) -> list[Hit]:
        """BM25 top-``k`` over title + text (FTS5 ``bm25()``, negated so higher is better); see :func:`fts_query`."""
        if not isinstance(text, str):
            raise UserError(f"query must be a string, got {type(text).__name__}")
        query = fts_query(text)
        if not query or k <= 0:
            return []
        with self._guard("BM25 search"):
            rows = self.db.execute(
                "SELECT d.id, -bm25(documents_fts) AS score FROM documents_fts "
                "JOIN documents d ON d.rowid = documents_fts.rowid WHERE documents_fts MATCH ? "
                "ORDER BY score DESC, d.id LIMIT ?", [query, int(k)]).fetchall()
        return self._hits([r[0] for r in rows], [float(r[1]) for r in rows])

    def _hits(self, ids: list[str], scores: list[float]) -> list[Hit]:
        docs = {d.id: d for d in self.get(ids)}
        return [Hit(doc_id=i, score=s, title=docs[i].title, text=docs[i].text, rank=r)
                for r, (i, s) in enumerate(zip(ids, scores), 1) if i in docs]

    # ------------------------------------------------------------------ writing
    def add_documents(self, docs: Iterable[dict], encoder, batch_size: int = 32, progress: bool = True,
                      total: int | None = None) -> AddReport:
        """Store ``docs`` and their passage vectors from ``encoder`` (the document encoder: teacher / base).

        Documents are ``{"id", "text", "title"?, "lang"?, "source"?}``; long ones are split into passages. Work is
        committed per batch of about ``batch_size`` passages; passages already stored unchanged with a vector for
        ``encoder.fingerprint`` are skipped, so a rerun after an interruption resumes. Duplicate ids in ``docs``
        are a :class:`UserError` (batches before the duplicate stay committed). ``total`` sizes the progress bar
        when ``docs`` is an iterator.
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
                    group, pending = [], 0
            if group:
                self._add_group(group, encoder, batch_size, report)
                bar.update(len(group))
        finally:
            bar.close()
            report.seconds = time.perf_counter() - start
            self._write_sidecar()
        return report

    def _register_model(self, encoder) -> None:
        with self._guard("register model"):
            key = f"model:{encoder.fingerprint}"
            known = self._meta(key)
            if known and int(json.loads(known)["dim"]) != int(encoder.dim):
                raise UserError(f"{self.path}: model {encoder.fingerprint} was indexed with dims "
                                f"{json.loads(known)['dim']}, the encoder has {encoder.dim}")
            if not known:
                with self.db.conn:
                    self._set_meta(key, {"name": encoder.name, "dim": int(encoder.dim), "added": _now(),
                                         "source": str(getattr(encoder, "source", "") or encoder.name)})

    def _add_group(self, group: list[tuple[str, list[dict]]], encoder, batch_size: int, report: AddReport) -> None:
        parents = [doc_id for doc_id, _ in group]
        passages = [p for _, ps in group for p in ps]
        new_ids = [p["id"] for p in passages]
        fp = encoder.fingerprint
        with self._guard("read existing documents"):
            existing: dict[str, tuple] = {}
            for chunk in _chunks(parents):
                q = f"{_SELECT_DOCS} WHERE parent IN ({_marks(len(chunk))})"
                existing.update({r[0]: r[1:] for r in self.db.execute(q, list(chunk))})
            for chunk in _chunks(new_ids):
                existing.update({r[0]: r[1:] for r in self.db.execute(
                    f"{_SELECT_DOCS} WHERE id IN ({_marks(len(chunk))})", list(chunk))})
            with_vector: set[str] = set()
            for chunk in _chunks(new_ids):
                q = f"SELECT doc_id FROM vectors WHERE fingerprint = ? AND doc_id IN ({_marks(len(chunk))})"
                with_vector.update(r[0] for r in self.db.execute(q, [fp, *chunk]))
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
            self.db.conn.executemany(
                "INSERT INTO documents (id, text, title, lang, source, parent) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET text = excluded.text, title = excluded.title, lang = excluded.lang, "
                "source = excluded.source, parent = excluded.parent", rows)
            for chunk in _chunks(changed + stale):
                self.db.execute(f"DELETE FROM vectors WHERE doc_id IN ({_marks(len(chunk))})", list(chunk))
            for chunk in _chunks(stale):
                self.db.execute(f"DELETE FROM documents WHERE id IN ({_marks(len(chunk))})", list(chunk))
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO vectors (doc_id, fingerprint, vec) VALUES (?, ?, ?)",
                [(p["id"], fp, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for p, v in zip(encode, vectors)])
            self._bump()
        report.documents += len(group)
        report.passages += len(passages)
        report.encoded += len(encode)
        report.skipped += len(passages) - len(encode)
        report.updated += len(changed)
        report.removed += len(stale)

    def delete(self, ids: Iterable[str]) -> int:
        """Delete documents (with all their passages) or single passages by id; returns passages removed."""
        ids = [str(i) for i in ids]
        removed = 0
        with self._guard("delete"), self.db.conn:
            for chunk in _chunks(ids):
                marks = _marks(len(chunk))
                targets = [r[0] for r in self.db.execute(
                    f"SELECT id FROM documents WHERE id IN ({marks}) OR parent IN ({marks})", [*chunk, *chunk])]
                for part in _chunks(targets):
                    self.db.execute(f"DELETE FROM vectors WHERE doc_id IN ({_marks(len(part))})", list(part))
                    self.db.execute(f"DELETE FROM documents WHERE id IN ({_marks(len(part))})", list(part))
                removed += len(targets)
            self._bump()
        self._write_sidecar()
        return removed
