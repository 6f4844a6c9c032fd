r"""Which worker indexes which document: a stable hash of the document id, modulo the number of shards.

.. math::
    \text{shard}(id) = \text{int}(\text{sha1}(id)_{[0:8]}, 16) \bmod N

The same id always lands in the same shard, in every process and every run (Python's own ``hash`` is salted per
process), so a rerun gives each worker the same documents back and its skip-what-is-indexed resume applies per
shard. A document's passages stay together (they share the document id).
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Iterator


def shard_of(doc_id: str, shards: int) -> int:
    """The shard (``0 .. shards-1``) of ``doc_id`` (module docstring)."""
    return int(hashlib.sha1(str(doc_id).encode("utf-8")).hexdigest()[:8], 16) % int(shards)


def shard_documents(docs: Iterable[dict], shard: int, shards: int) -> Iterator[dict]:
    """The documents of ``docs`` in ``shard`` of ``shards``, in input order (a document without an id goes to 0)."""
    for doc in docs:
        doc_id = doc.get("id") if isinstance(doc, dict) else None
        if (shard_of(doc_id, shards) if doc_id is not None else 0) == shard:
            yield doc
