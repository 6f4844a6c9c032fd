"""Train only the top of the student, and compute its frozen bottom once: the teacher's activations are cached.

When only the top ``N`` of ``L`` layers train (``--train top:N``), the student's layers ``0 .. L−N−1`` are the
teacher's, bit for bit. So for every text the layer-``L−N`` hidden states are the same for teacher and student, and
for English the teacher's final states are needed by every loss. This cache computes both once per text (teacher in
eval mode, no gradient), and a training step runs only ``N`` layers for each side:

    h_{L−N} = T_{0..L−N−1}(x)   (cached)          S(x) = S_{L−N..L−1}(h_{L−N})   (trained)

That removes the student's English forward through the bottom and, across epochs or across the runs of one
experiment (same teacher, same texts), every bottom forward. Dropout acts only in the trained layers.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from engine.encoders.encoder import TokenBatch


def encoder_layers(model) -> torch.nn.ModuleList:
    inner = getattr(model, "base_model", model)
    inner = getattr(inner, "model", inner)
    return inner.encoder.layer


def run_layers(layers, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Apply transformer layers to hidden states with an additive padding mask (as BertModel builds it)."""
    mask = (1.0 - attention_mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
    for layer in layers:
        out = layer(hidden, mask)
        hidden = out[0] if isinstance(out, tuple) else out
    return hidden


@dataclass
class _Entry:
    ids: torch.Tensor  # [l]
    content: torch.Tensor  # [l] bool
    bottom: torch.Tensor  # [l, d]
    final: torch.Tensor | None  # [l, d] teacher output, kept for English texts


class FrozenBottomCache:
    """Per-text cache of teacher activations at the split point (and at the top, when asked)."""

    def __init__(self, teacher, n_top: int, max_length: int, dtype: torch.dtype = torch.float16,
                 compute_dtype: torch.dtype | None = None):
        self.teacher = teacher
        self.layers = encoder_layers(teacher.model)
        self.split = len(self.layers) - n_top
        self.max_length = max_length
        self.dtype = dtype  # storage
        self.compute_dtype = compute_dtype  # autocast dtype of the teacher passes (None: fp32)
        self.entries: dict[tuple[str, bool, str], _Entry] = {}  # (text, with teacher output, query|passage)
        self.key = (teacher.fingerprint, n_top, max_length, str(dtype), str(compute_dtype))

    def compatible(self, teacher, n_top: int, max_length: int, compute_dtype: torch.dtype | None = None) -> bool:
        return self.key == (teacher.fingerprint, n_top, max_length, str(self.dtype), str(compute_dtype))

    @torch.no_grad()
    def _fill(self, texts: list[str], final: bool, kind: str = "query") -> None:
        todo = list(dict.fromkeys(t for t in texts if (t, final, kind) not in self.entries))
        if not todo:
            return
        batch = self.teacher.tokenize(todo, kind, self.max_length).to(self.teacher.device)
        amp = self.compute_dtype
        with torch.autocast(batch.input_ids.device.type, dtype=amp or torch.float32, enabled=amp is not None):
            h = self.teacher.model.embeddings(input_ids=batch.input_ids)
            h = run_layers(self.layers[: self.split], h, batch.attention_mask)
            top = run_layers(self.layers[self.split :], h, batch.attention_mask) if final else None
        lengths = batch.attention_mask.sum(1).tolist()
        for i, text in enumerate(todo):
            n = int(lengths[i])
            self.entries[(text, final, kind)] = _Entry(
                batch.input_ids[i, :n].cpu(), batch.content_mask[i, :n].cpu(), h[i, :n].to(self.dtype).cpu(),
                None if top is None else top[i, :n].to(self.dtype).cpu())

    def batch(self, texts: list[str], final: bool, device, kind: str = "query"
              ) -> tuple[TokenBatch, torch.Tensor, torch.Tensor | None]:
        """(token batch, padded split-point states [B,l,d] fp32, padded teacher outputs or None), the texts
        prefixed as ``kind`` (``query`` or ``passage``)."""
        self._fill(texts, final, kind)
        entries = [self.entries[(t, final, kind)] for t in texts]
        width = max(e.ids.numel() for e in entries)
        B, d = len(entries), entries[0].bottom.shape[-1]
        ids = torch.full((B, width), int(self.teacher.tokenizer.pad_token_id or 0), dtype=torch.long)
        attn = torch.zeros((B, width), dtype=torch.long)
        content = torch.zeros((B, width), dtype=torch.bool)
        bottom = torch.zeros((B, width, d), dtype=torch.float32)
        top = torch.zeros((B, width, d), dtype=torch.float32) if final else None
        for i, e in enumerate(entries):
            n = e.ids.numel()
            ids[i, :n], attn[i, :n], content[i, :n], bottom[i, :n] = e.ids, 1, e.content, e.bottom
            if final:
                top[i, :n] = e.final
        tb = TokenBatch(ids, attn, content, [False] * B).to(device)
        return tb, bottom.to(device), None if top is None else top.to(device)


def student_top(student_model, bottom: torch.Tensor, attention_mask: torch.Tensor, n_top: int) -> torch.Tensor:
    layers = encoder_layers(student_model)
    return run_layers(layers[len(layers) - n_top :], bottom, attention_mask)
