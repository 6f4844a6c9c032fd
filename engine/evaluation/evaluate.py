"""Evaluate an encoder on retrieval suites, per language, with documents encoded once per model.

Queries are encoded by the model under test (a student, for its languages); documents by its document encoder (the
frozen teacher for students, the model itself otherwise), cached on disk by fingerprint and text hash. Scores are the
dense cosine; metrics come from ir_measures; runs are written in TREC format.
"""

from __future__ import annotations

import datetime as _dt
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from engine.encoders.common import document_encoder, query_encoder
from engine.evaluation.bias import paired_documents, same_language_share
from engine.evaluation.dense import dense_run, write_trec_run
from engine.evaluation.embedding_cache import encode_cached
from engine.evaluation.metrics import DEFAULT_MEASURES, evaluate_run
from engine.evaluation.report import HONEST_LABEL, add_gaps, write_report


@dataclass
class EvalConfig:
    suites: list[str]
    langs: list[str] | None = None  # None: every language the suite has
    depth: int = 100
    batch_size: int = 32
    measures: tuple[str, ...] = DEFAULT_MEASURES
    cache: str | None = None  # embedding cache root; None = <user cache>/embeddings
    collections: dict[str, str] = field(default_factory=dict)  # user collections: name -> directory
    route: bool = True  # students: send fallback languages to the base model (False: the student answers all)
    index: str | None = None  # a DocumentIndex to read document vectors from (when it holds every suite doc)
    merge: str = "cosine"  # documents of several languages: cosine, or z-score within each language (merging.py)


def index_vectors(index_path: str, doc_encoder, docs: dict[str, str]):
    """Document vectors ``[N, d]`` from an index built by ``doc_encoder``, in ``docs`` order, or None (with a
    note on stderr) when the index lacks that model, any of the documents, or holds a different text for one."""
    from engine.index import DocumentIndex

    index = DocumentIndex(index_path)
    try:
        ids = list(docs)
        stored = {d.id: d.text for d in index.get(ids)}
        if doc_encoder.fingerprint in index.models() and all(stored.get(i) == docs[i] for i in ids):
            vecs = index.vectors(ids, doc_encoder.fingerprint)
            if vecs is not None:
                return vecs
        print(f"note: {index_path} lacks some suite documents for {doc_encoder.name}; encoding them instead",
              file=sys.stderr)
        return None
    finally:
        index.close()


def encode_documents(model, coll, doc_ids: list[str], cache_root: Path, config: EvalConfig, progress):
    """Document vectors in ``doc_ids`` order, each document encoded by the encoder for its language
    (:func:`engine.encoders.common.document_encoder`; with ``route`` off, every non-English one by the student)."""
    import numpy as np

    groups: dict[str, list[int]] = {}
    for i, d in enumerate(doc_ids):
        groups.setdefault(coll.doc_lang(d), []).append(i)
    out = None
    for lang, rows in groups.items():
        enc = document_encoder(model, lang, route=config.route)
        vecs = encode_cached(enc, [coll.docs[doc_ids[i]] for i in rows], "passage", cache_root, config.batch_size,
                             progress=progress and (progress if len(groups) == 1 else f"{progress} ({lang})"))
        if out is None:
            out = np.zeros((len(doc_ids), vecs.shape[1]), dtype=vecs.dtype)
        out[rows] = vecs
    return out


def evaluate(model, config: EvalConfig, out: Path | None = None, baseline: dict | None = None,
             progress: bool = True) -> dict:
    """Run every (suite, language) of ``config`` and return the report; with ``out``, write report files + runs."""
    from engine.artifacts.offline_e5 import default_cache_dir
    from engine.collection import list_suite_langs, load_collection
    from engine.languages import normalize_code

    cache_root = Path(config.cache) if config.cache else default_cache_dir() / "embeddings"
    doc_encoder = document_encoder(model)
    report = {
        "kind": "optical-clir evaluation",
        "label": HONEST_LABEL,
        "model": {"name": model.name, "fingerprint": model.fingerprint,
                  "documents_encoded_by": f"{doc_encoder.name} ({doc_encoder.fingerprint})"},
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "config": asdict(config),
        "measures": list(config.measures),
        "suites": {},
    }
    for suite in config.suites:
        source = config.collections.get(suite, suite)
        available = list_suite_langs(source)
        langs = [normalize_code(lang) for lang in config.langs] if config.langs else available
        langs = [lang for lang in langs if lang in available]
        if "en" in available and "en" not in langs:
            langs.append("en")  # the ceiling is always reported
        suite_report: dict = {"languages": {}}
        for lang in langs:
            coll = load_collection(source, lang)
            doc_ids = list(coll.docs)
            doc_vecs = None
            if config.index and not coll.doc_langs:
                doc_vecs = index_vectors(config.index, doc_encoder, coll.docs)
            if doc_vecs is None:  # the on-disk cache makes this a read after the first language
                doc_vecs = encode_documents(model, coll, doc_ids, cache_root, config,
                                            progress and f"{suite}: documents")
            qids = list(coll.queries)
            q_lang = coll.query_lang or lang
            q_enc = query_encoder(model, q_lang) if config.route else getattr(model, "student", model)
            q_vecs = q_enc.encode([coll.queries[q] for q in qids], kind="query", batch_size=config.batch_size,
                                  progress=progress and f"{suite}/{lang}: queries")
            run = dense_run(qids, q_vecs, doc_ids, doc_vecs, k=config.depth,
                            doc_groups=[coll.doc_lang(d) for d in doc_ids], merge=config.merge)
            aggregate, _ = evaluate_run(coll.qrels, run, config.measures)
            if len(set(coll.doc_langs.values())) > 1:  # documents of several languages in one collection
                paired = paired_documents(coll.docs)
                aggregate["SameLang@10"] = same_language_share(run, coll.qrels, coll.doc_langs, q_lang,
                                                               among=paired or None)
            suite_report["languages"][lang] = {"queries": len(qids), "documents": len(doc_ids),
                                               "metrics": aggregate}
            if out is not None:
                write_trec_run(run, Path(out).with_suffix("") / "runs" / f"{suite}.{lang}.trec",
                               tag=f"{model.name}")
        # English first, then the suite's own order
        ordered = dict(sorted(suite_report["languages"].items(), key=lambda kv: kv[0] != "en"))
        report["suites"][suite] = {"languages": ordered}
    add_gaps(report, baseline)
    if out is not None:
        write_report(report, Path(out))
    return report
