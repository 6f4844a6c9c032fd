"""The index file's schema (format 1): tables, the build config, creating a new file and checking an old one.

::

    documents(id TEXT PRIMARY KEY, title, text, lang, source, parent)   -- one row per passage
    documents_fts                                                     -- FTS5 over title + text (triggers)
    vectors(doc_id, fingerprint, vec BLOB, PRIMARY KEY (doc_id, fingerprint))
    meta(key TEXT PRIMARY KEY, value TEXT)                            -- JSON values: config, models, counters

A file whose ``format`` is above :data:`FORMAT` was written by a newer version and is refused; there has been one
format so far, so there is nothing to migrate. The ``vector_log`` table and its triggers
(:mod:`engine.index.vector_log`) are added to any writable file when it is opened; older readers ignore them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

from engine.documents import MAX_PASSAGE_CHARS
from engine.errors import UserError
from engine.index.meta import get_meta, now, set_meta

FORMAT = 1
TABLES = ("documents", "vectors", "meta")


@dataclass
class IndexConfig:
    """How an index is built; stored in its ``meta`` table and in ``<db>.json`` beside it."""

    max_passage_chars: int = MAX_PASSAGE_CHARS
    fts_tokenize: str = "unicode61 remove_diacritics 2"
    encoded_field: str = "text"  # titles are searchable by BM25 and shown, but not encoded
    format: int = FORMAT


def create_schema(db, config: IndexConfig) -> None:
    """Make the tables of a new index in ``db`` (a ``sqlite_utils.Database``), WAL mode, FTS5 triggers."""
    db.execute("PRAGMA journal_mode=WAL")
    with db.conn:
        db.execute("CREATE TABLE documents (id TEXT PRIMARY KEY, title TEXT, text TEXT NOT NULL, "
                   "lang TEXT, source TEXT, parent TEXT NOT NULL)")
        db.execute("CREATE INDEX documents_parent ON documents(parent)")
        db.execute("CREATE TABLE vectors (doc_id TEXT NOT NULL, fingerprint TEXT NOT NULL, "
                   "vec BLOB NOT NULL, PRIMARY KEY (doc_id, fingerprint))")
        db.execute("CREATE INDEX vectors_fingerprint ON vectors(fingerprint)")
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for key, value in (("format", FORMAT), ("created", now()), ("generation", 0),
                           ("config", asdict(config))):
            set_meta(db, key, value)
    db["documents"].enable_fts(["title", "text"], fts_version="FTS5", create_triggers=True,
                               tokenize=config.fts_tokenize)


def check_schema(db, path: Path) -> None:
    """A :class:`UserError` unless ``db`` is an optical-clir index this version reads; then WAL mode if writable."""
    tables = set(db.table_names())
    if not set(TABLES) <= tables:
        raise UserError(f"{path} is an SQLite database but not an optical-clir index (tables: "
                        f"{', '.join(sorted(tables)) or 'none'}); give another --db path")
    fmt = get_meta(db, "format")
    if fmt is None or int(fmt) > FORMAT:
        raise UserError(f"{path}: index format {fmt} is not supported by this version (max {FORMAT})")
    try:
        db.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:
        pass  # a read-only index still serves searches
