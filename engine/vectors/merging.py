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


def language_offset(english_vecs: np.ndarray, other_vecs: np.ndarray) -> np.ndarray:
    r"""The shift that moves a language's document vectors onto the English documents' mean, from translation pairs:

    .. math:: \delta_L = \frac{1}{n} \sum_i T_{passage}(e_i) - \frac{1}{n} \sum_i S_{passage}(f_i), \qquad
              d' = \frac{d + \delta_L}{\|d + \delta_L\|}

    for ``n`` pairs :math:`(e_i, f_i)` (dev bitext, never the collection). Removing a language's mean component is
    the centering of Libovický et al. (2020, "On the language neutrality of pre-trained multilingual
    representations"), here towards English, so documents keep the teacher's scale and an index stores them
    corrected once (no per-query work)."""
    english_vecs, other_vecs = np.asarray(english_vecs, np.float32), np.asarray(other_vecs, np.float32)
    if english_vecs.shape != other_vecs.shape or not len(english_vecs):
        raise UserError("language_offset needs the same number (> 0) of English and other-language vectors")
    return english_vecs.mean(0) - other_vecs.mean(0)


def shift_documents(doc_vecs: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """``d' = (d + δ) / ‖d + δ‖`` row by row (:func:`language_offset`)."""
    moved = np.asarray(doc_vecs, np.float32) + np.asarray(offset, np.float32)[None, :]
    return moved / np.maximum(np.linalg.norm(moved, axis=1, keepdims=True), 1e-12)
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
