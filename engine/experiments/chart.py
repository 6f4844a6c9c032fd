"""The udhr RR@10 chart of a plan (SVG), shaped by ``Plan.chart``: bars per run, each language's own student, or a
learning curve."""

from __future__ import annotations

from engine.experiments.plans import Plan


def udhr_rr10(suites: dict) -> dict[str, float]:
    """``{lang: RR@10}`` on the ``udhr`` suite of a report's (or a run's) ``suites``."""
    return {lang: row["metrics"]["RR@10"] for lang, row in suites.get("udhr", {}).get("languages", {}).items()}


def udhr_chart(plan: Plan, results: dict, baseline: dict) -> str:
    """The plan's udhr RR@10 as SVG (:mod:`engine.evaluation.svg`), shaped by ``plan.chart``."""
    from engine.evaluation.svg import bar_chart, line_chart

    zero = udhr_rr10(baseline["suites"])
    runs = {name: udhr_rr10(r["suites"]) for name, r in results["runs"].items()}
    langs = [lang for lang in zero if lang != "en"]
    title = f"{plan.name}: udhr RR@10 per language (translation-aligned retrieval)"
    if plan.chart == "curve":
        lang = plan.common["langs"][0]
        sizes = [int(results["runs"][r.name]["config"]["max_pairs"]) for r in plan.runs]
        mean = lambda v: sum(v[x] for x in langs) / len(langs)  # noqa: E731
        series = {f"{lang}: OT student": [runs[r.name][lang] for r in plan.runs],
                  f"{lang}: zero-shot": [zero[lang]] * len(sizes),
                  f"mean of {len(langs)} languages: OT student": [mean(runs[r.name]) for r in plan.runs],
                  f"mean of {len(langs)} languages: zero-shot": [mean(zero)] * len(sizes)}
        names = list(series)
        return line_chart(sizes, series, f"{plan.name}: udhr RR@10 vs {lang}–English training pairs",
                          "training pairs (log scale)", "RR@10",
                          colors=dict(zip(names, ["#1f77b4", "#1f77b4", "#ff7f0e", "#ff7f0e"])),
                          dashed=(names[1], names[3]))
    if plan.chart == "own-language":
        series = {"zero-shot": [zero[x] for x in langs],
                  "its own OT student": [runs.get(x, {}).get(x) for x in langs]}
    else:
        series = {"zero-shot": [zero[x] for x in langs], **{n: [v.get(x) for x in langs] for n, v in runs.items()}}
    return bar_chart(langs, series, title, reference=zero.get("en"), reference_label="English")
