"""Dev-set retrieval for checkpoint selection: never the test suites.

For each language, the dev English sentences are the documents (encoded once by the frozen teacher as passages),
the dev translations are the queries (encoded by the student). The English guard encodes the English sentences as
queries with the student: if the student's English drifts, this score drops below the base model's.

With ``distractors`` (``DistillConfig.dev_distractors``: English sentences of pairs the run never trains on), every
language's documents are its dev English sentences plus those, so that the dev score does not saturate: 200 dev
pairs alone put a trained student at RR@10 ≈ 0.98 after a few evaluations, where checkpoints can no longer be told
apart.
"""

from __future__ import annotations

import numpy as np

from engine.evaluation.dense import dense_run
from engine.evaluation.metrics import evaluate_run


def rr_at_10(query_vecs: np.ndarray, doc_vecs: np.ndarray) -> float:
    """RR@10 of query ``i`` finding document ``i``; documents past the queries are distractors."""
    qids = [str(i) for i in range(len(query_vecs))]
    run = dense_run(qids, query_vecs, [str(i) for i in range(len(doc_vecs))], doc_vecs, k=10)
    agg, _ = evaluate_run({i: {i: 1} for i in qids}, run, ("RR@10",))
    return agg["RR@10"]


class DevSet:
    def __init__(self, pairs_by_lang: dict[str, list[tuple[str, str]]], teacher, batch_size: int = 64,
                 distractors: list[str] | None = None):
        self.pairs = {lang: p for lang, p in pairs_by_lang.items() if p}
        self.batch_size = batch_size
        dev_english = {en for p in self.pairs.values() for en, _ in p}
        self.distractors = list(dict.fromkeys(d for d in distractors or [] if d not in dev_english))
        extra = (teacher.encode(self.distractors, kind="passage", batch_size=batch_size) if self.distractors
                 else None)
        self.docs = {}
        for lang, p in self.pairs.items():
            own = teacher.encode([en for en, _ in p], kind="passage", batch_size=batch_size)
            self.docs[lang] = own if extra is None else np.concatenate([own, extra])
        self.base = self.score(teacher)

    def score(self, encoder) -> dict[str, float]:
        """RR@10 per language, plus ``en`` (English queries through ``encoder``) and ``mean`` over languages."""
        out: dict[str, float] = {}
        en_scores = []
        for lang, pairs in self.pairs.items():
            q = encoder.encode([x for _, x in pairs], kind="query", batch_size=self.batch_size)
            out[lang] = rr_at_10(q, self.docs[lang])
            qe = encoder.encode([en for en, _ in pairs], kind="query", batch_size=self.batch_size)
            en_scores.append(rr_at_10(qe, self.docs[lang]))
        out["mean"] = float(np.mean([out[lang] for lang in self.pairs])) if self.pairs else 0.0
        out["en"] = float(np.mean(en_scores)) if en_scores else 0.0
        return out
