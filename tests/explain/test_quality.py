"""The alignment-quality report loader the explorer's Evaluation tab reads."""

import json

import pytest

from engine.errors import UserError
from engine.explain import QUALITY_REPORT, load_alignment_quality

SCORES = {"intersection": {"f1": 0.5, "precision": 0.6, "recall": 0.4, "aer": 0.5}}


def test_rows_per_language_with_mean(tmp_path):
    report = {"eps": 0.01, "silver": {"name": "eflomal"}, "pairs_per_language": 2, "languages": {
        "ny": {"pairs": 2, "base": {**SCORES, "anchors": {"name": {"n": 2, "linked_forward": 1}}},
               "student": {"intersection": {**SCORES["intersection"], "f1": 0.7}}},
        "am": {"pairs": 2, "base": SCORES, "student": SCORES}}}
    path = tmp_path / "quality.json"
    path.write_text(json.dumps(report))
    q = load_alignment_quality(path)
    header, rows = q.rows()
    assert header[:5] == ["lang", "pairs", "base f1", "student f1", "Δ"]
    assert rows[0] == ["ny", 2, 0.5, 0.7, 0.2, "1/2", None]
    assert rows[-1][:4] == ["mean", 4, 0.5, 0.6]
    assert q.languages == ["ny", "am"] and "eflomal" in q.note
    with pytest.raises(UserError, match="method"):
        q.rows("nope")


def test_missing_and_broken_reports(tmp_path):
    assert load_alignment_quality(tmp_path / "none.json") is None
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(UserError, match="rerun"):
        load_alignment_quality(tmp_path / "bad.json")


def test_the_committed_report_loads():
    if not QUALITY_REPORT.is_file():
        pytest.skip("reports/alignment/quality.json not written yet")
    header, rows = load_alignment_quality().rows()
    assert rows and rows[-1][0] == "mean"
