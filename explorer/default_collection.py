"""The collection the explorer opens with: plain-English reference text people can ask everyday things of.

* ~2,750 WordNet 3.0 noun glosses on health, farming, weather, money, rights, school, places and daily life
  (``data/collections/everyday``, built by :mod:`explorer.everyday_build` from Debian's ``wordnet-base``; sources
  and licence in that folder's README);
* the 31 English UDHR units (preamble + articles 1–30) of the ``udhr`` suite: people's rights in full sentences.

It is indexed once into ``<cache>/explorer/default-v<N>.db`` (``<cache>`` is ``$OPTICAL_CLIR_CACHE`` or
``~/.cache/optical-clir``) and reused afterwards. The base model's vectors ship precomputed
(:mod:`explorer.precomputed`), so indexing takes about a second; documents whose vector is not shipped, or all of
them when the base model's fingerprint differs, are encoded on first start, with a progress bar.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Callable

DATA = Path(__file__).resolve().parents[1] / "data"
SUITES_DIR = DATA / "suites"
EVERYDAY = DATA / "collections" / "everyday" / "corpus.jsonl.gz"
VERSION = 2

Progress = Callable[[int, int], None]


def _rows(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def udhr_documents(suites_dir: Path = SUITES_DIR) -> list[dict]:
    docs = []
    for row in _rows(suites_dir / "udhr" / "corpus.jsonl"):
        if row.get("source") == "udhr":
            number = int(row["id"].split("-")[1])
            title = "UDHR, preamble" if number == 0 else f"UDHR, article {number}"
            docs.append({"id": row["id"], "text": row["text"], "title": title, "source": "udhr"})
    return docs


def default_documents(everyday: Path = EVERYDAY, suites_dir: Path = SUITES_DIR) -> list[dict]:
    """The default collection as index documents ``{"id", "text", "title", "source"}``."""
    docs = [{"id": r["id"], "text": r["text"], "title": r["title"], "source": "wordnet"} for r in _rows(everyday)]
    return docs + udhr_documents(suites_dir)


def default_index_path(cache_dir: Path) -> Path:
    return Path(cache_dir) / f"default-v{VERSION}.db"


def open_default_index(path: Path, encoder, progress: Progress | None = None, chunk: int = 256):
    """Open the default index at ``path``, building or completing it first when it lacks ``encoder``'s vectors.

    ``encoder`` needs only ``fingerprint`` while every vector is shipped; ``progress(done, total)`` is called after
    each chunk of documents (the console also gets a tqdm bar).
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
