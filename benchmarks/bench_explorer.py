"""The explorer as a user meets it: first start to first answer, and warm query → results + heatmap latency.

Starts ``python -m explorer`` as a subprocess on a free localhost port, for each backend, and talks to it through
``gradio_client`` exactly as a script would:

* ``first_start_s`` — from process start until ``/search`` returns 10 results from the default collection (model
  conversion, ONNX export, indexing with the shipped vectors, Gradio start-up). With ``--fresh-cache`` the cache is
  a new empty directory, as on a fresh clone; otherwise the user cache is reused (a restart).
* ``warm`` — for queries in several languages: ``/search`` (both models' top 10, side by side) then ``/align`` (base
  and student transport plans for the top result), timed per call at the client; p50/p95 of search, align and
  their sum (what a user waits for after pressing Enter).

Prints JSON (and writes it with ``--out``). Targets (issue 6): warm search + heatmap <= 300 ms, first start on a
fresh clone <= 90 s, on the 2-core machine.

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
QUERIES = [
    ("Anthu onse amabadwa aufulu ndi olingana mu ulemu ndi ufulu", "ny"),
    ("Kila mtu ana haki ya kuishi, uhuru na usalama", "sw"),
    ("Yesu anati kwa iye, Ine ndine njira, ndi choonadi, ndi moyo", "auto"),
    ("Umuntu ngamunye unelungelo lokuphila", "zu"),
    ("Namni hundi bilisummaan dhalata", "om"),
    ("Insert a new row above", "auto"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))] * 1000, 1)


def serve(backend: str, cache: str | None, threads: int | None):
    port = free_port()
    env = dict(os.environ)
    if cache:
        env["OPTICAL_CLIR_CACHE"] = cache
    cmd = [sys.executable, "-m", "explorer", "--port", str(port), "--backend", backend]
    if threads:
        cmd += ["--threads", str(threads)]
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}/", log.name


def first_answer(url: str, proc, timeout: float = 1800.0) -> tuple[object, float]:
    from gradio_client import Client

    t0 = time.perf_counter()
    client = None
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"explorer exited with {proc.returncode}")
        try:
            client = client or Client(url, verbose=False)
            out = client.predict(QUERIES[0][0], "ny", "student", "default", api_name="/search")
            if len(out[4].get("hits", [])) == 10:
                return client, time.perf_counter() - t0
        except Exception:  # noqa: BLE001 — not up yet (connection refused, index still building)
            pass
        time.sleep(0.5)
    raise RuntimeError("no answer before the timeout")


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default="onnx,torch")
    ap.add_argument("--fresh-cache", action="store_true", help="time the first start with an empty cache")
    ap.add_argument("--rounds", type=int, default=5, help="passes over the query set for the warm figures")
    ap.add_argument("--threads", type=int, default=None, help="threads per model call (default: the app's)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    out = {"cpus": os.cpu_count(), "queries": len(QUERIES), "backends": {}}
    for backend in args.backends.split(","):
        fresh = tempfile.mkdtemp(prefix="oc-fresh-") if args.fresh_cache else None
        proc, url, log = serve(backend, fresh, args.threads)
        try:
            client, first = first_answer(url, proc)
            client.predict(QUERIES[1][0], "sw", "student", "default", api_name="/search")  # warm every path once
            row = {"first_start_s": round(first, 1), "fresh_cache": bool(fresh), **warm(client, args.rounds)}
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
