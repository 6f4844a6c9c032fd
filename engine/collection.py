"""Load a retrieval collection — documents, queries, relevance judgements — from a shipped suite or a folder.

A folder holds ``corpus.jsonl`` (``{"id", "text", "title"?, "source"?}`` a line), ``queries.tsv`` (``qid<TAB>text``)
and ``qrels`` (TREC: ``qid 0 docid rel``); any of them may be gzipped (``.gz``). A shipped suite keeps one
``corpus.jsonl`` and, per language, ``<lang>/queries.tsv`` and ``<lang>/qrels``; user folders may use that layout
too. Every problem is a :class:`UserError` naming the file and line.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import UserError
from engine.languages import normalize_code

SUITES_DIR = Path(__file__).resolve().parents[1] / "data" / "suites"


@dataclass
class Collection:
    """Documents (``id → text``), queries (``qid → text``), graded relevance and the optional document titles."""

    docs: dict[str, str]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    titles: dict[str, str] = field(default_factory=dict)
    name: str = ""
    lang: str = ""
    doc_langs: dict[str, str] = field(default_factory=dict)  # id → language, for rows with a "lang" (else English)
    query_lang: str = ""  # the queries' language: ``lang`` unless the folder's meta.json says otherwise

    def doc_lang(self, doc_id: str) -> str:
        return self.doc_langs.get(doc_id, "en")


def _find(folder: Path, name: str) -> Path | None:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _lines(path: Path) -> list[str]:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise UserError(f"{path}: not a valid gzip file ({exc})") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UserError(f"{path}:{line}: not UTF-8 (byte {exc.start}); re-save the file as UTF-8") from exc
    return text.splitlines()


def read_corpus(path: Path, titles: dict[str, str] | None = None, langs: dict[str, str] | None = None
                ) -> dict[str, str]:
    """``id → text`` from a JSONL corpus; string ``title`` fields go into ``titles`` and ``lang`` fields (any ISO 639 /
    BCP-47 code, normalised) into ``langs`` when they are given."""
    docs: dict[str, str] = {}
    for number, line in enumerate(_lines(path), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}:{number}: malformed JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise UserError(f"{path}:{number}: expected a JSON object with 'id' and 'text'")
        for key in ("id", "text"):
            if not isinstance(row.get(key), str) or (key == "id" and not row[key].strip()):
                raise UserError(f"{path}:{number}: missing or non-string field '{key}'")
        doc_id = row["id"].strip()
        if doc_id in docs:
            raise UserError(f"{path}:{number}: duplicate document id {doc_id!r}")
        docs[doc_id] = row["text"]
        if titles is not None and isinstance(row.get("title"), str) and row["title"].strip():
            titles[doc_id] = row["title"]
        if langs is not None and row.get("lang") is not None:
            try:
                langs[doc_id] = normalize_code(str(row["lang"]))
            except UserError as exc:
                raise UserError(f"{path}:{number}: {exc}") from None
    if not docs:
        raise UserError(f"{path}: no documents")
    return docs


def read_queries(path: Path) -> dict[str, str]:
    """``qid → text`` from a headerless ``qid<TAB>text`` file."""
    queries: dict[str, str] = {}
    for number, line in enumerate(_lines(path), 1):
        if not line.strip():
            continue
        qid, sep, text = line.partition("\t")
        qid = qid.strip()
        if not sep or not qid:
            raise UserError(f"{path}:{number}: expected 'qid<TAB>text'")
        if not text.strip():
            raise UserError(f"{path}:{number}: query {qid!r} has empty text")
        if qid in queries:
            raise UserError(f"{path}:{number}: duplicate query id {qid!r}")
        queries[qid] = text.strip()
    if not queries:
        raise UserError(f"{path}: no queries")
    return queries


def read_qrels(path: Path, docs: dict[str, str], queries: dict[str, str]) -> dict[str, dict[str, int]]:
    """TREC qrels ``qid iter docid rel``, checked against the documents and queries."""
    qrels: dict[str, dict[str, int]] = {}
    for number, line in enumerate(_lines(path), 1):
        if not line.strip():
            continue
        cols = line.split()
        if len(cols) != 4:
            raise UserError(f"{path}:{number}: expected 4 columns 'qid 0 docid rel', got {len(cols)}")
        qid, _, docid, rel = cols
        try:
            grade = int(rel)
        except ValueError as exc:
            raise UserError(f"{path}:{number}: relevance {rel!r} is not an integer") from exc
        if qid not in queries:
            raise UserError(f"{path}:{number}: unknown query id {qid!r} (not in the queries file)")
        if docid not in docs:
            raise UserError(f"{path}:{number}: unknown document id {docid!r} (not in the corpus)")
        if docid in qrels.get(qid, {}):
            raise UserError(f"{path}:{number}: duplicate judgement for {qid!r} / {docid!r}")
        qrels.setdefault(qid, {})[docid] = grade
    if not qrels:
        raise UserError(f"{path}: no relevance judgements")
    return qrels


def _resolve(dir_or_suite: str | Path, lang: str | None) -> tuple[str, Path, Path]:
    """(name, corpus folder, queries/qrels folder)."""
    path = Path(dir_or_suite)
    if not path.is_dir():
        suite = SUITES_DIR / str(dir_or_suite)
        if not suite.is_dir():
            known = ", ".join(list_suites()) or "none shipped"
            raise UserError(f"no collection folder or shipped suite named {str(dir_or_suite)!r}; suites: {known}")
        path = suite
    name = path.name
    if lang:
        code = normalize_code(lang)
        if (path / code).is_dir():
            return name, path, path / code
        if _find(path, "queries.tsv"):
            return name, path, path
        langs = ", ".join(list_suite_langs(path)) or "none"
        raise UserError(f"{path} has no queries for language {code!r}; available: {langs}")
    if _find(path, "queries.tsv"):
        return name, path, path
    raise UserError(f"{path} has per-language folders ({', '.join(list_suite_langs(path))}); name a language")


def load_collection(dir_or_suite: str | Path, lang: str | None = None) -> Collection:
    """Load a shipped suite (``"udhr"``, ``"bible-ny"``, ``"l10n"``) or a folder, for one language."""
    name, corpus_dir, query_dir = _resolve(dir_or_suite, lang)
    files = {}
    for folder, base in ((query_dir, "corpus.jsonl"), (query_dir, "queries.tsv"), (query_dir, "qrels")):
        found = _find(folder, base) or (_find(corpus_dir, base) if base == "corpus.jsonl" else None)
        if found is None:
            raise UserError(f"{folder / base} is missing; a collection needs corpus.jsonl, queries.tsv and qrels")
        files[base] = found
    titles: dict[str, str] = {}
    doc_langs: dict[str, str] = {}
    docs = read_corpus(files["corpus.jsonl"], titles, doc_langs)
    queries = read_queries(files["queries.tsv"])
    qrels = read_qrels(files["qrels"], docs, queries)
    code = normalize_code(lang) if lang else ""
    meta_path = query_dir / "meta.json"
    query_lang = code
    if meta_path.is_file():
        try:
            query_lang = normalize_code(json.loads(meta_path.read_text(encoding="utf-8"))["query_lang"])
        except (ValueError, KeyError, TypeError) as exc:
            raise UserError(f"{meta_path}: expected {{\"query_lang\": CODE}} ({exc})") from None
    return Collection(docs=docs, queries=queries, qrels=qrels, titles=titles, name=name, lang=code,
                      doc_langs=doc_langs, query_lang=query_lang)


def list_suites() -> list[str]:
    """Names of the shipped suites."""
    return sorted(p.name for p in SUITES_DIR.iterdir() if p.is_dir()) if SUITES_DIR.is_dir() else []


def list_suite_langs(suite: str | Path) -> list[str]:
    """Languages a shipped suite (or a suite-layout folder) has queries for."""
    path = Path(suite) if Path(suite).is_dir() else SUITES_DIR / str(suite)
    if not path.is_dir():
        raise UserError(f"no shipped suite named {str(suite)!r}; suites: {', '.join(list_suites()) or 'none'}")
    return sorted(p.name for p in path.iterdir() if p.is_dir() and _find(p, "queries.tsv"))
