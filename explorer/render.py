"""HTML and plotly views of search results and transport plans. Every user or document string is escaped."""

from __future__ import annotations

import html

import numpy as np

from explorer.alignment import Alignment

SNIPPET_CHARS = 280


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def reasons_html(links) -> str:
    """One line of word links, strongest first: ``why: mpira → football 81% · ...`` (share of the query word's
    mass in the plan at the heatmap's ε; hover shows the cosine). Empty without links."""
    if not links:
        return ""
    items = [f"<span class='oc-link' title='{link.weight:.0%} of this query word&#39;s transport mass goes to this "
             f"English word; cosine {link.cosine:.2f}'><b>{html.escape(link.query)}</b> → "
             f"{html.escape(link.doc)} <span class='oc-share'>{link.weight:.0%}</span></span>" for link in links]
    return "<div class='oc-reasons'>why: " + " · ".join(items) + "</div>"


def message_html(text: str, kind: str = "info") -> str:
    return f"<div class='oc-msg oc-{kind}'>{html.escape(text)}</div>"


def _label(tokens: list[str]) -> list[str]:
    """Unique axis labels: plotly merges equal category labels, so repeated tokens get their position."""
    seen: dict[str, int] = {}
    out = []
    for i, t in enumerate(tokens):
        t = t.replace("▁", "·") or "∅"
        out.append(t if t not in seen else f"{t} ({i + 1})")
        seen.setdefault(t, i)
    return out


# plotly's sequential "Blues" written out: white = no mass, dark = all of it (plotly.js reads the bare name reversed)
BLUES = [[0.0, "#f7fbff"], [0.125, "#deebf7"], [0.25, "#c6dbef"], [0.375, "#9ecae1"], [0.5, "#6baed6"],
         [0.625, "#4292c6"], [0.75, "#2171b5"], [0.875, "#08519c"], [1.0, "#08306b"]]


def plan_figure(al: Alignment, title: str):
    """The plan per word, as a person reads it, with MaxSim beside it.

    Left: a heatmap of the row-normalised word plan (rows = query words, columns = English words; each row shows
    where that query word's mass goes, 0–100 %, the same fixed scale for every model so base and student compare
    cell by cell), the strongest link of each query word marked ○; hover gives both words, the share, the word-pair
    mass and the largest piece cosine. Right: MaxSim per query word (max cosine to any English word, on a fixed
    0–1 axis, labelled with that word). The title states ε: the plan is the exact entropic plan of that ε.

    Built as a plain figure dict and handed to plotly unvalidated (every value here is ours): plotly's validation
    and copying the default template took most of the time a figure cost."""
    import plotly.graph_objects as go

    ex = al.words()
    rows, cols = _label(ex.query_words), _label(ex.doc_words)
    custom = np.dstack([ex.plan, ex.cosine]).astype(np.float32)  # numeric arrays: copied whole, not per cell
    heat = dict(
        type="heatmap", z=ex.share.astype(np.float32), x=cols, y=rows, customdata=custom, zmin=0.0, zmax=1.0,
        colorscale=BLUES, xaxis="x", yaxis="y",
        colorbar=dict(title=dict(text="share"), tickformat=".0%", x=0.76, len=0.9, thickness=12),
        hovertemplate="query: %{y}<br>English: %{x}<br>share of the word's mass: %{z:.1%}"
                      "<br>mass: %{customdata[0]:.4f}<br>cosine: %{customdata[1]:.3f}<extra></extra>")
    marks = dict(
        type="scatter", x=[cols[link.col] for link in ex.links], y=[rows[link.row] for link in ex.links],
        mode="markers", xaxis="x", yaxis="y", name="strongest link", showlegend=False, hoverinfo="text",
        marker=dict(symbol="circle-open", size=12, color="#d62728", line=dict(width=2)),
        text=[f"{link.query} → {link.doc}: {link.weight:.0%}" for link in ex.links])
    bars = dict(
        type="bar", x=[round(m.weight, 4) for m in ex.maxsim], y=rows, orientation="h", xaxis="x2", yaxis="y2",
        marker=dict(color="#fdae6b"), text=[m.doc for m in ex.maxsim], textposition="outside", cliponaxis=False,
        textfont=dict(size=11), showlegend=False,
        hovertemplate="%{y} → %{text}<br>cosine %{x:.3f}<extra>MaxSim</extra>")
    state = "converged" if al.converged else "not converged"
    grid = dict(gridcolor="#ebf0f8", linecolor="#ebf0f8", zerolinecolor="#ebf0f8")
    layout = dict(
        title=dict(text=f"{html.escape(title)}<br><sup>exact entropic plan at ε={al.eps:g} ({al.n_iter} iterations, "
                        f"{state}), ⟨P,C⟩={al.cost:.3f}; ○ = each query word's strongest link</sup>",
                   font=dict(size=14)),
        xaxis=dict(domain=[0.0, 0.74], title=dict(text="English words (teacher)"), tickangle=-60, type="category",
                   **grid),
        yaxis=dict(title=dict(text="query words"), autorange="reversed", type="category", **grid),
        xaxis2=dict(domain=[0.83, 1.0], range=[0, 1], tickformat=".1f", title=dict(text="MaxSim (cosine)"), **grid),
        yaxis2=dict(anchor="x2", matches="y", showticklabels=False, type="category", **grid),
        annotations=[dict(text="where each query word's mass goes", x=0.37, y=1.0, xref="paper", yref="paper",
                          xanchor="center", yanchor="bottom", showarrow=False)],
        height=max(380, 140 + 22 * len(rows)), margin=dict(l=90, r=20, t=90, b=110), bargap=0.25,
        plot_bgcolor="white", paper_bgcolor="white", font=dict(color="#2a3f5f"), template=dict(layout=dict()))
    return go.Figure(dict(data=[heat, marks, bars], layout=layout), _validate=False)


def pairs_rows(al: Alignment, k: int = 10) -> list[list]:
    """The ``k`` heaviest word pairs of the plan: ``[query word, English word, mass, cosine]``, heaviest first."""
    ex = al.words()
    flat = np.argsort(-ex.plan, axis=None, kind="stable")[:k]
    rows, cols = np.unravel_index(flat, ex.plan.shape)
    return [[ex.query_words[i], ex.doc_words[j], round(float(ex.plan[i, j]), 4), round(float(ex.cosine[i, j]), 3)]
            for i, j in zip(rows, cols)]


def link_rows(al: Alignment, k: int = 10) -> list[list]:
    """Each query word's strongest link, strongest first: ``[query word, English word, share, cosine, MaxSim word,
    MaxSim]`` (punctuation left out) — the plan's choice beside ColBERT's."""
    ex = al.words()
    maxsim = {m.row: m for m in ex.maxsim}
    return [[link.query, link.doc, round(link.weight, 3), round(link.cosine, 3), maxsim[link.row].doc,
             round(maxsim[link.row].weight, 3)] for link in ex.top_links(k)]


LINK_HEADERS = ["query word", "English word (plan)", "share", "cosine", "English word (MaxSim)", "MaxSim"]
