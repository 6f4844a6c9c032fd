"""The Gradio explorer: search, token alignment, evaluation reports and user collections.

``build_demo(config)`` returns the :class:`gradio.Blocks` without launching it; ``main()`` is ``python -m explorer``.
Handlers are thin: they call :class:`explorer.service.Explorer` and turn its results into components. Every
:class:`UserError` becomes a readable message (and a toast), any other exception a one-line "internal error" with the
traceback in the server log, so bad input never shows a stack trace and the app keeps serving.
"""

from __future__ import annotations

import argparse
import functools
import logging
import threading
import time
from pathlib import Path

from engine.backends import set_threads
from engine.errors import UserError
from engine.ot.defaults import HEATMAP_SINKHORN
from explorer.alignment import EPS_RANGE
from explorer.config import ExplorerConfig
from explorer.language import AUTO, MAX_QUERY_CHARS, language_choices
from explorer.models import BASE, STUDENT, default_registry
from explorer.service import DEFAULT, Explorer

log = logging.getLogger("explorer")

INTRO = ("Cross-lingual search over English documents with queries in low-resource languages. "
         "The **base** model is multilingual-e5-small; the **OT student** was distilled from it with optimal "
         "transport (OPTICAL). Documents are always encoded by the base model.")
CSS = """
.oc-hit { padding: 6px 0; border-bottom: 1px solid #eee; }
.oc-score { font-family: monospace; color: #1f5fa8; }
.oc-snippet { color: #444; font-size: 0.92em; }
.oc-msg { padding: 8px; border-radius: 6px; background: #f4f6fa; }
.oc-warning { background: #fff4e5; }
"""
EXAMPLES = [
    ["Yesu anati, Ine ndine njira, ndi choonadi, ndi moyo", "ny"],
    ["Binadamu wote wamezaliwa huru, hadhi na haki zao ni sawa", AUTO],
    ["ሁሉም የሰው ልጆች ሲወለዱ ነጻና በክብርና በመብትም እኩልነት ያላቸው ናቸው", AUTO],
    ["Abantu bose bavuka bafite umudendezo kandi bareshya mu gaciro no mu burenganzira", "rw"],
]


def _status_text(app: Explorer, progress: dict) -> str:
    student = app.registry.student_status()
    models = "base + OT student" if app.registry.has_student() else f"base only ({student})"
    if progress.get("error"):
        return f"⚠️ the default collection could not be opened: {progress['error']}"
    if not app.ready:
        done, total = progress.get("done", 0), progress.get("total", 0)
        if total:
            return f"Indexing the default collection: {done:,} / {total:,} documents … (models: {models})"
        return f"Loading the model and opening the default collection … (models: {models})"
    sizes = ", ".join(f"{name} ({idx.count():,} passages)" for name, idx in app.collections.items())
    precision = app.registry.precision_summary()
    return f"Ready — collections: {sizes}; models: {models}" + (f" — {precision}" if precision else "")


def _guard(n_outputs: int, status_at: int = 0):
    """Turn errors into a message in output ``status_at`` (other outputs unchanged) and a toast."""
    import gradio as gr

    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except UserError as exc:
                message = str(exc)
                gr.Warning(message)
            except Exception:  # noqa: BLE001 - the app must keep serving; the log has the traceback
                log.exception("handler %s failed", fn.__name__)
                message = "internal error (details in the server log); the app is still running"
                gr.Warning(message)
            out = [gr.skip()] * n_outputs
            out[status_at] = f"⚠️ {message}"
            return tuple(out) if n_outputs > 1 else out[0]
        return inner
    return wrap


def _hits_json(result) -> list[dict]:
    return [{"rank": h.rank, "doc_id": h.doc_id, "score": round(h.score, 4), "title": h.title} for h in result.hits]


def build_demo(config: ExplorerConfig | None = None, app: Explorer | None = None, progress: dict | None = None):
    """The explorer UI over ``app`` (default: the registry and collections named by ``config``); not launched."""
    import gradio as gr

    from explorer import render, reports

    config = config or ExplorerConfig()
    app = app or Explorer(config, default_registry(config.student, config.backend, config.threads))
    progress = progress if progress is not None else {}
    model_choices = [(spec.label, key) for key, spec in app.registry.specs.items()]
    report_list = reports.load_reports()
    suite_names = reports.suites(report_list)
    measure_names = reports.measures(report_list) or ["RR@10"]

    # ------------------------------------------------------------------ handlers
    @_guard(8)
    def do_search(query, language, model, collection):
        result = app.search(query, language, model or BASE, collection)
        both = {BASE: result} if model == BASE else {model: result}
        for key in (BASE, STUDENT):
            if key not in both:
                try:
                    both[key] = app.search(query, language, key, collection)
                except UserError as exc:
                    both[key] = str(exc)
        side = {key: render.hits_html(r.hits, r.model) if not isinstance(r, str) else render.message_html(r)
                for key, r in both.items()}
        payload = {"model": result.model, "lang": result.lang, "hits": _hits_json(result),
                   "compare": {k: (_hits_json(r) if not isinstance(r, str) else r) for k, r in both.items()}}
        status = f"{result.lang_note} · {len(result.hits)} results in {result.seconds * 1000:.0f} ms ({model})"
        docs = [(f"{h.rank}. {h.title or h.doc_id}"[:90], h.doc_id) for h in result.hits]
        return (status, render.hits_html(result.hits), side[BASE], side[STUDENT], payload,
                gr.update(choices=docs, value=docs[0][1] if docs else None), query.strip(), "")

    @_guard(5, status_at=4)
    def do_align(query, doc_id, english, language, eps, marginals, collection):
        out = app.align(query, english, doc_id, language, eps, marginals, collection)
        figs, tables = [], []
        for key, label in ((BASE, "base"), (STUDENT, "OT student")):
            al = out[key]
            if isinstance(al, str):
                figs.append(None)
                tables.append([[al, "", None, None]])
            else:
                figs.append(render.plan_figure(al, f"{label}: query tokens → English tokens"))
                tables.append(render.pairs_rows(al))
        status = f"{out['lang_note']} · English: {render.snippet(out['english'], 160)}"
        return figs[0], figs[1], tables[0], tables[1], status

    @_guard(2, status_at=1)
    def do_upload(file, name, gr_progress=gr.Progress()):
        if file is None:
            raise UserError("choose a .jsonl, .csv or .txt file first")
        path = file if isinstance(file, str) else getattr(file, "name", str(file))
        gr_progress((0, 1), desc="reading")
        new, count = app.add_collection(path, name, lambda d, t: gr_progress((d, t), desc="indexing", unit="docs"))
        names = app.collection_names()
        return gr.update(choices=names, value=new), f"Indexed {count:,} documents into collection '{new}'"

    def do_report(suite, measure):
        if not report_list or not suite:
            return None, None
        header, rows = reports.comparison_rows(report_list, suite, measure)
        return reports.gap_figure(report_list, suite, measure), gr.update(value=rows, headers=header)

    # ------------------------------------------------------------------ layout
    with gr.Blocks(title="optical-clir explorer") as demo:
        gr.Markdown(f"# optical-clir explorer\n{INTRO}")
        status = gr.Markdown(_status_text(app, progress), elem_id="oc-status")
        timer = gr.Timer(1.0, active=not app.ready)
        with gr.Tabs():
            with gr.Tab("Search", id="search"):
                with gr.Row():
                    query = gr.Textbox(label="Query", placeholder="e.g. a Chichewa, Swahili or Amharic sentence",
                                       max_length=MAX_QUERY_CHARS * 5, scale=4, elem_id="oc-query")
                    language = gr.Dropdown(language_choices(app.registry.student_languages()), value=AUTO,
                                           label="Language", scale=1)
                with gr.Row():
                    model = gr.Radio(model_choices, value=BASE, label="Model")
                    collection = gr.Dropdown(app.collection_names() or [DEFAULT], value=DEFAULT, label="Collection",
                                             allow_custom_value=False)
                    search_btn = gr.Button("Search", variant="primary", elem_id="oc-search")
                gr.Examples(EXAMPLES, [query, language])
                search_status = gr.Markdown()
                results = gr.HTML(label="Results")
                with gr.Accordion("Side by side: base vs OT student (top 10)", open=True):
                    with gr.Row():
                        base_side = gr.HTML()
                        student_side = gr.HTML()
                with gr.Accordion("Raw results (JSON)", open=False):
                    hits_json = gr.JSON()
            with gr.Tab("Alignment", id="alignment"):
                gr.Markdown("Token-level transport plan between the query (rows; query model) and an English text "
                            "(columns; the frozen teacher). Pick a result, or type an English sentence.")
                with gr.Row():
                    align_query = gr.Textbox(label="Query", scale=3)
                    doc = gr.Dropdown([], label="Result to align with", scale=2, allow_custom_value=True)
                english = gr.Textbox(label="…or an English sentence (used when not empty)")
                with gr.Row():
                    eps = gr.Slider(*EPS_RANGE, value=HEATMAP_SINKHORN.eps, step=0.005,
                                    label="ε (entropic regularisation)")
                    marginals = gr.Radio([("uniform", "uniform"), ("IDF-like", "idf")], value="uniform",
                                         label="Marginals")
                    align_btn = gr.Button("Align", variant="primary")
                align_status = gr.Markdown()
                with gr.Row():
                    base_plot = gr.Plot(label="base", elem_id="oc-plan-base")
                    student_plot = gr.Plot(label="OT student", elem_id="oc-plan-student")
                with gr.Row():
                    pair_headers = ["query token", "English token", "mass", "cosine"]
                    base_pairs = gr.Dataframe(headers=pair_headers, label="strongest pairs (base)")
                    student_pairs = gr.Dataframe(headers=pair_headers, label="strongest pairs (OT student)")
            with gr.Tab("Evaluation", id="evaluation"):
                if report_list:
                    gr.Markdown("Per-language gap to English from the committed reports: " + ", ".join(
                        f"`{r.label}`" for r in report_list) + ". Suites are translation-aligned retrieval, not "
                        "human relevance judgements.")
                else:
                    gr.Markdown("No evaluation reports under `reports/` yet; run `python -m engine evaluate`.")
                with gr.Row():
                    suite = gr.Dropdown(suite_names, value=suite_names[0] if suite_names else None, label="Suite")
                    measure = gr.Dropdown(measure_names, value="RR@10" if "RR@10" in measure_names
                                          else measure_names[0], label="Measure")
                gap_plot = gr.Plot()
                gap_table = gr.Dataframe(label="per language")
            with gr.Tab("Collection", id="collection"):
                gr.Markdown(f"Upload English documents as a new collection: `.jsonl` (`id`, `text`, optional "
                            f"`title`), `.csv` (header with `id`, `text`) or `.txt` (one document per line, or per "
                            f"paragraph). Limits: {config.max_upload_bytes // 2**20} MB and "
                            f"{config.max_upload_docs:,} documents per file. Files are parsed as data, never run.")
                upload = gr.File(label="Documents", file_types=[".jsonl", ".csv", ".txt"], type="filepath")
                upload_name = gr.Textbox(label="Collection name (optional)", max_length=60)
                upload_btn = gr.Button("Index", variant="primary")
                upload_status = gr.Markdown()

        # -------------------------------------------------------------- events
        search_outputs = [search_status, results, base_side, student_side, hits_json, doc, align_query, english]
        align_inputs = [align_query, doc, english, language, eps, marginals, collection]
        align_outputs = [base_plot, student_plot, base_pairs, student_pairs, align_status]
        limit = config.concurrency_limit
        gr.on([search_btn.click, query.submit], do_search, [query, language, model, collection], search_outputs,
              api_name="search", concurrency_limit=limit, concurrency_id="models").then(
            do_align, align_inputs, align_outputs, api_visibility="private", concurrency_limit=limit,
            concurrency_id="models")
        align_btn.click(do_align, align_inputs, align_outputs, api_name="align", concurrency_limit=limit,
                        concurrency_id="models")
        upload_btn.click(do_upload, [upload, upload_name], [collection, upload_status], api_name="upload",
                         concurrency_limit=1)
        suite.change(do_report, [suite, measure], [gap_plot, gap_table], api_visibility="private")
        measure.change(do_report, [suite, measure], [gap_plot, gap_table], api_visibility="private")
        demo.load(do_report, [suite, measure], [gap_plot, gap_table], api_visibility="private")

        def tick():
            return _status_text(app, progress), gr.Timer(active=not app.ready)

        timer.tick(tick, None, [status, timer], api_visibility="private", queue=False)
    demo.queue(default_concurrency_limit=limit, max_size=config.max_queue)
    return demo


def start_indexing(app: Explorer, progress: dict) -> threading.Thread:
    """Open (building on first start) the default collection in the background; ``progress`` gets the counts."""
    def run():
        started = time.perf_counter()
        try:
            app.registry.document_encoder()
            app.open_default(lambda done, total: progress.update(done=done, total=total))
            progress["seconds"] = time.perf_counter() - started
            log.info("default collection ready in %.1f s", progress["seconds"])
        except UserError as exc:
            progress["error"] = str(exc)
            log.error("%s", exc)

    thread = threading.Thread(target=run, name="explorer-indexing", daemon=True)
    thread.start()
    return thread


def parse_args(argv=None) -> tuple[ExplorerConfig, argparse.Namespace]:
    p = argparse.ArgumentParser(prog="python -m explorer", description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=None, help="port (default: 7860 or the next free one)")
    p.add_argument("--share", action="store_true", help="also open a public Gradio share link (off by default)")
    p.add_argument("--db", type=Path, default=None,
                   help="index file to search: an existing index is used as it is; a new path gets the default "
                        "collection (default: <cache>/explorer/default-v1.db)")
    p.add_argument("--student", type=Path, default=ExplorerConfig().student, help="OT student export directory")
    p.add_argument("--no-student", action="store_true", help="serve the base model only")
    p.add_argument("--backend", choices=["onnx", "torch"], default="onnx",
                   help="onnx (default: no torch needed; exports made on first use) or torch")
    p.add_argument("--threads", type=int, default=None,
                   help="threads per model call, ONNX Runtime or torch (default: half the cores, at most 4)")
    p.add_argument("--concurrency", type=int, default=4, help="model calls running at once (the rest queue)")
    p.add_argument("--write-vectors", action="store_true",
                   help="regenerate explorer/assets/default-vectors.npz for the current base model and exit")
    a = p.parse_args(argv)
    config = ExplorerConfig(host=a.host, port=a.port, share=a.share, db=a.db,
                            student=None if a.no_student else a.student, backend=a.backend,
                            concurrency_limit=max(1, a.concurrency))
    if a.threads:
        config.threads = max(1, a.threads)
    return config, a


def launch(demo, config: ExplorerConfig, **kwargs):
    """``demo.launch`` with the explorer's settings: loopback by default, no share, upload size limit, CSS."""
    options = dict(server_name=config.host, server_port=config.port, share=config.share, show_error=False,
                   max_file_size=config.max_upload_bytes, css=CSS, footer_links=["api"])
    options.update(kwargs)
    return demo.launch(**options)


def main(argv=None) -> int:
    import sys

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        config, args = parse_args(argv)
        if args.write_vectors:
            from engine.backends import load_document_encoder
            from explorer.default_collection import default_documents
            from explorer.precomputed import write_shipped_vectors

            documents = load_document_encoder(None, "torch")  # the shipped vectors are torch fp32's
            print(write_shipped_vectors(documents, [d["text"] for d in default_documents()]))
            return 0
        set_threads(config.backend, config.threads)
        app = Explorer(config, default_registry(config.student, config.backend, config.threads))
        progress: dict = {}
        demo = build_demo(config, app, progress)
        start_indexing(app, progress)
        launch(demo, config)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
