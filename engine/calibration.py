r"""Readable relevance: a raw cosine score set against the same query's scores on unrelated documents.

Raw cosine scores of an embedding model do not say whether anything relevant was found: multilingual-e5 puts
almost every query–passage pair between 0.75 and 0.90, and each query (each model) has its own baseline. So each
query is scored, by the same model, against a fixed *background* of :math:`M` documents unrelated to it, giving a
mean :math:`\mu_q` and standard deviation :math:`\sigma_q`. A hit's score :math:`s` becomes

* a z-score :math:`z = (s - \mu_q) / \sigma_q` (how many background deviations above chance);
* a background percentile: the share of background scores below :math:`s`.

The best of :math:`N` unrelated documents is itself high by chance. Treating background scores as Gaussian, the
best of :math:`N` stays below

.. math::
    z^\ast_N = \Phi^{-1}\big((1 - \alpha)^{1/N}\big)

with probability :math:`1 - \alpha`, so the top hit is a *strong match* only when :math:`z > z^\ast_N`; otherwise
it is within what chance gives a collection of that size ("no strong match"). Pure numpy, no model code: callers
pass the scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

ALPHA = 0.01  # chance that the best of N unrelated documents is called a strong match
MIN_BACKGROUND = 16  # fewer background scores give a meaningless spread


@dataclass(frozen=True)
class Background:
    """One query's scores against unrelated documents, summarised: ``sorted`` keeps them for percentiles."""

    mean: float
    std: float
    sorted: np.ndarray

    @classmethod
    def of(cls, scores) -> "Background":
        scores = np.sort(np.asarray(scores, dtype=np.float64).ravel())
        if scores.size < MIN_BACKGROUND or not np.isfinite(scores).all():
            raise ValueError(f"a background needs at least {MIN_BACKGROUND} finite scores, got {scores.size}")
        return cls(float(scores.mean()), float(max(scores.std(), 1e-6)), scores)

    def z(self, score: float) -> float:
        return (float(score) - self.mean) / self.std

    def percentile(self, score: float) -> float:
        """Share of background scores strictly below ``score``, in percent."""
        return 100.0 * np.searchsorted(self.sorted, float(score), side="left") / self.sorted.size


def chance_z(n_docs: int, alpha: float = ALPHA) -> float:
    """The z-score that the best of ``n_docs`` unrelated documents stays below with probability ``1 - alpha``."""
    if n_docs < 1:
        raise ValueError(f"n_docs must be positive, got {n_docs}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    return NormalDist().inv_cdf((1.0 - alpha) ** (1.0 / n_docs))


@dataclass(frozen=True)
class Relevance:
    """A hit's score read against the background: ``strong`` when it beats the best a collection gives by chance."""

    score: float
    z: float
    percentile: float
    strong: bool

    def label(self) -> str:
        """E.g. ``z 6.1 · strong match`` or ``z 2.3 · within chance``."""
        return f"z {self.z:.1f} · {'strong match' if self.strong else 'within chance'}"


def calibrate(scores, background: Background, n_docs: int, alpha: float = ALPHA) -> list[Relevance]:
    """Each of ``scores`` (one query's hits, any order) read against ``background`` for a collection of ``n_docs``."""
    threshold = chance_z(max(1, n_docs), alpha)
    out = []
    for s in np.asarray(scores, dtype=np.float64).ravel():
        z = background.z(s)
        out.append(Relevance(float(s), z, background.percentile(s), z > threshold))
    return out


def no_strong_match(relevances: list[Relevance]) -> bool:
    """True when no hit beats chance (also for no hits at all)."""
    return not any(r.strong for r in relevances)
