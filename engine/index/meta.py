"""The ``meta`` table: JSON values by key — format, config, timestamps, the write generation and the models.

``generation`` is bumped inside every write transaction, from any process; readers compare it to decide whether
what they loaded (the dense vectors) is still current. Each model with vectors here has a ``model:<fingerprint>``
entry ``{"name", "dim", "added", "source"}``.
"""

from __future__ import annotations

import datetime as _dt
import json

MODEL_PREFIX = "model:"


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def get_meta(db, key: str) -> str | None:
    """The raw JSON text stored under ``key``, or None."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(db, key: str, value) -> None:
    db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = "
               "excluded.value", [key, json.dumps(value)])


def generation(db) -> int:
    return int(get_meta(db, "generation") or 0)


def bump(db) -> None:
    """Mark a write: ``generation += 1`` and ``updated = now``; call inside the write's transaction."""
    db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
    set_meta(db, "updated", now())


def registered_models(db) -> dict[str, dict]:
    """``fingerprint -> {"name", "dim", "added", "source"}`` for every model registered in this index."""
    rows = db.execute("SELECT key, value FROM meta WHERE key LIKE 'model:%'")
    return {key[len(MODEL_PREFIX):]: json.loads(value) for key, value in rows}


def model_key(fingerprint: str) -> str:
    return MODEL_PREFIX + fingerprint
