r"""Language bias in a ranking over a collection with documents in several languages.

For query q with ranking r(q) and relevant set R(q), let N_k(q) be the first k retrieved documents not in R(q):

.. math::
    \text{SameLang@k} = \frac{1}{|Q|} \sum_q \frac{|\{d \in N_k(q) : \text{lang}(d) = \text{lang}(q)\}|}{|N_k(q)|}

In the ``mixed`` suite every distractor is present once in each language, so 0.5 means no preference for the
query's language; 1.0 means every non-relevant hit is in the query's language.
"""

from __future__ import annotations

PAIR_SUFFIX = "-en"  # a paired distractor ``X`` (in the other language) and ``X-en`` (its English translation)


def paired_documents(doc_ids) -> set[str]:
    """The documents present in both languages: ``X`` and ``X-en`` both in ``doc_ids``."""
    ids = set(doc_ids)
    return {d for d in ids if (d + PAIR_SUFFIX in ids) or (d.endswith(PAIR_SUFFIX) and d[: -len(PAIR_SUFFIX)] in ids)}


def same_language_share(run: dict[str, dict[str, float]], qrels: dict[str, dict[str, int]],
                        doc_langs: dict[str, str], query_lang: str, k: int = 10,
                        among: set[str] | None = None) -> float:
    """SameLang@k over the queries of ``run`` (documents without a language count as English); with ``among``,
    N_k(q) is taken from those documents only (the ``mixed`` suite: the paired distractors, so that unpaired
    documents — the other English UDHR articles — do not weigh on one side)."""
    shares = []
    for qid, docs in run.items():
        relevant = {d for d, g in qrels.get(qid, {}).items() if g > 0}
        ranked = [d for d, _ in sorted(docs.items(), key=lambda kv: (-kv[1], kv[0]))
                  if d not in relevant and (among is None or d in among)][:k]
        if ranked:
            shares.append(sum(doc_langs.get(d, "en") == query_lang for d in ranked) / len(ranked))
    return sum(shares) / len(shares) if shares else float("nan")


def mean_language_bias(shares: list[float]) -> float | None:
    """The mean of :math:`|\\mathrm{SameLang@10} - 0.5|` over languages (0 = no bias either way); None for none."""
    return sum(abs(s - 0.5) for s in shares) / len(shares) if shares else None
