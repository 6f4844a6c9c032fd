"""Write a suite in the shipped layout: ``<suite>/corpus.jsonl`` shared by all languages, and per language
``<suite>/<lang>/queries.tsv`` (``qid<TAB>text``) and ``<suite>/<lang>/qrels`` (TREC: ``qid 0 docid rel``); a
language with documents of its own has ``<suite>/<lang>/corpus.jsonl`` (rows carry their ``lang``), which replaces
the shared corpus for it, and ``<suite>/<lang>/meta.json`` says when its queries are in another language
(``{"query_lang": "en"}``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from engine.data.files import jsonl_text, write_text_atomic
from engine.data.text import clean_text, normalize_key


@dataclass
class SuiteLanguage:
    """Queries (``qid → text``) and relevance (``qid → {docid: grade}``) for one language, and, where the documents
    differ per language (reverse-direction and mixed suites), this language's own corpus rows (each with a ``lang``)."""

    queries: dict[str, str] = field(default_factory=dict)
    qrels: dict[str, dict[str, int]] = field(default_factory=dict)
    corpus: list[dict] | None = None
    query_lang: str | None = None  # when the queries are not in the folder's language (reverse suites: English)


@dataclass
class Suite:
    """A whole suite: corpus rows (``id``, ``text``, optional ``title``, ``source``) and its languages."""

    name: str
    corpus: list[dict]
    langs: dict[str, SuiteLanguage]


def hash_order(items: list[str], seed: str) -> list[str]:
    """``items`` sorted by sha1(seed + item): a deterministic shuffle that does not depend on Python's RNG."""
    return sorted(items, key=lambda item: hashlib.sha1(f"{seed}:{item}".encode("utf-8")).hexdigest())


def text_id(prefix: str, text: str, length: int = 12) -> str:
    """A stable id for a string: ``prefix-`` + the first hex digits of sha1 of its normalised form."""
    return f"{prefix}-{hashlib.sha1(normalize_key(text).encode('utf-8')).hexdigest()[:length]}"


def write_suite(suite: Suite, suites_dir: Path) -> dict:
    """Replace ``suites_dir/<name>`` with the suite's files; returns its sizes for the manifest."""
    root = suites_dir / suite.name
    if root.exists():
        shutil.rmtree(root)
    write_text_atomic(root / "corpus.jsonl", jsonl_text(suite.corpus))
    sizes = {"docs": len(suite.corpus), "langs": {}}
    for lang, data in sorted(suite.langs.items()):
        queries = "".join(f"{qid}\t{clean_text(text)}\n" for qid, text in data.queries.items())
        qrels = "".join(
            f"{qid} 0 {docid} {grade}\n" for qid, rels in data.qrels.items() for docid, grade in rels.items()
        )
        if data.query_lang is not None:
            write_text_atomic(root / lang / "meta.json", json.dumps({"query_lang": data.query_lang}) + "\n")
        if data.corpus is not None:
            write_text_atomic(root / lang / "corpus.jsonl", jsonl_text(data.corpus))
            sizes.setdefault("lang_docs", {})[lang] = len(data.corpus)
        write_text_atomic(root / lang / "queries.tsv", queries)
        write_text_atomic(root / lang / "qrels", qrels)
        sizes["langs"][lang] = {"queries": len(data.queries), "qrels": sum(len(r) for r in data.qrels.values())}
    return sizes
