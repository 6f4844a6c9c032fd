"""The models that answer queries, on ONNX Runtime by default: search and the app serve without torch.

``load_serving_model(spec, backend="onnx")`` returns an object with the encoder interface (``encode``,
``encode_tokens``, ``tokenizer``, ``name``, ``fingerprint``) plus ``document_encoder`` and, for students,
``for_language(lang)``:

* **documents** are encoded by the base model's *fp32* ONNX export. It computes the same function as the torch model
  and keeps its fingerprint, so indexes, evaluation caches and the app's shipped vectors built with either backend
  are shared;
* **queries** go through the *int8* export where its parity self-check passes on this CPU, else through the fp32
  export (:mod:`engine.serving.parity`: int8 is served only where it keeps the per-language accuracy of fp32;
  ``query_precision="int8"`` / ``"fp32"`` or ``OPTICAL_CLIR_QUERY_PRECISION`` force one). The served encoder's
  ``query_precision`` says which, and why, in one line;
* a **student** routes the languages its dev selection gave back to the base (``fallback_languages`` of its card)
  to the base model's query encoder, as :class:`engine.students.StudentEncoder` does on torch.

Exports are made on first use into the cache by :func:`engine.onnx_export.ensure_exported`. ``backend="torch"``
returns :func:`engine.encoders.load_encoder`'s model unchanged.
"""

from __future__ import annotations

from pathlib import Path

from engine.encoders.common import RoutedStudent
from engine.errors import UserError
from engine.onnx_export import read_export_card
from engine.serving.parity import choose_query_precision, default_precision

BACKENDS = ("onnx", "torch")


class OnnxStudent(RoutedStudent):
    """An exported student: int8 query encoder, fallback languages to the base's int8 encoder, documents through the
    base's fp32 export."""


def _export(source: str | Path | None, progress: bool) -> Path:
    from engine.onnx_export import ensure_exported

    return ensure_exported(source, progress=progress)


def _is_default(spec) -> bool:
    from engine.encoders.loading import _DEFAULT_ALIASES

    return spec is None or str(spec) in _DEFAULT_ALIASES


def _student_card(spec) -> dict | None:
    from engine.onnx_graph import STUDENT_FILE, read_student_card

    if spec is None or not (Path(spec).expanduser() / STUDENT_FILE).is_file():
        return None
    return read_student_card(Path(spec).expanduser())


def _is_export(spec) -> bool:
    """An ONNX export (a directory with ``card.json``, or one of its ``.onnx`` files), which
    :func:`engine.encoders.load_encoder` serves as it is."""
    from engine.onnx_export import CARD_FILE

    path = Path(str(spec)).expanduser() if spec is not None else None
    return path is not None and (path.suffix == ".onnx" or (path / CARD_FILE).is_file())


def load_documents(spec: str | Path | None = None, threads: int | None = None, progress: bool = True):
    """The fp32 ONNX document encoder of a base model (None: the offline default)."""
    from engine.encoders.onnx_encoder import OnnxEncoder

    return OnnxEncoder(_export(spec, progress), "fp32", threads=threads)


def _query_encoder(export_dir: Path, documents, threads: int | None, precision: str | None):
    """The served query encoder of an export: int8 where the parity check passes (or is forced), else fp32;
    ``query_precision`` on it says which and why. A base model's fp32 queries share its document session."""
    from functools import cache

    from engine.encoders.onnx_encoder import OnnxEncoder

    @cache
    def build(variant: str):
        if variant == "fp32" and Path(documents.source) == Path(export_dir):
            encoder = documents
        else:
            encoder = OnnxEncoder(export_dir, variant, threads=threads, document_encoder=documents)
        encoder.document_encoder = documents
        return encoder

    int8 = lambda: build("int8") if "int8" in read_export_card(export_dir).get("variants", {}) else None  # noqa: E731
    chosen = choose_query_precision(export_dir, int8, lambda: build("fp32"), documents,
                                    precision or default_precision())
    encoder = build(chosen.variant)
    encoder.query_precision = chosen
    return encoder


def load_base(spec: str | Path | None = None, threads: int | None = None, progress: bool = True,
              query_precision: str | None = None):
    """A base model for serving: int8 or fp32 queries (parity check), fp32 documents (``document_encoder``)."""
    documents = load_documents(spec, threads, progress)
    return _query_encoder(documents.source, documents, threads, query_precision)


def load_serving_model(spec: str | Path | None = None, backend: str = "onnx", base=None, threads: int | None = None,
                       progress: bool = True, query_precision: str | None = None):
    """The query model ``spec`` (None: the offline base; a student directory; an ONNX export; a model name) on
    ``backend``. ``base``: an already loaded base (:func:`load_base`, or the torch encoder) to share."""
    if backend not in BACKENDS:
        raise UserError(f"unknown backend {backend!r}; use {' or '.join(BACKENDS)}")
    card = _student_card(spec)
    if backend == "torch":
        from engine.encoders import load_encoder

        if _is_default(spec) and base is not None:
            return base
        if card is not None and base is not None:
            from engine.students import load_student

            return load_student(Path(spec), base=base)
        return load_encoder(spec)
    from engine.encoders.onnx_encoder import OnnxEncoder

    if card is not None:
        base = base if base is not None else load_base(card.get("base"), threads, progress, query_precision)
        student = _query_encoder(_export(Path(spec).expanduser(), progress), base.document_encoder, threads,
                                 query_precision)
        return OnnxStudent(student, base, base.document_encoder, card.get("fallback_langs", []), spec)
    if _is_export(spec):
        from engine.encoders import load_encoder

        return load_encoder(spec)  # an export: served as it is
    if base is not None and _is_default(spec):
        return base
    return load_base(spec, threads, progress, query_precision)


def load_document_encoder(spec: str | Path | None = None, backend: str = "onnx", progress: bool = True):
    """The encoder that indexes documents for ``spec``: its base model (fp32 on ONNX); students share their base's."""
    card = _student_card(spec)
    if backend == "torch":
        from engine.encoders import load_encoder
        from engine.search import document_encoder

        return document_encoder(load_encoder(spec))
    if card is not None:
        return load_documents(card.get("base"), progress=progress)
    if _is_export(spec):
        from engine.encoders import load_encoder
        from engine.search import document_encoder

        return document_encoder(load_encoder(spec))  # a student's export names its base, which must index
    return load_documents(spec, progress=progress)
