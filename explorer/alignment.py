r"""Token-level transport plans between a query and an English text, for display. No UI code here.

Rows are the query's content tokens, encoded by the query model (the OT student or the base); columns are the
English text's content tokens, encoded by the frozen teacher (the document encoder). With cost
:math:`C_{ij} = 1 - \cos(q_i, e_j)` and marginals :math:`a` (query) and :math:`b` (English), the plan is the
entropic OT solution of :func:`engine.ot.sinkhorn_log` (the training solver's iterations, in numpy):

.. math::
    P^\star = \mathop{\arg\min}_{P \ge 0,\ P\mathbb{1} = a,\ P^\top\mathbb{1} = b} \langle P, C \rangle - \varepsilon H(P)

Marginals are uniform over tokens, or *IDF-like*: :math:`w_i \propto \log\frac{N + 1}{\mathrm{df}(t_i) + 1} + 1`
with document frequencies counted over an English collection (tokens never seen there get the largest weight),
turned into weights by :func:`engine.ot.marginal`. This is the same objective the OPTICAL loss
minimises during distillation, so the heatmap shows what the student was trained to do.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Literal

import numpy as np

from engine.errors import UserError
from engine.ot.defaults import HEATMAP_SINKHORN

Marginals = Literal["uniform", "idf"]
EPS_RANGE = (0.005, 1.0)
MAX_TOKENS = 128  # both sides: keeps a heatmap readable and a solve well under 100 ms on CPU


class TokenIdf:
    """Document frequencies of tokenizer pieces over a collection: ``idf(t) = log((N+1)/(df(t)+1)) + 1``."""

    def __init__(self, df: Counter, n_docs: int):
        self.df, self.n_docs = df, n_docs

    @classmethod
    def from_texts(cls, tokenizer, texts: Iterable[str]) -> "TokenIdf":
        df: Counter = Counter()
        n = 0
        for text in texts:
            df.update(set(tokenizer.tokenize(text)))
            n += 1
        return cls(df, n)

    def __call__(self, tokens: list[str]) -> np.ndarray:
        return np.array([math.log((self.n_docs + 1) / (self.df.get(t, 0) + 1)) + 1.0 for t in tokens],
                        dtype=np.float32)


@dataclass
class Alignment:
    """One plan: ``plan[i, j]`` is the mass moved from query token ``i`` to English token ``j``."""

    query_tokens: list[str]
    english_tokens: list[str]
    plan: np.ndarray  # [n, m], sums to 1
    cosine: np.ndarray  # [n, m]
    a: np.ndarray  # [n]
    b: np.ndarray  # [m]
    eps: float
    n_iter: int
    converged: bool
    cost: float  # <P, C>

    def top_pairs(self, k: int = 10) -> list[tuple[str, str, float, float]]:
        """The ``k`` heaviest cells as ``(query token, English token, mass, cosine)``, heaviest first."""
        flat = np.argsort(-self.plan, axis=None)[:k]
        rows, cols = np.unravel_index(flat, self.plan.shape)
        return [(self.query_tokens[i], self.english_tokens[j], float(self.plan[i, j]), float(self.cosine[i, j]))
                for i, j in zip(rows, cols)]


def check_eps(eps: float) -> float:
    lo, hi = EPS_RANGE
    try:
        eps = float(eps)
    except (TypeError, ValueError):
        raise UserError(f"ε must be a number between {lo} and {hi}, got {eps!r}") from None
    if not lo <= eps <= hi:
        raise UserError(f"ε must be between {lo} and {hi}, got {eps}")
    return eps


def _weights(tokens: list[str], marginals: Marginals, idf: TokenIdf | None) -> np.ndarray:
    from engine.ot import marginal

    if marginals == "uniform":
        return marginal(len(tokens))
    if marginals == "idf":
        if idf is None:
            raise UserError("IDF-like marginals need document frequencies; none were computed for this collection")
        return marginal(len(tokens), idf(tokens))
    raise UserError(f"marginals must be 'uniform' or 'idf', got {marginals!r}")


def token_embeddings(encoder, text: str, kind: str):
    """Content tokens of ``text`` and their embeddings (at most :data:`MAX_TOKENS`)."""
    out = encoder.encode_tokens([text], kind=kind, max_length=MAX_TOKENS + 8)[0]
    if not out.tokens:
        raise UserError(f"the {'query' if kind == 'query' else 'English text'} has no tokens to align")
    return out


def plan_between(query, english, eps: float = HEATMAP_SINKHORN.eps, marginals: Marginals = "uniform",
                 idf: TokenIdf | None = None, max_iter: int = HEATMAP_SINKHORN.max_iter) -> Alignment:
    """Transport plan between two :class:`engine.encoders.TokenEmbeddings` (query rows, English columns).

    Solved in numpy (:func:`engine.ot.sinkhorn_log`, the same iterations as the training solver): the app
    serves without torch."""
    from engine.ot import cosine_cost, sinkhorn_log

    eps = check_eps(eps)
    q_tokens, e_tokens = query.tokens[:MAX_TOKENS], english.tokens[:MAX_TOKENS]
    c = cosine_cost(np.asarray(query.embeddings[:MAX_TOKENS], dtype=np.float32),
                    np.asarray(english.embeddings[:MAX_TOKENS], dtype=np.float32))
    a = _weights(q_tokens, marginals, idf)
    b = _weights(e_tokens, marginals, idf)
    res = sinkhorn_log(c, a, b, eps, max_iter=max_iter, tol=HEATMAP_SINKHORN.tol)
    plan = res.plan.astype(np.float32)
    return Alignment(q_tokens, e_tokens, plan, 1.0 - c, a.astype(np.float32), b.astype(np.float32), eps,
                     res.n_iter, res.converged, float((plan * c).sum()))


def align(query_encoder, document_encoder, query: str, english: str, eps: float = HEATMAP_SINKHORN.eps,
          marginals: Marginals = "uniform", idf: TokenIdf | None = None,
          max_iter: int = HEATMAP_SINKHORN.max_iter) -> Alignment:
    """Transport plan between ``query`` (tokens from ``query_encoder``) and ``english`` (``document_encoder``)."""
    check_eps(eps)
    return plan_between(token_embeddings(query_encoder, query, "query"),
                        token_embeddings(document_encoder, english, "passage"), eps, marginals, idf, max_iter)
