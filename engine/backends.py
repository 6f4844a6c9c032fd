"""Which backend serves a model: ONNX Runtime (:mod:`engine.serving`, torch-free; the default) or torch. The one
place the torch branch is chosen, so the serving layer and the app's ONNX path never import torch."""

from __future__ import annotations

from engine.errors import UserError

BACKENDS = ("onnx", "torch")


def _check(backend: str) -> None:
    if backend not in BACKENDS:
        raise UserError(f"unknown backend {backend!r}; use {' or '.join(BACKENDS)}")


def load_serving_model(spec=None, backend: str = "onnx", base=None, threads: int | None = None,
                       progress: bool = True, query_precision: str | None = None, defer_int8: bool = False):
    """The query model ``spec`` on ``backend`` (:func:`engine.serving.load_onnx_model`, or the torch encoder /
    student). ``base``: an already loaded base of the same backend, to share. ``defer_int8``: ONNX serves fp32
    queries until int8 is made and checked (a first start answers sooner; :func:`engine.serving.prepare_int8`)."""
    _check(backend)
    if backend == "onnx":
        from engine.serving import load_onnx_model

        return load_onnx_model(spec, base, threads, progress, query_precision, defer_int8)
    from engine.artifacts import resolve_model
    from engine.encoders import load_encoder

    ref = resolve_model(spec)
    if ref.kind == "default" and base is not None:
        return base
    if ref.kind == "student" and base is not None:
        from engine.encoders.students import load_student

        return load_student(ref.path, base=base)
    return load_encoder(ref)


def load_document_encoder(spec=None, backend: str = "onnx", progress: bool = True):
    """The encoder that indexes documents for ``spec``: its base model (fp32 on ONNX); students share their base's."""
    _check(backend)
    if backend == "onnx":
        from engine.serving import load_onnx_document_encoder

        return load_onnx_document_encoder(spec, progress)
    from engine.encoders import load_encoder

    encoder = load_encoder(spec)
    return getattr(encoder, "document_encoder", None) or encoder


def set_threads(backend: str, threads: int | None) -> None:
    """Intra-op threads for ``backend``: torch's global setting (ONNX sessions take theirs when made)."""
    _check(backend)
    if backend == "torch" and threads:
        import torch

        torch.set_num_threads(threads)
