"""Encoders: one interface (:class:`Encoder`) over the offline default, local directories and Hub models."""

from engine.encoders.encoder import Encoder, TokenBatch, TokenEmbeddings, mean_pool
from engine.encoders.loading import DEFAULT_MODEL, load_encoder, resolve_model_dir

__all__ = ["DEFAULT_MODEL", "Encoder", "TokenBatch", "TokenEmbeddings", "load_encoder", "mean_pool",
           "resolve_model_dir"]
