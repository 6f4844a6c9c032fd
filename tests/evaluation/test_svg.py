"""SVG charts: well-formed, one mark per value, every label escaped, values clipped to the axis."""

import xml.etree.ElementTree as ET

from engine.evaluation.svg import bar_chart, line_chart

NS = "{http://www.w3.org/2000/svg}"


def test_bar_chart_has_one_bar_per_value_and_escapes_labels():
    svg = bar_chart(["am", "<ny>"], {"zero-shot": [0.2, 0.6], "a&b": [0.7, None]}, "t <1>", reference=1.0,
                    reference_label="English")
    root = ET.fromstring(svg)  # well-formed despite <, & in labels
    bars = [r for r in root.iter(f"{NS}rect") if r.find(f"{NS}title") is not None]
    assert len(bars) == 3  # None draws nothing
    widths = sorted(float(r.get("width")) for r in bars)
    assert widths == [0.2 * 520, 0.6 * 520, 0.7 * 520]
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "<ny>" in texts and "a&b" in texts and "t <1>" in texts


def test_bar_values_are_clipped_to_the_axis():
    root = ET.fromstring(bar_chart(["x"], {"s": [1.7]}, "t"))
    bar = next(r for r in root.iter(f"{NS}rect") if r.find(f"{NS}title") is not None)
    assert float(bar.get("width")) == 520.0


def test_line_chart_places_points_on_a_log_axis():
    root = ET.fromstring(line_chart([100, 1000, 10000], {"ny": [0.6, 0.7, 0.8], "flat": [0.5, None, 0.5]}, "c"))
    circles = list(root.iter(f"{NS}circle"))
    assert len(circles) == 5
    xs = [float(c.get("cx")) for c in circles[:3]]
    assert abs((xs[1] - xs[0]) - (xs[2] - xs[1])) < 0.2  # equal steps per decade
    ys = [float(c.get("cy")) for c in circles[:3]]
    assert ys[0] > ys[1] > ys[2]  # higher RR@10 is higher on the page
