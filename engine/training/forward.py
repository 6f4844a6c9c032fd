"""The forward passes of one training step: teacher on English, student on the other language (and on English).

With ``--train top:N`` on one process, the frozen bottom comes from a :class:`FrozenBottomCache` and only the top
``N`` layers run per step; otherwise teacher and student run whole (the student under DDP with several processes).
The layers run under the configured autocast; what comes out is fp32, because Sinkhorn and the losses stay fp32.
"""

from __future__ import annotations

import torch

from engine.training.frozen_bottom import FrozenBottomCache, encoder_layers, student_top
from engine.training.precision import autocast


def top_layers(model, train_mode: str) -> int:
    """How many top layers train and run per step on a cached bottom: N for ``top:N``, 0 (no cache) otherwise."""
    return min(int(train_mode[4:]), len(encoder_layers(model))) if train_mode.startswith("top:") else 0


def bottom_cache(pool: list | None, teacher, n_top: int, max_length: int, amp: torch.dtype | None
                 ) -> FrozenBottomCache:
    """A compatible cache from ``pool`` (shared between runs on the same texts), else a new one added to it."""
    pool = pool if pool is not None else []
    cache = next((c for c in pool if isinstance(c, FrozenBottomCache)
                  and c.compatible(teacher, n_top, max_length, amp)), None)
    if cache is None:
        cache = FrozenBottomCache(teacher, n_top, max_length, compute_dtype=amp)
        pool.append(cache)
    return cache


class StepForward:
    """``(en, other) -> (t_h, t_batch, s_h, s_batch, s_en_h)``: hidden states ``[B, L, d]`` (fp32) and token batches.

    ``s_en_h`` (the student on the English side) is None when ``lambda_en`` is 0.
    """

    def __init__(self, teacher, student, forward_model, device: str, amp: torch.dtype | None, max_length: int,
                 with_english: bool, n_top: int = 0, cache: FrozenBottomCache | None = None,
                 long_length: int = 256):
        self.teacher, self.student, self.forward_model = teacher, student, forward_model
        self.device, self.amp, self.max_length, self.long_length = device, amp, max_length, long_length
        self.with_english, self.n_top, self.cache = with_english, n_top, cache

    def __call__(self, en: list[str], other: list[str]):
        device, s_en_h = self.device, None
        if self.cache is not None:
            t_batch, t_bottom, t_h = self.cache.batch(en, True, device)
            s_batch, s_bottom, _ = self.cache.batch(other, False, device)
            with autocast(device, self.amp):
                s_h = student_top(self.student.model, s_bottom, s_batch.attention_mask, self.n_top)
                if self.with_english:
                    s_en_h = student_top(self.student.model, t_bottom, t_batch.attention_mask, self.n_top)
        else:
            t_h, t_batch, s_h, s_batch = self._whole(en, other, "query")
            if self.with_english:
                with autocast(device, self.amp):
                    s_en_h = self.forward_model(input_ids=t_batch.input_ids, attention_mask=t_batch.attention_mask
                                                ).last_hidden_state
        # Sinkhorn and the losses run in fp32 whatever the layers ran in
        return t_h.float(), t_batch, s_h.float(), s_batch, None if s_en_h is None else s_en_h.float()

    def passage_pair(self, en: list[str], other: list[str]):
        """``(t_h, t_batch, s_h, s_batch)`` with both sides prefixed as documents (``passage: ``): the teacher's
        document states of the English side and the student's of the other language (``--passage-side``)."""
        device = self.device
        if self.cache is not None:
            t_batch, _, t_h = self.cache.batch(en, True, device, kind="passage")
            s_batch, s_h = self._top_on(self.cache, other, "passage")
        else:
            t_h, t_batch, s_h, s_batch = self._whole(en, other, "passage")
        return t_h.float(), t_batch, s_h.float(), s_batch

    def documents(self, texts: list[str], cache: FrozenBottomCache | None):
        """``(s_h, s_batch)``: the student's document states (``passage: ``) of long texts, through ``cache``
        (built for their length) when the bottom is frozen, else the student whole at the cache-less length."""
        if cache is not None:
            s_batch, s_h = self._top_on(cache, texts, "passage")
        else:
            s_batch = self.student.tokenize(texts, "passage", self.long_length).to(self.device)
            with autocast(self.device, self.amp):
                s_h = self.forward_model(input_ids=s_batch.input_ids, attention_mask=s_batch.attention_mask
                                         ).last_hidden_state
        return s_h.float(), s_batch

    def _top_on(self, cache: FrozenBottomCache, texts: list[str], kind: str):
        """``(s_batch, s_h)``: the student's trained top layers on ``texts``' cached frozen bottom."""
        s_batch, s_bottom, _ = cache.batch(texts, False, self.device, kind=kind)
        with autocast(self.device, self.amp):
            return s_batch, student_top(self.student.model, s_bottom, s_batch.attention_mask, self.n_top)

    def _whole(self, en: list[str], other: list[str], kind: str):
        """Teacher (no gradient) and student run whole, both sides prefixed as ``kind``."""
        t_batch = self.teacher.tokenize(en, kind, self.max_length).to(self.device)
        s_batch = self.student.tokenize(other, kind, self.max_length).to(self.device)
        with autocast(self.device, self.amp):
            with torch.no_grad():
                t_h = self.teacher.model(input_ids=t_batch.input_ids, attention_mask=t_batch.attention_mask
                                         ).last_hidden_state
            s_h = self.forward_model(input_ids=s_batch.input_ids, attention_mask=s_batch.attention_mask
                                     ).last_hidden_state
        return t_h, t_batch, s_h, s_batch
