"""Does the objective matter? Seeds, confidence intervals and paired significance tests over a plan's runs.

Runs named ``<system>-s<seed>`` form one system per name (e.g. ``ny-ot-contrastive-s13/-s14/-s15``). For each suite:

* per seed, the system's mean RR@10 (``udhr``: over every language but English; other suites: per language), and
  over seeds mean ± the 95 % Student-t half-width (:func:`engine.evaluation.significance.mean_ci`);
* per query, RR@10 averaged over the system's seeds (from the TREC runs the evaluation wrote), and every pair of
  systems compared on those queries with Fisher's randomisation test and the paired t-test; the randomisation
  p-values are Bonferroni-corrected over every comparison of the plan (all pairs × all suites).

Written to ``<reports>/<plan>.stats.json`` and ``.stats.md``; the per-query scores are kept in the JSON, so the tests
can be re-run from committed files.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

from engine.errors import UserError

SEED_SUFFIX = re.compile(r"^(?P<system>.+)-s(?P<seed>\d+)$")
MEASURE = "RR@10"


def group_runs(run_names: list[str]) -> dict[str, list[str]]:
    """``{system: [run, ...]}``: runs named ``<system>-s<seed>`` grouped; a run without a seed is its own system."""
    groups: dict[str, list[str]] = {}
    for name in run_names:
        m = SEED_SUFFIX.match(name)
        groups.setdefault(m["system"] if m else name, []).append(name)
    return groups


def per_query_scores(run_dir: Path, suite: str, langs: list[str], collection: str | None = None
                     ) -> dict[str, float]:
    """``{"lang/qid": RR@10}`` of one evaluated run, from its TREC run files ``<run_dir>/runs/<suite>.<lang>.trec``."""
    from engine.collection import load_collection
    from engine.evaluation.metrics import evaluate_run
    from engine.evaluation.significance import read_trec_run

    scores: dict[str, float] = {}
    for lang in langs:
        path = Path(run_dir) / "runs" / f"{suite}.{lang}.trec"
        if not path.is_file():
            raise UserError(f"no run file {suite}.{lang}.trec for {Path(run_dir).name}; evaluate it first")
        qrels = load_collection(collection or suite, lang).qrels
        _, per_query = evaluate_run(qrels, read_trec_run(path), (MEASURE,))
        scores.update({f"{lang}/{q}": v[MEASURE] for q, v in per_query.items()})
    return scores


def suite_langs(results: dict, suite: str) -> list[str]:
    """The non-English languages every run of the plan was evaluated on in ``suite``."""
    sets = [set(r["suites"].get(suite, {}).get("languages", {})) for r in results["runs"].values()]
    common = set.intersection(*sets) if sets else set()
    return sorted(common - {"en"})


def plan_stats(results: dict, reports_dir: Path, baseline_dir: Path | None = None, alpha: float = 0.05,
               n_permutations: int = 10000) -> dict:
    """Seed statistics and pairwise tests of a plan's results (``run_plan``'s return value). ``baseline_dir``: an
    evaluated zero-shot report directory (with ``runs/``), added as the system ``zero-shot`` when given."""
    from engine.evaluation.significance import compare_all, mean_ci

    plan = results["plan"]
    groups = group_runs(list(results["runs"]))
    run_dirs = {name: Path(reports_dir) / plan / name for name in results["runs"]}
    out: dict = {"plan": plan, "measure": MEASURE, "alpha": alpha, "n_permutations": n_permutations,
                 "correction": "bonferroni over every comparison of the plan", "systems": {}, "suites": {}}
    for system, names in groups.items():
        out["systems"][system] = {"runs": names, "seeds": [results["runs"][n]["config"].get("seed") for n in names]}
    pairs_per_suite = []
    for suite in sorted({s for r in results["runs"].values() for s in r["suites"]}):
        langs = suite_langs(results, suite)
        if not langs:
            continue
        systems: dict[str, dict] = {}
        query_scores: dict[str, dict[str, float]] = {}
        for system, names in groups.items():
            per_seed = [sum(results["runs"][n]["suites"][suite]["languages"][lang]["metrics"][MEASURE]
                            for lang in langs) / len(langs) for n in names]
            mean, half = mean_ci(per_seed)
            systems[system] = {"per_seed": per_seed, "mean": mean, "ci95": half}
            seeds = [per_query_scores(run_dirs[n], suite, langs) for n in names]
            query_scores[system] = {q: sum(s[q] for s in seeds) / len(seeds) for q in seeds[0]}
        if baseline_dir is not None and (Path(baseline_dir) / "runs").is_dir():
            query_scores["zero-shot"] = per_query_scores(baseline_dir, suite, langs)
            z = sum(query_scores["zero-shot"].values()) / len(query_scores["zero-shot"])
            systems["zero-shot"] = {"per_seed": [z], "mean": z, "ci95": 0.0}
        pairs = list(itertools.combinations(sorted(systems, key=lambda s: -systems[s]["mean"]), 2))
        pairs_per_suite.append((suite, pairs))
        out["suites"][suite] = {"languages": langs, "queries": len(next(iter(query_scores.values()))),
                                "systems": systems, "per_query": query_scores}
    flat = [(suite, a, b) for suite, pairs in pairs_per_suite for a, b in pairs]
    scores = {f"{suite}|{s}": v for suite in out["suites"] for s, v in out["suites"][suite]["per_query"].items()}
    comparisons = compare_all(scores, [(f"{s}|{a}", f"{s}|{b}") for s, a, b in flat], alpha, n_permutations)
    for (suite, a, b), comp in zip(flat, comparisons):
        row = comp.to_dict()
        row["a"], row["b"] = a, b
        out["suites"][suite].setdefault("comparisons", []).append(row)
    return out


def stats_table(stats: dict) -> str:
    """Markdown: per suite, each system's mean ± 95 % CI over seeds, then every pairwise comparison."""
    n_comparisons = sum(len(s.get("comparisons", [])) for s in stats["suites"].values())
    lines = [f"## {stats['plan']}: seeds, 95 % confidence intervals, paired tests", "",
             f"{stats['measure']} (translation-aligned retrieval, not human judgements). Mean over seeds ± the 95 % "
             f"Student-t half-width; per-query scores averaged over seeds, then compared pairwise with Fisher's "
             f"randomisation test ({stats['n_permutations']} sign flips) and the paired t-test; randomisation "
             f"p-values Bonferroni-corrected over all {n_comparisons} comparisons; significant at "
             f"α = {stats['alpha']}.", ""]
    for suite, s in stats["suites"].items():
        lines += [f"### {suite} ({len(s['languages'])} language(s): {', '.join(s['languages'])}; {s['queries']} "
                  f"queries)", "", "| system | seeds | per seed | mean ± 95 % CI |", "| --- | --- | --- | --- |"]
        for name, row in sorted(s["systems"].items(), key=lambda kv: -kv[1]["mean"]):
            seeds = len(row["per_seed"])
            per_seed = ", ".join(f"{v:.3f}" for v in row["per_seed"])
            ci = f"{row['mean']:.3f} ± {row['ci95']:.3f}" if seeds > 1 else f"{row['mean']:.3f}"
            lines.append(f"| {name} | {seeds} | {per_seed} | {ci} |")
        lines += ["", "| A | B | A − B | p (randomisation) | p (paired t) | p adjusted | significant |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for c in s.get("comparisons", []):
            lines.append(f"| {c['a']} | {c['b']} | {c['difference']:+.3f} | {c['p_randomization']:.4f} | "
                         f"{c['p_t']:.2g} | {c['p_adjusted']:.4f} | {'yes' if c['significant'] else 'no'} |")
        lines.append("")
    return "\n".join(lines)


def write_plan_stats(results: dict, reports_dir: Path, baseline_dir: Path | None = None, **kwargs) -> dict:
    from engine.fileio import write_text_atomic

    stats = plan_stats(results, reports_dir, baseline_dir, **kwargs)
    write_text_atomic(Path(reports_dir) / f"{results['plan']}.stats.json",
                      json.dumps(stats, indent=1, ensure_ascii=False) + "\n")
    write_text_atomic(Path(reports_dir) / f"{results['plan']}.stats.md", stats_table(stats) + "\n")
    return stats
