"""The models that answer queries, on ONNX Runtime by default: search and the app serve without torch.

``load_onnx_model(spec)`` (what :func:`engine.backends.load_serving_model` returns on ONNX) is an object with the
encoder interface (``encode``, ``encode_tokens``, ``tokenizer``, ``name``, ``fingerprint``) plus
``document_encoder`` and, for students, ``for_language(lang)``:

* **documents** are encoded by the base model's *fp32* ONNX export. It computes the same function as the torch model
  and keeps its fingerprint, so indexes, evaluation caches and the app's shipped vectors built with either backend
  are shared;
* **queries** go through the *int8* export where its parity self-check passes on this CPU, else through the fp32
  export (:mod:`engine.serving.parity`: int8 is served only where it keeps the per-language accuracy of fp32;
  ``query_precision="int8"`` / ``"fp32"`` or ``OPTICAL_CLIR_QUERY_PRECISION`` force one). The served encoder's
  ``query_precision`` says which, and why, in one line;
* a **student** routes the languages its dev selection gave back to the base (``fallback_languages`` of its card)
  to the base model's query encoder, as :class:`engine.encoders.students.StudentEncoder` does on torch.

Exports are made on first use into the cache by :func:`engine.onnx_export.ensure_exported`. Nothing here imports
torch: :mod:`engine.backends` chooses between this module and the torch loaders.
"""

from __future__ import annotations

from pathlib import Path

from engine.artifacts import ModelRef, read_export_card, resolve_model
from engine.encoders.common import RoutedStudent
from engine.serving.parity import choose_query_precision, default_precision


class OnnxStudent(RoutedStudent):
    """An exported student: its served query encoder, fallback languages to the base's, documents through the
    base's fp32 export."""


def _export(ref: ModelRef, progress: bool, int8: bool = True) -> Path:
    from engine.onnx_export import ensure_exported

    return ensure_exported(ref, progress=progress, int8=int8)


def load_documents(spec=None, threads: int | None = None, progress: bool = True, int8: bool = True):
    """The fp32 ONNX document encoder of a base model (None: the offline default); ``int8=False`` does not make the
    export's int8 variant if it is missing."""
    from engine.encoders.onnx_encoder import OnnxEncoder

    return OnnxEncoder(_export(resolve_model(spec), progress, int8), "fp32", threads=threads)


def _query_encoder(export_dir: Path, documents, threads: int | None, precision: str | None, defer_int8: bool = False):
    """The served query encoder of an export: int8 where the parity check passes (or is forced), else fp32;
    ``query_precision`` on it says which and why. A base model's fp32 queries share its document session.
    ``defer_int8``: fp32 unless this CPU's verdict is already cached (:func:`choose_query_precision`)."""
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
                                    precision or default_precision(), defer=defer_int8)
    encoder = build(chosen.variant)
    encoder.query_precision = chosen
    return encoder


def load_base(spec=None, threads: int | None = None, progress: bool = True,
              query_precision: str | None = None, defer_int8: bool = False):
    """A base model for serving: int8 or fp32 queries (parity check), fp32 documents (``document_encoder``)."""
    documents = load_documents(spec, threads, progress, int8=not defer_int8)
    return _query_encoder(documents.source, documents, threads, query_precision, defer_int8)


def load_onnx_model(spec=None, base=None, threads: int | None = None, progress: bool = True,
                    query_precision: str | None = None, defer_int8: bool = False):
    """The query model ``spec`` (None: the offline base; a student directory; an ONNX export; a model name) on ONNX
    Runtime. ``base``: an already loaded base (:func:`load_base`) to share. ``defer_int8`` (the app's first start):
    exports are made fp32-only and queries served in fp32 until int8 has been made and checked on this CPU
    (:func:`prepare_int8`, run later or in another process)."""
    ref = resolve_model(spec)
    if ref.kind == "student":
        base = base if base is not None else load_base(ref.base, threads, progress, query_precision, defer_int8)
        student = _query_encoder(_export(ref, progress, not defer_int8), base.document_encoder, threads,
                                 query_precision, defer_int8)
        return OnnxStudent(student, base, base.document_encoder, ref.student.fallback_langs, ref.path)
    if ref.kind in ("export", "onnx-file"):
        from engine.encoders.onnx_encoder import open_export

        return open_export(ref)
    if base is not None and ref.kind == "default":
        return base
    return load_base(ref, threads, progress, query_precision, defer_int8)


def prepare_int8(specs, threads: int | None = 1) -> dict[str, object]:
    """Make the int8 variant of each model's export and run this CPU's parity check on it (the verdict is cached in
    the export's ``parity.json``, so the next load serves what it decided at once). ``specs``: the base first, then
    its students. Returns each spec's :class:`~engine.serving.parity.QueryPrecision`."""
    base, chosen = None, {}
    for spec in specs:
        model = load_onnx_model(spec, base, threads, progress=False)
        base = base if base is not None else model
        chosen[str(spec)] = model.query_precision
    return chosen


def load_onnx_document_encoder(spec=None, progress: bool = True):
    """The encoder that indexes documents for ``spec``: its base model's fp32 export; students share their base's."""
    ref = resolve_model(spec)
    if ref.kind == "student":
        return load_documents(ref.base, progress=progress)
    if ref.kind in ("export", "onnx-file"):
        from engine.encoders.onnx_encoder import open_export

        encoder = open_export(ref)  # a student's export names its base, which must index
        return getattr(encoder, "document_encoder", None) or encoder
    return load_documents(ref, progress=progress)
