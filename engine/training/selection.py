"""Checkpoint selection on the dev split (never a test suite), with the English guard and per-language fallback.

At every evaluation the student's dev RR@10 is measured (:class:`engine.training.dev.DevSet`). A checkpoint is
saved as the student only if its English dev score stays within ``english_guard`` of the base model's, its mean
beats the best so far, and — when the run continues a student (``init``, students that grow) — no language falls
more than ``language_guard`` below that student's dev score; languages whose student does not beat the base model
on dev are routed back to the base model (``student.json: fallback_langs``).
"""

from __future__ import annotations

from pathlib import Path

import torch

from engine.artifacts import StudentCard
from engine.encoders.students import save_student
from engine.training.config import DistillConfig


class DevSelection:
    """Scores the student on ``dev`` and saves it to ``out`` (with ``card``) when it is the best so far."""

    def __init__(self, dev, card: StudentCard, config: DistillConfig, out: Path):
        self.dev, self.card, self.config, self.out = dev, card, config, out

    def start(self, state: dict, student=None) -> None:
        """A fresh run's history opens with the base model's dev scores; a run that continues a student
        (``init``) also records that student's, which guard every language from then on."""
        if state["step"] == 0 and self.dev:
            state["history"].append({"step": 0, "dev": self.dev.base, "pairs_seen": 0, "note": "base model"})
            if self.config.init and student is not None:
                student.model.eval()
                state["init"] = self.dev.score(student)
                student.model.train()
                # the continued student is the incumbent: a later checkpoint is kept only if it beats it
                self.evaluate(student, state)["note"] = "the student continued (--init)"

    def languages_kept(self, scores: dict, state: dict) -> bool:
        """With ``init``: no language's dev RR@10 more than ``language_guard`` below the continued student's."""
        init = state.get("init")
        if not init:
            return True
        return all(scores[lang] >= init[lang] - self.config.language_guard
                   for lang in self.dev.pairs if lang in init)

    def evaluate(self, student, state: dict, final: bool = False) -> dict:
        """Score ``student`` at ``state["step"]``, add the entry to the history, save the student if selected."""
        dev, card, model = self.dev, self.card, student.model
        model.eval()
        scores = dev.score(student) if dev else {}
        model.train()
        entry = {"step": state["step"], "dev": scores, "pairs_seen": state["pairs_seen"]}
        state["history"].append(entry)
        ok_english = not dev or scores["en"] >= dev.base["en"] - self.config.english_guard
        ok_english = ok_english and (not dev or self.languages_kept(scores, state))
        if dev and ok_english and (state["best"] is None or scores["mean"] > state["best"]["dev"]["mean"]):
            state["best"] = entry
            card.dev = {"base": dev.base, "student": scores, "step": state["step"]}
            card.fallback_langs = [lang for lang in dev.pairs if scores[lang] <= dev.base[lang]]
            self._save(model)
        elif final and state["best"] is None:
            # no dev split, or no checkpoint passed the English guard: keep the weights, but route every
            # language with dev data back to the base model
            card.fallback_langs = sorted(dev.pairs) if dev else []
            card.dev = {"base": dev.base, "student": scores, "note": "no checkpoint passed the English guard"
                        } if dev else {}
            self._save(model)
        return entry

    def _save(self, model: torch.nn.Module) -> None:
        save_student(model, self.card, self.out, dtype=getattr(torch, self.config.save_dtype))
