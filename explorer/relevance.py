"""How strong a hit is: each query's scores read against a background of unrelated documents (engine.calibration).

The background is 512 WordNet glosses of nouns outside the default collection (``data/collections/everyday/
background.jsonl.gz``): the same kind of short English text, about other things. Documents are always encoded by
the frozen base, so one matrix of background vectors serves every model; the query vector comes from the model
that answers (base, student, or the base for a student's fallback language), so the calibration is per model and
per query. The vectors ship in ``explorer/assets/background-vectors.npz`` for the base model's fingerprint and are
encoded on first use otherwise.
"""

from __future__ import annotations

import gzip
import json
import threading
from pathlib import Path

import numpy as np

from engine.calibration import Background, Relevance, calibrate
from explorer.precomputed import BACKGROUND_ASSET, PrecomputedEncoder, load_shipped_vectors

BACKGROUND_TEXTS = Path(__file__).resolve().parents[1] / "data" / "collections" / "everyday" / "background.jsonl.gz"


def background_texts(path: Path = BACKGROUND_TEXTS) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


_VECTORS: dict[tuple[str, str], np.ndarray] = {}  # (document model fingerprint, asset) -> background, per process
_LOCK = threading.Lock()


class RelevanceReader:
    """Background vectors (made once per document model, lazily) and the calibration of one query's hits."""

    def __init__(self, asset: Path = BACKGROUND_ASSET):
        self._asset = asset

    def vectors(self, document_encoder) -> np.ndarray:
        key = (document_encoder.fingerprint, str(self._asset))
        with _LOCK:
            if key not in _VECTORS:
                texts = background_texts()
                table = load_shipped_vectors(document_encoder.fingerprint, self._asset)
                _VECTORS[key] = PrecomputedEncoder(document_encoder, table).encode(texts, kind="passage")
            return _VECTORS[key]

    def read(self, query_vector: np.ndarray, scores, document_encoder, n_docs: int) -> list[Relevance]:
        """``scores`` (cosines of one query's hits) as :class:`engine.calibration.Relevance` for a collection of
        ``n_docs`` documents; ``query_vector`` is the query as the answering model encoded it."""
        background = Background.of(self.vectors(document_encoder) @ np.asarray(query_vector, dtype=np.float32))
        return calibrate(scores, background, n_docs)
