"""Evaluation reports: JSON (the record), Markdown (for the README), plotly HTML (the gap chart).

Per language and measure ``m``:

* ``gap[m] = English[m] − language[m]`` — how far the language is from the English ceiling of the same model;
* ``gap_closed[m] = (model[m] − baseline[m]) / (English_baseline[m] − baseline[m])`` when a baseline report is
  given: the share of the baseline's gap to English that the model closed (1.0 = reached English, negative = worse
  than the baseline). The ceiling is the *baseline's* English score, because documents are always encoded by the
  frozen teacher; undefined (``null``) where the baseline already matches English.

All files are written atomically: a crash never leaves half a report.
"""

from __future__ import annotations

import json
from pathlib import Path

from engine.fileio import write_text_atomic

HONEST_LABEL = ("translation-aligned retrieval: queries and relevant documents are translations of each other "
                "(a low-resource unit and its English source, either way round); these are not human relevance "
                "judgements")


def add_gaps(report: dict, baseline: dict | None = None) -> dict:
    """Fill ``gap`` (and ``gap_closed`` with a baseline) for every non-English language of every suite."""
    for suite_name, suite in report["suites"].items():
        langs = suite["languages"]
        english = langs.get("en", {}).get("metrics")
        base_suite = (baseline or {}).get("suites", {}).get(suite_name, {}).get("languages", {})
        base_en = base_suite.get("en", {}).get("metrics")
        for lang, row in langs.items():
            if lang == "en":
                continue
            if english:
                row["gap"] = {m: english[m] - v for m, v in row["metrics"].items() if m in english}
            base = base_suite.get(lang, {}).get("metrics")
            if base and base_en:
                row["baseline"] = base
                row["gap_closed"] = {
                    m: (None if abs(base_en[m] - base[m]) < 1e-9 else (v - base[m]) / (base_en[m] - base[m]))
                    for m, v in row["metrics"].items() if m in base and m in base_en
                }
    return report


def _fmt(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def markdown_table(report: dict, measures: list[str] | None = None) -> str:
    measures = measures or report["measures"]
    lines = [f"Model: `{report['model']['name']}` (fingerprint `{report['model']['fingerprint']}`). "
             f"Suites are {HONEST_LABEL}.", ""]
    for suite_name, suite in report["suites"].items():
        has_closed = any("gap_closed" in r for r in suite["languages"].values())
        shown = [*measures, *(["SameLang@10"] if any("SameLang@10" in r["metrics"]  # language bias, 0.5 = none
                                                       for r in suite["languages"].values()) else [])]
        head = ["lang", "queries", *shown, "gap RR@10"] + (["gap closed RR@10"] if has_closed else [])
        lines += [f"### {suite_name}", "", "| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        for lang, row in suite["languages"].items():
            cells = [lang, str(row["queries"]), *(_fmt(row["metrics"].get(m)) for m in shown),
                     _fmt(row.get("gap", {}).get("RR@10"))]
            if has_closed:
                cells.append(_fmt(row.get("gap_closed", {}).get("RR@10")))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def gap_chart_html(report: dict, measure: str = "RR@10", plotlyjs: str = "cdn") -> str:
    """Grouped bars: per suite, each language's score next to the English ceiling."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for suite_name, suite in report["suites"].items():
        langs = [lang for lang in suite["languages"] if lang != "en"]
        fig.add_bar(name=f"{suite_name}: gap to English", x=langs,
                    y=[suite["languages"][lang].get("gap", {}).get(measure) for lang in langs])
    fig.update_layout(title=f"Gap to English ({measure}, lower is better) — {report['model']['name']}",
                      barmode="group", yaxis_title=f"English − language {measure}", template="plotly_white")
    return fig.to_html(include_plotlyjs=plotlyjs, full_html=True)


def write_report(report: dict, out: Path, plotlyjs: str = "cdn") -> dict[str, Path]:
    """Write ``out`` (JSON) plus ``.md`` and ``.html`` beside it; returns the paths."""
    out = Path(out)
    paths = {"json": out, "markdown": out.with_suffix(".md"), "chart": out.with_suffix(".html")}
    write_text_atomic(paths["json"], json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    write_text_atomic(paths["markdown"], markdown_table(report) + "\n")
    write_text_atomic(paths["chart"], gap_chart_html(report, plotlyjs=plotlyjs))
    return paths
