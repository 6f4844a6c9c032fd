"""Dense retrieval: cosine of L2-normalised vectors, exact top-k, TREC run files."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def top_k(query_vecs: np.ndarray, doc_vecs: np.ndarray, k: int, block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k by inner product: indices ``[Q, k]`` and scores ``[Q, k]``, best first."""
    k = min(k, doc_vecs.shape[0])
    idx_out = np.zeros((len(query_vecs), k), dtype=np.int64)
    score_out = np.zeros((len(query_vecs), k), dtype=np.float32)
    for s in range(0, len(query_vecs), block):
        scores = query_vecs[s : s + block] @ doc_vecs.T
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        part_scores = np.take_along_axis(scores, part, axis=1)
        order = np.lexsort((part, -part_scores), axis=1)  # score desc, then index asc: deterministic ties
        idx_out[s : s + block] = np.take_along_axis(part, order, axis=1)
        score_out[s : s + block] = np.take_along_axis(part_scores, order, axis=1)
    return idx_out, score_out


def dense_run(qids: list[str], query_vecs: np.ndarray, doc_ids: list[str], doc_vecs: np.ndarray,
              k: int = 100) -> dict[str, dict[str, float]]:
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
