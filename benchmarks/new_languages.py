"""From a bare language code to an evaluated student, for languages outside the shipped 18: ``data add`` (every
packaged source that has the language), `udhr` RR@10 of the base model (zero-shot), of the shipped default student
(transfer: it never saw the language) and of the language's own OT student (one epoch, top:4, the defaults), with
the share of the zero-shot gap to English it closes. One seed; translation-aligned retrieval, not human judgements.

    python benchmarks/new_languages.py tn nso ts ve ss st --out reports/languages/new-languages
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def rr10(model, suite_dir: Path, code: str) -> float:
    from engine.evaluation import EvalConfig, evaluate

    config = EvalConfig(suites=["udhr-new"], collections={"udhr-new": str(suite_dir)}, langs=[code], depth=10,
                        measures=("RR@10",))
    return evaluate(model, config, progress=False)["suites"]["udhr-new"]["languages"][code]["metrics"]["RR@10"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("langs", nargs="+")
    parser.add_argument("--runs", default="runs/new-languages")
    parser.add_argument("--data", default=None, help="data roots (default <cache>/languages)")
    parser.add_argument("--max-pairs", type=int, default=3000)
    parser.add_argument("--out", required=True, help="writes OUT.json and OUT.md")
    args = parser.parse_args()

    from engine.add_language import add_language
    from engine.encoders import load_encoder
    from engine.encoders.students import load_student
    from engine.fileio import write_text_atomic
    from engine.hardware import cpu_info
    from engine.training import DistillConfig, distill

    base = load_encoder()
    shipped = load_student(REPO / "exports" / "default-student", base=base)
    rows = {}
    for lang in args.langs:
        start = time.perf_counter()
        added = add_language(lang, Path(args.data) / lang if args.data else None)
        row = {"name": added.name, "pairs": added.pairs, "missing": added.missing}
        if added.suite is None or not added.train_files():
            row["skipped"] = "no udhr declaration" if added.suite is None else "no training bitext"
            rows[added.code] = row
            print(added.code, row["skipped"], file=sys.stderr, flush=True)
            continue
        out = Path(args.runs) / added.code
        files = [str(p) for p in added.train_files()]
        config = DistillConfig(bitext=files, langs=[added.code] * len(files), out=str(out), max_pairs=args.max_pairs)
        if not (out / "summary.json").is_file():
            distill(config, resume=(out / "checkpoint-last").is_dir(), teacher=base)
        own = load_student(out, base=base)
        row.update(zero_shot=rr10(base, added.suite, added.code), transfer=rr10(shipped, added.suite, added.code),
                   own=rr10(own, added.suite, added.code), english=rr10(base, added.suite, "en"),
                   fallback=added.code in own.fallback_langs,
                   trained_pairs=json.loads((out / "summary.json").read_text()).get("data", {}),
                   minutes=round((time.perf_counter() - start) / 60, 1))
        gap = row["english"] - row["zero_shot"]
        row["gap_closed_own"] = round((row["own"] - row["zero_shot"]) / gap, 3) if gap > 0 else None
        row["gap_closed_transfer"] = round((row["transfer"] - row["zero_shot"]) / gap, 3) if gap > 0 else None
        rows[added.code] = row
        print(added.code, {k: row[k] for k in ("zero_shot", "transfer", "own", "minutes")}, file=sys.stderr,
              flush=True)
    result = {"kind": "optical-clir new languages", "cpu": cpu_info().as_dict(), "max_pairs": args.max_pairs,
              "command": " ".join(sys.argv), "languages": rows}
    write_text_atomic(Path(args.out).with_suffix(".json"), json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    write_text_atomic(Path(args.out).with_suffix(".md"), markdown(result))
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return 0


def markdown(result: dict) -> str:
    lines = ["# New languages: from a bare code to a student (`udhr` RR@10)\n",
             f"`{result['command']}` — CPU `{result['cpu']['kind']}`; one seed, one epoch, ≤ {result['max_pairs']:,} "
             "pairs per language. Transfer = the shipped default student, which never saw the language. "
             "Translation-aligned retrieval, not human judgements.\n",
             "| lang | training pairs (source: train) | zero-shot | shipped student (transfer) | own student | "
             "gap closed (own) | gap closed (transfer) | minutes |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for code, row in result["languages"].items():
        if "skipped" in row:
            lines.append(f"| {code} ({row['name']}) | skipped: {row['skipped']} | | | | | | |")
            continue
        train = ", ".join(f"{s}: {p.get('train', 0):,}" for s, p in row["pairs"].items() if p.get("train"))
        own = f"{row['own']:.3f}" + (" (routed to base)" if row["fallback"] else "")
        lines.append(f"| {code} ({row['name']}) | {train} | {row['zero_shot']:.3f} | {row['transfer']:.3f} | {own} | "
                     f"{row['gap_closed_own']:+.2f} | {row['gap_closed_transfer']:+.2f} | {row['minutes']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
