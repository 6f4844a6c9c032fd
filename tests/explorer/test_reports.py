"""Evaluation reports found under reports/ and lined up per language."""

import json

from explorer.reports import comparison_rows, gap_figure, load_reports, suites


def _report(name, sw):
    return {"kind": "optical-clir evaluation", "model": {"name": name, "fingerprint": "f"}, "measures": ["RR@10"],
            "suites": {"udhr": {"languages": {"en": {"queries": 31, "metrics": {"RR@10": 0.9}},
                                              "sw": {"queries": 31, "metrics": {"RR@10": sw},
                                                     "gap": {"RR@10": 0.9 - sw}}}}}}


def test_reports_line_up(tmp_path):
    for folder, name, sw in (("zero-shot", "multilingual-e5-small", 0.5), ("ot", "ot-student", 0.7)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / f"{name}.json").write_text(json.dumps(_report(name, sw)))
    (tmp_path / "ot" / "runs").mkdir()
    (tmp_path / "ot" / "notes.json").write_text("[1, 2]")  # not a report: skipped
    reports = load_reports(tmp_path)
    assert [r.label for r in reports] == ["zero-shot: multilingual-e5-small", "ot: ot-student"]
    assert suites(reports) == ["udhr"]
    header, rows = comparison_rows(reports, "udhr", "RR@10")
    assert rows[1] == ["sw", 31, 0.5, 0.4, 0.7, 0.2]
    fig = gap_figure(reports, "udhr", "RR@10")
    assert [t.name for t in fig.data] == [r.label for r in reports]


def test_no_reports_is_fine(tmp_path):
    assert load_reports(tmp_path / "missing") == []


def test_alignment_quality_is_labelled_silver_and_missing_is_none(tmp_path):
    from explorer.reports import alignment_quality_view

    assert alignment_quality_view(path=tmp_path / "missing.json") is None
    report = {"eps": 0.01, "pairs_per_language": 2, "silver": {"name": "eflomal 2.0.0"},
              "languages": {"ny": {"pairs": 2, "base": {"intersection": {"f1": 0.5}},
                                   "student": {"intersection": {"f1": 0.6}}}}}
    (tmp_path / "quality.json").write_text(json.dumps(report))
    text, header, rows = alignment_quality_view(path=tmp_path / "quality.json")
    assert "silver reference: eflomal 2.0.0, not gold" in text and "quality.json" in text
    assert rows[0] == ["ny", 2, 0.5, 0.6, 0.1, None, None] and rows[-1][0] == "mean"
