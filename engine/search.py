r"""Search a :class:`engine.index.DocumentIndex`: dense retrieval, with optional optimal-transport reranking.

The dependency runs one way: this module imports the index (and its :class:`~engine.index.Hit`), never the reverse.

Dense: the query is encoded by the query encoder (``encoder.for_language(lang)`` for a student that routes by
language, else the encoder itself) and scored against the index vectors of the *document encoder*'s fingerprint
(``encoder.document_encoder`` for students — the frozen base that built the index — else the encoder). An index
whose passages are in several languages is searched with each language's document encoder (English: the teacher;
another language: the student that answers it) and the hits merged by cosine (:func:`multilingual_dense_search`).

OT rerank (``rerank="ot"``): the dense top-``k`` is reordered by the entropic OT distance between the query's
content tokens :math:`q_1..q_n` (query encoder) and each passage's content tokens :math:`t_1..t_m` (document
encoder), with uniform token weights and cosine cost:

.. math::
    W(q, t) = \min_{P \in U(\mathbf{1}_n/n,\ \mathbf{1}_m/m)} \sum_{ij} P_{ij} (1 - \cos(q_i, t_j))
              - \varepsilon H(P), \qquad \text{score} = 1 - W \in [-1, 1]

computed by :func:`engine.ot.ot_distance` (log-domain Sinkhorn in numpy). It is the passage-level analogue of the
OPTICAL training objective (Huang, Yu & Allan, WSDM 2023); it costs one token-level encoding per candidate, so it is
off by default. :func:`evaluate_ot_rerank` measures it on a suite.
"""

from __future__ import annotations

import numpy as np

from engine.encoders.common import document_encoder, query_encoder
from engine.errors import UserError
from engine.index import DocumentIndex, Hit
from engine.ot.defaults import RERANK_SINKHORN

__all__ = ["Hit", "check_index_model", "document_encoder", "evaluate_ot_rerank", "fingerprint_plan",
           "multilingual_dense_search", "ot_scores", "ot_similarity", "query_encoder", "search"]

RERANKERS = ("ot",)


def check_index_model(index: DocumentIndex, encoder) -> str:
    """The fingerprint to search with; a :class:`UserError` when the index was built with another model."""
    doc_enc = document_encoder(encoder)
    models = index.models()
    info = models.get(doc_enc.fingerprint)
    if info is None:
        have = "; ".join(f"index built with model {m['name']}, dims {m['dim']}" for m in models.values())
        raise UserError(f"{index.path}: no vectors for model {doc_enc.name} ({doc_enc.fingerprint}, dims "
                        f"{doc_enc.dim}): {have or 'the index has no vectors'}; rebuild with --model "
                        f"{doc_enc.name}, or search with the model that built it")
    if int(info["dim"]) != int(doc_enc.dim):
        raise UserError(f"{index.path}: index built with model {info['name']}, dims {info['dim']}; "
                        f"{doc_enc.name} has dims {doc_enc.dim}; rebuild with --model {doc_enc.name}")
    return doc_enc.fingerprint


def fingerprint_plan(index: DocumentIndex, encoder) -> dict[str, set[str]]:
    """``{fingerprint: languages}``: whose vectors answer for the passages of each language of the index — the
    document encoder for that language (:func:`engine.encoders.common.document_encoder`: English by the teacher,
    another language by the student that answers it). One entry for an English-only index or a model without
    routing."""
    plan: dict[str, set[str]] = {}
    for lang in index.languages():
        plan.setdefault(document_encoder(encoder, lang).fingerprint, set()).add(lang)
    return plan or {document_encoder(encoder).fingerprint: {"en"}}


def multilingual_dense_search(index: DocumentIndex, plan: dict[str, set[str]], q_vec: np.ndarray, k: int
                              ) -> list[Hit]:
    """Dense top-``k`` over passages of several languages, each scored with the vectors of its own language's
    document encoder (``plan``, :func:`fingerprint_plan`) and merged by cosine: the student was trained into the
    teacher's space, so the scores share one scale. A store may also hold vectors of passages that another encoder
    answers for; each search asks for that many more and drops them."""
    from engine.languages import normalize_code

    models = index.models()
    missing = {fp: langs for fp, langs in plan.items() if fp not in models}
    if missing:
        langs = ", ".join(sorted(lang for ls in missing.values() for lang in ls))
        raise UserError(f"{index.path}: the passages in {langs} have no vectors from the encoder for their language; "
                        f"index them with this model (python -m engine index --db {index.path} --model ...)")
    merged: list[Hit] = []
    for fp, langs in plan.items():
        held = index.languages(fp)
        foreign = sum(n for lang, n in held.items() if lang not in langs)
        hits = index.dense_search(q_vec, fp, k=k + foreign)
        doc_lang = {}
        for d in index.get([h.doc_id for h in hits]):
            try:
                doc_lang[d.id] = normalize_code(d.lang) if d.lang else "en"
            except UserError:
                doc_lang[d.id] = d.lang
        merged += [h for h in hits if doc_lang.get(h.doc_id) in langs]
    merged.sort(key=lambda h: (-h.score, h.doc_id))
    return [Hit(h.doc_id, h.score, h.title, h.text, rank) for rank, h in enumerate(merged[:k], 1)]


def search(index: DocumentIndex, encoder, query: str, k: int = 10, lang: str | None = None,
           rerank: str | None = None) -> list[Hit]:
    """Top-``k`` passages for ``query``: dense cosine, optionally reranked (``rerank="ot"``, see module doc)."""
    if not isinstance(query, str) or not query.strip():
        raise UserError("the query is empty; type at least one word")
    if rerank not in (None, "", *RERANKERS):
        raise UserError(f"unknown reranker {rerank!r}; choose one of {', '.join(RERANKERS)} (or none)")
    if not isinstance(k, int) or k < 1:
        raise UserError(f"k must be a positive integer, got {k!r}")
    plan = fingerprint_plan(index, encoder)
    q_enc = query_encoder(encoder, lang)
    if len(plan) <= 1:
        fingerprint = check_index_model(index, encoder)
        q_vec = q_enc.encode([query], kind="query")[0]
        hits = index.dense_search(q_vec, fingerprint, k=k)
    else:
        hits = multilingual_dense_search(index, plan, q_enc.encode([query], kind="query")[0], k)
    if rerank == "ot" and hits:
        scores = ot_scores(q_enc, document_encoder(encoder), query, [h.text for h in hits])
        hits = [Hit(h.doc_id, float(s), h.title, h.text, 0) for h, s in zip(hits, scores)]
        hits.sort(key=lambda h: -h.score)  # stable: dense order breaks ties
        for rank, h in enumerate(hits, 1):
            h.rank = rank
    return hits


def ot_similarity(query_tokens: np.ndarray, doc_tokens: list[np.ndarray], eps: float = RERANK_SINKHORN.eps) -> np.ndarray:
    """``1 - W`` between one query's token embeddings ``[n, d]`` and each document's ``[m_i, d]`` (module doc).

    Solved with the numpy solver (:mod:`engine.ot`), so reranking needs no torch; a text without content
    tokens gets ``W = 1`` (cosine 0).
    """
    from engine.ot import ot_distance

    query = np.asarray(query_tokens, dtype=np.float32)
    return np.array([1.0 - ot_distance(query, np.asarray(doc, dtype=np.float32), eps,
                                       max_iter=RERANK_SINKHORN.max_iter, tol=RERANK_SINKHORN.tol)
                     if len(query) and len(doc) else 0.0 for doc in doc_tokens])  # no tokens: W = 1


def ot_scores(q_enc, doc_enc, query: str, texts: list[str], eps: float = RERANK_SINKHORN.eps) -> np.ndarray:
    """OT similarity of ``query`` (tokens from ``q_enc``) to each of ``texts`` (tokens from ``doc_enc``)."""
    q_tokens = q_enc.encode_tokens([query], kind="query")[0].embeddings
    d_tokens = [t.embeddings for t in doc_enc.encode_tokens(texts, kind="passage")]
    return ot_similarity(q_tokens, d_tokens, eps)


def evaluate_ot_rerank(encoder, suite: str = "udhr", langs: list[str] | None = None, depth: int = 10,
                       measures: tuple[str, ...] = ("RR@10", "nDCG@10"), eps: float = RERANK_SINKHORN.eps,
                       cache=None, progress: bool = False) -> dict:
    """Dense vs dense + OT rerank of the top-``depth`` on a suite, per language: ``{lang: {"dense", "ot"}}``.

    Document vectors come through the evaluation embedding cache; passage token embeddings are computed once per
    document and reused across languages.
    """
    from engine.artifacts.offline_e5 import default_cache_dir
    from engine.collection import list_suite_langs, load_collection
    from engine.evaluation.dense import dense_run
    from engine.evaluation.embedding_cache import encode_cached
    from engine.evaluation.metrics import evaluate_run

    doc_enc = document_encoder(encoder)
    cache_root = cache if cache is not None else default_cache_dir() / "embeddings"
    token_cache: dict[str, np.ndarray] = {}
    out: dict[str, dict] = {}
    for lang in langs or list_suite_langs(suite):
        coll = load_collection(suite, lang)
        doc_ids = list(coll.docs)
        doc_vecs = encode_cached(doc_enc, [coll.docs[d] for d in doc_ids], "passage", cache_root)
        qids = list(coll.queries)
        q_enc = query_encoder(encoder, lang)
        run = dense_run(qids, q_enc.encode([coll.queries[q] for q in qids], kind="query"), doc_ids, doc_vecs,
                        k=depth)
        need = sorted({d for docs in run.values() for d in docs} - token_cache.keys())
        for d, t in zip(need, doc_enc.encode_tokens([coll.docs[d] for d in need], kind="passage") if need else []):
            token_cache[d] = t.embeddings
        q_tokens = q_enc.encode_tokens([coll.queries[q] for q in qids], kind="query")
        reranked = {}
        for qid, qt in zip(qids, q_tokens):
            cands = list(run[qid])
            sims = ot_similarity(qt.embeddings, [token_cache[d] for d in cands], eps)
            reranked[qid] = {d: float(s) for d, s in zip(cands, sims)}
        out[lang] = {"dense": evaluate_run(coll.qrels, run, measures)[0],
                     "ot": evaluate_run(coll.qrels, reranked, measures)[0], "queries": len(qids)}
        if progress:
            print(lang, out[lang], flush=True)
    return out
