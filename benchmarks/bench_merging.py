"""Language bias on the ``mixed`` suite under several ways of merging the languages' scores.

For each model and low-resource language: RR@10 and SameLang@10 (share of the top-10 non-relevant paired documents in
the query's language; 0.5 = no bias) when the merged list is ranked by raw cosine, by z-score within each document
language (:mod:`engine.vectors.merging`, ``evaluate --merge z-score``), and — as an analysis, not a shipped rule —
by cosine minus λ times the query's mean score over each language's documents. Translation-aligned retrieval, not
human judgements.

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
    from engine.evaluation.bias import paired_documents, same_language_share
    from engine.evaluation.evaluate import EvalConfig, encode_documents
    from engine.fileio import write_text_atomic
    from engine.hardware import cpu_info
    from engine.vectors.merging import merged_scores

    rules = ["cosine", "z-score"] + [f"mean-shift λ={s}" for s in SHIFTS]
    result = {"command": " ".join(sys.argv), "cpu": cpu_info().as_dict(), "rules": rules, "models": {}}
    for spec in args.models.split(","):
        model = load_encoder(spec)
        rows = {}
        for lang in [code for code in list_suite_langs("mixed") if code != "en"]:
            coll = load_collection("mixed", lang)
            ids, qids = list(coll.docs), list(coll.queries)
            docs = encode_documents(model, coll, ids, default_cache_dir() / "embeddings", EvalConfig(["mixed"]), False)
            queries = query_encoder(model, lang).encode([coll.queries[q] for q in qids], kind="query")
            groups = [coll.doc_lang(d) for d in ids]
            paired = paired_documents(coll.docs)
            rows[lang] = {}
            for rule in rules:
                if rule.startswith("mean-shift"):
                    scores = queries @ docs.T
                    shift = float(rule.split("=")[1])
                    for g in set(groups):
                        cols = np.flatnonzero(np.asarray(groups) == g)
                        scores[:, cols] -= shift * scores[:, cols].mean(1, keepdims=True)
                else:
                    scores = merged_scores(queries, docs, groups, rule)
                run = {q: {ids[j]: float(scores[i, j]) for j in np.argsort(-scores[i], kind="stable")[:100]}
                       for i, q in enumerate(qids)}
                rr = np.mean([reciprocal_rank(list(run[q]), {d for d, g in coll.qrels[q].items() if g > 0})
                              for q in qids])
                rows[lang][rule] = {"RR@10": round(float(rr), 4), "SameLang@10": round(
                    same_language_share(run, coll.qrels, coll.doc_langs, lang, among=paired or None), 4)}
            print(spec, lang, rows[lang]["cosine"], rows[lang]["z-score"], file=sys.stderr, flush=True)
        result["models"][model.name] = rows
    write_text_atomic(Path(args.out).with_suffix(".json"), json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    write_text_atomic(Path(args.out).with_suffix(".md"), markdown(result))
    print(markdown(result))
    return 0


def markdown(result: dict) -> str:
    lines = ["# Language bias on `mixed` under several merges\n",
             f"`{result['command']}` — CPU `{result['cpu']['kind']}`. Mean over the suite's low-resource languages: "
             "RR@10, SameLang@10 (0.5 = no bias; above: prefers the query's language) and |SameLang − 0.5|. "
             "Mean-shift rows are an analysis of how sensitive the bias is, tuned on nothing. Translation-aligned "
             "retrieval, not human judgements.\n",
             "| model | merge | RR@10 | SameLang@10 | abs(bias) |", "| --- | --- | --- | --- | --- |"]
    for name, rows in result["models"].items():
        for rule in result["rules"]:
            cells = [rows[lang][rule] for lang in rows]
            rr = np.mean([c["RR@10"] for c in cells])
            same = np.mean([c["SameLang@10"] for c in cells])
            bias = np.mean([abs(c["SameLang@10"] - 0.5) for c in cells])
            lines.append(f"| {name} | {rule} | {rr:.3f} | {same:.3f} | {bias:.3f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
