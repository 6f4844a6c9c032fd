"""One encoder interface over any BERT-style model: pooled vectors for retrieval, token embeddings for OT.

Pooling follows E5: the mask-aware mean of the last hidden states over every real position (``<s>``, prefix and
``</s>`` included), then L2 normalisation. Inputs are prefixed ``query: `` / ``passage: ``.

For optimal transport we need the *content* tokens: ``content_mask`` drops ``<s>``, ``</s>``, padding and the
``query: `` / ``passage: `` prefix pieces, so the transport plan is between words of the two sentences only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from engine.encoders.common import (  # noqa: F401  (re-exported: the torch-free part of the interface)
    MAX_BATCH_SIZE,
    PREFIXES,
    BatchedEncoding,
    EncodeReport,
    Kind,
    TokenEmbeddings,
    check_batch_size,
    check_texts,
    fingerprint_files,
)
from engine.encoders.pooling import mean_pool
from engine.errors import UserError


@dataclass
class TokenBatch:
    """Tokenised texts, ready for the model."""

    input_ids: torch.Tensor  # [B, L]
    attention_mask: torch.Tensor  # [B, L]
    content_mask: torch.Tensor  # [B, L] bool: real text tokens (no specials, prefix or padding)
    truncated: list[bool]

    def to(self, device: torch.device | str) -> "TokenBatch":
        return TokenBatch(
            self.input_ids.to(device), self.attention_mask.to(device), self.content_mask.to(device), self.truncated
        )


class Encoder(BatchedEncoding):
    """A transformer encoder with E5-style prefixes, mean pooling and token-level outputs.

    ``model`` is any ``transformers`` encoder returning ``last_hidden_state`` (BertModel, XLMRobertaModel, or a
    peft-wrapped student); ``name`` and ``fingerprint`` identify it in caches, indexes and reports.
    """

    def __init__(self, model: torch.nn.Module, tokenizer, name: str, fingerprint: str, max_length: int = 512,
                 prefixes: dict[str, str] | None = None, source: Path | None = None):
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
        self.fingerprint = fingerprint
        self.max_length = max_length
        self.prefixes = dict(prefixes or PREFIXES)
        self.source = source
        self.last_report = EncodeReport()
        self._special_ids = torch.tensor(sorted(set(tokenizer.all_special_ids)), dtype=torch.long)

    # ----------------------------------------------------------------- properties
    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def to(self, device: torch.device | str) -> "Encoder":
        self.model.to(device)
        return self

    # ----------------------------------------------------------------- tokenisation
    def tokenize(self, texts: Sequence[str], kind: Kind = "query", max_length: int | None = None) -> TokenBatch:
        """Prefix and tokenise ``texts``; the content mask excludes specials, prefix pieces and padding."""
        if kind not in self.prefixes:
            raise UserError(f"kind must be one of {sorted(self.prefixes)}, got {kind!r}")
        texts = check_texts(texts)
        limit = min(max_length or self.max_length, self.max_length)
        prefix = self.prefixes[kind]
        full = [prefix + t for t in texts]
        enc = self.tokenizer(full, padding=True, truncation=True, max_length=limit, return_tensors="pt",
                             return_offsets_mapping=True, return_overflowing_tokens=False)
        ids, attn, offsets = enc["input_ids"], enc["attention_mask"], enc["offset_mapping"]
        special = torch.isin(ids, self._special_ids)
        in_prefix = offsets[..., 1] <= len(prefix)  # the piece ends inside the prefix
        content = attn.bool() & ~special & ~in_prefix
        lengths = self.tokenizer(full, add_special_tokens=True, truncation=False)["input_ids"]
        truncated = [len(x) > limit for x in lengths]
        return TokenBatch(ids, attn, content, truncated)

    def tokens(self, batch: TokenBatch, row: int, content_only: bool = True) -> list[str]:
        ids = batch.input_ids[row]
        keep = batch.content_mask[row] if content_only else batch.attention_mask[row].bool()
        return self.tokenizer.convert_ids_to_tokens(ids[keep].tolist())

    # ----------------------------------------------------------------- forward
    def forward(self, batch: TokenBatch) -> torch.Tensor:
        """Last hidden states ``[B, L, d]``; gradients flow when the caller enables them."""
        batch = batch.to(self.device)
        out = self.model(input_ids=batch.input_ids, attention_mask=batch.attention_mask)
        return out.last_hidden_state

    def pooled(self, batch: TokenBatch) -> torch.Tensor:
        """L2-normalised mean-pooled vectors ``[B, d]`` (with gradients when enabled)."""
        hidden = self.forward(batch)
        return torch.nn.functional.normalize(mean_pool(hidden, batch.attention_mask.to(hidden.device)), dim=-1)

    # ----------------------------------------------------------------- inference helpers
    @torch.inference_mode()
    def encode(self, texts: Sequence[str], kind: Kind = "query", batch_size: int = 32,
               progress: bool | str = False, max_length: int | None = None) -> np.ndarray:
        """Pooled, L2-normalised float32 vectors ``[N, d]`` in input order."""
        texts = check_texts(texts)
        check_batch_size(batch_size)
        self.model.eval()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        report = EncodeReport(texts=len(texts), limit=min(max_length or self.max_length, self.max_length))
        for idx in self._batches(texts, batch_size, progress):
            batch = self.tokenize([texts[i] for i in idx], kind, max_length)
            out[idx] = self.pooled(batch).float().cpu().numpy()
            for i, t in zip(idx, batch.truncated):
                if t:
                    report.truncated += 1
                    report.truncated_examples.append(i)
        self._report(report)
        return out

    @torch.inference_mode()
    def encode_tokens(self, texts: Sequence[str], kind: Kind = "query", batch_size: int = 32,
                      max_length: int | None = None) -> list[TokenEmbeddings]:
        """Content tokens and their last-layer embeddings, one record per text, in input order."""
        texts = check_texts(texts)
        check_batch_size(batch_size)
        self.model.eval()
        out: list[TokenEmbeddings | None] = [None] * len(texts)
        report = EncodeReport(texts=len(texts), limit=min(max_length or self.max_length, self.max_length))
        for idx in self._batches(texts, batch_size, False):
            batch = self.tokenize([texts[i] for i in idx], kind, max_length)
            hidden = self.forward(batch).float().cpu()
            for row, i in enumerate(idx):
                keep = batch.content_mask[row]
                out[i] = TokenEmbeddings(texts[i], self.tokens(batch, row), hidden[row][keep].numpy(),
                                         batch.truncated[row])
                report.truncated += batch.truncated[row]
        self._report(report)
        return out  # type: ignore[return-value]
