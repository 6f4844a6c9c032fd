"""The comparison table of a plan (Markdown): per suite and language, zero-shot beside every run and the share of the
gap to English each run closed."""

from __future__ import annotations


def comparison_table(results: dict, baseline: dict, measures: tuple[str, ...] = ("RR@10", "nDCG@10")) -> str:
    """Per suite and language: zero-shot and every run side by side; the last columns say how much gap closed."""
    from engine.evaluation.bias import mean_language_bias
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
        lines += [f"### {suite}", ""]
        # mixed-language collections add the language bias (SameLang@10: 0.5 = none) as a third number
        shown = [*measures, *(["SameLang@10"] if any("SameLang@10" in row["metrics"]
                                                      for row in base_suite["languages"].values()) else [])]
        if len(shown) > len(measures):
            lines += ["Cells: RR@10 / nDCG@10 / SameLang@10 (share of the top-10 non-relevant hits in the query's "
                      "language; 0.5 = no language bias).", ""]
        lines += ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        fmt = lambda metrics: " / ".join(f"{metrics[m]:.3f}" if m in metrics else "–" for m in shown)  # noqa: E731
        for lang, row in base_suite["languages"].items():
            cells = [lang, fmt(row["metrics"])]
            closed = []
            for r in runs.values():
                got = r["suites"].get(suite, {}).get("languages", {}).get(lang)
                cells.append(fmt(got["metrics"]) if got else "–")
                c = (got or {}).get("gap_closed", {}).get("RR@10")
                closed.append("–" if c is None else f"{c:+.2f}")
            lines.append("| " + " | ".join(cells + closed) + " |")
        if len(shown) > len(measures):  # one number for the bias over the low-resource languages, either way
            suites = [base_suite, *(r["suites"].get(suite, {}) for r in runs.values())]
            means = [mean_language_bias([row["metrics"]["SameLang@10"] for lang, row in s.get("languages", {}).items()
                                         if lang != "en" and "SameLang@10" in row["metrics"]]) for s in suites]
            lines.append("| mean abs(SameLang@10 − 0.5), without en | "
                         + " | ".join("–" if m is None else f"{m:.3f}" for m in means) + " |" + " |" * len(runs))
        lines.append("")
    return "\n".join(lines)
