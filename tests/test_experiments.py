"""Experiment plans, and the shipped tables and charts regenerated from the shipped results (the oracle)."""

import json
from dataclasses import fields
from pathlib import Path

import pytest

from engine.errors import UserError
from engine.experiments import PLANS, comparison_table, get_plan, udhr_chart
from engine.experiments.runner import read_baseline
from engine.training import DistillConfig

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports" / "experiments"


@pytest.mark.parametrize("name", sorted(PLANS))
def test_every_plan_builds_with_known_settings(name):
    plan = get_plan(name)
    known = {f.name for f in fields(DistillConfig)}
    assert plan.name == name and plan.runs
    for i, run in enumerate(plan.runs):
        assert set(plan.common) | set(run.settings) <= known, run.name
        if run.offsets_of is not None:  # a copy of a student trained (or shared) earlier in the same plan
            assert run.offsets_of in [r.name for r in plan.runs[:i]] and run.student is None, run.name
    assert len({r.name for r in plan.runs}) == len(plan.runs)


def test_unknown_plan_names_the_known_ones():
    with pytest.raises(UserError, match="choose from losses-ny, joint"):
        get_plan("nope")


@pytest.mark.parametrize("name", sorted(p.stem for p in REPORTS.glob("*.json") if not p.name.endswith(".stats.json")))
def test_shipped_table_and_chart_regenerate_byte_for_byte(name):
    results = json.loads((REPORTS / f"{name}.json").read_text(encoding="utf-8"))
    baseline = read_baseline(results["baseline"], ROOT)
    assert comparison_table(results, baseline) + "\n" == (REPORTS / f"{name}.md").read_text(encoding="utf-8")
    plan = get_plan(results["plan"])
    if "udhr" in plan.suites:
        assert udhr_chart(plan, results, baseline) == (REPORTS / f"{name}.svg").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(p.name[: -len(".stats.json")] for p in REPORTS.glob("*.stats.json")))
def test_shipped_statistics_table_regenerates_from_its_json(name):
    from engine.experiments.stats import stats_table

    stats = json.loads((REPORTS / f"{name}.stats.json").read_text(encoding="utf-8"))
    assert stats_table(stats) + "\n" == (REPORTS / f"{name}.stats.md").read_text(encoding="utf-8")
    for suite in stats["suites"].values():  # the per-query scores behind every test are kept
        for c in suite["comparisons"]:
            assert len(suite["per_query"][c["a"]]) == c["queries"] == len(suite["per_query"][c["b"]])
