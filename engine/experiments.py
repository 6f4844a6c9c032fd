"""Named experiment plans: train each student, evaluate it against the zero-shot baseline, write one table.

A plan is a list of runs (a name and :class:`DistillConfig` settings). ``run_plan`` trains every run that has no
student yet (finished runs are skipped, interrupted ones resume), evaluates each student on the plan's suites with
the zero-shot report as baseline, and writes ``reports/experiments/<plan>.json`` and ``.md``: per language, RR@10
and nDCG@10 of zero-shot and every run, the gap to English and the share of it closed.

    python -m engine experiment losses-ny      # zero-shot vs MSE-KD vs InfoNCE vs OT align vs OT contrastive
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import UserError

# Languages with shipped training bitext, by source (see data/bitext/manifest.json).
LIBREOFFICE = ["am", "mr", "om", "rw", "xh", "zu"]
CLDR = ["am", "ha", "ig", "ln", "lg", "mr", "om", "rw", "sn", "so", "sw", "ti", "tl", "wo", "xh", "yo", "zu"]


def shipped_inputs(langs: list[str]) -> tuple[list[str], list[str]]:
    """``--bitext shipped`` entries for languages (every shipped source of each)."""
    return ["shipped"] * len(langs), list(langs)


@dataclass
class Run:
    name: str
    settings: dict
    student: str | None = None  # run directory under --runs when the student is shared with another plan


# Shared students: the 10,000-pair points of the learning curves are the per-language students of those languages.
PER_LANGUAGE_PAIRS = 10000


@dataclass
class Plan:
    name: str
    description: str
    runs: list[Run]
    suites: list[str] = field(default_factory=lambda: ["udhr"])
    common: dict = field(default_factory=dict)
    chart: str = "runs"  # the udhr SVG: "runs" (a bar per run), "own-language" (each language's student), "curve"


def _losses_plan(lang: str, pairs: int) -> Plan:
    common = dict(bitext=["shipped:bible"], langs=[lang], max_pairs=pairs, eval_every=30)
    return Plan(
        name=f"losses-{lang}",
        description=f"Five ways to use {pairs} {lang}–English Bible pairs, same budget (top 4 layers, 1 epoch)",
        runs=[Run(f"{lang}-{loss}", {"loss": loss}) for loss in ("mse", "infonce", "ot-align", "ot-contrastive")],
        suites=["udhr", "bible-ny"] if lang == "ny" else ["udhr"],
        common=common,
    )


def _joint_plan(pairs: int, name: str = "joint") -> Plan:
    langs = sorted(set(LIBREOFFICE + CLDR + ["ny"]))
    bitext, codes = shipped_inputs(langs)
    return Plan(
        name=name,
        description=f"One OT-contrastive student for {len(langs)} languages (all shipped bitext, ≤{pairs} pairs each)",
        runs=[Run(f"{name}-ot-contrastive", {"loss": "ot-contrastive"})],
        suites=["udhr", "bible-ny", "l10n"],
        common=dict(bitext=bitext, langs=codes, max_pairs=pairs, dev_pairs=60, eval_every=100),
    )


def _curve_plan(lang: str, sizes: tuple[int, ...]) -> Plan:
    return Plan(
        name=f"curve-{lang}",
        description=f"Learning curve of the OT-contrastive student for {lang}: training pairs vs RR@10",
        runs=[Run(f"{lang}-{n}", {"max_pairs": n},
                  student=f"per-language/{lang}" if n == PER_LANGUAGE_PAIRS else None) for n in sizes],
        common=dict(bitext=["shipped"], langs=[lang], loss="ot-contrastive", eval_every=60),
        chart="curve",
    )


def _per_language_plan() -> Plan:
    langs = sorted(set(LIBREOFFICE + CLDR + ["ny"]))
    return Plan(
        name="per-language",
        description=f"One OT-contrastive student per language ({len(langs)} languages, all shipped bitext of the "
                    f"language, ≤{PER_LANGUAGE_PAIRS} pairs), every student evaluated on every language",
        runs=[Run(lang, {"bitext": ["shipped"], "langs": [lang]}) for lang in langs],
        common=dict(loss="ot-contrastive", max_pairs=PER_LANGUAGE_PAIRS, eval_every=60),
        chart="own-language",
    )


def _train_modes_plan(lang: str, pairs: int) -> Plan:
    return Plan(
        name=f"train-{lang}",
        description=f"What trains: top 4 layers vs LoRA (r=16, all linear layers, lr 2e-4) vs the full encoder "
                    f"(embeddings frozen), OT contrastive, {pairs} {lang}–English Bible pairs, 1 epoch",
        # LoRA's update is B·A with B = 0 at the start: it needs a larger step than fine-tuning (Hu et al. 2021)
        runs=[Run(f"{lang}-top4", {"train": "top:4"}), Run(f"{lang}-lora", {"train": "lora", "lr": 2e-4}),
              Run(f"{lang}-full", {"train": "full"})],
        suites=["udhr", "bible-ny"] if lang == "ny" else ["udhr"],
        common=dict(bitext=["shipped:bible"], langs=[lang], max_pairs=pairs, eval_every=30, loss="ot-contrastive"),
    )


PLANS = {
    "losses-ny": lambda: _losses_plan("ny", 3000),
    "joint": lambda: _joint_plan(800),
    "joint-3000": lambda: _joint_plan(3000, "joint-3000"),
    "curve-ny": lambda: _curve_plan("ny", (100, 1000, 10000)),
    "curve-am": lambda: _curve_plan("am", (100, 1000, 10000)),
    "per-language": _per_language_plan,
    "train-ny": lambda: _train_modes_plan("ny", 3000),
}


def get_plan(name: str) -> Plan:
    if name not in PLANS:
        raise UserError(f"unknown experiment {name!r}; choose from {', '.join(PLANS)}")
    return PLANS[name]()


def run_plan(plan: Plan, runs_dir: Path, reports_dir: Path, baseline_path: Path, overrides: dict | None = None
             ) -> dict:
    from engine.encoders import load_encoder
    from engine.evaluation import EvalConfig, evaluate
    from engine.training import DistillConfig, distill

    if not baseline_path.is_file():
        raise UserError(f"{baseline_path} missing: run `python -m engine evaluate --suite udhr,bible-ny,l10n "
                        f"--out {baseline_path}` first")
    baseline = json.loads(baseline_path.read_text())
    teacher = load_encoder()
    results: dict = {"plan": plan.name, "description": plan.description, "baseline": str(baseline_path),
                     "runs": {}}
    caches: list = []  # frozen-bottom caches, shared by consecutive runs on the same bitext (losses, curves)
    texts = None
    for run in plan.runs:
        out = runs_dir / (run.student or f"{plan.name}/{run.name}")
        settings = {**plan.common, **run.settings, **(overrides or {})}
        config = DistillConfig(out=str(out), **settings)
        if not (out / "summary.json").is_file():
            if texts != (tuple(config.bitext), tuple(config.langs)):
                caches, texts = [], (tuple(config.bitext), tuple(config.langs))
            distill(config, resume=(out / "checkpoint-last").is_dir(), teacher=teacher, bottom_caches=caches)
        summary = json.loads((out / "summary.json").read_text())
        report_path = reports_dir / plan.name / f"{run.name}.json"
        fallback = json.loads((out / "student.json").read_text())["fallback_langs"]
        report = json.loads(report_path.read_text()) if report_path.is_file() else None
        if report is None or (fallback and report["config"].get("route", True)):
            # the student answers every language here (no fallback routing), so the table shows what each loss did
            suites = [s for s in plan.suites if s in baseline["suites"]]
            report = evaluate(load_encoder(out), EvalConfig(suites=suites, route=False), out=report_path,
                              baseline=baseline)
        results["runs"][run.name] = {"config": settings, "report": str(report_path),
                                     "pairs_per_second": summary["pairs_per_second"],
                                     "pairs_seen": summary["pairs_seen"],
                                     "fallback_langs": fallback, "suites": report["suites"]}
    from engine.fileio import write_text_atomic

    write_text_atomic(reports_dir / f"{plan.name}.json", json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    write_text_atomic(reports_dir / f"{plan.name}.md", comparison_table(results, baseline) + "\n")
    write_text_atomic(reports_dir / f"{plan.name}.svg", udhr_chart(plan, results, baseline))
    return results


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


def comparison_table(results: dict, baseline: dict, measures: tuple[str, ...] = ("RR@10", "nDCG@10")) -> str:
    """Per suite and language: zero-shot and every run side by side; the last columns say how much gap closed."""
    from engine.evaluation.report import HONEST_LABEL

    lines = [f"## {results['plan']}: {results['description']}", "",
             f"Suites are {HONEST_LABEL}. Cells: RR@10 / nDCG@10; *closed* = share of the zero-shot gap to English "
             "closed on RR@10. Student queries (every language, no fallback routing), teacher documents (one "
             "shared index).", ""]
    for name, r in results["runs"].items():
        lines.append(f"- `{name}`: {r['pairs_seen']} pairs seen, {r['pairs_per_second']:.1f} pairs/s; dev selection "
                     f"routes {', '.join(r['fallback_langs']) or 'no language'} back to the base model")
    lines.append("")
    runs = results["runs"]
    for suite, base_suite in baseline["suites"].items():
        if not any(suite in r["suites"] for r in runs.values()):
            continue
        head = ["lang", "zero-shot", *runs, *(f"closed: {r}" for r in runs)]
        lines += [f"### {suite}", "", "| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        for lang, row in base_suite["languages"].items():
            cells = [lang, " / ".join(f"{row['metrics'][m]:.3f}" for m in measures)]
            closed = []
            for r in runs.values():
                got = r["suites"].get(suite, {}).get("languages", {}).get(lang)
                cells.append(" / ".join(f"{got['metrics'][m]:.3f}" for m in measures) if got else "–")
                c = (got or {}).get("gap_closed", {}).get("RR@10")
                closed.append("–" if c is None else f"{c:+.2f}")
            lines.append("| " + " | ".join(cells + closed) + " |")
        lines.append("")
    return "\n".join(lines)

