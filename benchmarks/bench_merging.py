"""Language bias on the ``mixed`` suite under several ways of merging the languages' scores.

For each model and low-resource language: RR@10 and SameLang@10 (share of the top-10 non-relevant paired documents in
the query's language; 0.5 = no bias) when the merged list is ranked by raw cosine, by z-score within each document
language (:mod:`engine.vectors.merging`, ``evaluate --merge z-score``), and — as an analysis, not a shipped rule —
by cosine minus λ times the query's mean score over each language's documents, λ fixed, or chosen per language on
a mixed collection built the same way from that language's *dev* bitext (50 dev sentences as queries, their English
translations relevant, 250 more dev pairs as distractors in both languages; the λ whose SameLang@10 is closest to
0.5). Translation-aligned retrieval, not human judgements.

    python benchmarks/bench_merging.py --out reports/benchmarks/mixed-merging
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHIFTS = (0.2, 0.3, 0.4, 0.5, 0.6)
DEV_GRID = tuple(round(0.05 * i, 2) for i in range(21))  # λ tried on the dev collection
DEV_QUERIES, DEV_PAIRS = 50, 300


def shifted(scores: np.ndarray, groups: list[str], shift: float) -> np.ndarray:
    """Cosine minus ``shift`` × the query's mean score over each language's documents."""
    out = scores.copy()
    for g in set(groups):
        cols = np.flatnonzero(np.asarray(groups) == g)
        out[:, cols] -= shift * scores[:, cols].mean(1, keepdims=True)
    return out


def dev_shift(model, lang: str) -> tuple[float, float]:
    """The λ whose SameLang@10 on ``lang``'s dev mixed collection is closest to 0.5, and that SameLang."""
    from engine.data.bitext import shipped_pairs
    from engine.encoders.common import document_encoder, query_encoder
    from engine.evaluation.bias import same_language_share

    pairs = shipped_pairs(lang, "dev", DEV_PAIRS)
    queries, distractors = pairs[:DEV_QUERIES], pairs[DEV_QUERIES:]
    q = query_encoder(model, lang).encode([x for _, x in queries], kind="query")
    english = document_encoder(model, "en").encode([e for e, _ in queries + distractors], kind="passage")
    other = document_encoder(model, lang).encode([x for _, x in distractors], kind="passage")
    ids = [f"q{i}-en" for i in range(len(queries))] + [f"d{j}-en" for j in range(len(distractors))] + \
          [f"d{j}" for j in range(len(distractors))]
    groups = ["en"] * len(english) + [lang] * len(other)
    langs = dict(zip(ids, groups))
    qrels = {f"q{i}": {f"q{i}-en": 1} for i in range(len(queries))}
    raw = q @ np.concatenate([english, other]).T
    best = (0.0, 2.0)
    for shift in DEV_GRID:
        scores = shifted(raw, groups, shift)
        run = {f"q{i}": {ids[j]: float(scores[i, j]) for j in np.argsort(-scores[i], kind="stable")[:100]}
               for i in range(len(queries))}
        same = same_language_share(run, qrels, langs, lang, among=set(ids[len(queries):]))
        if abs(same - 0.5) < abs(best[1] - 0.5):
            best = (shift, same)
    return best


def reciprocal_rank(ranked: list[str], relevant: set[str]) -> float:
    return next((1.0 / r for r, d in enumerate(ranked[:10], 1) if d in relevant), 0.0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="multilingual-e5-small,exports/default-student")
    ap.add_argument("--out", required=True, help="writes OUT.json and OUT.md")
    args = ap.parse_args()

    from engine.artifacts.offline_e5 import default_cache_dir
    from engine.collection import list_suite_langs, load_collection
    from engine.encoders import load_encoder
    from engine.encoders.common import query_encoder
    from engine.encoders.offsets import shift_documents
    from engine.encoders.students import compute_document_offsets
    from engine.evaluation.bias import paired_documents, same_language_share
    from engine.evaluation.evaluate import EvalConfig, encode_documents
    from engine.fileio import write_text_atomic
    from engine.hardware import cpu_info
    from engine.vectors.merging import merged_scores

    rules = (["cosine", "z-score"] + [f"mean-shift λ={s}" for s in SHIFTS]
             + ["mean-shift, λ per language from dev", "document offset from dev"])
    result = {"command": " ".join(sys.argv), "cpu": cpu_info().as_dict(), "rules": rules, "models": {}}
    for spec in args.models.split(","):
        model = load_encoder(spec)
        model.document_offsets = {}  # every rule starts from the documents as trained; the offset rule adds its own
        rows = {}
        for lang in [code for code in list_suite_langs("mixed") if code != "en"]:
            coll = load_collection("mixed", lang)
            ids, qids = list(coll.docs), list(coll.queries)
            docs = encode_documents(model, coll, ids, default_cache_dir() / "embeddings", EvalConfig(["mixed"]), False)
            queries = query_encoder(model, lang).encode([coll.queries[q] for q in qids], kind="query")
            groups = [coll.doc_lang(d) for d in ids]
            paired = paired_documents(coll.docs)
            rows[lang] = {}
            dev = dev_shift(model, lang)
            offset = compute_document_offsets(model, [lang], DEV_PAIRS)[lang]  # what `engine offsets` writes
            own = np.asarray(groups) == lang
            for rule in rules:
                if rule == "document offset from dev":
                    moved = docs.copy()
                    moved[own] = shift_documents(docs[own], offset)
                    scores = queries @ moved.T
                elif rule.startswith("mean-shift"):
                    shift = dev[0] if "dev" in rule else float(rule.split("=")[1])
                    scores = shifted(queries @ docs.T, groups, shift)
                else:
                    scores = merged_scores(queries, docs, groups, rule)
                run = {q: {ids[j]: float(scores[i, j]) for j in np.argsort(-scores[i], kind="stable")[:100]}
                       for i, q in enumerate(qids)}
                rr = np.mean([reciprocal_rank(list(run[q]), {d for d, g in coll.qrels[q].items() if g > 0})
                              for q in qids])
                rows[lang][rule] = {"RR@10": round(float(rr), 4), "SameLang@10": round(
                    same_language_share(run, coll.qrels, coll.doc_langs, lang, among=paired or None), 4)}
            rows[lang]["mean-shift, λ per language from dev"].update(dev_lambda=dev[0], dev_same_lang=round(dev[1], 4))
            print(spec, lang, rows[lang]["cosine"], rows[lang]["z-score"], file=sys.stderr, flush=True)
        result["models"][model.name] = rows
    write_text_atomic(Path(args.out).with_suffix(".json"), json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    write_text_atomic(Path(args.out).with_suffix(".md"), markdown(result))
    print(markdown(result))
    return 0


def markdown(result: dict) -> str:
    from engine.evaluation.bias import mean_language_bias

    lines = ["# Language bias on `mixed` under several merges\n",
             f"`{result['command']}` — CPU `{result['cpu']['kind']}`. Mean over the suite's low-resource languages: "
             "RR@10, SameLang@10 (0.5 = no bias; above: prefers the query's language) and |SameLang − 0.5|. "
             "Fixed-λ mean-shift rows show how sensitive the bias is (tuned on nothing); the per-language rule picks λ "
             "on dev bitext, never on this suite; the document offset moves each language's documents by the mean "
             "difference of 300 dev pairs' vectors (English minus the language's). Translation-aligned retrieval, "
             "not human judgements.\n",
             "| model | merge | RR@10 | SameLang@10 | abs(bias) |", "| --- | --- | --- | --- | --- |"]
    for name, rows in result["models"].items():
        for rule in result["rules"]:
            cells = [rows[lang][rule] for lang in rows]
            rr = np.mean([c["RR@10"] for c in cells])
            same = np.mean([c["SameLang@10"] for c in cells])
            bias = mean_language_bias([c["SameLang@10"] for c in cells])
            lines.append(f"| {name} | {rule} | {rr:.3f} | {same:.3f} | {bias:.3f} |")
    lines += ["", "λ chosen on dev, per language (dev SameLang@10 at that λ):", ""]
    for name, rows in result["models"].items():
        chosen = [f"{lang} {rows[lang]['mean-shift, λ per language from dev']['dev_lambda']:.2f} "
                  f"({rows[lang]['mean-shift, λ per language from dev']['dev_same_lang']:.2f})" for lang in rows]
        lines.append(f"- {name}: " + ", ".join(chosen))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
