"""Dense retrieval runs: cosine of L2-normalised vectors, exact top-k (:func:`engine.vectors.exact.top_k`), TREC run
files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.vectors.exact import top_k, top_k_of_scores
from engine.vectors.merging import merged_scores


def dense_run(qids: list[str], query_vecs: np.ndarray, doc_ids: list[str], doc_vecs: np.ndarray,
              k: int = 100, doc_groups: list[str] | None = None, merge: str = "cosine") -> dict[str, dict[str, float]]:
    """Top-``k`` documents per query; with ``doc_groups`` (each document's language) and ``merge="z-score"``, scores
    standardised within each language first (:mod:`engine.vectors.merging`)."""
    if merge != "cosine" and doc_groups is not None and len(set(doc_groups)) > 1:
        idx, scores = top_k_of_scores(merged_scores(query_vecs, doc_vecs, doc_groups, merge), k)
    else:
        idx, scores = top_k(query_vecs, doc_vecs, k)
    return {q: {doc_ids[j]: float(s) for j, s in zip(idx[i], scores[i])} for i, q in enumerate(qids)}


def write_trec_run(run: dict[str, dict[str, float]], path: Path, tag: str) -> None:
    """TREC run format: ``qid Q0 docid rank score tag``, written atomically."""
    from engine.fileio import write_text_atomic

    lines = []
    for qid, docs in run.items():
        ranked = sorted(docs.items(), key=lambda kv: (-kv[1], kv[0]))
        lines += [f"{qid} Q0 {d} {r} {s:.6f} {tag}" for r, (d, s) in enumerate(ranked, start=1)]
    write_text_atomic(path, "\n".join(lines) + ("\n" if lines else ""))
