"""Shards: every document in exactly one shard, the same one in every process and run."""

import subprocess
import sys

from engine.indexing import shard_of
from engine.indexing.shards import shard_documents


def test_shards_partition_the_collection_evenly():
    docs = [{"id": f"doc-{i}", "text": "x"} for i in range(4000)]
    parts = [list(shard_documents(docs, s, 3)) for s in range(3)]
    ids = [d["id"] for part in parts for d in part]
    assert sorted(ids) == sorted(d["id"] for d in docs)  # none lost, none twice
    assert all(1200 < len(part) < 1467 for part in parts)  # even within ±10 %
    assert [d["id"] for d in parts[1]] == [d["id"] for d in docs if shard_of(d["id"], 3) == 1]  # input order kept


def test_a_shard_is_the_same_in_another_process():
    code = "from engine.indexing import shard_of; print([shard_of(f'doc-{i}', 4) for i in range(50)])"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert other == str([shard_of(f"doc-{i}", 4) for i in range(50)])
