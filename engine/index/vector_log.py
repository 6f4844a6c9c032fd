"""The ``vector_log`` table: every change to the ``vectors`` table, in commit order, for stores kept outside SQLite.

::

    vector_log(seq INTEGER PRIMARY KEY AUTOINCREMENT, doc_id, fingerprint)   -- filled by triggers on ``vectors``

A trigger appends ``(doc_id, fingerprint)`` whenever a vector is inserted, replaced or deleted, inside the writing
transaction, so the log and the vectors never disagree. ``seq`` never goes back (AUTOINCREMENT never reuses a
number), so a store that has applied every change up to ``seq = s`` is brought up to date by re-reading the
current vector (or its absence) of each id logged after ``s``: applying an id twice is harmless, so a crash between
updating a store and recording its ``s`` costs a repeat, never a lost or duplicated vector.
"""

from __future__ import annotations

import sqlite3

LOG_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS vector_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL, "
    "fingerprint TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS vector_log_fingerprint ON vector_log(fingerprint, seq)",
    "CREATE TRIGGER IF NOT EXISTS vectors_logged_insert AFTER INSERT ON vectors BEGIN "
    "INSERT INTO vector_log (doc_id, fingerprint) VALUES (new.doc_id, new.fingerprint); END",
    "CREATE TRIGGER IF NOT EXISTS vectors_logged_delete AFTER DELETE ON vectors BEGIN "
    "INSERT INTO vector_log (doc_id, fingerprint) VALUES (old.doc_id, old.fingerprint); END",
)


def ensure_log(db) -> bool:
    """Create the log and its triggers if missing (indexes made before it); False when the file is read-only."""
    if "vector_log" in db.table_names():
        return True
    try:
        with db.conn:
            for statement in LOG_SCHEMA:
                db.execute(statement)
    except sqlite3.OperationalError:
        return False
    return True


def log_head(db) -> int:
    """The last ``seq`` written (0 for an empty log; -1 when the file has no log: read-only and made before it)."""
    try:
        return int(db.execute("SELECT coalesce(max(seq), 0) FROM vector_log").fetchone()[0])
    except sqlite3.OperationalError:
        return -1


def changed_since(db, fingerprint: str, after: int, upto: int) -> list[str]:
    """Ids whose ``fingerprint`` vector changed in ``after < seq <= upto``, each once, in order of last change."""
    rows = db.execute("SELECT doc_id, max(seq) AS last FROM vector_log WHERE fingerprint = ? AND seq > ? "
                      "AND seq <= ? GROUP BY doc_id ORDER BY last", [fingerprint, int(after), int(upto)])
    return [r[0] for r in rows]
