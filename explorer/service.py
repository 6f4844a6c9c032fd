"""What the explorer does, without any UI: search, compare, align and add collections, over engine's public API.

The Gradio handlers in :mod:`explorer.app` are thin wrappers around :class:`Explorer`; tests call it directly.
Model calls go through one lock: the fast tokenizers are not safe to call from several threads at once, and on a
small CPU parallel forward passes only compete for the same cores. Gradio's queue holds the waiting requests.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from engine.errors import UserError
from engine.ot.defaults import HEATMAP_SINKHORN
from explorer.config import ExplorerConfig
from explorer.language import check_query, check_script, resolve_language
from explorer.models import BASE, STUDENT, ModelRegistry
from explorer.relevance import RelevanceReader

DEFAULT = "default"
READY_WAIT_S = 300.0  # a query sent while the app is still loading waits this long for it
Progress = Callable[[int, int], None]


@dataclass
class SearchResult:
    model: str
    lang: str | None
    lang_note: str
    hits: list
    seconds: float
    relevance: list = field(default_factory=list)  # engine.calibration.Relevance per hit, same order
    routed_to_base: bool = False  # the student answered this language with the base model (its fallback_langs)
    query: str = ""  # the query as searched (checked and stripped): what the hits' reasons are read from

    @property
    def no_strong_match(self) -> bool:
        return bool(self.relevance) and not any(r.strong for r in self.relevance)


class Explorer:
    def __init__(self, config: ExplorerConfig, registry: ModelRegistry, collections: dict | None = None):
        self.config = config
        self.registry = registry
        self.collections: OrderedDict = OrderedDict(collections or {})
        self.model_lock = threading.Lock()
        self._plans: dict[tuple[int, str], dict] = {}  # (collection index, model) -> engine.search.fingerprint_plan
        self._idf = None
        self.relevance = RelevanceReader()
        self._ready = threading.Event()
        self._failed: str | None = None
        if DEFAULT in self.collections:
            self._ready.set()

    # ------------------------------------------------------------------ collections
    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def open_default(self, progress: Progress | None = None):
        """Open (building on first start) the collection searched by default: ``--db`` or the shipped one."""
        if DEFAULT in self.collections:
            return self.collections[DEFAULT]
        from engine.index import DocumentIndex
        from explorer.default_collection import default_index_path, open_default_index

        base = self.registry.document_encoder()
        db = self.config.db
        if db is not None and Path(db).exists():
            index = DocumentIndex(db, store=self.config.store)  # the user's own index, used as it is
        else:
            index = open_default_index(Path(db) if db else default_index_path(self.config.cache_dir), base, progress)
        self.collections[DEFAULT] = index
        self.collections.move_to_end(DEFAULT, last=False)
        self._ready.set()
        return index

    def loading_failed(self, message: str) -> None:
        """Startup could not open the default collection: waiting queries get ``message`` instead of an answer."""
        self._failed = message
        self._ready.set()

    def collection(self, name: str | None):
        name = name or DEFAULT
        if name == DEFAULT and not self._ready.wait(READY_WAIT_S):  # queries wait for startup rather than fail
            raise UserError("the default collection is still loading (see the status line); try again shortly")
        if name == DEFAULT and self._failed:
            raise UserError(f"the default collection could not be opened: {self._failed}")
        if name not in self.collections:
            raise UserError(f"unknown collection {name!r}; choose one of {', '.join(self.collections)}")
        return self.collections[name]

    def collection_names(self) -> list[str]:
        return list(self.collections)

    # ------------------------------------------------------------------ search
    def _prepare(self, query: str, lang_choice: str | None) -> tuple[str, str | None, str]:
        query = check_query(query)
        check_script(self.registry.document_encoder().tokenizer, query)
        lang, note = resolve_language(query, lang_choice)
        return query, lang, note

    def default_model(self) -> str:
        """The model chosen when none is named: the OT student where there is one."""
        return STUDENT if self.registry.has_student() else BASE

    def search(self, query: str, lang_choice: str | None = None, model: str | None = None,
               collection: str | None = None, k: int | None = None, rerank: bool = False) -> SearchResult:
        """Top-``k`` hits of ``model`` (default: the student), each with its relevance against the background."""
        from engine.search import check_index_model, multilingual_dense_search, search

        model = model or self.default_model()
        query, lang, note = self._prepare(query, lang_choice)
        index = self.collection(collection)
        encoder = self.registry.search_model(model)
        q_enc = self.registry.query_encoder(model, lang)
        routed = model == STUDENT and q_enc is self.registry.query_encoder(BASE, lang)
        start = time.perf_counter()
        with self.model_lock:
            if rerank:
                hits = search(index, encoder, query, k=k or self.config.top_k, lang=lang, rerank="ot")
                q_vec = q_enc.encode([query], kind="query")[0]
            else:  # engine.search.search's dense path, keeping the query vector for the calibration
                q_vec = q_enc.encode([query], kind="query")[0]
                plan = self._plan(index, model, encoder)
                if len(plan) > 1:  # documents in several languages, each on its own encoder's vectors
                    hits = multilingual_dense_search(index, plan, q_vec, k or self.config.top_k)
                else:
                    fingerprint = check_index_model(index, encoder)
                    hits = index.dense_search(q_vec, fingerprint, k=k or self.config.top_k)
            relevance = self.relevance.read(q_vec, [h.score for h in hits], self.registry.document_encoder(),
                                            index.count()) if hits and not rerank else []
        return SearchResult(model, lang, note, hits, time.perf_counter() - start, relevance, routed, query)

    def _plan(self, index, model: str, encoder) -> dict:
        """Whose vectors answer for each language of ``index`` under ``model`` (computed once per collection:
        collections do not change once built)."""
        from engine.search import fingerprint_plan

        key = (id(index), model)
        if key not in self._plans:
            self._plans[key] = fingerprint_plan(index, encoder)
        return self._plans[key]

    def reasons(self, result: SearchResult, k: int = 3) -> list[list]:
        """Why each hit of ``result`` matched: its ``k`` strongest word links (:func:`explorer.alignment.
        result_reasons`, e.g. ``mpira → football 81%``), read with the model that answered (the base for a student's
        fallback language). Costs one query encode and one encode of the hits not seen before; call it after the
        results are shown."""
        from explorer.alignment import result_reasons

        if not result.hits:
            return []
        q_enc = self.registry.query_encoder(result.model, result.lang)
        with self.model_lock:
            return result_reasons(q_enc, self.registry.document_encoder(), result.query,
                                  [h.text for h in result.hits], k=k)

    def compare(self, query: str, lang_choice: str | None = None, collection: str | None = None,
                k: int | None = None) -> dict[str, SearchResult | str]:
        """Top-``k`` of the base and of the student; the student entry is a message when it is not available."""
        out: dict[str, SearchResult | str] = {BASE: self.search(query, lang_choice, BASE, collection, k)}
        try:
            out[STUDENT] = self.search(query, lang_choice, STUDENT, collection, k)
        except UserError as exc:
            out[STUDENT] = str(exc)
        return out

    # ------------------------------------------------------------------ alignment
    def idf(self):
        """Token document frequencies over the shipped English collection (the IDF-like marginals)."""
        if self._idf is None:
            from explorer.alignment import TokenIdf
            from explorer.default_collection import default_documents

            tokenizer = self.registry.document_encoder().tokenizer
            self._idf = TokenIdf.from_texts(tokenizer, (d["text"] for d in default_documents()))
        return self._idf

    def english_text(self, english: str | None, doc_id: str | None, collection: str | None) -> str:
        english = (english or "").strip()
        if english:
            return check_query(english)
        if not doc_id:
            raise UserError("choose a result to align with, or type an English sentence")
        docs = self.collection(collection).get([doc_id])
        if not docs:
            raise UserError(f"document {doc_id!r} is not in this collection; search again and pick a result")
        return docs[0].text

    def align(self, query: str, english: str | None = None, doc_id: str | None = None,
              lang_choice: str | None = None, eps: float = HEATMAP_SINKHORN.eps, marginals: str = "uniform",
              collection: str | None = None) -> dict:
        """Transport plans of the base and (when available) the student: ``{model: Alignment | message}``."""
        from explorer.alignment import check_eps, plan_between, token_embeddings

        eps = check_eps(eps)
        query, lang, note = self._prepare(query, lang_choice)
        text = self.english_text(english, doc_id, collection)
        idf = self.idf() if marginals == "idf" else None
        out: dict = {"lang": lang, "lang_note": note, "english": text, "routed": {}}
        with self.model_lock:
            english_tokens = token_embeddings(self.registry.document_encoder(), text, "passage")
        for key in (BASE, STUDENT):
            try:
                q_enc = self.registry.query_encoder(key, lang)
            except UserError as exc:
                out[key] = str(exc)
                continue
            out["routed"][key] = key == STUDENT and q_enc is self.registry.query_encoder(BASE, lang)
            with self.model_lock:
                query_tokens = token_embeddings(q_enc, query, "query")
            out[key] = plan_between(query_tokens, english_tokens, eps, marginals, idf)
        return out

    # ------------------------------------------------------------------ uploads
    def add_collection(self, upload: str | Path, name: str | None = None, progress: Progress | None = None
                       ) -> tuple[str, int]:
        """Index an uploaded JSONL/CSV/TXT file as a new collection; returns its name and document count."""
        from engine.documents import READABLE_SUFFIXES, read_documents
        from engine.index import DocumentIndex

        upload = Path(upload)
        limit_mb = self.config.max_upload_bytes / 2**20
        if upload.suffix.lower() not in READABLE_SUFFIXES:
            raise UserError(f"{upload.name}: unsupported file type {upload.suffix or '(none)'}; upload .jsonl, .csv "
                            "or .txt (one document per line or paragraph)")
        size = upload.stat().st_size
        if size > self.config.max_upload_bytes:
            raise UserError(f"{upload.name} is {size / 2**20:.1f} MB; the limit is {limit_mb:g} MB")
        name = _collection_name(name or upload.stem, self.collections)
        docs = []
        try:
            for doc in read_documents(upload):  # parsed as data (json / csv / text), never imported or run
                docs.append(doc)
                if len(docs) > self.config.max_upload_docs:
                    raise UserError(f"{upload.name} has more than {self.config.max_upload_docs:,} documents; "
                                    "split it or keep the first ones")
        except UserError as exc:  # name the user's own file, never the server's copy of it
            raise UserError(user_paths(str(exc), upload)) from None
        folder = self.config.cache_dir / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}-{int(time.time())}.db"
        index = DocumentIndex(path, create=True)
        base = self.registry.document_encoder()
        self._add_in_chunks(index, docs, base, progress)
        self._index_student_side(index, docs, progress)
        self.collections[name] = index
        while len(self.collections) > self.config.max_collections + 1:
            oldest = next(n for n in self.collections if n != DEFAULT)
            evicted = self.collections.pop(oldest)
            self._plans = {key: plan for key, plan in self._plans.items() if key[0] != id(evicted)}  # ids get reused
            evicted.close()
        return name, len(docs)


    def _index_student_side(self, index, docs: list[dict], progress: Progress | None = None) -> None:
        """Documents in a language the student answers (their ``lang`` field) get the student's vectors too
        (:func:`engine.encoders.common.document_encoder`), so the student searches them on its own document side
        and the base model on the teacher's; English, unlabelled and fallback-language documents keep the teacher's
        alone."""
        from engine.encoders.common import document_encoder

        if not self.registry.has_student() or not any(d.get("lang") for d in docs):
            return
        student = self.registry.search_model(STUDENT)
        base = self.registry.document_encoder()
        groups: dict[str, tuple[object, list[dict]]] = {}
        for doc in docs:
            try:
                encoder = document_encoder(student, doc.get("lang")) if doc.get("lang") else base
            except UserError:  # a code the registry does not know: the teacher's vectors, as for no language
                continue
            if encoder.fingerprint != base.fingerprint:
                groups.setdefault(encoder.fingerprint, (encoder, []))[1].append(doc)
        total = sum(len(group) for _, group in groups.values())
        done = 0
        for encoder, group in groups.values():
            self._add_in_chunks(index, group, encoder, progress, done, total)
            done += len(group)

    def _add_in_chunks(self, index, docs: list[dict], encoder, progress: Progress | None = None, done: int = 0,
                       total: int | None = None, chunk: int = 64) -> None:
        """``index.add_documents`` a chunk at a time: the model lock is released between chunks so searches keep
        being answered; ``progress(done + added, total)`` after each."""
        total = len(docs) if total is None else total
        for start in range(0, len(docs), chunk):
            with self.model_lock:
                index.add_documents(docs[start : start + chunk], encoder, progress=False)
            if progress:
                progress(done + min(start + chunk, len(docs)), total)


def user_paths(message: str, upload: Path) -> str:
    """``message`` with the server's path to ``upload`` (Gradio's temporary copy) replaced by the file's name."""
    for path in (str(upload), str(upload.resolve()), str(upload.parent), str(upload.parent.resolve())):
        message = message.replace(path + "/", "").replace(path, upload.name)
    return message


def _collection_name(raw: str, taken) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", raw).strip("-")[:40] or "collection"
    if base == DEFAULT:
        base = "uploaded"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name
