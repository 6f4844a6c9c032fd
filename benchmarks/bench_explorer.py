"""The explorer as a user meets it: first start to first answer, and warm query → results + heatmap latency.

Starts ``python -m explorer`` as a subprocess on a free localhost port, for each backend, and talks to it through
``gradio_client`` exactly as a script would:

* ``page_s`` — from process start until the page answers (the status line then says what is still loading);
* ``first_start_s`` — from process start until ``/search`` with the default model (the OT student) returns 10
  results from the default collection (model conversion, ONNX exports, parity checks, indexing with the shipped
  vectors, Gradio start-up). The query is sent as soon as the page answers and waits for the app to be ready. With
  ``--fresh-cache`` the cache is a new empty directory, as on a fresh clone; otherwise the user cache is reused (a
  restart);
* ``warm`` — for the app's everyday examples (:mod:`explorer.examples`, six languages): ``/search`` (both models'
  top 10, side by side) then ``/align`` (base and student transport plans for the top result), timed per call at
  the client; p50/p95 of search, align and their sum (what a user waits for after pressing Enter).

With ``--relevance`` it instead reads the relevance signal in-process (no server): the share of the everyday
examples whose best hit is a strong match, and of unanswerable queries (60 Chichewa Bible verses, 30 Zulu and 30
Amharic LibreOffice strings: the default collection holds neither) that get one anyway, for several α.

Prints JSON with the CPU kind (``engine.hardware``) and writes it with ``--out``. Targets: warm search + heatmap
<= 300 ms (issue 6), first answer on a fresh clone <= 45 s (issue 16), on the 2-core machine.

    python benchmarks/bench_explorer.py [--backends onnx,torch] [--fresh-cache] [--rounds 5] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from explorer.examples import EXAMPLES  # noqa: E402 - the repository's own package, run as a script

QUERIES = [(e.query, e.lang) for e in EXAMPLES]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))] * 1000, 1)


def serve(backend: str, cache: str | None, threads: int | None):
    """Start ``python -m explorer``; returns the process, its URL, its log file and the start time."""
    port = free_port()
    env = dict(os.environ)
    if cache:
        env["OPTICAL_CLIR_CACHE"] = cache
    cmd = [sys.executable, "-m", "explorer", "--port", str(port), "--backend", backend]
    if threads:
        cmd += ["--threads", str(threads)]
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}/", log.name, t0


def first_answer(url: str, proc, t0: float, timeout: float = 1800.0) -> tuple[object, float, float]:
    """``(client, page_s, first_start_s)``, both seconds since ``t0`` (the process start)."""
    from gradio_client import Client

    client, page = None, None
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"explorer exited with {proc.returncode}")
        try:
            client = client or Client(url, verbose=False)
            page = page or time.perf_counter() - t0
            out = client.predict(QUERIES[0][0], QUERIES[0][1], "student", "default", api_name="/search")
            if len(out[4].get("hits", [])) == 10:
                return client, page, time.perf_counter() - t0
            print(f"not answered: {out[0]}", file=sys.stderr)
        except Exception:  # noqa: BLE001 — not up yet (connection refused)
            pass
        time.sleep(0.5)
    raise RuntimeError("no answer before the timeout")


def stages(log: str) -> dict[str, float]:
    """Seconds per loading stage, from the app's log lines ``loading i/n: WHAT`` and ``ready in``."""
    from datetime import datetime

    marks = []
    for line in Path(log).read_text(errors="replace").splitlines():
        if " explorer: loading " in line or " explorer: ready in " in line:
            at = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
            marks.append((line.split(" explorer: ", 1)[1].split(" (")[0], at))
    return {what: round(marks[i + 1][1] - at, 1) for i, (what, at) in enumerate(marks[:-1])}


def int8_after_ready(log: str, timeout: float = 300.0) -> dict:
    """Seconds from ``ready in`` to the background int8 step's end (``int8 checked: ...`` in the log) and what it
    decided; empty when the first start deferred nothing (a restart)."""
    from datetime import datetime

    def stamp(line: str) -> float:
        return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        lines = Path(log).read_text(errors="replace").splitlines()
        if not any("making and checking int8" in line for line in lines):
            return {}
        ready = next((stamp(line) for line in lines if " explorer: ready in " in line), None)
        done = next((line for line in lines if " int8 checked: " in line or "int8 could not be prepared" in line), None)
        if ready is not None and done is not None:
            return {"int8_after_ready_s": round(stamp(done) - ready, 1), "int8": done.split("explorer: ", 1)[1]}
        time.sleep(1.0)
    return {"int8_after_ready_s": None}


def warm(client, rounds: int) -> dict:
    search_s, align_s, total_s = [], [], []
    for _ in range(rounds):
        for query, lang in QUERIES:
            t0 = time.perf_counter()
            out = client.predict(query, lang, "student", "default", api_name="/search")
            t1 = time.perf_counter()
            top = out[4]["hits"][0]["doc_id"]
            client.predict(query, top, "", lang, 0.05, "uniform", "default", api_name="/align")
            t2 = time.perf_counter()
            search_s.append(t1 - t0)
            align_s.append(t2 - t1)
            total_s.append(t2 - t0)
    return {"calls": len(total_s),
            "search_ms": {"p50": pct(search_s, 0.5), "p95": pct(search_s, 0.95)},
            "align_ms": {"p50": pct(align_s, 0.5), "p95": pct(align_s, 0.95)},
            "search_plus_heatmap_ms": {"p50": pct(total_s, 0.5), "p95": pct(total_s, 0.95)}}


def relevance_check(per_source: int = 30) -> dict:
    """How often the "strong match" label is right: examples (should) vs unanswerable queries (should not)."""
    import random

    from engine.calibration import chance_z
    from explorer.config import ExplorerConfig
    from explorer.models import default_registry
    from explorer.service import Explorer

    config = ExplorerConfig(threads=1)
    app = Explorer(config, default_registry(config.student, "onnx", 1))
    app.open_default()
    n_docs = app.collection(None).count()

    def sample(path: str, k: int) -> list[str]:
        rows = [line.rstrip("\n").split("\t")[1] for line in open(REPO / path, encoding="utf-8")]
        random.Random(0).shuffle(rows)
        return rows[:k]

    unanswerable = ([(q, "ny") for q in sample("data/suites/bible-ny/ny/queries.tsv", 2 * per_source)]
                    + [(q, "zu") for q in sample("data/suites/l10n/zu/queries.tsv", per_source)]
                    + [(q, "am") for q in sample("data/suites/l10n/am/queries.tsv", per_source)])

    def best_z(query: str, lang: str) -> float:
        return max(r.z for r in app.search(query, lang).relevance)  # the default model: the student

    neg = [best_z(q, lang) for q, lang in unanswerable]
    pos = [best_z(q, lang) for q, lang in QUERIES]
    rows = {}
    for alpha in (0.05, 0.01, 0.001):
        z = chance_z(n_docs, alpha)
        rows[str(alpha)] = {"z_threshold": round(z, 2), "examples_strong": round(sum(v > z for v in pos) / len(pos), 3),
                            "unanswerable_strong": round(sum(v > z for v in neg) / len(neg), 3)}
    return {"documents": n_docs, "examples": len(pos), "unanswerable": len(neg), "alpha": rows}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default="onnx,torch")
    ap.add_argument("--fresh-cache", action="store_true", help="time the first start with an empty cache")
    ap.add_argument("--rounds", type=int, default=5, help="passes over the query set for the warm figures")
    ap.add_argument("--threads", type=int, default=None, help="threads per model call (default: the app's)")
    ap.add_argument("--relevance", action="store_true", help="check the relevance signal in-process instead")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    if args.relevance:
        from engine.hardware import cpu_info

        text = json.dumps({"cpu_kind": cpu_info().kind, **relevance_check()}, indent=2)
        print(text)
        if args.out:
            Path(args.out).write_text(text + "\n")
        return
    from engine.hardware import cpu_info

    out = {"cpus": os.cpu_count(), "cpu_kind": cpu_info().kind, "queries": len(QUERIES), "backends": {}}
    for backend in args.backends.split(","):
        fresh = tempfile.mkdtemp(prefix="oc-fresh-") if args.fresh_cache else None
        load = round(os.getloadavg()[0], 1)  # other work on the machine: read the timings against it
        proc, url, log, t0 = serve(backend, fresh, args.threads)
        try:
            client, page, first = first_answer(url, proc, t0)
            client.predict(QUERIES[1][0], QUERIES[1][1], "student", "default", api_name="/search")  # warm every path
            row = {"page_s": round(page, 1), "first_start_s": round(first, 1), "fresh_cache": bool(fresh),
                   "stages_s": stages(log), "load_average_at_start": load, **warm(client, args.rounds)}
            row.update(int8_after_ready(log))
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        out["backends"][backend] = row
        print(json.dumps({backend: row}), flush=True)
    if {"onnx", "torch"} <= out["backends"].keys():
        o, t = out["backends"]["onnx"], out["backends"]["torch"]
        out["torch_over_onnx_search_plus_heatmap_p50"] = round(
            t["search_plus_heatmap_ms"]["p50"] / o["search_plus_heatmap_ms"]["p50"], 2)
    text = json.dumps(out, indent=2)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
