"""The ``torch.onnx.export`` route of :mod:`engine.onnx_export`, for encoder objects and architectures the
torch-free builder does not cover. The only module of the export path that imports torch: serving reaches it only for
such models (the ``engine.serving`` import contract names this edge)."""

from __future__ import annotations

from pathlib import Path

import torch

from engine.artifacts import ModelRef
from engine.errors import UserError
from engine.export_card import (
    ExportConfig,
    Route,
    export_card,
    student_fields,
    tokenizer_fields,
)


def _exportable(model):
    """``(input_ids, attention_mask) -> (token_embeddings, sentence_embedding)`` around a transformers encoder."""
    from engine.encoders.encoder import mean_pool

    class Exportable(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            hidden = self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            pooled = mean_pool(hidden, attention_mask)
            return hidden, torch.nn.functional.normalize(pooled, dim=-1)

    return Exportable(model).eval()


def _export_fp32(encoder, path: Path, config: ExportConfig) -> None:
    import warnings

    model = encoder.model
    previous = getattr(model.config, "_attn_implementation", None)
    batch = encoder.tokenize(["query: a short example", "a second, longer example sentence to trace with padding"],
                             kind="query")
    try:
        # eager attention traces to plain MatMul/Softmax, which the exporter and the quantiser both handle
        model.set_attn_implementation("eager")
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _exportable(model), (batch.input_ids, batch.attention_mask), str(path), dynamo=False,
                input_names=["input_ids", "attention_mask"],
                output_names=["token_embeddings", "sentence_embedding"],
                dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                              "attention_mask": {0: "batch", 1: "sequence"},
                              "token_embeddings": {0: "batch", 1: "sequence"},
                              "sentence_embedding": {0: "batch"}},
                opset_version=config.opset, do_constant_folding=True)
    finally:
        if previous:
            model.set_attn_implementation(previous)


def torch_model_fields(encoder) -> dict:
    """The card fields of a torch encoder (or student): what model this is and what it was trained on."""
    student_card = getattr(encoder, "card", None)
    query_enc = getattr(encoder, "student", encoder)
    doc_enc = getattr(encoder, "document_encoder", None) or encoder
    return {
        "name": encoder.name,
        "source": str(getattr(encoder, "source", "") or ""),
        "fingerprint": query_enc.fingerprint,
        "document_fingerprint": doc_enc.fingerprint,
        "document_model": doc_enc.name,
        "dim": int(query_enc.dim),
        "max_length": int(query_enc.max_length),
        "prefixes": dict(query_enc.prefixes),
        **tokenizer_fields(query_enc.tokenizer),
        "base": student_card.base if student_card else encoder.name,
        "base_fingerprint": student_card.base_fingerprint if student_card else query_enc.fingerprint,
        **student_fields(student_card),
        "exporter": "torch.onnx",
    }


def build_card(encoder, config: ExportConfig, report: dict | None = None) -> dict:
    """The export card (without file hashes) of a torch encoder: what model this is, what it was trained on, how
    it scores."""
    return export_card(torch_model_fields(encoder), config, report, {"torch": torch.__version__})


def torch_route(encoder_or_ref, config: ExportConfig) -> Route:
    """The :class:`~engine.onnx_export.Route` of ``torch.onnx.export``: a loaded torch encoder (or student), or a
    model reference that the torch-free builder cannot compute."""
    if isinstance(encoder_or_ref, ModelRef):
        from engine.encoders import load_encoder

        encoder_or_ref = load_encoder(encoder_or_ref)
    encoder = encoder_or_ref

    if getattr(encoder, "model", None) is None or getattr(encoder, "tokenizer", None) is None:
        raise UserError(f"{encoder.name}: only torch encoders export to ONNX (this one is already an export?)")
    query_enc = getattr(encoder, "student", encoder)

    def write_tokenizer(out: Path) -> dict:
        query_enc.tokenizer.save_pretrained(str(out))
        return tokenizer_fields(query_enc.tokenizer)

    return Route(lambda path: _export_fp32(query_enc, path, config), write_tokenizer, torch_model_fields(encoder),
                  {"torch": torch.__version__}, int(query_enc.model.config.num_attention_heads),
                  int(query_enc.model.config.hidden_size))


