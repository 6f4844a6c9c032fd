r"""Why a result matched, word by word: the transport plan read per query word, and ColBERT-style MaxSim beside it.

Given the plan :math:`P` over pieces (query rows, document columns; from :func:`engine.ot.sinkhorn_log` with cost
:math:`C_{ij} = 1 - \cos(q_i, d_j)` and marginals :math:`a, b`), an explanation holds:

* the **word plan** :math:`P^{\mathrm{word}}_{IJ} = \sum_{i \in I, j \in J} P_{ij}` (:mod:`engine.explain.words`);
* the **row-normalised plan** :math:`S_{IJ} = P^{\mathrm{word}}_{IJ} / a_I` with :math:`a_I = \sum_J
  P^{\mathrm{word}}_{IJ}`: where query word :math:`I`'s mass goes, each row summing to 1;
* the **strongest link** of each query word, :math:`J^\star(I) = \arg\max_J S_{IJ}`, with its share;
* **MaxSim** per query word (Khattab & Zaharia, *ColBERT*, SIGIR 2020): :math:`\max_J \cos_{IJ}`, the largest
  piece cosine between the word and any document word, and which word that is. MaxSim looks at one word at a time;
  the plan also has to place every other word's mass, so the two can disagree — that is worth seeing.

The plan is the exact plan of the stated :math:`\varepsilon`; a smaller :math:`\varepsilon` (the heatmap default,
:data:`engine.ot.HEATMAP_SINKHORN`) gives a sharper plan, not a post-processed one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from engine.explain.similarity import cosine_cost_matrix
from engine.explain.words import Words, group_words, merge_mass, merge_max
from engine.ot.defaults import HEATMAP_SINKHORN


class WordLink(NamedTuple):
    """One query word → document word link: ``weight`` is the share of the query word's mass (plan links) or the
    cosine (MaxSim links); ``row``/``col`` index the word lists."""

    query: str
    doc: str
    weight: float
    cosine: float
    row: int
    col: int


@dataclass
class MatchExplanation:
    """A plan between a query and a document, read per word (module docstring)."""

    query: Words
    doc: Words
    plan: np.ndarray  # [Wq, Wd] word plan, sums to 1
    share: np.ndarray  # [Wq, Wd] row-normalised plan, rows sum to 1 (0 for a row with no mass)
    cosine: np.ndarray  # [Wq, Wd] largest piece-pair cosine
    links: list[WordLink]  # strongest plan link of each query word, in query order
    maxsim: list[WordLink]  # MaxSim of each query word, in query order
    eps: float
    n_iter: int
    converged: bool
    ot_cost: float  # <P, C> over pieces

    @property
    def query_words(self) -> list[str]:
        return self.query.words

    @property
    def doc_words(self) -> list[str]:
        return self.doc.words

    def top_links(self, k: int = 5, punctuation: bool = False) -> list[WordLink]:
        """The ``k`` strongest word links (one per query word, by share of its mass, strongest first): what to show
        next to a search result. Punctuation on either side is left out unless ``punctuation``."""
        keep = [link for link in self.links
                if punctuation or not (self.query.punct[link.row] or self.doc.punct[link.col])]
        return sorted(keep, key=lambda link: (-link.weight, link.row))[:k]

    def maxsim_score(self, punctuation: bool = False) -> float:
        """Mean MaxSim over the query's words (punctuation left out unless ``punctuation``); 0 with no words."""
        values = [m.weight for m in self.maxsim if punctuation or not self.query.punct[m.row]]
        return float(np.mean(values)) if values else 0.0


def row_normalise(plan: np.ndarray) -> np.ndarray:
    r""":math:`S_{IJ} = P_{IJ} / \sum_K P_{IK}`; a row without mass stays 0 (never NaN)."""
    plan = np.asarray(plan, dtype=np.float64)
    rows = plan.sum(axis=1, keepdims=True)
    return np.divide(plan, rows, out=np.zeros_like(plan), where=rows > 0)


def _links(q: Words, d: Words, values: np.ndarray, cosine: np.ndarray) -> list[WordLink]:
    if values.shape[1] == 0:
        return []
    best = values.argmax(axis=1)
    return [WordLink(q.words[i], d.words[j], float(values[i, j]), float(cosine[i, j]), i, int(j))
            for i, j in enumerate(best)]


def explain_plan(query_tokens: list[str], doc_tokens: list[str], plan: np.ndarray, cosine: np.ndarray,
                 eps: float, n_iter: int = 0, converged: bool = True, split_punctuation: bool = True
                 ) -> MatchExplanation:
    """Read a piece-level plan (query pieces × document pieces) and its cosines per word; nothing is re-solved."""
    plan, cosine = np.asarray(plan, dtype=np.float64), np.asarray(cosine, dtype=np.float64)
    if plan.shape != (len(query_tokens), len(doc_tokens)) or cosine.shape != plan.shape:
        raise ValueError(f"explain_plan: plan {plan.shape} and cosine {cosine.shape} must be "
                         f"({len(query_tokens)}, {len(doc_tokens)})")
    q, d = group_words(query_tokens, split_punctuation), group_words(doc_tokens, split_punctuation)
    word_plan = merge_mass(plan, q, d)
    word_cos = merge_max(cosine, q, d) if plan.size else np.zeros(word_plan.shape)
    share = row_normalise(word_plan)
    return MatchExplanation(q, d, word_plan, share, word_cos, _links(q, d, share, word_cos),
                            _links(q, d, word_cos, word_cos), float(eps), n_iter, converged,
                            float((plan * (1.0 - cosine)).sum()))


def explain_match(query_tokens: list[str], doc_tokens: list[str], query_embeddings: np.ndarray,
                  doc_embeddings: np.ndarray, eps: float = HEATMAP_SINKHORN.eps, a: np.ndarray | None = None,
                  b: np.ndarray | None = None, max_iter: int = HEATMAP_SINKHORN.max_iter,
                  split_punctuation: bool = True) -> MatchExplanation:
    r"""Solve the plan between query pieces and document pieces (:math:`C = 1 - \cos`, marginals ``a``/``b``,
    uniform by default) at ``eps`` and explain it per word.

    >>> ex = explain_match(q.tokens, d.tokens, q.embeddings, d.embeddings)   # engine TokenEmbeddings
    >>> ex.top_links(3)   # [WordLink(query='mpira', doc='football', weight=0.81, ...), ...]
    """
    from engine.ot import sinkhorn_log

    cost = cosine_cost_matrix(query_embeddings, doc_embeddings)
    res = sinkhorn_log(cost, a, b, eps, max_iter=max_iter, tol=HEATMAP_SINKHORN.tol)
    return explain_plan(query_tokens, doc_tokens, res.plan, 1.0 - cost.astype(np.float64), eps, res.n_iter,
                        res.converged, split_punctuation)
