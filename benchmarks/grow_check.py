"""Does a grown student keep the default student's languages and reach the new ones? (issue 12's acceptance test)

Old languages: `udhr` RR@10 (torch, routing as served) of the shipped default student and of the grown one; each
must stay within ``--tolerance`` (0.01). New languages: their `udhr` suites (``data add``), where the grown student
must reach at least the shipped student's transfer score; zero-shot, transfer and own-student figures come from
``reports/languages/new-languages.json`` (same suites, same commands), gap closed = share of the zero-shot gap to
English closed. Translation-aligned retrieval, not human judgements.

    python benchmarks/grow_check.py runs/grow/default-plus-6 --out reports/languages/grow
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("student", help="the grown student directory")
    ap.add_argument("--default", default=str(REPO / "exports" / "default-student"))
    ap.add_argument("--new-languages", default=str(REPO / "reports" / "languages" / "new-languages.json"))
    ap.add_argument("--tolerance", type=float, default=0.01)
    ap.add_argument("--out", required=True, help="writes OUT.json and OUT.md")
    args = ap.parse_args()

    from engine.add_language import default_languages_dir
    from engine.encoders import load_encoder
    from engine.encoders.students import load_student
    from engine.evaluation import EvalConfig, evaluate
    from engine.fileio import write_text_atomic
    from engine.hardware import cpu_info

    base = load_encoder()
    default, grown = (load_student(Path(p), base=base) for p in (args.default, args.student))

    def udhr(model) -> dict[str, float]:
        report = evaluate(model, EvalConfig(suites=["udhr"], measures=("RR@10",)), progress=False)
        return {lang: row["metrics"]["RR@10"] for lang, row in report["suites"]["udhr"]["languages"].items()}

    before, after = udhr(default), udhr(grown)
    old = {lang: {"default": round(before[lang], 4), "grown": round(after[lang], 4),
                  "delta": round(after[lang] - before[lang], 4),
                  "kept": after[lang] >= before[lang] - args.tolerance} for lang in before if lang != "en"}
    added = json.loads(Path(args.new_languages).read_text())["languages"]
    new = {}
    for code, row in added.items():
        if "own" not in row:
            continue
        suite = default_languages_dir() / code / "suites" / "udhr"
        config = EvalConfig(suites=["udhr-new"], collections={"udhr-new": str(suite)}, langs=[code], depth=10,
                            measures=("RR@10",))
        score = evaluate(grown, config, progress=False)["suites"]["udhr-new"]["languages"][code]["metrics"]["RR@10"]
        gap = row["english"] - row["zero_shot"]
        new[code] = {"name": row["name"], "zero_shot": row["zero_shot"], "transfer": row["transfer"],
                     "own": row["own"], "grown": round(score, 4), "english": row["english"],
                     "gap_closed_transfer": row["gap_closed_transfer"],
                     "gap_closed_grown": round((score - row["zero_shot"]) / gap, 3) if gap > 0 else None,
                     "reaches_transfer": score >= row["transfer"]}
    result = {"command": " ".join(sys.argv), "cpu": cpu_info().as_dict(), "student": args.student,
              "tolerance": args.tolerance, "fallback_langs": grown.fallback_langs,
              "old": old, "new": new,
              "old_kept": all(r["kept"] for r in old.values()),
              "new_reach_transfer": all(r["reaches_transfer"] for r in new.values()),
              "mean_gap_closed_grown": round(sum(r["gap_closed_grown"] for r in new.values()) / max(1, len(new)), 3),
              "mean_gap_closed_transfer": round(sum(r["gap_closed_transfer"] for r in new.values())
                                                / max(1, len(new)), 3)}
    write_text_atomic(Path(args.out).with_suffix(".json"), json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    write_text_atomic(Path(args.out).with_suffix(".md"), markdown(result))
    print(markdown(result))
    return 0


def markdown(r: dict) -> str:
    mean = lambda rows, key: sum(x[key] for x in rows) / len(rows)  # noqa: E731
    lines = ["# A student that grows: the default student plus six languages\n",
             f"`{r['command']}` — CPU `{r['cpu']['kind']}`; `udhr` RR@10, torch fp32, routing as served (the grown "
             f"student routes {', '.join(r['fallback_langs']) or 'no language'} to the base model). "
             "Translation-aligned retrieval, not human judgements.\n",
             f"## The 18 languages it had: within {r['tolerance']} of the default? "
             f"**{'yes' if r['old_kept'] else 'no'}**\n",
             "| lang | default student | grown | Δ | kept |", "| --- | --- | --- | --- | --- |"]
    for lang, row in r["old"].items():
        lines.append(f"| {lang} | {row['default']:.3f} | {row['grown']:.3f} | {row['delta']:+.3f} | "
                     f"{'yes' if row['kept'] else '**no**'} |")
    old = list(r["old"].values())
    lines.append(f"| mean | {mean(old, 'default'):.3f} | {mean(old, 'grown'):.3f} | "
                 f"{mean(old, 'grown') - mean(old, 'default'):+.3f} | |")
    lines += ["", f"## The new languages: at or above transfer? **{'yes' if r['new_reach_transfer'] else 'no'}**\n",
              "| lang | zero-shot | transfer (default student) | own student (from the base) | grown | "
              "gap closed: transfer | gap closed: grown |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for code, row in r["new"].items():
        lines.append(f"| {code} ({row['name']}) | {row['zero_shot']:.3f} | {row['transfer']:.3f} | {row['own']:.3f} | "
                     f"{row['grown']:.3f} | {row['gap_closed_transfer']:+.2f} | {row['gap_closed_grown']:+.2f} |")
    lines.append(f"| mean | | | | | {r['mean_gap_closed_transfer']:+.2f} | {r['mean_gap_closed_grown']:+.2f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
