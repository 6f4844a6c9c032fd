"""What the index hands out: stored passages, ranked hits and the report of an add."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Document:
    """One stored passage; ``parent`` is the id of the document it came from (itself for short documents)."""

    id: str
    text: str
    title: str = ""
    lang: str = ""
    source: str = ""
    parent: str = ""


@dataclass
class Hit:
    """One ranked result: passage id, score (cosine, BM25, or ``1 - W`` after OT reranking), title, text, rank."""

    doc_id: str
    score: float
    title: str
    text: str
    rank: int


@dataclass
class AddReport:
    """What one :meth:`engine.index.DocumentIndex.add_documents` call did."""

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
