"""Serve an ONNX export (see :mod:`engine.onnx_export`) behind the :class:`~engine.encoders.Encoder` interface,
with onnxruntime and the ``tokenizers`` library only: this module never imports torch.

Tokenisation reproduces :meth:`Encoder.tokenize`: the ``query: `` / ``passage: `` prefix, truncation to
``max_length`` tokens (specials included), padding, and the content mask — real tokens that are neither special
tokens (the tokenizer's ``all_special_ids``, recorded in the card) nor pieces ending inside the prefix.
``sentence_embedding`` is computed in the graph (mask-aware mean, L2-normalised); ``token_embeddings`` are the last
hidden states, from which :meth:`OnnxEncoder.encode_tokens` keeps the content tokens.

Fingerprints: the fp32 variant computes the same function as the torch model, so it keeps that model's fingerprint
(indexes and caches built with either are shared); int8 gets its own (the hash of that fingerprint and the int8
file's sha256), so its slightly different vectors never mix with fp32 ones, nor with another quantisation's.
For a student export, ``document_encoder`` names the base model that encodes the documents (fingerprint from the
card); it cannot encode by itself — index with the base model, or pass ``document_encoder=`` (e.g. an int8 export
of the base, for an index built with that).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from engine.artifacts import VARIANT_FILES, read_export_card
from engine.encoders.common import (
    BatchedEncoding,
    EncodeReport,
    Kind,
    TokenEmbeddings,
    check_batch_size,
    check_texts,
)
from engine.errors import UserError

VARIANTS = ("int8", "fp32")


@dataclass
class OnnxTokenBatch:
    """Tokenised texts as numpy arrays (the torch-free twin of :class:`~engine.encoders.encoder.TokenBatch`)."""

    input_ids: np.ndarray  # [B, L] int64
    attention_mask: np.ndarray  # [B, L] int64
    content_mask: np.ndarray  # [B, L] bool
    truncated: list[bool]


class TokenizerView:
    """The part of the ``transformers`` tokenizer API that callers of an encoder use (``tokenizer(texts)``,
    ``convert_ids_to_tokens``, ``unk_token_id``, ``pad_token_id``, ``all_special_ids``), over ``tokenizers``."""

    def __init__(self, tokenizer, unk_id: int, pad_id: int, special_ids: list[int]):
        self._tok = tokenizer
        self.unk_token_id, self.pad_token_id, self.all_special_ids = unk_id, pad_id, list(special_ids)
        self._lock = threading.Lock()  # truncation is a setting of the shared tokenizer, set per call

    def encode_batch(self, texts: list[str], max_length: int | None = None, add_special_tokens: bool = True):
        """``tokenizers`` encodings, truncated to ``max_length`` tokens (specials included) when given."""
        with self._lock:
            if max_length:
                self._tok.enable_truncation(max_length=max_length)
            else:
                self._tok.no_truncation()
            return self._tok.encode_batch(texts, add_special_tokens=add_special_tokens)

    def __call__(self, texts: str | list[str], add_special_tokens: bool = True, **_) -> dict:
        single = isinstance(texts, str)
        encodings = self.encode_batch([texts] if single else list(texts), add_special_tokens=add_special_tokens)
        ids = [e.ids for e in encodings]
        return {"input_ids": ids[0] if single else ids}

    def convert_ids_to_tokens(self, ids: int | Sequence[int]):
        if isinstance(ids, (int, np.integer)):
            return self._tok.id_to_token(int(ids))
        return [self._tok.id_to_token(int(i)) for i in ids]

    def tokenize(self, text: str) -> list[str]:
        return [self._tok.id_to_token(i) for i in self(text, add_special_tokens=False)["input_ids"]]


class BaseModelReference:
    """The document encoder of an exported student: its name, fingerprint and dim, for index look-ups only."""

    def __init__(self, name: str, fingerprint: str, dim: int):
        self.name, self.fingerprint, self.dim = name, fingerprint, dim

    def _refuse(self, *args, **kwargs):
        raise UserError(f"documents of this student are encoded by its base model {self.name} "
                        f"({self.fingerprint}); build the index with that model (python -m engine index --model "
                        f"{self.name}) or load its ONNX export as the document encoder")

    encode = encode_tokens = _refuse


class OnnxEncoder(BatchedEncoding):
    """An exported encoder on onnxruntime: ``encode`` / ``encode_tokens`` / ``tokenize`` as in :class:`Encoder`."""

    def __init__(self, export_dir: str | Path, variant: str = "int8", threads: int | None = None,
                 document_encoder=None):
        if variant not in VARIANTS:
            raise UserError(f"ONNX variant must be one of {', '.join(VARIANTS)}, got {variant!r}")
        self.source = Path(export_dir).expanduser()
        self.card = card = read_export_card(self.source)
        if variant not in card.get("variants", {}):
            raise UserError(f"{self.source}: no {variant} model in this export (has: "
                            f"{', '.join(card.get('variants', {}))})")
        self.variant = variant
        self.session = _session(self.source / VARIANT_FILES[variant], threads)
        tok = _tokenizer(self.source / "tokenizer.json")
        self.name = card["name"] if variant == "fp32" else f"{card['name']}:int8"
        fp = card["fingerprint"]
        if variant != "fp32":  # keyed by the quantised file itself: another quantisation, another fingerprint
            weights = card.get("files", {}).get(VARIANT_FILES[variant], {}).get("sha256", "")
            fp = hashlib.sha256(f"{fp}-{variant}-{weights}".encode()).hexdigest()[:16]
        self.fingerprint = fp
        self.dim = int(card["dim"])
        self.max_length = int(card["max_length"])
        self.prefixes = dict(card["prefixes"])
        self._special_ids = np.array(sorted(card["special_ids"]), dtype=np.int64)
        self._pad_id = int(card["pad_id"])
        unk = card.get("unk_id", tok.token_to_id("<unk>"))
        self.tokenizer = TokenizerView(tok, unk, self._pad_id, card["special_ids"])
        self.last_report = EncodeReport()
        if document_encoder is not None:
            self.document_encoder = document_encoder
        elif card.get("student"):
            self.document_encoder = BaseModelReference(card["document_model"], card["document_fingerprint"],
                                                       self.dim)

    # ----------------------------------------------------------------- tokenisation
    def tokenize(self, texts: Sequence[str], kind: Kind = "query", max_length: int | None = None
                 ) -> OnnxTokenBatch:
        """Prefix, tokenise, truncate and pad; the content mask excludes specials, prefix pieces and padding."""
        if kind not in self.prefixes:
            raise UserError(f"kind must be one of {sorted(self.prefixes)}, got {kind!r}")
        texts = check_texts(texts)
        limit = min(max_length or self.max_length, self.max_length)
        prefix = self.prefixes[kind]
        encodings = self.tokenizer.encode_batch([prefix + t for t in texts], max_length=limit)
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(texts), width), self._pad_id, dtype=np.int64)
        attn = np.zeros((len(texts), width), dtype=np.int64)
        ends = np.zeros((len(texts), width), dtype=np.int64)
        for row, e in enumerate(encodings):
            n = len(e.ids)
            ids[row, :n] = e.ids
            attn[row, :n] = 1
            ends[row, :n] = [o[1] for o in e.offsets]
        content = attn.astype(bool) & ~np.isin(ids, self._special_ids) & ~(ends <= len(prefix))
        return OnnxTokenBatch(ids, attn, content, [bool(e.overflowing) for e in encodings])

    def tokens(self, batch: OnnxTokenBatch, row: int, content_only: bool = True) -> list[str]:
        keep = batch.content_mask[row] if content_only else batch.attention_mask[row].astype(bool)
        return self.tokenizer.convert_ids_to_tokens(batch.input_ids[row][keep])

    # ----------------------------------------------------------------- inference
    def forward(self, batch: OnnxTokenBatch) -> tuple[np.ndarray, np.ndarray]:
        """``(token_embeddings [B, L, d], sentence_embedding [B, d])`` from the graph."""
        hidden, pooled = self.session.run(None, {"input_ids": batch.input_ids,
                                                 "attention_mask": batch.attention_mask})
        return hidden, pooled

    def pooled(self, batch: OnnxTokenBatch) -> np.ndarray:
        return self.forward(batch)[1]

    def encode(self, texts: Sequence[str], kind: Kind = "query", batch_size: int = 32,
               progress: bool | str = False, max_length: int | None = None) -> np.ndarray:
        """Pooled, L2-normalised float32 vectors ``[N, d]`` in input order."""
        texts = check_texts(texts)
        check_batch_size(batch_size)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        report = EncodeReport(texts=len(texts), limit=min(max_length or self.max_length, self.max_length))
        for idx in self._batches(texts, batch_size, progress):
            batch = self.tokenize([texts[i] for i in idx], kind, max_length)
            out[idx] = self.pooled(batch)
            for i, t in zip(idx, batch.truncated):
                if t:
                    report.truncated += 1
                    report.truncated_examples.append(i)
        self._report(report)
        return out

    def encode_tokens(self, texts: Sequence[str], kind: Kind = "query", batch_size: int = 32,
                      max_length: int | None = None) -> list[TokenEmbeddings]:
        """Content tokens and their last-layer embeddings, one record per text, in input order."""
        texts = check_texts(texts)
        check_batch_size(batch_size)
        out: list[TokenEmbeddings | None] = [None] * len(texts)
        report = EncodeReport(texts=len(texts), limit=min(max_length or self.max_length, self.max_length))
        for idx in self._batches(texts, batch_size, False):
            batch = self.tokenize([texts[i] for i in idx], kind, max_length)
            hidden = self.forward(batch)[0]
            for row, i in enumerate(idx):
                keep = batch.content_mask[row]
                out[i] = TokenEmbeddings(texts[i], self.tokens(batch, row), hidden[row][keep].astype(np.float32),
                                         batch.truncated[row])
                report.truncated += batch.truncated[row]
        self._report(report)
        return out  # type: ignore[return-value]

def _session(path: Path, threads: int | None):
    import onnxruntime as ort

    if not path.is_file():
        raise UserError(f"{path}: missing; the export is incomplete, re-export the model")
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # no busy-waiting between runs: the server shares its cores with torch jobs and the app
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if threads:
        options.intra_op_num_threads = threads
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own types (InvalidProtobuf, Fail, ...) for damaged files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"{path}: not a loadable ONNX model ({first[:200]}); re-export it") from None


def _tokenizer(path: Path):
    from tokenizers import Tokenizer

    try:
        tok = Tokenizer.from_file(str(path))
    except Exception as exc:  # tokenizers raises a plain Exception on malformed JSON
        raise UserError(f"{path}: unreadable tokenizer ({str(exc)[:200]}); re-export the model") from None
    tok.no_padding()
    return tok


def open_export(ref) -> OnnxEncoder:
    """An ONNX export (a :class:`~engine.artifacts.ModelRef` of kind ``export``) served as it is: int8 when it has
    that variant, else fp32; of kind ``onnx-file``, the variant that file holds."""
    if ref.kind == "onnx-file":
        return OnnxEncoder(ref.path.parent, {v: k for k, v in VARIANT_FILES.items()}[ref.path.name])
    return OnnxEncoder(ref.path, "int8" if "int8" in ref.export_card.get("variants", {}) else "fp32")
