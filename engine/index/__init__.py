"""A document index in one SQLite file: texts, BM25 (FTS5) and dense vectors per model fingerprint.

Layout (WAL mode, so readers never block the writer; :mod:`engine.index.schema`)::

    documents(id TEXT PRIMARY KEY, title, text, lang, source, parent)   -- one row per passage
    documents_fts                                                     -- FTS5 over title + text (triggers)
    vectors(doc_id, fingerprint, vec BLOB, PRIMARY KEY (doc_id, fingerprint))
    vector_log(seq INTEGER PRIMARY KEY AUTOINCREMENT, doc_id, fingerprint) -- every vector change (triggers)
    meta(key TEXT PRIMARY KEY, value TEXT)                            -- JSON values: config, models, counters

``parent`` is the id of the document a passage came from (itself for short documents; long documents become
passages ``<id>#<k>``, see :mod:`engine.documents`). ``vec`` is the encoder's L2-normalised float32 vector, so the
cosine is an inner product. One index holds vectors of any number of models, each keyed by its fingerprint:
students share the teacher's document vectors.

Building is resumable: :meth:`DocumentIndex.add_documents` commits once per batch and skips passages that already
have a vector for the encoder's fingerprint, so an interrupted build loses at most the batch in flight and a rerun
with the same input picks up where it stopped. Adding a document again with changed text replaces it (its stale
vectors for every model go); :meth:`DocumentIndex.delete` removes documents without a rebuild.

Dense search goes through a vector store (:mod:`engine.vectors`; ``auto`` by default: the exact scan below
100,000 vectors, FAISS IVF-SQ8 in ``<db>.ann/`` from there; or ``exact``, ``faiss[:DIR]``, ``milvus-lite:FILE.db``,
``milvus://HOST:PORT/COLLECTION``), scored by ``<x_i, q/|q|>`` (cosine). A store in memory is filled from the
``vectors`` table; a store elsewhere is kept equal to it through the ``vector_log`` change log, written by triggers
in the same transactions (:mod:`engine.index.store_sync`). Either happens when the index's ``generation`` counter
— bumped by every write, from any process — has moved (:mod:`engine.index.dense`).

BM25 search goes through FTS5 with the user's words quoted as FTS5 strings, so no input can inject query syntax
(:mod:`engine.index.fts`).

Modules: ``schema`` (tables, format, :class:`IndexConfig`), ``meta`` (the meta table, generation, models),
``document_table`` and ``vector_table`` (rows), ``vector_log`` (the change log), ``store_sync`` (stores outside
SQLite kept in step), ``fts`` (BM25), ``dense`` (dense search through a vector store),
``records`` (:class:`Document`, :class:`Hit`, :class:`AddReport`), ``document_index`` (:class:`DocumentIndex`).
"""

from engine.documents import read_documents
from engine.index.document_index import DocumentIndex
from engine.index.fts import fts_query
from engine.index.records import AddReport, Document, Hit
from engine.index.schema import FORMAT, IndexConfig

__all__ = ["FORMAT", "AddReport", "Document", "DocumentIndex", "Hit", "IndexConfig", "fts_query",
           "read_documents"]
