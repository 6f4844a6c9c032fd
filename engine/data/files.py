"""Deterministic, atomic file writers: gzip with mtime=0, temp file + ``os.replace``."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Iterable

from engine.data.text import clean_text


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temp file in the same folder, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
