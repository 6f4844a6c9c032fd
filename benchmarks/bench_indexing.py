"""Indexing throughput with 1 and 2 worker processes, real default model on ONNX Runtime.

    python benchmarks/bench_indexing.py --docs 600 --out reports/benchmarks/indexing

The first ``--docs`` English documents of the shipped ``bible-ny`` suite (real Bible passages) are indexed into a
fresh index by :func:`engine.indexing.index_collection` with 1 and then 2 workers (one ONNX Runtime intra-op thread
each, the offline multilingual-e5-small fp32 document export), and, for reference, in one process with the
default threads (``python -m engine index`` without ``--workers``). Passages/s are given over the wall clock
(worker start-up included) and over the encoding phase (after every worker has loaded its model). Prints JSON and
writes ``OUT.json`` + ``OUT.md`` with the CPU kind.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def write_collection(path: Path, docs: int) -> int:
    from engine.collection import load_collection

    coll = load_collection("bible-ny", "en")
    items = list(coll.docs.items())[:docs]
    with open(path, "w", encoding="utf-8") as out:
        for doc_id, text in items:
            out.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
    return len(items)


def run_workers(collection: Path, db: Path, workers: int, batch_size: int) -> dict:
    from engine.indexing import index_collection

    report = index_collection(str(collection), db, workers=workers, batch_size=batch_size, progress=False)
    encode_s = report.seconds - report.startup_seconds
    return {"workers": workers, "threads_per_worker": 1, "passages": report.encoded,
            "wall_s": round(report.seconds, 1), "startup_s": round(report.startup_seconds, 1),
            "passages_per_s_wall": round(report.passages_per_second, 1),
            "passages_per_s_encoding": round(report.encoded / encode_s, 1) if encode_s > 0 else None,
            "cpu_s": round(report.cpu_seconds, 1),
            "passages_per_cpu_s": round(report.encoded / report.cpu_seconds, 2) if report.cpu_seconds else None,
            "cpu_share_per_worker": round(report.cpu_seconds / workers / report.seconds, 2),
            "restarts": report.restarts, "sync": report.sync}


def run_in_process(collection: Path, db: Path, batch_size: int) -> dict:
    from engine.backends import load_document_encoder
    from engine.index import DocumentIndex, read_documents

    start = time.perf_counter()
    encoder = load_document_encoder(None, "onnx", progress=False)
    load_s = time.perf_counter() - start
    with DocumentIndex(db, create=True) as index:
        report = index.add_documents(read_documents(str(collection)), encoder, batch_size=batch_size, progress=False)
    return {"workers": 0, "threads": "onnxruntime default", "passages": report.encoded, "load_s": round(load_s, 1),
            "passages_per_s_encoding": round(report.encoded / report.seconds, 1), "report": asdict(report)}


def markdown(r: dict) -> str:
    one, two, ref = r["runs"]["1"], r["runs"]["2"], r["runs"]["in_process"]
    lines = [f"# Indexing throughput ({r['cpu']['kind']}, {r['cores']} cores)", "",
             f"`{r['command']}` — {r['cpu']['model']}; {r['documents']} English `bible-ny` passages, "
             f"multilingual-e5-small fp32 ONNX, batch {r['batch_size']}; load average at start "
             f"{r['load_average_at_start'][0]:.1f}, at end {r['load_average_at_end'][0]:.1f} (other jobs shared the "
             f"cores).", "",
             "| run | passages/s (encoding) | passages/s (wall, start-up included) | wall s | passages per CPU-second "
             "| CPU share per worker |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, run in (("1 worker × 1 thread", one), ("2 workers × 1 thread", two)):
        lines.append(f"| {name} | {run['passages_per_s_encoding']} | {run['passages_per_s_wall']} | {run['wall_s']} | "
                     f"{run['passages_per_cpu_s']} | {run['cpu_share_per_worker']} |")
    lines.append(f"| 1 process, default threads (no --workers) | {ref['passages_per_s_encoding']} | – | – | – "
                 f"| – |")
    cpu_scaling = round(2 * two["passages_per_cpu_s"] / one["passages_per_cpu_s"], 2)
    lines += ["", f"Scaling 2 workers / 1 worker: {r['speedup_encoding']}× over the encoding phase, "
              f"{r['speedup_wall']}× over the wall clock (target ≥ 1.7×: "
              f"{'met' if r['speedup_encoding'] >= 1.7 else 'missed'}). *CPU share per worker* is the CPU time a "
              f"worker got over the wall clock (1.0 = a whole core): below 1, other processes took the rest, and "
              f"passages per CPU-second is the figure that carries to an idle machine. With a whole core per "
              f"worker, 2 workers would give 2 × {two['passages_per_cpu_s']} / {one['passages_per_cpu_s']} = "
              f"{cpu_scaling}× one worker (CPU-normalised, not a wall-clock measurement).", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=600)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--work", default="/tmp/optical-clir-indexing-bench")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    from engine.hardware import cpu_info

    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    collection = work / "docs.jsonl"
    result = {"command": "python benchmarks/bench_indexing.py " + " ".join(sys.argv[1:]), "cpu": cpu_info().as_dict(),
              "cores": os.cpu_count(), "batch_size": args.batch_size, "load_average_at_start": os.getloadavg(),
              "documents": write_collection(collection, args.docs), "runs": {}}
    for workers in (1, 2):
        result["runs"][str(workers)] = run_workers(collection, work / f"w{workers}.db", workers, args.batch_size)
        print(json.dumps(result["runs"][str(workers)]), file=sys.stderr)
    result["runs"]["in_process"] = run_in_process(collection, work / "p.db", args.batch_size)
    one, two = result["runs"]["1"], result["runs"]["2"]
    result["speedup_encoding"] = round(two["passages_per_s_encoding"] / one["passages_per_s_encoding"], 2)
    result["speedup_wall"] = round(two["passages_per_s_wall"] / one["passages_per_s_wall"], 2)
    result["load_average_at_end"] = os.getloadavg()
    print(json.dumps(result, indent=2))
    if args.out:
        Path(args.out + ".json").write_text(json.dumps(result, indent=2) + "\n")
        Path(args.out + ".md").write_text(markdown(result))


if __name__ == "__main__":
    main()
