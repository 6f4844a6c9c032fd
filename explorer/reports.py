"""Committed evaluation reports (``reports/**/*.json``) as one comparison: per suite, language and model.

Each report is the JSON written by :func:`engine.evaluation.evaluate` (``kind: optical-clir evaluation``); its label
is the folder it sits in under ``reports/`` (``zero-shot``, ``mse``, ``ot``, ...) and the model name, so base,
MSE-KD and OT students line up side by side whichever of them exist. Files that are not such reports are skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

REPORTS_DIR = Path(__file__).resolve().parents[1] / "reports"
KIND = "optical-clir evaluation"


@dataclass
class Report:
    label: str
    path: Path
    data: dict

    @property
    def measures(self) -> list[str]:
        return list(self.data.get("measures", []))

    def languages(self, suite: str) -> dict[str, dict]:
        return self.data.get("suites", {}).get(suite, {}).get("languages", {})


def _label(path: Path, root: Path, data: dict) -> str:
    rel = path.relative_to(root)
    group = rel.parts[0] if len(rel.parts) > 1 else rel.stem
    name = data.get("model", {}).get("name", rel.stem)
    return group if name in group else f"{group}: {name}"


def load_reports(root: Path = REPORTS_DIR) -> list[Report]:
    """Every evaluation report under ``root``, zero-shot first, then by label."""
    out: list[Report] = []
    if not root.is_dir():
        return out
    for path in sorted(root.rglob("*.json")):
        if "runs" in path.parts:
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("kind") == KIND and isinstance(data.get("suites"), dict):
            out.append(Report(_label(path, root, data), path, data))
    out.sort(key=lambda r: (not r.label.startswith("zero-shot"), r.label))
    return out


def suites(reports: list[Report]) -> list[str]:
    return list(dict.fromkeys(s for r in reports for s in r.data["suites"]))


def measures(reports: list[Report]) -> list[str]:
    return list(dict.fromkeys(m for r in reports for m in r.measures))


def comparison_rows(reports: list[Report], suite: str, measure: str) -> tuple[list[str], list[list]]:
    """Table header and rows: one row per language; per report its score and its gap to English."""
    langs = list(dict.fromkeys(lang for r in reports for lang in r.languages(suite)))
    header = ["language", "queries"]
    for r in reports:
        header += [f"{r.label} {measure}", f"{r.label} gap"]
    rows = []
    for lang in langs:
        queries = next((r.languages(suite)[lang].get("queries") for r in reports if lang in r.languages(suite)), None)
        row: list = [lang, queries]
        for r in reports:
            entry = r.languages(suite).get(lang, {})
            score = entry.get("metrics", {}).get(measure)
            gap = entry.get("gap", {}).get(measure)
            row += [None if score is None else round(score, 4), None if gap is None else round(gap, 4)]
        rows.append(row)
    return header, rows


def gap_figure(reports: list[Report], suite: str, measure: str):
    """Grouped bars: per language (English excluded), each report's gap to its English ceiling."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for r in reports:
        langs = [lang for lang in r.languages(suite) if lang != "en"]
        fig.add_bar(name=r.label, x=langs, y=[r.languages(suite)[lang].get("gap", {}).get(measure) for lang in langs],
                    hovertemplate="%{x}: gap %{y:.3f}<extra>" + r.label + "</extra>")
    fig.update_layout(title=f"{suite}: gap to English ({measure}; lower is better)", barmode="group",
                      yaxis_title=f"English − language {measure}", template="plotly_white", height=420,
                      legend=dict(orientation="h", y=-0.2))
    return fig


def alignment_quality_view(method: str = "intersection", measure: str = "f1", path: Path | None = None
                           ) -> tuple[str, list[str], list[list]] | None:
    """The committed word-alignment report (:func:`engine.explain.load_alignment_quality`) as ``(Markdown, header,
    rows)`` for the Evaluation tab, or ``None`` when it has not been written. Its reference is **silver** (eflomal),
    not human gold, and the text says so."""
    from engine.explain import load_alignment_quality

    q = load_alignment_quality(path) if path is not None else load_alignment_quality()
    if q is None:
        return None
    header, rows = q.rows(method, measure)
    silver = q.data.get("silver", {}).get("name", "an independent aligner")
    text = (f"### Word alignments read off the plans (silver reference: {silver}, not gold)\n{q.note} "
            f"`{method}` links, {measure}; Δ = student − base. From `{_shown(q.path)}`.")
    return text, header, rows


def _shown(path: Path) -> Path:
    root = REPORTS_DIR.parent
    path = path.resolve()
    return path.relative_to(root) if path.is_relative_to(root) else Path(path.name)
