"""How good are the word alignments read off the transport plans? Base vs OT student, per language, against
**silver** alignments from an independent aligner (eflomal), on held-out bitext. Writes JSON and Markdown.

    python benchmarks/bench_alignment_quality.py --out reports/alignment/quality

For each language with a held-out split (``data/bitext/*/<lang>.test.tsv.gz``), a seeded sample of ``--pairs``
sentence pairs with 3–80 words per side (the other language as the query, English as the passage, as in the
explorer). Words are the tokenizer's pieces grouped by :func:`engine.explain.group_words`, the same words on
both sides of the comparison. Silver: eflomal (model 3, its defaults) run in both directions over the sampled pairs
plus up to ``--silver-train`` pairs of the language's training split (unsupervised: more text, better
statistics), symmetrised with grow-diag-final-and. Predicted: the word plan at ``--eps`` (uniform marginals) →
argmax in both directions → intersection / grow-diag-final-and / forward; and, for comparison, the mutual argmax of
word cosines (``maxsim_intersection``: SimAlign's ArgMax, no OT). Scores count links between content words only
(punctuation on either side left out). Anchors: identical numbers and name-like strings once on each side
(:mod:`engine.explain.anchors`): does the plan link them? Also the time of explain + render for one pair.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

STUDENT = REPO / "exports" / "default-student"
LANGS = ["ny", "am", "mr", "om", "rw", "xh", "zu"]
METHODS = ("intersection", "gdfa", "forward", "maxsim_intersection")
MIN_WORDS, MAX_WORDS = 3, 80


def shipped_pairs(lang: str, split: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Every shipped ``(english, other)`` pair of ``lang``'s ``split``, and the files they came from."""
    from engine.data import read_bitext, shipped_bitext

    files = shipped_bitext(lang, split=split)
    pairs = [p for f in files for p in read_bitext(f, quiet=True)]
    return pairs, [str(f.relative_to(REPO)) for f in files]


def words_ok(words) -> bool:
    content = int((~words.punct).sum())
    return MIN_WORDS <= content and len(words) <= MAX_WORDS


def eflomal_silver(src_words: list[list[str]], trg_words: list[list[str]], extra: list[tuple[list[str], list[str]]]
                   ) -> list[set[tuple[int, int]]]:
    """Silver links for the first ``len(src_words)`` pairs: eflomal both ways, grow-diag-final-and."""
    import eflomal

    from engine.explain import grow_diag_final_and, parse_pharaoh

    src = [" ".join(w) for w in src_words] + [" ".join(s) for s, _ in extra]
    trg = [" ".join(w) for w in trg_words] + [" ".join(t) for _, t in extra]
    with tempfile.TemporaryDirectory() as tmp:
        fwd, rev = Path(tmp) / "fwd", Path(tmp) / "rev"
        eflomal.Aligner().align([s + "\n" for s in src], [t + "\n" for t in trg], links_filename_fwd=str(fwd),
                                links_filename_rev=str(rev), quiet=True)
        f_lines = fwd.read_text().splitlines()
        r_lines = rev.read_text().splitlines()
    return [grow_diag_final_and(parse_pharaoh(f), parse_pharaoh(r))
            for f, r in zip(f_lines[: len(src_words)], r_lines[: len(src_words)])]


def score_language(lang: str, args, base, student_q, documents, tokenizer) -> dict:
    from engine.explain import (
        AlignmentCounts,
        content_links,
        explain_match,
        find_anchors,
        group_words,
        plan_alignments,
    )

    pairs, files = shipped_pairs(lang, args.split)
    rng = random.Random(args.seed)
    rng.shuffle(pairs)
    picked = []
    for en, other in pairs:  # the word filter on tokenizer pieces, before any encoding
        w_en, w_ot = group_words(tokenizer.tokenize(en)), group_words(tokenizer.tokenize(other))
        if words_ok(w_en) and words_ok(w_ot):
            picked.append((en, other))
        if len(picked) == args.pairs:
            break
    started = time.perf_counter()
    english = documents.encode_tokens([e for e, _ in picked], kind="passage")
    queries = {"base": base.encode_tokens([o for _, o in picked], kind="query"),
               "student": student_q.encode_tokens([o for _, o in picked], kind="query")}
    encode_s = time.perf_counter() - started

    src_words = [group_words(q.tokens).words for q in queries["base"]]
    trg_words = [group_words(e.tokens).words for e in english]
    extra = []
    if args.silver_train:
        train, _ = shipped_pairs(lang, "train")
        for en, other in train[: args.silver_train]:
            extra.append((group_words(tokenizer.tokenize(other)).words, group_words(tokenizer.tokenize(en)).words))
    started = time.perf_counter()
    silver = eflomal_silver(src_words, trg_words, extra)
    silver_s = time.perf_counter() - started

    out = {"pairs": len(picked), "files": files, "silver_train_pairs": len(extra),
           "seconds": {"encode": round(encode_s, 1), "silver": round(silver_s, 1)}}
    silver_counts = AlignmentCounts()
    for key in ("base", "student"):
        counts = {m: AlignmentCounts() for m in METHODS}
        anchors = {kind: {"n": 0, "linked_forward": 0, "linked_intersection": 0}
                   for kind in ("number", "name", "cognate")}
        explain_ms = []
        for n, (q, e) in enumerate(zip(queries[key], english)):
            t0 = time.perf_counter()
            ex = explain_match(q.tokens, e.tokens, q.embeddings, e.embeddings, eps=args.eps)
            explain_ms.append((time.perf_counter() - t0) * 1e3)
            assert ex.query_words == src_words[n] and ex.doc_words == trg_words[n]
            sp, tp = ex.query.punct, ex.doc.punct
            gold = content_links(silver[n], sp, tp)
            if key == "base":
                silver_counts.add(gold, gold)
            found = plan_alignments(ex.plan)
            found["maxsim_intersection"] = plan_alignments(ex.cosine)["intersection"]
            for m in METHODS:
                counts[m].add(content_links(found[m], sp, tp), gold)
            for a in find_anchors(ex.query_words, ex.doc_words, sp, tp):
                anchors[a.kind]["n"] += 1
                anchors[a.kind]["linked_forward"] += (a.src, a.trg) in found["forward"]
                anchors[a.kind]["linked_intersection"] += (a.src, a.trg) in found["intersection"]
        out[key] = {m: counts[m].as_dict() for m in METHODS}
        out[key]["anchors"] = anchors
        out[key]["explain_ms_p50"] = round(statistics.median(explain_ms), 2)
    out["silver_links_per_pair"] = round(silver_counts.reference / max(1, len(picked)), 2)
    if args.sweep_eps:  # the same silver, other ε: how sharp should the default plan be?
        out["sweep"] = {}
        for eps in args.sweep_eps:
            row = {}
            for key in ("base", "student"):
                counts = AlignmentCounts()
                for n, (q, e) in enumerate(zip(queries[key], english)):
                    ex = explain_match(q.tokens, e.tokens, q.embeddings, e.embeddings, eps=eps, max_iter=2000)
                    sp, tp = ex.query.punct, ex.doc.punct
                    counts.add(content_links(plan_alignments(ex.plan)["intersection"], sp, tp),
                               content_links(silver[n], sp, tp))
                row[key] = counts.as_dict()
            out["sweep"][str(eps)] = row
    return out


def latency(base, student_q, documents, eps: float, rounds: int) -> dict:
    """explain + render for one typical pair (a Chichewa verse and its English passage), both models."""
    from explorer import render
    from explorer.alignment import PASSAGES, plan_between, token_embeddings

    q = "Yesu anati kwa iye, Ine ndine njira, ndi choonadi, ndi moyo; palibe munthu adza kwa Atate, koma mwa Ine."
    e = "Jesus said to him, I am the way, the truth, and the life. No one comes to the Father, except through me."
    PASSAGES.clear()
    et = token_embeddings(documents, e, "passage")
    out = {"query": q, "english": e, "eps": eps}
    for key, enc in (("base", base), ("student", student_q)):
        qt = token_embeddings(enc, q, "query")
        plan_between(qt, et, eps).words()
        times = {"plan_ms": [], "explain_ms": [], "figure_ms": []}
        for _ in range(rounds):
            t0 = time.perf_counter()
            al = plan_between(qt, et, eps)
            t1 = time.perf_counter()
            al.words()
            t2 = time.perf_counter()
            render.plan_figure(al, key).to_json()
            t3 = time.perf_counter()
            times["plan_ms"].append((t1 - t0) * 1e3)
            times["explain_ms"].append((t2 - t1) * 1e3)
            times["figure_ms"].append((t3 - t2) * 1e3)
        out[key] = {k: round(statistics.median(v), 2) for k, v in times.items()}
        out[key]["tokens"] = [len(qt.tokens), len(et.tokens)]
    return out


def reasons_latency(base, documents, rounds: int) -> dict:
    """result_reasons for 10 default-collection Bible passages: cold (encode) and warm (cached) p50."""
    from explorer.alignment import PASSAGES, result_reasons

    texts = [json.loads(line)["text"] for line in open(REPO / "data/suites/bible-ny/corpus.jsonl")][:10]
    q = "Yesu anati kwa iye, Ine ndine njira, ndi choonadi, ndi moyo"
    cold, warm = [], []
    for _ in range(rounds):
        PASSAGES.clear()
        t0 = time.perf_counter()
        result_reasons(base, documents, q, texts, k=3)
        cold.append((time.perf_counter() - t0) * 1e3)
        t0 = time.perf_counter()
        result_reasons(base, documents, q, texts, k=3)
        warm.append((time.perf_counter() - t0) * 1e3)
    return {"hits": len(texts), "cold_ms_p50": round(statistics.median(cold), 1),
            "warm_ms_p50": round(statistics.median(warm), 1)}


def markdown(report: dict) -> str:
    cpu = report["cpu"]
    lines = [
        "# Alignment quality: word alignments read off the transport plans",
        "",
        f"`{report['command']}` — CPU: {cpu['model']} (kind `{cpu['kind']}`), {report['threads']} thread(s), "
        f"{report['seconds']:.0f} s.",
        "",
        f"Reference: **silver** alignments from {report['silver']['name']} ({report['silver']['how']}) — an "
        "independent statistical aligner, not human gold. Plans: exact entropic plans at "
        f"ε = {report['eps']} (uniform marginals), pieces merged into words; links between content words only; "
        "micro-averaged over the pairs. AER = 1 − F1 here (sure = possible = silver). eflomal samples without a "
        "seed, so a rerun moves the silver (and every F1) a little: compare base and student within one run. "
        "∩ = mutual argmax of the word plan; gdfa = grow-diag-final-and; cos ∩ = mutual argmax of word cosines "
        "(no OT).",
        "",
        "| lang | pairs | silver links/pair | base P / R / F1 (∩) | student P / R / F1 (∩) | base F1 (gdfa) | "
        "student F1 (gdfa) | base F1 (cos ∩) | student F1 (cos ∩) | anchors linked base / student |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]

    def prf(d):
        return f"{d['precision']:.3f} / {d['recall']:.3f} / **{d['f1']:.3f}**"

    def anchors(d):
        n = sum(a["n"] for a in d["anchors"].values())
        linked = sum(a["linked_forward"] for a in d["anchors"].values())
        return f"{linked}/{n}"

    for lang, e in report["languages"].items():
        lines.append(
            f"| {lang} | {e['pairs']} | {e['silver_links_per_pair']} | {prf(e['base']['intersection'])} | "
            f"{prf(e['student']['intersection'])} | {e['base']['gdfa']['f1']:.3f} | {e['student']['gdfa']['f1']:.3f} "
            f"| {e['base']['maxsim_intersection']['f1']:.3f} | {e['student']['maxsim_intersection']['f1']:.3f} | "
            f"{anchors(e['base'])} / {anchors(e['student'])} |")
    m = report["mean"]
    lines += [f"| mean | – | – | F1 {m['base']['intersection']:.3f} | F1 {m['student']['intersection']:.3f} | "
              f"{m['base']['gdfa']:.3f} | {m['student']['gdfa']:.3f} | {m['base']['maxsim_intersection']:.3f} | "
              f"{m['student']['maxsim_intersection']:.3f} | |", ""]
    lines += ["Anchors linked by the forward argmax (each query word's strongest link; in brackets: by the "
              "intersection): identical numbers and name-like strings once on each side, and cognate names "
              "(capitalised, a shared unique 4-letter prefix: Abrahamu ~ Abraham):", ""]
    lines += ["| lang | base numbers | base names | base cognates | student numbers | student names | "
              "student cognates |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for lang, e in report["languages"].items():
        cells = [f"{e[k]['anchors'][t]['linked_forward']}/{e[k]['anchors'][t]['n']} "
                 f"({e[k]['anchors'][t]['linked_intersection']})"
                 for k in ("base", "student") for t in ("number", "name", "cognate")]
        lines.append(f"| {lang} | " + " | ".join(cells) + " |")
    sweeps = {lang: e["sweep"] for lang, e in report["languages"].items() if e.get("sweep")}
    if sweeps:
        eps_list = list(next(iter(sweeps.values())))
        lines += ["", "F1 of the ∩ alignment at other ε, against the same silver (base / student):", "",
                  "| lang | " + " | ".join(f"ε = {e}" for e in eps_list) + " |",
                  "| --- |" + " --- |" * len(eps_list)]
        for lang, sweep in sweeps.items():
            lines.append(f"| {lang} | " + " | ".join(
                f"{sweep[e]['base']['f1']:.3f} / {sweep[e]['student']['f1']:.3f}" for e in eps_list) + " |")
    lat = report.get("latency")
    if lat:
        lines += ["", f"Latency, one pair ({lat['base']['tokens'][0]} × {lat['base']['tokens'][1]} pieces, ε = "
                  f"{lat['eps']}, p50 of {report['latency_rounds']}): "
                  + "; ".join(f"{k}: plan {lat[k]['plan_ms']} ms, explain {lat[k]['explain_ms']} ms, figure + JSON "
                              f"{lat[k]['figure_ms']} ms" for k in ("base", "student")) + "."]
    rl = report.get("reasons_latency")
    if rl:
        lines += ["", f"`result_reasons` for {rl['hits']} Bible passages (≤ 64 pieces each): {rl['cold_ms_p50']} ms "
                  f"p50 cold (passage encode), {rl['warm_ms_p50']} ms warm (cached)."]
    return "\n".join(lines) + "\n"


def rewrite_markdown(json_path: Path) -> None:
    """Regenerate the Markdown next to a written report (after a wording change, without rerunning)."""
    json_path.with_suffix(".md").write_text(markdown(json.loads(json_path.read_text(encoding="utf-8"))),
                                            encoding="utf-8")


def main(argv=None) -> int:
    from engine.ot.defaults import HEATMAP_SINKHORN

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--langs", default=",".join(LANGS))
    p.add_argument("--pairs", type=int, default=300, help="sentence pairs per language (default 300)")
    p.add_argument("--split", default="test", help="held-out split to sample (default test)")
    p.add_argument("--silver-train", type=int, default=20000,
                   help="training pairs added to the silver aligner's input (unsupervised; default ≤ 20,000)")
    p.add_argument("--eps", type=float, default=HEATMAP_SINKHORN.eps)
    p.add_argument("--student", default=str(STUDENT))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--latency-rounds", type=int, default=20)
    p.add_argument("--sweep-eps", default="", help="also score the ∩ alignment at these ε (comma-separated), "
                   "against the same silver")
    p.add_argument("--no-latency", action="store_true", help="skip the latency measurements")
    p.add_argument("--out", default=None, help="write OUT.json and OUT.md")
    args = p.parse_args(argv)
    args.sweep_eps = [float(x) for x in args.sweep_eps.split(",") if x.strip()]

    import eflomal  # noqa: F401 - fail early with a clear message

    from engine.backends import load_document_encoder, load_serving_model
    from engine.encoders.common import query_encoder
    from engine.hardware import cpu_info

    started = time.perf_counter()
    base = load_serving_model(None, "onnx", threads=args.threads, progress=False)
    documents = load_document_encoder(None, "onnx", progress=False)
    student = load_serving_model(args.student, "onnx", base=base, threads=args.threads, progress=False)
    tokenizer = documents.tokenizer
    report = {"command": "python benchmarks/bench_alignment_quality.py " + " ".join(argv or sys.argv[1:]),
              "eps": args.eps, "pairs_per_language": args.pairs, "split": args.split, "seed": args.seed,
              "threads": args.threads, "models": {"base": "multilingual-e5-small (ONNX)",
                                                   "student": str(Path(args.student).name) + " (ONNX)"},
              "silver": {"name": "eflomal " + _version("eflomal"),
                         "how": "model 3, both directions, grow-diag-final-and; input: the sampled pairs + up to "
                                f"{args.silver_train:,} training pairs of the language"},
              "languages": {}}
    cpu = cpu_info()
    report["cpu"] = {"model": cpu.model, "kind": cpu.kind}
    for lang in [x.strip() for x in args.langs.split(",") if x.strip()]:
        print(f"[{time.perf_counter() - started:6.0f} s] {lang} ...", file=sys.stderr, flush=True)
        report["languages"][lang] = score_language(lang, args, base, query_encoder(student, lang), documents,
                                                   tokenizer)
        e = report["languages"][lang]
        print(f"  {lang}: pairs {e['pairs']}, F1 ∩ base {e['base']['intersection']['f1']:.3f} student "
              f"{e['student']['intersection']['f1']:.3f}", file=sys.stderr, flush=True)
    langs = report["languages"].values()
    report["mean"] = {k: {m: round(statistics.mean(e[k][m]["f1"] for e in langs), 4) for m in METHODS}
                      for k in ("base", "student")}
    if not args.no_latency:
        report["latency_rounds"] = args.latency_rounds
        report["latency"] = latency(base, query_encoder(student, "ny"), documents, args.eps, args.latency_rounds)
        report["reasons_latency"] = reasons_latency(base, documents, max(3, args.latency_rounds // 4))
    report["seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".json").write_text(text + "\n", encoding="utf-8")
        out.with_suffix(".md").write_text(markdown(report), encoding="utf-8")
    return 0


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    raise SystemExit(main())
