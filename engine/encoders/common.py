"""The torch-free part of the encoder interface, shared by :class:`~engine.encoders.encoder.Encoder` (torch) and
:class:`~engine.encoders.onnx_encoder.OnnxEncoder` (onnxruntime): prefixes, input checks, result records, hashes."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Sequence

import numpy as np

from engine.artifacts.fingerprints import fingerprint_files  # noqa: F401  (re-exported: encoders hash weights)
from engine.encoders.offsets import OffsetDocuments, read_document_offsets
from engine.errors import UserError

Kind = Literal["query", "passage"]
PREFIXES: dict[str, str] = {"query": "query: ", "passage": "passage: "}
MAX_BATCH_SIZE = 4096

log = logging.getLogger("engine.encoders")


@dataclass
class TokenEmbeddings:
    """Token-level output for one text: its content tokens and their (unnormalised) embeddings."""

    text: str
    tokens: list[str]
    embeddings: np.ndarray  # [n_content_tokens, d]
    truncated: bool


@dataclass
class EncodeReport:
    texts: int = 0
    truncated: int = 0
    truncated_examples: list[int] = field(default_factory=list)
    limit: int = 0  # the token limit the texts were cut to (``max_length`` of the call, at most the model's)


def check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        texts = [texts]
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise UserError(f"text #{i + 1} is {type(t).__name__}, expected a string")
        if not t.strip():
            raise UserError(f"text #{i + 1} is empty; give at least one non-space character")
    return out


def check_batch_size(batch_size: int) -> int:
    if not isinstance(batch_size, int) or not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise UserError(f"batch size must be an integer between 1 and {MAX_BATCH_SIZE}, got {batch_size!r}")
    return batch_size


class BatchedEncoding:
    """What every encoder backend shares around its model call: length-sorted batches and the truncation report.
    Subclasses set ``name``, ``max_length`` and ``last_report``."""

    name: str
    max_length: int
    last_report: EncodeReport

    def _batches(self, texts: list[str], batch_size: int, progress: bool | str):
        from tqdm.auto import tqdm

        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # length-sorted: less padding
        chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        desc = progress if isinstance(progress, str) else f"encoding ({self.name})"
        return tqdm(chunks, desc=desc, unit="batch", disable=not progress or len(chunks) < 2, leave=False)

    def _report(self, report: EncodeReport) -> None:
        self.last_report = report
        if report.truncated:
            log.warning("%d of %d texts were longer than %d tokens and were truncated", report.truncated,
                        report.texts, report.limit or self.max_length)


class RoutedStudent:
    """A student's query encoder with per-language fallback: ``for_language(lang)`` is the base model's query
    encoder for the languages dev selection gave back to the base (``fallback_langs``), the student otherwise;
    ``document_encoder`` is the base model's document encoder (every student shares the teacher's index). Everything
    else of the encoder interface is the student's. Backend-free: torch students and ONNX exports share it."""

    def __init__(self, student, base, document_encoder, fallback_langs, source: str | Path):
        self.student, self.base, self.document_encoder = student, base, document_encoder
        self.fallback_langs = list(fallback_langs)
        self.source = Path(source)
        self.document_offsets = read_document_offsets(self.source)  # {lang: δ_L}, engine.encoders.offsets
        self.name = self.source.name
        self.fingerprint = student.fingerprint

    def __getattr__(self, item):  # the encoder interface, delegated to the student
        return getattr(self.student, item)

    def for_language(self, lang: str):
        from engine.languages import normalize_code

        return self.base if normalize_code(lang) in self.fallback_langs else self.student


def query_encoder(model, lang: str | None = None):
    """The routing rule, written once: the encoder that answers queries in ``lang`` — a routed student's choice for
    that language (the base model for its fallback languages); with no language, the student itself. A model
    without routing answers every language."""
    route = getattr(model, "for_language", None)
    if route is not None and lang:
        return route(lang)
    return getattr(model, "student", model)


def document_encoder(model, lang: str | None = None, route: bool = True):
    """The encoder for documents in ``lang``: English (or no language given) goes to a student's frozen base — the
    teacher, whose index every student shares — and any other language to the encoder that answers queries in it
    (:func:`query_encoder`: the student, or the base for its fallback languages), so documents of every language
    share one index and one score scale. A model without routing encodes every document itself. A student with
    document offsets (:mod:`engine.encoders.offsets`) shifts its documents in each language by that language's.
    ``route=False``: the student encodes every non-English document, its fallback languages too (offsets still
    apply)."""
    from engine.languages import normalize_code

    base = getattr(model, "document_encoder", None) or model
    if not lang or normalize_code(lang) == "en":
        return base
    enc = query_encoder(model, lang) if route else getattr(model, "student", model)
    if enc is getattr(model, "base", None):
        return base
    offset = getattr(model, "document_offsets", {}).get(normalize_code(lang))
    return enc if offset is None else OffsetDocuments(enc, offset, normalize_code(lang))
