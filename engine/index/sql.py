"""Small SQL helpers shared by the table modules: id lists in chunks, ``?`` placeholders."""

from __future__ import annotations

from typing import Iterator, Sequence

SQL_VARS = 500  # ids per IN (...) query, well under SQLite's variable limit


def chunks(items: Sequence, size: int = SQL_VARS) -> Iterator[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def marks(n: int) -> str:
    """``n`` comma-separated ``?`` placeholders."""
    return ",".join("?" * n)
