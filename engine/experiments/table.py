"""The comparison table of a plan (Markdown): per suite and language, zero-shot beside every run and the share of the
gap to English each run closed."""

from __future__ import annotations


def comparison_table(results: dict, baseline: dict, measures: tuple[str, ...] = ("RR@10", "nDCG@10")) -> str:
    """Per suite and language: zero-shot and every run side by side; the last columns say how much gap closed."""
    from engine.evaluation.report import HONEST_LABEL

    lines = [f"## {results['plan']}: {results['description']}", "",
             f"Suites are {HONEST_LABEL}. Cells: RR@10 / nDCG@10; *closed* = share of the zero-shot gap to English "
             "closed on RR@10. Student queries (every language, no fallback routing), teacher documents (one "
             "shared index).", ""]
    for name, r in results["runs"].items():
        lines.append(f"- `{name}`: {r['pairs_seen']} pairs seen, {r['pairs_per_second']:.1f} pairs/s; dev selection "
                     f"routes {', '.join(r['fallback_langs']) or 'no language'} back to the base model")
    lines.append("")
    runs = results["runs"]
    for suite, base_suite in baseline["suites"].items():
        if not any(suite in r["suites"] for r in runs.values()):
            continue
        head = ["lang", "zero-shot", *runs, *(f"closed: {r}" for r in runs)]
        lines += [f"### {suite}", "", "| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        for lang, row in base_suite["languages"].items():
            cells = [lang, " / ".join(f"{row['metrics'][m]:.3f}" for m in measures)]
            closed = []
            for r in runs.values():
                got = r["suites"].get(suite, {}).get("languages", {}).get(lang)
                cells.append(" / ".join(f"{got['metrics'][m]:.3f}" for m in measures) if got else "–")
                c = (got or {}).get("gap_closed", {}).get("RR@10")
                closed.append("–" if c is None else f"{c:+.2f}")
            lines.append("| " + " | ".join(cells + closed) + " |")
        lines.append("")
    return "\n".join(lines)
