"""Students: a small trained delta on top of the frozen base model, saved and loaded as safetensors.

A student directory holds

* ``student.json`` — how it was made: base model and its fingerprint, what was trained (``full``, ``top:N`` layers
  or ``lora``), languages, the training config, dev scores, and the languages that fall back to the base model;
* ``delta.safetensors`` — only the trained tensors (the top layers, or the LoRA matrices), so a student is a few MB.

Loading applies the delta to a fresh copy of the base model. The result is an :class:`engine.encoders.Encoder` that
encodes queries; its ``document_encoder`` is the frozen base model, because every student shares the teacher's
document index. ``for_language(lang)`` returns the base model for languages the student did not improve on dev.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import torch

from engine.artifacts import (
    DELTA_FILE,
    StudentCard,
    read_student_card,
    student_fingerprint,
    write_student_card,
)
from engine.encoders.common import RoutedStudent
from engine.errors import UserError

LORA_TARGETS = ["query", "key", "value", "dense"]


@dataclass
class TrainSpec:
    """What part of the student trains. Word embeddings (96 M of the 118 M parameters) stay frozen throughout:
    training them costs most of the optimiser state and time for the rows of the few words a batch sees."""

    mode: str = "top:4"  # "full" | "top:N" | "lora"
    lora_r: int = 16
    lora_alpha: int = 32

    @classmethod
    def parse(cls, text: str, lora_r: int = 16, lora_alpha: int = 32) -> "TrainSpec":
        if text in ("full", "lora") or (text.startswith("top:") and text[4:].isdigit() and int(text[4:]) > 0):
            return cls(text, lora_r, lora_alpha)
        raise UserError(f"--train must be 'full', 'lora' or 'top:N' (e.g. top:4), got {text!r}")


def _encoder_layers(model) -> torch.nn.ModuleList:
    inner = getattr(model, "base_model", model)
    inner = getattr(inner, "model", inner)  # peft wraps as base_model.model
    return inner.encoder.layer


def make_trainable(model: torch.nn.Module, spec: TrainSpec) -> torch.nn.Module:
    """Freeze the base and open the part named by ``spec``; returns the (possibly peft-wrapped) model."""
    for p in model.parameters():
        p.requires_grad_(False)
    if spec.mode == "lora":
        from peft import LoraConfig, get_peft_model

        config = LoraConfig(r=spec.lora_r, lora_alpha=spec.lora_alpha, lora_dropout=0.0,
                            target_modules=LORA_TARGETS, bias="none")
        return get_peft_model(model, config)
    layers = _encoder_layers(model)
    n = len(layers) if spec.mode == "full" else min(int(spec.mode[4:]), len(layers))
    for layer in layers[len(layers) - n :]:
        for p in layer.parameters():
            p.requires_grad_(True)
    if spec.mode == "full":
        for p in model.embeddings.LayerNorm.parameters():
            p.requires_grad_(True)
    return model


def trainable_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The delta: names and values of the trainable tensors (LoRA matrices for peft models)."""
    if hasattr(model, "peft_config"):
        from peft import get_peft_model_state_dict

        return {k: v.detach().cpu().contiguous() for k, v in get_peft_model_state_dict(model).items()}
    return {n: p.detach().cpu().contiguous() for n, p in model.named_parameters() if p.requires_grad}


def save_student(model: torch.nn.Module, card: StudentCard, out_dir: Path, dtype: torch.dtype = torch.float32
                 ) -> Path:
    """Write ``delta.safetensors`` and ``student.json`` into ``out_dir`` (each atomically)."""
    from safetensors.torch import save_file

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    state = {k: v.to(dtype) for k, v in trainable_state(model).items()}
    tmp = out_dir / f".{DELTA_FILE}.tmp"
    save_file(state, str(tmp), metadata={"format": "pt"})
    tmp.replace(out_dir / DELTA_FILE)
    write_student_card(card, out_dir)
    return out_dir


def apply_delta(base_model: torch.nn.Module, student_dir: Path, card: StudentCard) -> torch.nn.Module:
    """A copy of ``base_model`` with the student's delta applied (LoRA merged into the weights)."""
    from safetensors.torch import load_file

    path = Path(student_dir) / DELTA_FILE
    if not path.is_file():
        raise UserError(f"{student_dir}: missing {DELTA_FILE}")
    try:
        delta = load_file(str(path))
    except Exception as exc:  # safetensors raises its own error types on corrupt files
        raise UserError(f"{path}: unreadable safetensors file ({exc})") from None
    model = copy.deepcopy(base_model)
    spec = TrainSpec(**{k: v for k, v in card.train.items() if k in ("mode", "lora_r", "lora_alpha")})
    if spec.mode == "lora":
        from peft import set_peft_model_state_dict

        model = make_trainable(model, spec)
        result = set_peft_model_state_dict(model, delta)
        if getattr(result, "unexpected_keys", None):
            raise UserError(f"{path}: tensors do not match the LoRA layout ({result.unexpected_keys[:3]})")
        model = model.merge_and_unload()
    else:
        own = dict(model.named_parameters())
        unknown = [k for k in delta if k not in own]
        if unknown:
            raise UserError(f"{path}: tensors not in the base model: {unknown[:3]}")
        with torch.no_grad():
            for k, v in delta.items():
                if own[k].shape != v.shape:
                    raise UserError(f"{path}: {k} has shape {tuple(v.shape)}, base has {tuple(own[k].shape)}")
                own[k].copy_(v.to(own[k].dtype))
    for p in model.parameters():
        p.requires_grad_(False)
    return model.eval()


class StudentEncoder(RoutedStudent):
    """Queries through the student (or the base, for fallback languages); documents through the base model."""

    def __init__(self, student, base, card: StudentCard, source: Path):
        super().__init__(student, base, base, card.fallback_langs, source)
        self.card = card


def load_student(student_dir: Path, base) -> StudentEncoder:
    """Load a student directory on top of ``base``, its loaded base model (an :class:`Encoder`; shared, not copied:
    the delta is applied to a copy of its weights). :func:`engine.encoders.load_encoder` loads both from a path."""
    from engine.encoders.encoder import Encoder

    card = read_student_card(student_dir)
    if base.fingerprint != card.base_fingerprint:
        raise UserError(f"{student_dir}: trained on base {card.base} with fingerprint {card.base_fingerprint}, "
                        f"but the loaded base has {base.fingerprint}")
    model = apply_delta(base.model, Path(student_dir), card)
    fp = student_fingerprint(Path(student_dir), base.fingerprint)
    student = Encoder(model, base.tokenizer, name=Path(student_dir).name, fingerprint=fp,
                      max_length=base.max_length, prefixes=base.prefixes, source=Path(student_dir))
    return StudentEncoder(student, base, card, Path(student_dir))


def compute_document_offsets(model, langs: list[str], pairs: int | None = None, units: int = 1) -> dict:
    """Document offsets (:mod:`engine.encoders.offsets`) ``{lang: δ_L}`` for each language of ``langs`` the student
    answers itself (not its fallback languages), over its first ``pairs`` (default ``OFFSET_PAIRS``) shipped dev
    texts: dev pairs, or with ``units`` > 1 windows of that many consecutive dev pairs joined (passage-length
    documents; ``pairs × units`` dev pairs read, as many as there are). Languages without shipped dev bitext are left
    out."""
    from engine.data.bitext import joined_windows, shipped_pairs
    from engine.encoders.common import document_encoder, query_encoder
    from engine.encoders.offsets import OFFSET_PAIRS, language_offset

    pairs = pairs or OFFSET_PAIRS
    base = getattr(model, "base", None)
    english_encoder = document_encoder(model, "en")
    offsets: dict = {}
    for lang in langs:
        encoder = query_encoder(model, lang)
        if encoder is base:
            continue
        dev = joined_windows(shipped_pairs(lang, "dev", pairs * units), units)
        if not dev:
            continue
        english = english_encoder.encode([e for e, _ in dev], kind="passage", progress=f"offsets {lang}: English")
        other = encoder.encode([x for _, x in dev], kind="passage", progress=f"offsets {lang}")
        offsets[lang] = language_offset(english, other)
    return offsets


def write_offsets_from_dev(student_dir: Path, pairs: int | None = None, units: int = 1) -> dict:
    """Compute the student's document offsets (:func:`compute_document_offsets`) from its documents as trained,
    whatever offsets the directory holds, and write them into it (with ``units`` and ``pairs`` in the file's
    metadata); returns them."""
    from engine.encoders import load_encoder
    from engine.encoders.offsets import OFFSET_PAIRS, write_document_offsets

    pairs = pairs or OFFSET_PAIRS
    model = load_encoder(student_dir)
    model.document_offsets = {}
    offsets = compute_document_offsets(model, model.card.langs, pairs, units)
    if not offsets:
        raise UserError(f"{Path(student_dir).name}: no language it answers has shipped dev bitext; no offsets written")
    write_document_offsets(Path(student_dir), offsets, {"units": units, "pairs": pairs})
    return offsets


def copy_with_offsets(source: Path | str, out: Path | str, pairs: int | None = None, units: int = 1) -> dict:
    """A copy of the student in ``source`` at ``out`` (its weights, card and config; not its checkpoints) with
    document offsets computed from the documents as trained (:func:`compute_document_offsets`); written in a
    temporary directory renamed at the end, so an interrupted copy leaves nothing at ``out``. Returns the offsets."""
    import shutil

    from engine.artifacts.names import DOCUMENT_OFFSETS_FILE

    source, out = Path(source), Path(out)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for f in source.iterdir():
        if f.is_file() and f.name != DOCUMENT_OFFSETS_FILE:
            shutil.copy2(f, tmp / f.name)
    try:
        offsets = write_offsets_from_dev(tmp, pairs, units)
    except UserError:
        shutil.rmtree(tmp)
        raise
    tmp.rename(out)
    return offsets
