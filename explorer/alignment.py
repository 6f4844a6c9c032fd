r"""Token-level transport plans between a query and an English text, for display. No UI code here.

Rows are the query's content tokens, encoded by the query model (the OT student or the base); columns are the
English text's content tokens, encoded by the frozen teacher (the document encoder). With cost
:math:`C_{ij} = 1 - \cos(q_i, e_j)` and marginals :math:`a` (query) and :math:`b` (English), the plan is the
entropic OT solution of :func:`engine.ot.sinkhorn_log` (the training solver's iterations, in numpy):

.. math::
    P^\star = \mathop{\arg\min}_{P \ge 0,\ P\mathbb{1} = a,\ P^\top\mathbb{1} = b}
              \langle P, C \rangle - \varepsilon H(P)

Marginals are uniform over tokens, or *IDF-like*: :math:`w_i \propto \log\frac{N + 1}{\mathrm{df}(t_i) + 1} + 1`
with document frequencies counted over an English collection (tokens never seen there get the largest weight),
turned into weights by :func:`engine.ot.marginal`. This is the same objective the OPTICAL loss
minimises during distillation, so the heatmap shows what the student was trained to do.

People read words, not pieces: :meth:`Alignment.words` reads the same plan per word (:mod:`engine.explain`: mass
summed over a word's pieces, each query word's row normalised to where its mass goes, its strongest link, and
ColBERT-style MaxSim beside it), and :func:`result_reasons` gives the 3–5 strongest word links for each search hit.
The default ε (:data:`engine.ot.HEATMAP_SINKHORN`, 0.01) is sharper than training's 0.05, and the plan shown is the
exact plan of the ε in its title.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Iterable, Literal

import numpy as np

from engine.errors import UserError
from engine.explain import MatchExplanation, WordLink, cosine_cost_matrix, explain_match, explain_plan
from engine.ot.defaults import HEATMAP_SINKHORN

Marginals = Literal["uniform", "idf"]
EPS_RANGE = (0.005, 1.0)
MAX_TOKENS = 128  # both sides: keeps a heatmap readable and a solve well under 100 ms on CPU
REASON_DOC_TOKENS = 64  # a hit's reasons read its first ~50 words (the snippet shows 280 characters)


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
    _words: MatchExplanation | None = field(default=None, repr=False, compare=False)

    def words(self) -> MatchExplanation:
        """This plan read per word (:func:`engine.explain.explain_plan`; computed once, nothing re-solved)."""
        if self._words is None:
            self._words = explain_plan(self.query_tokens, self.english_tokens, self.plan, self.cosine, self.eps,
                                       self.n_iter, self.converged)
        return self._words

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


class PassageTokenCache:
    """The last few passages' token embeddings, per encoder and truncation: a hit's "why" line, its heatmap and a
    second look at another ε reuse one encode (the frozen teacher's output for a text never changes)."""

    def __init__(self, size: int = 256):
        self.size, self._items, self._lock = size, OrderedDict(), threading.Lock()

    @staticmethod
    def _key(encoder, text: str, max_length: int):
        return id(encoder), getattr(encoder, "fingerprint", None), max_length, text

    def encode(self, encoder, texts: list[str], max_length: int) -> list:
        """Token embeddings of ``texts`` as passages; only the ones not seen before are encoded (in one batch)."""
        keys = [self._key(encoder, t, max_length) for t in texts]
        with self._lock:
            found = {k: self._items[k] for k in keys if k in self._items}
            for k in found:
                self._items.move_to_end(k)
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in found))
        if missing:
            for t, out in zip(missing, encoder.encode_tokens(missing, kind="passage", max_length=max_length)):
                found[self._key(encoder, t, max_length)] = out
            with self._lock:
                for t in missing:
                    k = self._key(encoder, t, max_length)
                    self._items[k] = found[k]
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return [found[k] for k in keys]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


PASSAGES = PassageTokenCache()


def token_embeddings(encoder, text: str, kind: str):
    """Content tokens of ``text`` and their embeddings (at most :data:`MAX_TOKENS`); passages are cached."""
    if kind == "passage":
        out = PASSAGES.encode(encoder, [text], MAX_TOKENS + 8)[0]
    else:
        out = encoder.encode_tokens([text], kind=kind, max_length=MAX_TOKENS + 8)[0]
    if not out.tokens:
        raise UserError(f"the {'query' if kind == 'query' else 'English text'} has no tokens to align")
    return out


def plan_between(query, english, eps: float = HEATMAP_SINKHORN.eps, marginals: Marginals = "uniform",
                 idf: TokenIdf | None = None, max_iter: int = HEATMAP_SINKHORN.max_iter) -> Alignment:
    """Transport plan between two :class:`engine.encoders.TokenEmbeddings` (query rows, English columns).

    Solved in numpy (:func:`engine.ot.sinkhorn_log`, the same iterations as the training solver): the app
    serves without torch."""
    from engine.ot import sinkhorn_log

    eps = check_eps(eps)
    q_tokens, e_tokens = query.tokens[:MAX_TOKENS], english.tokens[:MAX_TOKENS]
    c = cosine_cost_matrix(query.embeddings[:MAX_TOKENS], english.embeddings[:MAX_TOKENS])  # no BLAS stall
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


def result_reasons(query_encoder, document_encoder, query: str, texts: list[str], k: int = 3,
                   eps: float = HEATMAP_SINKHORN.eps, query_tokens=None, max_doc_tokens: int = REASON_DOC_TOKENS
                   ) -> list[list[WordLink]]:
    """Why each of ``texts`` (search hits, best first) matched ``query``: the ``k`` strongest word links of each
    plan (:meth:`engine.explain.MatchExplanation.top_links`), e.g. ``[WordLink("mpira", "football", 0.81, ...)]``.

    One query encode (or ``query_tokens``, already encoded) and one batched document encode of the hits' first
    ``max_doc_tokens`` tokens (cached: hits seen before cost nothing), then one small Sinkhorn solve per hit (≈ 2 ms).
    The encode dominates; call it under the model lock, after the results are shown."""
    eps = check_eps(eps)
    if not texts:
        return []
    q = query_tokens if query_tokens is not None else token_embeddings(query_encoder, query, "query")
    out = []
    for d in PASSAGES.encode(document_encoder, list(texts), max_doc_tokens + 8):
        if not q.tokens or not d.tokens:
            out.append([])
            continue
        ex = explain_match(q.tokens[:MAX_TOKENS], d.tokens[:max_doc_tokens], q.embeddings[:MAX_TOKENS],
                           d.embeddings[:max_doc_tokens], eps)
        out.append(ex.top_links(k))
    return out
