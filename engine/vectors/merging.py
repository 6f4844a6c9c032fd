r"""One ranked list from documents of several languages, each encoded by its own language's encoder.

Two rules (``MERGES``):

* ``cosine`` — scores as they are. The student is trained into the teacher's space, so the scores share one scale
  in principle; in practice a language the student was not trained to *write* (its document side) scores lower
  against every query, and the merged list leans to the other language (the ``mixed`` suite's SameLang@10).
* ``z-score`` — each query's scores standardised within each document language, the normalisation Savoy used to
  merge per-language result lists in CLEF:

  .. math:: z(q, d) = \frac{s(q, d) - \mu_{q, L(d)}}{\sigma_{q, L(d)}}

  with :math:`\mu_{q,L}, \sigma_{q,L}` the mean and standard deviation of :math:`s(q, \cdot)` over the documents of
  language :math:`L` (a fixed sample of at most ``sample`` of them, so a store of any size costs ``sample`` dot
  products per language). A document is then ranked by how far it stands out *among its own language's
  documents*, whatever that language's score level.
"""

from __future__ import annotations

import numpy as np

from engine.errors import UserError

MERGES = ("cosine", "z-score")
MOMENT_SAMPLE = 1024  # documents per language the mean and spread of a query's scores are taken over


def check_merge(merge: str) -> str:
    if merge not in MERGES:
        raise UserError(f"unknown merge {merge!r}; choose one of {', '.join(MERGES)}")
    return merge


def sample_rows(n: int, sample: int = MOMENT_SAMPLE, seed: int = 0) -> np.ndarray:
    """The rows the moments are taken over: all of them up to ``sample``, else a fixed random subset (sorted)."""
    if n <= sample:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=sample, replace=False))


def score_moments(sample_scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Per query: :math:`\mu_q` and :math:`\sigma_q` of its scores ``[Q, n]`` over a sample of documents; a spread
    of zero (a single document, identical ones) becomes 1 so that standardising stays finite."""
    mu, sigma = sample_scores.mean(axis=1), sample_scores.std(axis=1)
    return mu, np.where(sigma > 1e-6, sigma, 1.0)


def merged_scores(query_vecs: np.ndarray, doc_vecs: np.ndarray, doc_groups: list[str], merge: str) -> np.ndarray:
    """Scores ``[Q, N]`` of every query against every document under ``merge`` (module docstring); ``doc_groups``
    names each document's language."""
    check_merge(merge)
    scores = np.asarray(query_vecs, dtype=np.float32) @ np.asarray(doc_vecs, dtype=np.float32).T
    if merge == "cosine":
        return scores
    groups = np.asarray(doc_groups)
    for lang in dict.fromkeys(doc_groups):
        cols = np.flatnonzero(groups == lang)
        mu, sigma = score_moments(scores[:, cols[sample_rows(len(cols))]])  # the scores are there already
        scores[:, cols] = (scores[:, cols] - mu[:, None]) / sigma[:, None]
    return scores
