"""The alignment-quality report (``benchmarks/bench_alignment_quality.py`` writes it), read for display.

``reports/alignment/quality.json`` holds, per language and model (``base``, ``student``), the precision / recall /
F1 / AER of word alignments read off the transport plans against a **silver** reference (an independent aligner,
eflomal, not human gold), and how many name/number anchors the plans link. :func:`load_alignment_quality` reads
it; :meth:`AlignmentQuality.rows` turns it into one table for the explorer's Evaluation tab.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from engine.errors import UserError

QUALITY_REPORT = Path(__file__).resolve().parents[2] / "reports" / "alignment" / "quality.json"
METHODS = ("intersection", "gdfa", "forward", "maxsim_intersection")
MEASURES = ("f1", "precision", "recall", "aer")
MODELS = ("base", "student")


@dataclass
class AlignmentQuality:
    data: dict
    path: Path

    @property
    def languages(self) -> list[str]:
        return list(self.data.get("languages", {}))

    @property
    def note(self) -> str:
        """One line for above the table: the reference, ε and the scope."""
        d = self.data
        return (f"Word alignments read off the transport plans (ε = {d.get('eps')}) against silver alignments from "
                f"{d.get('silver', {}).get('name', 'an independent aligner')} (not human gold), on "
                f"{d.get('pairs_per_language')} held-out pairs per language; content words only.")

    def rows(self, method: str = "intersection", measure: str = "f1") -> tuple[list[str], list[list]]:
        """``(header, rows)``: per language, pairs, base and student ``measure`` for ``method``, the difference, and
        the share of anchors (names/numbers) each plan links (forward argmax); a last row with the mean."""
        if method not in METHODS or measure not in MEASURES:
            raise UserError(f"method must be one of {', '.join(METHODS)} and measure one of {', '.join(MEASURES)}")
        header = ["lang", "pairs", f"base {measure}", f"student {measure}", "Δ", "anchors linked (base)",
                  "anchors linked (student)"]
        rows = []
        for lang, entry in self.data.get("languages", {}).items():
            scores = [entry.get(m, {}).get(method, {}).get(measure) for m in MODELS]
            anchors = [_anchor_share(entry.get(m, {})) for m in MODELS]
            delta = round(scores[1] - scores[0], 4) if None not in scores else None
            rows.append([lang, entry.get("pairs"), *scores, delta, *anchors])
        if rows:
            mean = [_mean([r[i] for r in rows]) for i in range(2, 5)]
            rows.append(["mean", sum(r[1] or 0 for r in rows), *mean, None, None])
        return header, rows


def _anchor_share(model_entry: dict) -> str | None:
    anchors = model_entry.get("anchors", {})
    n = sum(a.get("n", 0) for a in anchors.values())
    linked = sum(a.get("linked_forward", 0) for a in anchors.values())
    return f"{linked}/{n}" if n else None


def _mean(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 4) if values else None


def load_alignment_quality(path: Path | str = QUALITY_REPORT) -> AlignmentQuality | None:
    """The committed alignment-quality report, or ``None`` when it has not been written yet."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UserError(f"{path}: unreadable alignment-quality report ({exc}); rerun "
                        "benchmarks/bench_alignment_quality.py") from None
    if not isinstance(data, dict) or "languages" not in data:
        raise UserError(f"{path}: not an alignment-quality report (no 'languages'); rerun "
                        "benchmarks/bench_alignment_quality.py")
    return AlignmentQuality(data, path)
