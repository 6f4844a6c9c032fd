"""HTML and plotly views of search results and transport plans. Every user or document string is escaped."""

from __future__ import annotations

import html

from explorer.alignment import Alignment

SNIPPET_CHARS = 280


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def hits_html(hits, heading: str = "") -> str:
    """Ranked hits as an HTML list: rank, score, title, id and an escaped snippet."""
    parts = [f"<div class='oc-results'><h4>{html.escape(heading)}</h4>" if heading else "<div class='oc-results'>"]
    if not hits:
        parts.append("<p><em>no results</em></p>")
    for h in hits:
        title = html.escape(h.title or h.doc_id)
        parts.append(
            "<div class='oc-hit'>"
            f"<div><b>{h.rank}.</b> <span class='oc-score'>{h.score:.3f}</span> {title} "
            f"<code>{html.escape(h.doc_id)}</code></div>"
            f"<div class='oc-snippet'>{html.escape(snippet(h.text))}</div></div>")
    parts.append("</div>")
    return "".join(parts)


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


def plan_figure(al: Alignment, title: str):
    """Heatmap of the plan: rows = query tokens, columns = English tokens; hover shows both, mass and cosine."""
    import numpy as np
    import plotly.graph_objects as go

    rows, cols = _label(al.query_tokens), _label(al.english_tokens)
    custom = np.dstack([al.cosine, np.broadcast_to(np.array(al.query_tokens, dtype=object)[:, None], al.plan.shape),
                        np.broadcast_to(np.array(al.english_tokens, dtype=object)[None, :], al.plan.shape)])
    fig = go.Figure(go.Heatmap(
        z=al.plan, x=cols, y=rows, customdata=custom, colorscale="Blues", colorbar=dict(title="mass"),
        hovertemplate="query: %{customdata[1]}<br>English: %{customdata[2]}<br>mass: %{z:.4f}"
                      "<br>cosine: %{customdata[0]:.3f}<extra></extra>"))
    state = "converged" if al.converged else "not converged"
    fig.update_layout(
        title=dict(text=f"{html.escape(title)}<br><sup>ε={al.eps:g}, {al.n_iter} iterations ({state}), "
                        f"⟨P,C⟩={al.cost:.3f}</sup>", font=dict(size=14)),
        xaxis=dict(title="English tokens (teacher)", tickangle=-60, type="category"),
        yaxis=dict(title="query tokens", autorange="reversed", type="category"),
        height=max(360, 120 + 18 * len(rows)), margin=dict(l=90, r=20, t=70, b=110), template="plotly_white")
    return fig


def pairs_rows(al: Alignment, k: int = 10) -> list[list]:
    return [[q.replace("▁", ""), e.replace("▁", ""), round(m, 4), round(c, 3)] for q, e, m, c in al.top_pairs(k)]
