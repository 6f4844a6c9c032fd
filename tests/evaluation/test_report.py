import json

import pytest

from engine.evaluation.report import add_gaps, markdown_table, write_report


def _report(en, sw, name="m"):
    return {"model": {"name": name, "fingerprint": "f"}, "measures": ["RR@10"],
            "suites": {"udhr": {"languages": {"en": {"queries": 31, "metrics": {"RR@10": en}},
                                              "sw": {"queries": 31, "metrics": {"RR@10": sw}}}}}}


def test_gap_and_gap_closed():
    baseline = add_gaps(_report(1.0, 0.6))
    assert baseline["suites"]["udhr"]["languages"]["sw"]["gap"]["RR@10"] == pytest.approx(0.4)
    model = add_gaps(_report(0.98, 0.8), baseline)
    row = model["suites"]["udhr"]["languages"]["sw"]
    assert row["gap"]["RR@10"] == pytest.approx(0.18)
    assert row["gap_closed"]["RR@10"] == pytest.approx((0.8 - 0.6) / (1.0 - 0.6))


def test_gap_closed_undefined_when_baseline_has_no_gap():
    baseline = add_gaps(_report(1.0, 1.0))
    model = add_gaps(_report(1.0, 0.9), baseline)
    assert model["suites"]["udhr"]["languages"]["sw"]["gap_closed"]["RR@10"] is None
    assert "–" in markdown_table(model)


def test_write_report_writes_three_files_atomically(tmp_path):
    rep = add_gaps(_report(1.0, 0.5))
    paths = write_report(rep, tmp_path / "r.json")
    assert json.loads(paths["json"].read_text())["suites"]["udhr"]["languages"]["sw"]["gap"]["RR@10"] == 0.5
    assert "| sw | 31 | 0.500 | 0.500 |" in paths["markdown"].read_text()
    assert "plotly" in paths["chart"].read_text().lower()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.json", "r.md"]
