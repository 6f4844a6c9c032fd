"""Retrieval metrics through ir_measures (pytrec_eval underneath): no hand-written metric code here.

Default measures: ``nDCG@10``, ``RR@10`` (reciprocal rank of the first relevant document within the top 10) and
``R@100`` (fraction of relevant documents retrieved in the top 100).
"""

from __future__ import annotations

DEFAULT_MEASURES = ("nDCG@10", "RR@10", "R@100")


def evaluate_run(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]],
                 measures: tuple[str, ...] = DEFAULT_MEASURES) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Aggregate and per-query scores of ``run`` against ``qrels`` (queries absent from the run score 0)."""
    import ir_measures

    parsed = [ir_measures.parse_measure(m) for m in measures]
    qrels = {q: d for q, d in qrels.items() if d}
    full_run = {q: run.get(q, {}) for q in qrels}
    per_query: dict[str, dict[str, float]] = {q: {str(m): 0.0 for m in parsed} for q in qrels}
    for metric in ir_measures.iter_calc(parsed, qrels, {q: d for q, d in full_run.items() if d}):
        per_query[metric.query_id][str(metric.measure)] = float(metric.value)
    n = max(1, len(per_query))
    aggregate = {str(m): sum(v[str(m)] for v in per_query.values()) / n for m in parsed}
    return aggregate, per_query
