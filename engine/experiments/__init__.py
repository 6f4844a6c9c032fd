"""Named experiment plans: train each student, evaluate it against the zero-shot baseline, write one table.

A plan is a list of runs (a name and :class:`DistillConfig` settings). ``run_plan`` trains every run that has no
student yet (finished runs are skipped, interrupted ones resume), evaluates each student on the plan's suites with
the zero-shot report as baseline, and writes ``reports/experiments/<plan>.json`` and ``.md``: per language, RR@10
and nDCG@10 of zero-shot and every run, the gap to English and the share of it closed.

    python -m engine experiment losses-ny      # zero-shot vs MSE-KD vs InfoNCE vs OT align vs OT contrastive

Modules: :mod:`~engine.experiments.plans` (what each plan trains), :mod:`~engine.experiments.runner` (train and
evaluate), :mod:`~engine.experiments.table` (Markdown comparison), :mod:`~engine.experiments.chart` (SVG).
"""

from engine.experiments.chart import udhr_chart, udhr_rr10
from engine.experiments.plans import (
    CLDR,
    LIBREOFFICE,
    PER_LANGUAGE_PAIRS,
    PLANS,
    Plan,
    Run,
    get_plan,
    shipped_inputs,
)
from engine.experiments.runner import run_plan
from engine.experiments.table import comparison_table

__all__ = [
    "CLDR",
    "LIBREOFFICE",
    "PER_LANGUAGE_PAIRS",
    "PLANS",
    "Plan",
    "Run",
    "comparison_table",
    "get_plan",
    "run_plan",
    "shipped_inputs",
    "udhr_chart",
    "udhr_rr10",
]
