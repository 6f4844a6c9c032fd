"""What an ONNX export is, shared by its two routes (:mod:`engine.onnx_export` without torch,
:mod:`engine.onnx_export_torch` with it): the export config, the card's fields, and the route each writer fills in."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from engine.artifacts import EXPORT_FORMAT, EXPORT_KIND, VARIANT_FILES, StudentCard


@dataclass
class ExportConfig:
    """How an export was made; saved in ``card.json``."""

    opset: int = 17
    quantize: bool = True
    per_channel: bool = True
    reduce_range: bool = True  # 7-bit weights: no int16 saturation on CPUs without VNNI (module docstring)
    quantize_embeddings: bool = False
    fp32_ffn_output: bool = True  # keep the GELU-fed down-projections in fp32 (see the module docstring)
    fast_int8: bool = False  # fuse the transformer ops and quantise attention too: faster, less exact (docstring)
    format: int = EXPORT_FORMAT


def metrics_from_report(report: dict | None) -> dict:
    if not report:
        return {}
    return {suite: {lang: row.get("metrics", {}) for lang, row in body.get("languages", {}).items()}
            for suite, body in report.get("suites", {}).items()}


def student_fields(card: StudentCard | None) -> dict:
    """The card fields that describe a student, empty ones for a base model."""
    return {
        "student": card is not None,
        "languages": list(card.langs) if card else [],
        "fallback_languages": list(card.fallback_langs) if card else [],
        "loss": card.loss if card else None,
        "training_data": (card.config or {}).get("bitext", []) if card else [],
        "training": {"train": card.train, "dev": card.dev} if card else {},
    }


def tokenizer_fields(tokenizer) -> dict:
    return {"special_ids": sorted(int(i) for i in tokenizer.all_special_ids),
            "pad_id": int(tokenizer.pad_token_id), "unk_id": int(tokenizer.unk_token_id)}


def export_card(model: dict, config: ExportConfig, report: dict | None, versions: dict) -> dict:
    """The export card (without file hashes) from the model's fields (name, fingerprints, dims, tokenizer ids,
    student fields), the export config and the evaluation report."""
    import onnxruntime

    keys = ["name", "source", "fingerprint", "document_fingerprint", "document_model", "dim", "max_length",
            "prefixes", "special_ids", "pad_id", "unk_id", "base", "base_fingerprint", "student", "languages",
            "fallback_languages", "loss", "training_data", "training"]
    card = {"kind": EXPORT_KIND, "format": EXPORT_FORMAT, **{k: model[k] for k in keys},
            "metrics": metrics_from_report(report),
            "report": {k: report.get(k) for k in ("model", "created", "label") if k in report} if report else {},
            "config": asdict(config),
            "variants": {k: v for k, v in VARIANT_FILES.items() if config.quantize or k == "fp32"},
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "exporter": model["exporter"],
            "versions": {**versions, "onnxruntime": onnxruntime.__version__}}
    return card


@dataclass
class Route:
    """One way to write an export: the fp32 graph, the tokenizer (returning its card fields) and the model's card
    fields; ``num_heads`` / ``hidden_size`` feed the ``fast_int8`` fusion."""

    write_fp32: Callable[[Path], None] | None
    write_tokenizer: Callable[[Path], dict]
    model: dict
    versions: dict
    num_heads: int
    hidden_size: int


