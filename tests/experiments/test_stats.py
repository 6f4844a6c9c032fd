import json

import pytest

from engine.collection import load_collection
from engine.evaluation.dense import write_trec_run
from engine.experiments.stats import group_runs, plan_stats, stats_table, write_plan_stats


def test_runs_group_by_their_seed_suffix():
    assert group_runs(["ny-infonce-s13", "ny-infonce-s14", "ny-mse-s13", "zero"]) == {
        "ny-infonce": ["ny-infonce-s13", "ny-infonce-s14"], "ny-mse": ["ny-mse-s13"], "zero": ["zero"]}


def _write_run(reports, plan, name, lang, rank_of_relevant):
    """A TREC run on the shipped udhr suite where every query's relevant document sits at ``rank_of_relevant``."""
    coll = load_collection("udhr", lang)
    others = [d for d in coll.docs][:20]
    run = {}
    for qid, rel in coll.qrels.items():
        relevant = next(d for d, g in rel.items() if g > 0)
        ranked = [d for d in others if d != relevant][: rank_of_relevant(qid) - 1] + [relevant]
        run[qid] = {d: 1.0 - i / 100 for i, d in enumerate(ranked)}
    write_trec_run(run, reports / plan / name / "runs" / f"udhr.{lang}.trec", tag=name)
    agg = sum(1.0 / rank_of_relevant(q) for q in coll.qrels) / len(coll.qrels)
    return {"config": {"seed": int(name[-2:])}, "suites": {"udhr": {"languages": {
        lang: {"metrics": {"RR@10": agg}}, "en": {"metrics": {"RR@10": 1.0}}}}}}


def test_plan_stats_reads_trec_runs_and_tests_every_pair(tmp_path):
    first = lambda q: 1  # noqa: E731
    second = lambda q: 2  # noqa: E731
    mixed = lambda q: 1 if int(q.split("-")[-1].lstrip("a") or 0) % 2 else 2  # noqa: E731
    results = {"plan": "p", "runs": {
        "good-s13": _write_run(tmp_path, "p", "good-s13", "ny", first),
        "good-s14": _write_run(tmp_path, "p", "good-s14", "ny", first),
        "weak-s13": _write_run(tmp_path, "p", "weak-s13", "ny", second),
        "weak-s14": _write_run(tmp_path, "p", "weak-s14", "ny", mixed),
    }}
    stats = plan_stats(results, tmp_path, n_permutations=2000)
    udhr = stats["suites"]["udhr"]
    assert udhr["languages"] == ["ny"] and udhr["queries"] == len(load_collection("udhr", "ny").qrels)
    assert udhr["systems"]["good"]["mean"] == pytest.approx(1.0) and udhr["systems"]["good"]["ci95"] == 0.0
    per_query_weak = udhr["per_query"]["weak"]
    assert set(per_query_weak.values()) <= {0.5, 0.75}  # 1/2 or the mean of 1/2 and 1 over the two seeds
    (comp,) = udhr["comparisons"]
    assert comp["a"] == "good" and comp["b"] == "weak" and comp["difference"] > 0.2 and comp["significant"]
    table = stats_table(stats)
    assert "| good | weak |" in table and "yes |" in table
    write_plan_stats(results, tmp_path, n_permutations=500)
    assert json.loads((tmp_path / "p.stats.json").read_text())["suites"]["udhr"]["comparisons"]
