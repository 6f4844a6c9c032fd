"""Distributed indexing: a collection sharded over worker processes that write to one index (see ``parallel``).

* :func:`index_collection` — N workers, one intra-op thread each, restarts of dead workers, then one store sync;
* :func:`shard_of` — the stable shard of a document id.
"""

from engine.indexing.parallel import IndexingReport, index_collection
from engine.indexing.shards import shard_of

__all__ = ["IndexingReport", "index_collection", "shard_of"]
