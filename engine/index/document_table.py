"""The ``documents`` table: one row per passage (``id, text, title, lang, source, parent``).

Writes run inside the caller's transaction; the FTS5 triggers keep ``documents_fts`` in step with every change.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from engine.index.records import Document
from engine.index.sql import chunks, marks

SELECT_DOCS = "SELECT id, text, title, lang, source, parent FROM documents"
Row = tuple  # (text, title, lang, source, parent), keyed by id


def read_documents_by_id(db, ids: Sequence[str]) -> dict[str, Document]:
    """The stored passages among ``ids``, by id."""
    found: dict[str, Document] = {}
    for chunk in chunks(ids):
        for row in db.execute(f"{SELECT_DOCS} WHERE id IN ({marks(len(chunk))})", list(chunk)):
            found[row[0]] = Document(row[0], row[1], row[2] or "", row[3] or "", row[4] or "", row[5])
    return found


def rows_of(db, parents: Sequence[str], ids: Sequence[str]) -> dict[str, Row]:
    """``id -> (text, title, lang, source, parent)`` of the passages of ``parents`` and of the passages ``ids``."""
    existing: dict[str, Row] = {}
    for column, values in (("parent", parents), ("id", ids)):
        for chunk in chunks(values):
            q = f"{SELECT_DOCS} WHERE {column} IN ({marks(len(chunk))})"
            existing.update({r[0]: r[1:] for r in db.execute(q, list(chunk))})
    return existing


def passage_ids(db, ids: Sequence[str]) -> list[str]:
    """The passages named by ``ids``: each id itself (a passage) and every passage whose parent it is."""
    out: list[str] = []
    for chunk in chunks(ids):
        q = f"SELECT id FROM documents WHERE id IN ({marks(len(chunk))}) OR parent IN ({marks(len(chunk))})"
        out += [r[0] for r in db.execute(q, [*chunk, *chunk])]
    return out


def upsert_documents(db, rows: Iterable[tuple]) -> None:
    """Insert or replace ``(id, text, title, lang, source, parent)`` rows."""
    db.conn.executemany(
        "INSERT INTO documents (id, text, title, lang, source, parent) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET text = excluded.text, title = excluded.title, lang = excluded.lang, "
        "source = excluded.source, parent = excluded.parent", list(rows))


def delete_documents(db, ids: Sequence[str]) -> None:
    for chunk in chunks(ids):
        db.execute(f"DELETE FROM documents WHERE id IN ({marks(len(chunk))})", list(chunk))


def count_passages(db) -> int:
    return int(db.execute("SELECT count(*) FROM documents").fetchone()[0])


def count_documents(db) -> int:
    """Documents before splitting: distinct parents."""
    return int(db.execute("SELECT count(DISTINCT parent) FROM documents").fetchone()[0])
