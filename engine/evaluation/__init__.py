"""Evaluation: dense retrieval on suites, ir_measures metrics, per-language gap reports."""

from engine.evaluation.evaluate import EvalConfig, evaluate
from engine.evaluation.metrics import DEFAULT_MEASURES, evaluate_run
from engine.evaluation.report import add_gaps, markdown_table, write_report

__all__ = ["DEFAULT_MEASURES", "EvalConfig", "add_gaps", "evaluate", "evaluate_run", "markdown_table",
           "write_report"]
