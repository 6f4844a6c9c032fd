"""What is served, against torch fp32, per language: `udhr` RR@10 of the base model and the shipped student on torch
fp32, on what ``load_serving_model`` serves here (int8 or fp32 queries by the parity check, fp32 documents), and on
int8 queries forced; query-encode latency of each; the CPU it ran on. Prints JSON; ``--out`` also writes Markdown.

    python benchmarks/bench_serving_parity.py --out reports/benchmarks/serving-parity
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

STUDENT = REPO / "exports" / "default-student"
SHORT_QUERIES = ["Watoto wanacheza mpira uwanjani", "Yesu anati kwa iye, Ine ndine njira",
                 "Everyone has the right to education.", "ሁሉንም ፋይሎች", "Abantu bonke bazalwa bekhululekile",
                 "Ndipo Adamu anakhala ndi moyo zaka zana limodzi", "Dunida oo dhan waxay u dhasheen xor"]


def udhr_rr10(model) -> dict[str, float]:
    from engine.evaluation import EvalConfig, evaluate

    report = evaluate(model, EvalConfig(suites=["udhr"], depth=10, measures=("RR@10",)), progress=False)
    return {lang: row["metrics"]["RR@10"] for lang, row in report["suites"]["udhr"]["languages"].items()}


def latency_ms(encoder, rounds: int) -> dict[str, float]:
    for q in SHORT_QUERIES:
        encoder.encode([q], kind="query")
    times = []
    for _ in range(rounds):
        for q in SHORT_QUERIES:
            start = time.perf_counter()
            encoder.encode([q], kind="query")
            times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return {"p50": round(statistics.median(times), 2), "p95": round(times[int(0.95 * (len(times) - 1))], 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--out", help="write OUT.json and OUT.md")
    args = parser.parse_args()

    import torch

    from engine.backends import load_serving_model
    from engine.encoders import load_encoder
    from engine.encoders.students import load_student
    from engine.hardware import cpu_info

    torch.set_num_threads(1)
    result = {"kind": "optical-clir serving parity", "cpu": cpu_info().as_dict(), "threads": 1,
              "suite": "udhr (translation-aligned retrieval, not human judgements)", "models": {}}
    base_torch = load_encoder()
    base_served = load_serving_model(None, "onnx", threads=1, progress=False)
    base_int8 = load_serving_model(None, "onnx", threads=1, progress=False, query_precision="int8")
    student_torch = load_student(STUDENT, base=base_torch)
    pairs = {
        "base": (base_torch, base_served, base_int8),
        "student": (student_torch,
                    load_serving_model(STUDENT, "onnx", base=base_served, threads=1, progress=False),
                    load_serving_model(STUDENT, "onnx", base=base_int8, threads=1, progress=False,
                                       query_precision="int8")),
    }
    for name, (torch_model, served, int8) in pairs.items():
        row = {"served_precision": served.query_precision.variant, "served_note": served.query_precision.note}
        for label, model in (("torch_fp32", torch_model), ("served", served), ("int8", int8)):
            scores = udhr_rr10(model)
            query_enc = getattr(model, "student", model)
            mean18 = round(statistics.mean(v for k, v in scores.items() if k != "en"), 4)
            row[label] = {"rr10": scores, "mean18": mean18,
                          "latency_ms": latency_ms(query_enc, args.rounds)}
            print(name, label, row[label]["mean18"], row[label]["latency_ms"], file=sys.stderr, flush=True)
        for label in ("served", "int8"):
            ref = row["torch_fp32"]["rr10"]
            diffs = {k: round(row[label]["rr10"][k] - ref[k], 4) for k in ref}
            row[label]["worst_language_delta"] = min(diffs.values())
            row[label]["languages_below_minus_0_01"] = sorted(k for k, v in diffs.items() if v < -0.01)
        result["models"][name] = row
    print(json.dumps(result, indent=1))
    if args.out:
        from engine.fileio import write_text_atomic

        write_text_atomic(Path(args.out).with_suffix(".json"), json.dumps(result, indent=1) + "\n")
        write_text_atomic(Path(args.out).with_suffix(".md"), markdown(result))
    return 0


def markdown(result: dict) -> str:
    cpu = result["cpu"]
    lines = ["# Serving parity: what is served vs torch fp32 (`udhr` RR@10)\n",
             f"CPU: {cpu['model']} — kind `{cpu['kind']}`, int8 dot product `{cpu['int8_dot_product']}`; "
             f"1 thread. `python benchmarks/bench_serving_parity.py --out reports/benchmarks/serving-parity`. "
             f"{result['suite']}.\n"]
    for name, row in result["models"].items():
        lines += [f"## {name}\n", f"Served here: **{row['served_precision']}** queries — {row['served_note']}\n",
                  "| configuration | mean RR@10 (18 langs) | worst language Δ vs torch | languages < −0.01 | "
                  "query p50 / p95 ms |", "| --- | --- | --- | --- | --- |"]
        for label in ("torch_fp32", "served", "int8"):
            r = row[label]
            worst = r.get("worst_language_delta", 0.0)
            below = ", ".join(r.get("languages_below_minus_0_01", [])) or "none"
            lines.append(f"| {label} | {r['mean18']:.4f} | {worst:+.4f} | {below if label != 'torch_fp32' else '–'} "
                         f"| {r['latency_ms']['p50']} / {r['latency_ms']['p95']} |")
        langs = list(row["torch_fp32"]["rr10"])
        lines += ["", "| lang | " + " | ".join(langs) + " |", "| --- |" + " --- |" * len(langs)]
        for label in ("torch_fp32", "served", "int8"):
            lines.append(f"| {label} | " + " | ".join(f"{row[label]['rr10'][k]:.3f}" for k in langs) + " |")
        lines.append("")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
