"""Small static SVG charts for the committed reports (the README shows them; GitHub renders SVG, no JS needed).

Two kinds, both plain SVG 1.1 with every label escaped:

* :func:`bar_chart` — grouped horizontal bars, one group per category (language), one bar per series (model), on a
  fixed 0..1 axis (RR@10), with an optional reference line (English);
* :func:`line_chart` — one line per series over a log-scaled x axis (training pairs: the learning curves).
"""

from __future__ import annotations

import math
from html import escape

PALETTE = ["#9aa5b1", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
FONT = "font-family='Helvetica, Arial, sans-serif' font-size='11'"


def _legend(names: list[str], x: float, y: float, max_x: float, colors: list[str],
            dashed: set[str] = frozenset()) -> tuple[list[str], float]:
    """Legend entries from ``(x, y)``, wrapping before ``max_x``; returns the parts and the y of the last row."""
    out, cx = [], x
    for name, color in zip(names, colors):
        w = 24 + 6.5 * len(name)
        if cx > x and cx + w > max_x:
            cx, y = x, y + 16
        if name in dashed:
            out.append(f"<line x1='{cx:.1f}' y1='{y - 4:.1f}' x2='{cx + 10:.1f}' y2='{y - 4:.1f}' stroke='{color}' "
                       "stroke-width='2' stroke-dasharray='3 2'/>")
        else:
            out.append(f"<rect x='{cx:.1f}' y='{y - 9:.1f}' width='10' height='10' fill='{color}'/>")
        out.append(f"<text x='{cx + 14:.1f}' y='{y:.1f}' {FONT}>{escape(name)}</text>")
        cx += w
    return out, y


def bar_chart(categories: list[str], series: dict[str, list[float | None]], title: str,
              reference: float | None = None, reference_label: str = "") -> str:
    """Grouped horizontal bars on [0, 1]; ``series[name][i]`` is the value for ``categories[i]`` (None: no bar)."""
    names = list(series)
    bar, gap, left, width = 6.0, 6.0, 44.0, 520.0
    group = bar * len(names) + gap
    legend, last = _legend(names, left, 34, left + width, [PALETTE[i % len(PALETTE)] for i in range(len(names))])
    top = last + 14
    height = top + group * len(categories) + 34
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{left + width + 60:.0f}' height='{height:.0f}' "
             f"viewBox='0 0 {left + width + 60:.0f} {height:.0f}'>",
             "<rect width='100%' height='100%' fill='white'/>",
             f"<text x='{left:.1f}' y='16' {FONT} font-weight='bold'>{escape(title)}</text>", *legend]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = left + tick * width
        parts.append(f"<line x1='{x:.1f}' y1='{top - 4:.1f}' x2='{x:.1f}' y2='{height - 28:.1f}' stroke='#e5e5e5'/>")
        parts.append(f"<text x='{x:.1f}' y='{height - 14:.1f}' {FONT} text-anchor='middle'>{tick:g}</text>")
    for c, cat in enumerate(categories):
        y0 = top + c * group
        parts.append(f"<text x='{left - 6:.1f}' y='{y0 + group / 2:.1f}' {FONT} text-anchor='end'>{escape(cat)}</text>")
        for s, name in enumerate(names):
            v = series[name][c]
            if v is None:
                continue
            w = max(0.0, min(1.0, float(v))) * width
            parts.append(f"<rect x='{left:.1f}' y='{y0 + s * bar:.1f}' width='{w:.1f}' height='{bar - 1:.1f}' "
                         f"fill='{PALETTE[s % len(PALETTE)]}'><title>{escape(f'{cat} {name}: {v:.3f}')}</title></rect>")
    if reference is not None:
        x = left + reference * width
        parts.append(f"<line x1='{x:.1f}' y1='{top - 4:.1f}' x2='{x:.1f}' y2='{height - 28:.1f}' stroke='#333' "
                     "stroke-dasharray='4 3'/>")
        parts.append(f"<text x='{x + 3:.1f}' y='{top - 6:.1f}' {FONT}>{escape(reference_label)}</text>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def line_chart(x: list[float], series: dict[str, list[float | None]], title: str, x_label: str = "",
               y_label: str = "", colors: dict[str, str] | None = None, dashed: tuple[str, ...] = ()) -> str:
    """Lines over a log-scaled x axis (``x`` > 0) and a 0..1 y axis; ``series[name][i]`` is the value at ``x[i]``.
    ``colors`` maps series to colours (default: the palette in order); series named in ``dashed`` are dashed."""
    names = list(series)
    color = {n: (colors or {}).get(n, PALETTE[i % len(PALETTE)]) for i, n in enumerate(names)}
    left, width, height = 50.0, 420.0, 220.0
    legend, last = _legend(names, left, 34, left + width + 20, [color[n] for n in names], set(dashed))
    top = last + 16
    lo, hi = math.log10(min(x)), math.log10(max(x))
    span = (hi - lo) or 1.0
    px = lambda v: left + (math.log10(v) - lo) / span * width  # noqa: E731
    py = lambda v: top + (1.0 - v) * height  # noqa: E731
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{left + width + 30:.0f}' height='{top + height + 50:.0f}' "
             f"viewBox='0 0 {left + width + 30:.0f} {top + height + 50:.0f}'>",
             "<rect width='100%' height='100%' fill='white'/>",
             f"<text x='{left:.1f}' y='16' {FONT} font-weight='bold'>{escape(title)}</text>", *legend]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f"<line x1='{left:.1f}' y1='{py(tick):.1f}' x2='{left + width:.1f}' y2='{py(tick):.1f}' "
                     "stroke='#e5e5e5'/>")
        parts.append(f"<text x='{left - 6:.1f}' y='{py(tick) + 4:.1f}' {FONT} text-anchor='end'>{tick:g}</text>")
    for v in x:
        parts.append(f"<text x='{px(v):.1f}' y='{top + height + 16:.1f}' {FONT} text-anchor='middle'>{v:,.0f}</text>")
    parts.append(f"<text x='{left + width / 2:.1f}' y='{top + height + 36:.1f}' {FONT} text-anchor='middle'>"
                 f"{escape(x_label)}</text>")
    parts.append(f"<text x='12' y='{top + height / 2:.1f}' {FONT} transform='rotate(-90 12 {top + height / 2:.1f})' "
                 f"text-anchor='middle'>{escape(y_label)}</text>")
    for name in names:
        points = [(xv, yv) for xv, yv in zip(x, series[name]) if yv is not None]
        dash = " stroke-dasharray='5 3'" if name in dashed else ""
        if len(points) > 1:
            path = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in points)
            parts.append(f"<polyline points='{path}' fill='none' stroke='{color[name]}' stroke-width='2'{dash}/>")
        if name in dashed:
            continue  # reference lines: no markers
        for xv, yv in points:
            parts.append(f"<circle cx='{px(xv):.1f}' cy='{py(yv):.1f}' r='3' fill='{color[name]}'><title>"
                         f"{escape(f'{name}: {yv:.3f} at {xv:,.0f}')}</title></circle>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
