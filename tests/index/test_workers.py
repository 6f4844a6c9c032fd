"""Distributed indexing: workers killed with a real SIGKILL mid-shard lose nothing and duplicate nothing."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import psutil
import pytest

from engine.index import DocumentIndex
from engine.indexing import shard_of
from engine.indexing.shards import shard_documents
from engine.vectors import FaissStore

WORDS = "river market teacher school freedom rain bread song night train city valley law child work".split()
N_DOCS = 1600


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    path = tmp_path_factory.mktemp("coll") / "docs.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        for i in range(N_DOCS):
            text = " ".join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(40))
            out.write(json.dumps({"id": f"doc-{i:05d}", "text": f"{text} {i}"}) + "\n")
    return path


def start(collection, db, model_dir, restarts):
    cmd = [sys.executable, "-m", "engine", "index", "--collection", str(collection), "--db", str(db), "--model",
           str(model_dir), "--backend", "torch", "--workers", "2", "--restarts", str(restarts), "--batch-size", "8",
           "--store", "faiss", "--json"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TQDM_DISABLE": "1"})


def indexed(db) -> set[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return {r[0] for r in conn.execute("SELECT doc_id FROM vectors")}
    except sqlite3.OperationalError:  # the parent is still creating the file
        return set()
    finally:
        conn.close()


def kill_worker_mid_shard(job, db, shard) -> int:
    """SIGKILL the worker of ``shard`` once it has committed 40 more of its documents; the shard's count then."""
    before = sum(shard_of(i, 2) == shard for i in indexed(db)) if db.exists() else 0
    deadline = time.time() + 120
    while time.time() < deadline:
        workers = sorted((p for p in psutil.Process(job.pid).children() if "spawn_main" in " ".join(p.cmdline())),
                         key=lambda p: p.create_time())
        done = sum(shard_of(i, 2) == shard for i in indexed(db)) if db.exists() else 0
        if len(workers) == 2 and done >= before + 40:
            os.kill(workers[shard].pid, signal.SIGKILL)
            return sum(shard_of(i, 2) == shard for i in indexed(db))
        time.sleep(0.02)
    raise AssertionError("the workers never got going")


@pytest.mark.slow  # four worker processes start torch and the tiny model: ~30-90 s on 2 busy cores
def test_killed_workers_lose_and_duplicate_nothing(collection, tmp_path, tiny_model_dir, tiny_encoder):
    db = tmp_path / "index.db"
    shard_size = [sum(1 for _ in shard_documents([{"id": f"doc-{i:05d}"} for i in range(N_DOCS)], s, 2))
                  for s in (0, 1)]

    job = start(collection, db, tiny_model_dir, restarts=0)  # no restarts: the job stops, a rerun resumes
    at_kill = kill_worker_mid_shard(job, db, shard=1)
    out, err = job.communicate(timeout=300)
    assert job.returncode == 2 and 0 < at_kill < shard_size[1]
    assert "error: worker 2/2 killed by SIGKILL after 0 restart(s)" in err
    assert len(indexed(db)) < N_DOCS

    job = start(collection, db, tiny_model_dir, restarts=1)  # resumed; this time a worker is killed and restarted
    at_kill = kill_worker_mid_shard(job, db, shard=1)
    out, err = job.communicate(timeout=300)
    assert job.returncode == 0, err
    report = json.loads(out)["report"]
    assert report["restarts"] == 1 and at_kill < shard_size[1]
    assert report["documents"] + report["skipped"] >= N_DOCS  # every shard ran to its end

    expected = {f"doc-{i:05d}" for i in range(N_DOCS)}
    with DocumentIndex(db, store="faiss") as index:
        rows = index.db.execute("SELECT count(*), count(DISTINCT id) FROM documents").fetchone()
        vecs = index.db.execute("SELECT count(*), count(DISTINCT doc_id) FROM vectors").fetchone()
        assert rows == (N_DOCS, N_DOCS) and vecs == (N_DOCS, N_DOCS)  # 0 duplicated
        assert indexed(db) == expected  # 0 lost
        store = index.vector_store(tiny_encoder.fingerprint, progress=False)
        assert isinstance(store, FaissStore) and set(store.ids()) == expected
