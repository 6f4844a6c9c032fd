"""Serving benchmark: query encoding (ONNX int8 vs torch fp32), indexing throughput, search latency, memory.

Usage: python benchmarks/bench_search.py [--export DIR] [--threads 2] [--sizes 1000 10000 100000]

Prints one JSON object. Phases run in one process, in this order; ``rss_mb`` is the resident memory at the end of
each phase (its index / model still alive) and ``maxrss_mb`` the process's high-water mark so far:

1. ``search``: dense search latency *excluding* query encoding over 1k/10k/100k passages with synthetic unit
   vectors (d = 384) in a real :class:`DocumentIndex`, plus BM25 over synthetic words; ``load_s`` is the first
   search (reading the vectors into the in-memory matrix), ``tracemalloc_peak_mb`` the numpy/Python peak.
2. ``onnx_int8`` then ``torch_fp32``: query latency p50/p95 over short queries (the first 8 words of each ``udhr``
   query, all languages), one query per call as a search box sends them; then indexing throughput in passages/s
   over ``udhr`` documents into a fresh index.

The ONNX export of the offline default is made (about half a minute) into the user cache when ``--export`` is not
given. Timings are wall-clock on whatever else the machine is running: compare the ratio, not the absolutes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np


def rss_mb() -> float:
    """Current resident memory (what the phase keeps), beside ``maxrss_mb`` (the high-water mark)."""
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)


def maxrss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kb / 1024 if sys.platform != "darwin" else kb / 2**20, 1)


def percentiles(seconds: list[float]) -> dict:
    ms = sorted(1000 * s for s in seconds)
    return {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 2),
            "n": len(ms)}


class RandomEncoder:
    """Synthetic document encoder: unit vectors from a seeded generator (search cost does not depend on content)."""

    name, fingerprint, dim, max_length = "synthetic", "synthetic-384", 384, 512

    def __init__(self, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        self.last_report = type("R", (), {"truncated": 0})()

    def encode(self, texts, kind="passage", batch_size=32, **_):
        x = self.rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)


def bench_search(sizes: list[int], queries: int, workdir: Path) -> dict:
    from engine.index import DocumentIndex

    rng = np.random.default_rng(1)
    vocab = [f"w{i}" for i in range(20000)]
    out = {}
    for n in sizes:
        docs = [{"id": f"d{i}", "text": " ".join(rng.choice(vocab, 12))} for i in range(n)]
        start = time.perf_counter()
        with DocumentIndex(workdir / f"synthetic-{n}.db", create=True) as index:
            index.add_documents(docs, RandomEncoder(), batch_size=4096, progress=False)
            build_s = time.perf_counter() - start
            qs = RandomEncoder(seed=2).encode(["q"] * queries)
            tracemalloc.start()
            start = time.perf_counter()
            index.dense_search(qs[0], "synthetic-384", k=10)  # loads the matrix
            load_s = time.perf_counter() - start
            dense = []
            for q in qs:
                t = time.perf_counter()
                index.dense_search(q, "synthetic-384", k=10)
                dense.append(time.perf_counter() - t)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            bm25 = []
            for i in range(queries):
                text = " ".join(rng.choice(vocab, 3))
                t = time.perf_counter()
                index.bm25_search(text, k=10)
                bm25.append(time.perf_counter() - t)
        out[str(n)] = {"build_s": round(build_s, 2), "load_s": round(load_s, 3), "dense": percentiles(dense),
                       "bm25": percentiles(bm25), "tracemalloc_peak_mb": round(peak / 2**20, 1),
                       "rss_mb": rss_mb(), "maxrss_mb": maxrss_mb()}
    return out


def short_queries() -> list[str]:
    from engine.collection import list_suite_langs, load_collection

    out = []
    for lang in list_suite_langs("udhr"):
        out += [" ".join(q.split()[:8]) for q in load_collection("udhr", lang).queries.values()]
    return out


def bench_encoder(encoder, queries: list[str], docs: list[dict], workdir: Path, label: str) -> dict:
    from engine.index import DocumentIndex

    for q in queries[:5]:  # warm-up
        encoder.encode([q], kind="query")
    times = []
    for q in queries:
        t = time.perf_counter()
        encoder.encode([q], kind="query")
        times.append(time.perf_counter() - t)
    start = time.perf_counter()
    with DocumentIndex(workdir / f"index-{label}.db", create=True) as index:
        report = index.add_documents(docs, encoder, batch_size=32, progress=False)
    seconds = time.perf_counter() - start
    return {"query": percentiles(times),
            "indexing": {"passages": report.passages, "seconds": round(seconds, 2),
                         "passages_per_s": round(report.passages / seconds, 1)},
            "rss_mb": rss_mb(), "maxrss_mb": maxrss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export", default=None, help="ONNX export of the base model (default: made in cache)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--queries", type=int, default=100, help="queries per latency measurement")
    parser.add_argument("--docs", type=int, default=256, help="udhr documents to index per encoder")
    args = parser.parse_args()

    result: dict = {"threads": args.threads, "cpu_count": os.cpu_count(), "rss_start_mb": rss_mb()}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        result["search"] = bench_search(args.sizes, args.queries, workdir)

        from engine.collection import load_collection
        from engine.encoders.onnx_encoder import OnnxEncoder

        queries = short_queries()[: args.queries]
        coll = load_collection("udhr", "en")
        docs = [{"id": d, "text": t} for d, t in list(coll.docs.items())[: args.docs]]
        from engine.onnx_export import ensure_exported

        export = Path(args.export) if args.export else ensure_exported(None)
        start = time.perf_counter()
        int8 = OnnxEncoder(export, "int8", threads=args.threads)
        result["onnx_int8"] = {"load_s": round(time.perf_counter() - start, 2),
                               **bench_encoder(int8, queries, docs, workdir, "int8")}
        del int8

        import torch

        torch.set_num_threads(args.threads)
        from engine.encoders import load_encoder

        start = time.perf_counter()
        base = load_encoder()
        result["torch_fp32"] = {"load_s": round(time.perf_counter() - start, 2),
                                **bench_encoder(base, queries, docs, workdir, "torch")}
    t, o = result["torch_fp32"], result["onnx_int8"]
    result["speedup_int8_vs_torch"] = {
        "query_p50": round(t["query"]["p50_ms"] / o["query"]["p50_ms"], 2),
        "query_p95": round(t["query"]["p95_ms"] / o["query"]["p95_ms"], 2),
        "indexing": round(o["indexing"]["passages_per_s"] / t["indexing"]["passages_per_s"], 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
