"""The collection the explorer opens with: English documents shipped in ``data/suites``.

* the 31 English UDHR units (preamble + articles 1–30) of the ``udhr`` suite;
* the 1,695 English New Testament passages (WEB, up to 5 verses) of the ``bible-ny`` suite — the documents the
  Chichewa test verses are aligned to, so a Chichewa verse finds its passage;
* 500 English LibreOffice UI strings of the ``l10n`` suite (at least 20 characters, picked by a SHA-1 order, so the
  choice is deterministic).

It is indexed once into ``<cache>/explorer/default-v<N>.db`` (``<cache>`` is ``$OPTICAL_CLIR_CACHE`` or
``~/.cache/optical-clir``) and reused afterwards. Encoding the passages takes minutes on a small CPU, so the vectors
of the base model ship precomputed (:mod:`explorer.precomputed`); documents whose vector is not shipped, or all of
them when the base model's fingerprint differs, are encoded on first start, with a progress bar.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable

SUITES_DIR = Path(__file__).resolve().parents[1] / "data" / "suites"
VERSION = 1
L10N_STRINGS = 500
L10N_MIN_CHARS = 20

Progress = Callable[[int, int], None]


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def default_documents(suites_dir: Path = SUITES_DIR) -> list[dict]:
    """The default collection as index documents ``{"id", "text", "title", "source"}``."""
    docs: list[dict] = []
    for row in _rows(suites_dir / "udhr" / "corpus.jsonl"):
        if row.get("source") == "udhr":
            number = int(row["id"].split("-")[1])
            title = "UDHR, preamble" if number == 0 else f"UDHR, article {number}"
            docs.append({"id": row["id"], "text": row["text"], "title": title, "source": "udhr"})
    for row in _rows(suites_dir / "bible-ny" / "corpus.jsonl"):
        docs.append({"id": row["id"], "text": row["text"], "title": f"Bible (WEB), {row.get('title') or row['id']}",
                     "source": "bible-web"})
    strings = [r for r in _rows(suites_dir / "l10n" / "corpus.jsonl") if len(r["text"]) >= L10N_MIN_CHARS]
    strings.sort(key=lambda r: hashlib.sha1(r["id"].encode()).hexdigest())
    for row in strings[:L10N_STRINGS]:
        docs.append({"id": row["id"], "text": row["text"], "title": "LibreOffice UI string", "source": "libreoffice"})
    return docs


def default_index_path(cache_dir: Path) -> Path:
    return Path(cache_dir) / f"default-v{VERSION}.db"


def open_default_index(path: Path, encoder, progress: Progress | None = None, chunk: int = 256):
    """Open the default index at ``path``, building or completing it first when it lacks ``encoder``'s vectors.

    ``progress(done, total)`` is called after each chunk of documents (the console also gets a tqdm bar).
    """
    from engine.index import DocumentIndex
    from explorer.precomputed import PrecomputedEncoder, load_shipped_vectors

    index = DocumentIndex(path, create=True)
    docs = default_documents()
    have = index.models().get(encoder.fingerprint, {}).get("vectors", 0)
    if have >= len(docs) and index.count() >= len(docs):
        return index
    source = PrecomputedEncoder(encoder, load_shipped_vectors(encoder.fingerprint))
    from tqdm.auto import tqdm

    with tqdm(total=len(docs), desc="explorer: indexing the default collection", unit="doc") as bar:
        for start in range(0, len(docs), chunk):
            part = docs[start : start + chunk]
            index.add_documents(part, source, batch_size=32, progress=False)
            bar.update(len(part))
            if progress:
                progress(start + len(part), len(docs))
    return index
