"""Read a user's document collection (JSONL, CSV or plain text) and split long documents into passages.

Formats, by file extension:

* ``.jsonl`` — one JSON object a line: ``id`` (string or integer) and ``text`` required; ``title``, ``lang`` and
  ``source`` optional.
* ``.csv`` — a header naming at least ``id`` and ``text`` (``title``, ``lang``, ``source`` optional).
* ``.txt`` / ``.md`` (any other extension is refused) — if the file has a blank line anywhere, each
  blank-line-separated paragraph is a document; otherwise each non-empty line is. Ids are ``<file-stem>-<n>``,
  ``n`` counting documents from 1.

A directory is read file by file (sorted, recursively) over those extensions. Duplicate ids (across the files too),
malformed rows and an empty collection are :class:`UserError` s naming the file and line.

Long documents: the encoder reads at most 512 tokens (~2,000 characters), so a document longer than
``max_chars`` (8,000) characters is split by :func:`split_passages` into passages ``<id>#<k>`` (``k`` from 1) at
paragraph, sentence or word boundaries. Every passage is indexed and searchable on its own; deleting ``<id>``
deletes all of its passages.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Iterable, Iterator

from engine.errors import UserError

MAX_PASSAGE_CHARS = 8000
TEXT_SUFFIXES = (".txt", ".md", ".text")
READABLE_SUFFIXES = (".jsonl", ".csv") + TEXT_SUFFIXES
_FIELDS = ("title", "lang", "source")


def read_documents(path: str | Path) -> Iterator[dict]:
    """Documents ``{"id", "text", "title"?, "lang"?, "source"?}`` from a file or a directory of files, lazily.

    Raises :class:`UserError` for a missing path, an unsupported file, a malformed row, a duplicate id or a
    collection with no documents (checked once the last file has been read).
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in READABLE_SUFFIXES)
        if not files:
            raise UserError(f"{path}: no .jsonl, .csv or .txt files to index")
    elif path.is_file():
        if path.suffix.lower() not in READABLE_SUFFIXES:
            raise UserError(f"{path}: unsupported file type {path.suffix or '(none)'}; "
                            f"use .jsonl, .csv or .txt (one document per line or paragraph)")
        files = [path]
    else:
        raise UserError(f"{path}: no such file or directory")
    seen: dict[str, str] = {}
    for file in files:
        reader = {".jsonl": _read_jsonl, ".csv": _read_csv}.get(file.suffix.lower(), _read_text)
        for where, doc in reader(file):
            if doc["id"] in seen:
                raise UserError(f"{where}: duplicate document id {doc['id']!r} (first at {seen[doc['id']]})")
            seen[doc["id"]] = where
            yield doc
    if not seen:
        raise UserError(f"{path}: the collection is empty (no documents with text)")


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UserError(f"{path}:{line}: not UTF-8 (byte {exc.start}); re-save the file as UTF-8") from None


def normalize_document(raw: dict, where: str) -> dict:
    """Check one raw document and keep its known fields; ``where`` names it in errors (file:line or #n)."""
    if not isinstance(raw, dict):
        raise UserError(f"{where}: expected a document dict with 'id' and 'text', got {type(raw).__name__}")
    doc_id, text = raw.get("id"), raw.get("text")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise UserError(f"{where}: missing or empty 'id' (a string)")
    if not isinstance(text, str) or not text.strip():
        raise UserError(f"{where}: document {doc_id!r} has no 'text'")
    doc = {"id": doc_id.strip(), "text": text}
    for key in _FIELDS:
        value = raw.get(key)
        if value not in (None, ""):
            if not isinstance(value, str):
                raise UserError(f"{where}: field {key!r} must be a string, got {type(value).__name__}")
            doc[key] = value
    return doc


def _read_jsonl(path: Path) -> Iterator[tuple[str, dict]]:
    for number, line in enumerate(_decode(path).splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"{where}: malformed JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise UserError(f"{where}: expected a JSON object with 'id' and 'text'")
        yield where, normalize_document(row, where)


def _read_csv(path: Path) -> Iterator[tuple[str, dict]]:
    csv.field_size_limit(2**31 - 1)  # the default (128 KiB) would refuse long documents
    reader = csv.DictReader(_decode(path).splitlines(keepends=True))
    if not reader.fieldnames or not {"id", "text"} <= {f.strip() for f in reader.fieldnames}:
        raise UserError(f"{path}:1: the CSV header must name 'id' and 'text' columns, got {reader.fieldnames}")
    try:
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if None in row:
                raise UserError(f"{where}: more fields than the header has")
            yield where, normalize_document({k.strip(): v for k, v in row.items()}, where)
    except csv.Error as exc:
        raise UserError(f"{path}:{reader.line_num}: malformed CSV ({exc})") from None


def _read_text(path: Path) -> Iterator[tuple[str, dict]]:
    text = _decode(path).replace("\r\n", "\n")
    if re.search(r"\n[ \t]*\n", text.strip()):
        units = [(m.start(), m.group()) for m in re.finditer(r"(?:[^\n]|\n(?![ \t]*\n))+", text)]
    else:
        units = [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", text)]
    n = 0
    for start, unit in units:
        if unit.strip():
            n += 1
            first = start + len(unit) - len(unit.lstrip())
            yield f"{path}:{text.count(chr(10), 0, first) + 1}", {"id": f"{path.stem}-{n}", "text": unit.strip()}


def split_passages(text: str, max_chars: int = MAX_PASSAGE_CHARS) -> list[str]:
    """Split ``text`` into passages of at most ``max_chars`` characters.

    Each cut falls at the last paragraph break, else sentence end, else whitespace in the second half of the
    window; a run with none of those is cut hard. Passages are stripped; the text is returned whole when short.
    """
    if len(text) <= max_chars:
        return [text]
    passages, start = [], 0
    while len(text) - start > max_chars:
        window = text[start : start + max_chars]
        floor = max_chars // 2
        cut = -1
        for pattern in (r"\n\s*\n", r"[.!?。]\s", r"\s"):
            hits = [m.end() for m in re.finditer(pattern, window) if m.end() > floor]
            if hits:
                cut = hits[-1]
                break
        cut = cut if cut > 0 else max_chars
        piece = text[start : start + cut].strip()
        if piece:
            passages.append(piece)
        start += cut
    tail = text[start:].strip()
    if tail:
        passages.append(tail)
    return passages


def to_passages(docs: Iterable[dict], max_chars: int = MAX_PASSAGE_CHARS) -> Iterator[tuple[str, list[dict]]]:
    """For each document, its id and its passages (itself when short; ``<id>#<k>`` pieces when long)."""
    for doc in docs:
        pieces = split_passages(doc["text"], max_chars)
        if len(pieces) == 1:
            yield doc["id"], [dict(doc, parent=doc["id"])]
        else:
            yield doc["id"], [dict(doc, id=f"{doc['id']}#{k}", text=p, parent=doc["id"])
                              for k, p in enumerate(pieces, 1)]
