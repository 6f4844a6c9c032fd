"""Deterministic data files: gzip with mtime=0, cleaned TSV and JSONL, written atomically (:mod:`engine.fileio`)."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Iterable

from engine.data.text import clean_text
from engine.fileio import write_bytes_atomic


def gzip_bytes(data: bytes) -> bytes:
    """Gzip with no file name and mtime 0, so equal input gives equal bytes."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


def write_text_atomic(path: Path, text: str, compress: bool | None = None) -> None:
    """Write UTF-8 text; gzip it when ``compress`` is true or, by default, when the name ends in ``.gz``."""
    data = text.encode("utf-8")
    if compress if compress is not None else path.name.endswith(".gz"):
        data = gzip_bytes(data)
    write_bytes_atomic(path, data)


def tsv_text(pairs: Iterable[tuple[str, str]]) -> str:
    """``english<TAB>other`` lines, each side cleaned to one line."""
    return "".join(f"{clean_text(en)}\t{clean_text(other)}\n" for en, other in pairs)


def write_pairs(path: Path, pairs: Iterable[tuple[str, str]]) -> None:
    """Write pairs as (gzipped, by extension) TSV."""
    write_text_atomic(path, tsv_text(pairs))


def read_text(path: Path) -> str:
    """Read a UTF-8 text file, gunzipping ``.gz``."""
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8")


def jsonl_text(rows: Iterable[dict]) -> str:
    """One compact JSON object per line, keys in insertion order, non-ASCII kept."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
