"""Run a plan: train every student that is missing (resume the interrupted), evaluate each against the zero-shot
baseline, and write ``<plan>.json``, the comparison table (``.md``) and the udhr chart (``.svg``)."""

from __future__ import annotations

import json
from pathlib import Path

from engine.artifacts import read_student_card
from engine.errors import UserError
from engine.experiments.chart import udhr_chart
from engine.experiments.plans import Plan, Run, student_path
from engine.experiments.stats import SEED_SUFFIX, write_plan_stats
from engine.experiments.table import comparison_table


def read_baseline(named: str | list[str], root: Path = Path(".")) -> dict:
    """The zero-shot report a plan compares with; several (suites evaluated at different times) are read as one, their
    suites in the order named."""
    reports = [json.loads((root / p).read_text(encoding="utf-8")) for p in ([named] if isinstance(named, str)
                                                                            else named)]
    return {**reports[0], "suites": {k: v for r in reports for k, v in r["suites"].items()}}


def run_plan(plan: Plan, runs_dir: Path, reports_dir: Path, baseline_path: Path, overrides: dict | None = None,
             trained_only: bool = False) -> dict:
    """Train (or resume) each run of ``plan`` under ``runs_dir``, evaluate it with ``baseline_path`` (the zero-shot
    report) as baseline, and write the plan's results, table and chart to ``reports_dir``; returns the results.

    ``overrides`` (``--set``) replace :class:`DistillConfig` settings for every run. ``trained_only``
    (``--trained-only``) trains nothing: the tables and statistics cover the runs whose students exist (and the
    copies with document offsets of those, made if missing).
    """
    from engine.encoders import load_encoder
    from engine.encoders.students import copy_with_offsets
    from engine.evaluation import EvalConfig, evaluate
    from engine.training import DistillConfig, distill
    from engine.training.checkpoint import LAST

    named = plan.baseline or str(baseline_path)
    for path in [named] if isinstance(named, str) else named:
        if not Path(path).is_file():
            raise UserError(f"{path} missing: run `python -m engine evaluate --suite {','.join(plan.suites)} "
                            f"--out {path}` first")
    baseline = read_baseline(named)
    teacher = load_encoder()
    results: dict = {"plan": plan.name, "description": plan.description, "baseline": named,
                     "runs": {}}
    caches: list = []  # frozen-bottom caches, shared by consecutive runs on the same bitext (losses, curves)
    texts = None
    for run in plan.runs:
        out = student_dir(runs_dir, plan, run)
        settings = {**plan.common, **run.settings, **(overrides or {})}
        if run.offsets_of is not None and not (out / "summary.json").is_file():  # no training: done even so
            source_dir = student_dir(runs_dir, plan, next(r for r in plan.runs if r.name == run.offsets_of))
            if not (source_dir / "summary.json").is_file():
                continue  # its student is not trained yet (a plan cut short)
            copy_with_offsets(source_dir, out, units=run.offset_units)
        if trained_only and not (out / "summary.json").is_file():
            continue
        if not (out / "summary.json").is_file():
            config = DistillConfig(out=str(out), **settings)
            if texts != (tuple(config.bitext), tuple(config.langs)):
                caches, texts = [], (tuple(config.bitext), tuple(config.langs))
            distill(config, resume=(out / LAST).is_dir(), teacher=teacher, bottom_caches=caches)
        summary = json.loads((out / "summary.json").read_text())
        report_path = reports_dir / plan.name / f"{run.name}.json"
        fallback = read_student_card(out).fallback_langs
        report = json.loads(report_path.read_text()) if report_path.is_file() else None
        if report is None or (fallback and report["config"].get("route", True)):
            # the student answers every language here (no fallback routing), so the table shows what each loss did
            suites = [s for s in plan.suites if s in baseline["suites"]]
            report = evaluate(load_encoder(out), EvalConfig(suites=suites, route=False), out=report_path,
                              baseline=baseline)
        results["runs"][run.name] = {"config": settings, "report": str(report_path),
                                     "pairs_per_second": summary["pairs_per_second"],
                                     "pairs_seen": summary["pairs_seen"],
                                     "fallback_langs": fallback,  # a report made for another plan: its suites
                                     "suites": {s: v for s, v in report["suites"].items() if s in plan.suites}}
    from engine.fileio import write_text_atomic

    write_text_atomic(reports_dir / f"{plan.name}.json", json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    write_text_atomic(reports_dir / f"{plan.name}.md", comparison_table(results, baseline) + "\n")
    if "udhr" in plan.suites:
        write_text_atomic(reports_dir / f"{plan.name}.svg", udhr_chart(plan, results, baseline))
    if any(SEED_SUFFIX.match(name) for name in results["runs"]):  # a plan with seeds: CIs and paired tests
        # (written from the first seeded run on, so a plan cut short still compares its systems query by query)
        write_plan_stats(results, reports_dir, baseline_runs(runs_dir, plan.suites))
    return results


def student_dir(runs_dir: Path, plan: Plan, run: Run) -> Path:
    """Where ``run``'s student is trained: ``runs_dir`` / :func:`engine.experiments.plans.student_path`."""
    return runs_dir / student_path(plan, run)


def baseline_runs(runs_dir: Path, suites: list[str]) -> Path:
    """A directory with the zero-shot model's TREC runs on ``suites`` (``<dir>/runs``), evaluated once under
    ``runs_dir`` (run files are not committed; the zero-shot report is)."""
    from engine.encoders import load_encoder
    from engine.evaluation import EvalConfig, evaluate

    out = Path(runs_dir) / "zero-shot" / "report.json"
    missing = [s for s in suites if not list((out.with_suffix("") / "runs").glob(f"{s}.*.trec"))]
    if missing:
        evaluate(load_encoder(), EvalConfig(suites=missing), out=out.with_name(f"report-{'-'.join(missing)}.json"))
        for done in out.parent.glob("report-*/runs/*.trec"):
            (out.with_suffix("") / "runs").mkdir(parents=True, exist_ok=True)
            done.replace(out.with_suffix("") / "runs" / done.name)
    return out.with_suffix("")
