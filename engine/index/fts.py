"""Lexical search: BM25 over title + text through the FTS5 table, with user words quoted so nothing is syntax."""

from __future__ import annotations

import re

MAX_FTS_TERMS = 64


def fts_query(text: str, max_terms: int = MAX_FTS_TERMS) -> str:
    """An FTS5 query matching any of ``text``'s words: each word a quoted FTS5 string, joined by ``OR``.

    Quotes are doubled inside the string, control characters (NUL included) split words, and words without a
    letter or digit are dropped, so operators (``AND``, ``NEAR``, ``*``, ``:``, ``^``) are matched as plain words.
    Lone surrogates are dropped. Emoji and other symbols are not tokens for the ``unicode61`` tokenizer, so a
    query of only those matches nothing.
    """
    text = text.encode("utf-8", "ignore").decode("utf-8")  # lone surrogates cannot reach SQLite
    words = [w for w in re.split(r"[\s\x00-\x1f\x7f]+", text) if any(c.isalnum() for c in w)]
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words[:max_terms])


def bm25_top_k(db, query: str, k: int) -> list[tuple[str, float]]:
    """``(passage id, score)`` of the top ``k`` for an FTS5 ``query`` (from :func:`fts_query`), best first.

    ``score = -bm25(documents_fts)`` (FTS5's BM25 is lower-is-better), ties by id.
    """
    rows = db.execute(
        "SELECT d.id, -bm25(documents_fts) AS score FROM documents_fts "
        "JOIN documents d ON d.rowid = documents_fts.rowid WHERE documents_fts MATCH ? "
        "ORDER BY score DESC, d.id LIMIT ?", [query, int(k)]).fetchall()
    return [(r[0], float(r[1])) for r in rows]
