"""Search results as HTML, with how strong each hit is (:mod:`explorer.relevance`) and which model answered.

Every user or document string is escaped. Plots and the heatmap live in :mod:`explorer.render`.
"""

from __future__ import annotations

import html

from engine.calibration import chance_z
from engine.languages import get_language
from explorer.render import message_html, reasons_html, snippet


def routed_note(lang: str | None) -> str:
    """What a panel showing the student says when the student gave the query's language to the base model."""
    name = get_language(lang).name if lang else "this language"
    return (f"OT student → base model for {name}: the student's dev selection routed {name} back to the base "
            "(its card's fallback_langs), so these are the base model's results")


def routed_label(lang: str | None) -> str:
    """The short form of :func:`routed_note`, for plot and table labels."""
    name = get_language(lang).name if lang else "this language"
    return f"OT student → base model for {name} (fallback language)"


def no_match_line(result, n_docs: int) -> str:
    best = result.relevance[0]
    return (f"No strong match: the best hit (score {best.score:.3f}, z {best.z:.1f}) is within what unrelated "
            f"documents reach by chance for this query (z ≤ {chance_z(n_docs):.1f} for {n_docs:,} documents). "
            "Try other words, set the language, or search another collection.")


def relevance_badge(rel) -> str:
    kind = "oc-strong" if rel.strong else "oc-chance"
    return (f"<span class='oc-rel {kind}' title='z-score against 512 unrelated documents; "
            f"above {rel.percentile:.1f} % of them'>{html.escape(rel.label())}</span>")


def hits_html(result, heading: str = "", n_docs: int | None = None, reasons: list | None = None) -> str:
    """Ranked hits: rank, raw score, relevance badge, title, id, snippet, an "alignment →" link (``data-doc``: the
    app opens the hit's alignment from it) and, with ``reasons`` (one list of :class:`engine.explain.WordLink` per
    hit, from :meth:`explorer.service.Explorer.reasons`), a "why" line each; a "no strong match" line on top when no
    hit beats chance, and the routing note when the student answered with the base model."""
    parts = ["<div class='oc-results'>"]
    if heading:
        parts.append(f"<h4>{html.escape(heading)}</h4>")
    if result.routed_to_base:
        parts.append(message_html(routed_note(result.lang), "warning"))
    if result.no_strong_match and n_docs:
        parts.append(f"<div class='oc-msg oc-warning oc-nomatch'>{html.escape(no_match_line(result, n_docs))}</div>")
    if not result.hits:
        parts.append("<p><em>no results</em></p>")
    relevance = result.relevance or [None] * len(result.hits)
    reasons = reasons or []
    for n, (h, rel) in enumerate(zip(result.hits, relevance)):
        title = html.escape(h.title or h.doc_id)
        doc_id = html.escape(h.doc_id, quote=True)
        badge = relevance_badge(rel) if rel is not None else ""
        parts.append(
            "<div class='oc-hit'>"
            f"<div><b>{h.rank}.</b> <span class='oc-score'>{h.score:.3f}</span> {badge} {title} "
            f"<code>{doc_id}</code> <a class='oc-align' role='button' data-doc=\"{doc_id}\" "
            f"title='open the word alignment of this hit'>alignment →</a></div>"
            f"<div class='oc-snippet'>{html.escape(snippet(h.text))}</div>"
            f"{reasons_html(reasons[n]) if n < len(reasons) else ''}</div>")
    parts.append("</div>")
    return "".join(parts)
