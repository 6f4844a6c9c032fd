r"""Document offsets: a student's documents in each language moved onto the teacher's English documents.

A student is trained to put a low-resource text where the teacher puts its English translation, but imperfectly: its
documents in language :math:`L` sit, on average, a little off the teacher's English documents, and in a collection
that mixes languages every English document then outscores every document in :math:`L` (the ``mixed`` suite's
SameLang@10 far below 0.5). One vector per language removes the average part of that error, from translation pairs
:math:`(e_i, f_i)` of the language's *dev* bitext (never an evaluation collection):

.. math:: \delta_L = \frac{1}{n} \sum_i T_{passage}(e_i) - \frac{1}{n} \sum_i S_{passage}(f_i), \qquad
          d' = \frac{S_{passage}(d) + \delta_L}{\|S_{passage}(d) + \delta_L\|}

It is the language centering of Libovický et al. (2020, "On the language neutrality of pre-trained multilingual
representations"), aimed at English because the student's *queries* already live in the teacher's space. Only
documents move (an index stores them corrected once; queries and English documents are untouched).

The error depends on the documents' length: a student's *passages* sit further off than its sentences (for the
Chichewa students of ``experiment offsets-ny``, :math:`|\delta|` 0.58–0.62 from verses, 0.75–0.88 from windows of 5
verses). So
:math:`(e_i, f_i)` may be windows of ``units`` consecutive dev pairs joined (``offsets --units 5``): offsets for a
collection of passages, computed on texts of their length.

A student directory may hold ``document_offsets.safetensors`` (``python -m engine offsets STUDENT``, computed by
:func:`engine.encoders.students.compute_document_offsets`); then
:func:`engine.encoders.common.document_encoder` returns its documents shifted, on torch and ONNX alike.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from engine.artifacts.names import DOCUMENT_OFFSETS_FILE
from engine.errors import UserError

OFFSET_PAIRS = 300  # dev texts per language the mean difference is taken over (pairs, or windows of pairs)


def language_offset(english_vecs: np.ndarray, other_vecs: np.ndarray) -> np.ndarray:
    """:math:`\\delta_L` above from the teacher's English vectors and the student's of the same pairs ``[n, d]``."""
    english_vecs, other_vecs = np.asarray(english_vecs, np.float32), np.asarray(other_vecs, np.float32)
    if english_vecs.shape != other_vecs.shape or not len(english_vecs):
        raise UserError("a document offset needs the same number (> 0) of English and other-language vectors")
    return english_vecs.mean(0) - other_vecs.mean(0)


def shift_documents(doc_vecs: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """``d' = (d + δ) / ‖d + δ‖`` row by row."""
    moved = np.asarray(doc_vecs, np.float32) + np.asarray(offset, np.float32)[None, :]
    return moved / np.maximum(np.linalg.norm(moved, axis=1, keepdims=True), 1e-12)


def offsets_metadata(student_dir: Path | str) -> dict[str, str]:
    """How a student directory's offsets were computed (``units``, ``pairs``); empty when it has none."""
    path = Path(student_dir) / DOCUMENT_OFFSETS_FILE
    if not path.is_file():
        return {}
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as f:
        return dict(f.metadata() or {})


def read_document_offsets(student_dir: Path | str | None) -> dict[str, np.ndarray]:
    """``{lang: δ_L}`` of a student directory; empty when it has none."""
    path = Path(student_dir) / DOCUMENT_OFFSETS_FILE if student_dir else None
    if path is None or not path.is_file():
        return {}
    from safetensors.numpy import load_file

    return {lang: v.astype(np.float32) for lang, v in load_file(str(path)).items()}


def write_document_offsets(student_dir: Path, offsets: dict[str, np.ndarray], how: dict | None = None) -> Path:
    """Write ``document_offsets.safetensors`` atomically (temp file + rename), ``how`` they were computed in its
    metadata (e.g. ``{"units": 5, "pairs": 300}``); returns its path."""
    import os

    from safetensors.numpy import save_file

    path = Path(student_dir) / DOCUMENT_OFFSETS_FILE
    tmp = path.with_name(path.name + ".tmp")
    save_file({lang: np.ascontiguousarray(v, np.float32) for lang, v in sorted(offsets.items())}, str(tmp),
              metadata={k: str(v) for k, v in (how or {}).items()})
    os.replace(tmp, path)
    return path


class OffsetDocuments:
    """A document encoder whose ``passage`` vectors are shifted by one language's offset; everything else of the
    encoder interface is the wrapped encoder's. Its fingerprint names the offset, so caches and indexes keep shifted
    and unshifted vectors apart."""

    def __init__(self, encoder, offset: np.ndarray, lang: str):
        self.encoder, self.offset, self.lang = encoder, np.asarray(offset, np.float32), lang
        digest = hashlib.sha256(self.offset.tobytes()).hexdigest()[:12]
        self.fingerprint = f"{encoder.fingerprint}+offset-{lang}-{digest}"

    def __getattr__(self, item):
        return getattr(self.encoder, item)

    def encode(self, texts, kind: str = "query", **kwargs):
        vecs = self.encoder.encode(texts, kind=kind, **kwargs)
        return shift_documents(vecs, self.offset) if kind == "passage" else vecs
