"""Encoders: one interface (:class:`Encoder`) over the offline default, local directories, Hub models and ONNX
exports (:class:`OnnxEncoder`).

Names are imported on first use, so ``import engine.encoders`` (and the ONNX serving path, which imports
:mod:`engine.encoders.common` and :mod:`engine.encoders.onnx_encoder`) loads neither torch nor the loaders.
"""

_LAZY = {
    "DEFAULT_MODEL": "engine.artifacts",
    "load_encoder": "engine.encoders.loading",
    "resolve_model_dir": "engine.artifacts",
    "Encoder": "engine.encoders.encoder",
    "TokenBatch": "engine.encoders.encoder",
    "mean_pool": "engine.encoders.pooling",
    "TokenEmbeddings": "engine.encoders.common",
    "OnnxEncoder": "engine.encoders.onnx_encoder",
}

__all__ = ["DEFAULT_MODEL", "Encoder", "OnnxEncoder", "TokenBatch", "TokenEmbeddings", "load_encoder", "mean_pool",
           "resolve_model_dir"]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'engine.encoders' has no attribute {name!r}")
