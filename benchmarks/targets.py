"""The distillation targets of issue 4, checked against the committed reports. Prints JSON; reads, never trains.

* **gap closed** — for each language with >= 5,000 shipped training pairs, its own per-language OT student
  (``reports/experiments/per-language.json``): the share of the zero-shot ``udhr`` RR@10 gap to English closed,
  :math:`(s - z) / (e - z)`; averaged over those languages that have a gap (a language at the ceiling has none).
  Target >= 0.5.
* **no drop** — every language's own student (and the joint student, for every language) stays within 0.02 RR@10
  of zero-shot. Cross-language effects of single-language students (e.g. the Amharic student on Swahili queries)
  are listed too, for information: with routing, a query only ever meets its own language's student.
* **English** — RR@10 of English queries >= 0.98 for every OT student.
* **losses** — the best OT loss beats MSE-KD and pooled InfoNCE on the mean over languages (``losses-ny``).
* **speed** — pairs/s of the default training configuration (``reports/benchmarks/distill.json``), >= 30.

    python benchmarks/targets.py [--reports reports]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from engine.experiments import udhr_rr10

REPO = Path(__file__).resolve().parents[1]
MEASURE = "RR@10"


def train_pairs() -> dict[str, int]:
    """Shipped training pairs per language, over every source (data/bitext/manifest.json)."""
    manifest = json.loads((REPO / "data" / "bitext" / "manifest.json").read_text())
    out: dict[str, int] = {}
    for f in manifest["files"]:
        name = Path(f["path"]).name
        if name.endswith(".train.tsv.gz"):
            lang = name.split(".")[0]
            out[lang] = out.get(lang, 0) + int(f["lines"])
    return out


def udhr(run: dict) -> dict[str, float]:
    return udhr_rr10(run["suites"])


def load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.is_file() else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", default=str(REPO / "reports"))
    args = ap.parse_args()
    reports = Path(args.reports)
    zero = udhr(load(reports / "zero-shot" / "multilingual-e5-small.json"))
    pairs = train_pairs()
    out: dict = {"measure": f"udhr {MEASURE}", "train_pairs": dict(sorted(pairs.items()))}

    per_lang = load(reports / "experiments" / "per-language.json")
    if per_lang:
        own = {lang: udhr(run)[lang] for lang, run in per_lang["runs"].items() if lang in udhr(run)}
        big = sorted(lang for lang, n in pairs.items() if n >= 5000 and lang in own)
        closed = {lang: (own[lang] - zero[lang]) / (zero["en"] - zero[lang]) for lang in big
                  if zero["en"] - zero[lang] > 1e-9}
        mean_closed = sum(closed.values()) / len(closed) if closed else None
        out["gap_closed"] = {"languages_with_5000_pairs": big, "per_language": closed,
                             "at_ceiling": [lang for lang in big if lang not in closed], "mean": mean_closed,
                             "target": 0.5, "met": mean_closed is not None and mean_closed >= 0.5}
        drops = {lang: own[lang] - zero[lang] for lang in own}
        cross = {f"{student}->{lang}": s - zero[lang] for student, run in per_lang["runs"].items()
                 for lang, s in udhr(run).items() if lang not in (student, "en")}
        worst_cross = sorted(cross.items(), key=lambda kv: kv[1])[:5]
        out["own_student_vs_zero_shot"] = {"per_language": drops, "worst": min(drops.values()),
                                           "target": -0.02, "met": min(drops.values()) >= -0.02,
                                           "cross_language_worst (information)": dict(worst_cross)}
        out["english"] = {"per_student": {s: udhr(run)["en"] for s, run in per_lang["runs"].items()}}
    joint = load(reports / "experiments" / "joint.json")
    if joint:
        run = next(iter(joint["runs"].values()))
        drops = {lang: s - zero[lang] for lang, s in udhr(run).items() if lang != "en"}
        out["joint_vs_zero_shot"] = {"worst": min(drops.values()), "worst_language": min(drops, key=drops.get),
                                     "met": min(drops.values()) >= -0.02, "english": udhr(run)["en"]}
    if "english" in out:
        worst_en = min(out["english"]["per_student"].values())
        out["english"].update(worst=worst_en, target=0.98, met=worst_en >= 0.98)
    losses = load(reports / "experiments" / "losses-ny.json")
    if losses:
        means = {name: sum(v for lang, v in udhr(run).items() if lang != "en") / (len(udhr(run)) - 1)
                 for name, run in losses["runs"].items()}
        ot = max((n for n in means if "-ot-" in n), key=means.get)
        others = {n: m for n, m in means.items() if n.endswith(("-mse", "-infonce"))}
        out["losses"] = {"mean_over_languages": means, "best_ot": ot,
                         "met": all(means[ot] > m for m in others.values()),
                         "margin_over_best_baseline": means[ot] - max(others.values())}
    speed = load(reports / "benchmarks" / "distill.json")
    if speed:
        row = speed["configs"].get("top:4/ot-contrastive", {})
        out["speed"] = {"config": "top:4/ot-contrastive (default)", "precision": row.get("precision"),
                        "cold_pairs_per_s": row.get("cold", {}).get("pairs_per_s"),
                        "warm_pairs_per_s": row.get("warm", {}).get("pairs_per_s"), "target": 30,
                        "met_warm": row.get("warm", {}).get("pairs_per_s", 0) >= 30,
                        "met_cold": row.get("cold", {}).get("pairs_per_s", 0) >= 30}
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
