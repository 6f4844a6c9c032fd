"""Does a grown student keep the default student's languages and reach the new ones? (issue 12's acceptance test)

Old languages: `udhr` RR@10 (torch, routing as served) of the shipped default student and of the grown one; each
must stay within ``--tolerance`` (0.01). New languages: their `udhr` suites (``data add``), where the grown student
must reach at least the shipped student's transfer score; zero-shot, transfer and own-student figures come from
``reports/languages/new-languages.json`` (same suites, same commands), gap closed = share of the zero-shot gap to
English closed. Translation-aligned retrieval, not human judgements.

    python benchmarks/grow_check.py runs/grow/default-plus-6 --last-checkpoint --out reports/languages/grow

``--last-checkpoint`` evaluates the run's last checkpoint instead of its dev-selected weights (a diagnosis: what
training did, whatever the guard kept). The seed-to-seed spread of per-language `udhr` RR@10 in the
``objectives-ny`` reports (same recipe, three seeds) is printed beside the tolerance.
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
    ap.add_argument("--last-checkpoint", action="store_true", help="evaluate checkpoint-last, not the selected weights")
    ap.add_argument("--seeds-of", default=str(REPO / "reports" / "experiments" / "objectives-ny"),
                    help="reports of one recipe over several seeds, for the spread per language")
    ap.add_argument("--out", required=True, help="writes OUT.json and OUT.md")
    args = ap.parse_args()

    import shutil
    import tempfile

    from engine.add_language import default_languages_dir
    from engine.encoders import load_encoder
    from engine.encoders.students import load_student
    from engine.evaluation import EvalConfig, evaluate
    from engine.fileio import write_text_atomic
    from engine.hardware import cpu_info
    from engine.training.checkpoint import LAST

    base = load_encoder()
    student_dir = Path(args.student)
    if args.last_checkpoint:  # the last weights, with the run's card, in a scratch student directory
        scratch = Path(tempfile.mkdtemp(prefix="grow-last-"))
        for name in ("student.json", "config.json"):
            shutil.copy(student_dir / name, scratch / name)
        shutil.copy(student_dir / LAST / "delta.safetensors", scratch / "delta.safetensors")
        student_dir = scratch
    default, grown = load_student(Path(args.default), base=base), load_student(student_dir, base=base)

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
    seeds: dict[str, list[float]] = {}
    for report in sorted(Path(args.seeds_of).glob("*-ot-contrastive-s*.json")):
        for lang, row in json.loads(report.read_text())["suites"]["udhr"]["languages"].items():
            if lang != "en":
                seeds.setdefault(lang, []).append(row["metrics"]["RR@10"])
    spread = {lang: round(max(v) - min(v), 4) for lang, v in seeds.items() if len(v) > 1}
    result = {"command": " ".join(sys.argv), "cpu": cpu_info().as_dict(), "student": args.student,
              "weights": "checkpoint-last" if args.last_checkpoint else "dev-selected", "seed_spread": spread,
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
             f"Weights: **{r['weights']}**.\n",
             f"## The 18 languages it had: within {r['tolerance']} of the default? "
             f"**{'yes' if r['old_kept'] else 'no'}**\n",
             "| lang | default student | grown | Δ | kept |", "| --- | --- | --- | --- | --- |"]
    for lang, row in r["old"].items():
        lines.append(f"| {lang} | {row['default']:.3f} | {row['grown']:.3f} | {row['delta']:+.3f} | "
                     f"{'yes' if row['kept'] else '**no**'} |")
    old = list(r["old"].values())
    lines.append(f"| mean | {mean(old, 'default'):.3f} | {mean(old, 'grown'):.3f} | "
                 f"{mean(old, 'grown') - mean(old, 'default'):+.3f} | |")
    if r["seed_spread"]:
        spread = r["seed_spread"]
        lines += ["", f"For scale: one recipe over three seeds (OT contrastive, `objectives-ny`) moves a language's "
                  f"`udhr` RR@10 by {sum(spread.values()) / len(spread):.3f} on average (max "
                  f"{max(spread.values()):.3f}); {sum(v > r['tolerance'] for v in spread.values())} of "
                  f"{len(spread)} languages move by more than {r['tolerance']} (31 queries each: one query from rank "
                  f"1 to 2 is 0.016)."]
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
