"""The Gradio explorer: search (with each hit's reasons), word alignment, evaluation reports and user collections.

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
from explorer.examples import EXAMPLES
from explorer.language import AUTO, MAX_QUERY_CHARS, language_choices
from explorer.models import BASE, STUDENT, default_registry
from explorer.service import DEFAULT, Explorer

log = logging.getLogger("explorer")

INTRO = ("Ask in Swahili, Chichewa, Amharic, Yoruba, Hausa, Zulu… and find plain-English reference text on health, "
         "farming, weather, money, rights, school and places. The **OT student** (the default) was distilled from "
         "multilingual-e5-small (the **base**) with optimal transport (OPTICAL); documents are always encoded by "
         "the base. Each hit's *z* says how far it stands above unrelated documents for the same query; its *why* "
         "line shows which English words the query's words send most of their transport mass to.")
CSS = """
.oc-hit { padding: 6px 0; border-bottom: 1px solid #eee; }
.oc-score { font-family: monospace; color: #1f5fa8; }
.oc-snippet { color: #444; font-size: 0.92em; }
.oc-msg { padding: 8px; border-radius: 6px; background: #f4f6fa; }
.oc-warning { background: #fff4e5; }
.oc-rel { font-size: 0.85em; padding: 1px 6px; border-radius: 8px; }
.oc-strong { background: #e3f4e6; color: #1d6b2c; }
.oc-chance { background: #f1f1f1; color: #777; }
.oc-reasons { font-size: .85em; color: #555; }
.oc-share { font-family: monospace; color: #1f5fa8; }
.oc-align { font-size: .85em; cursor: pointer; color: #1f5fa8; text-decoration: underline; margin-left: 4px; }
"""
# gr.HTML re-renders its value inside ``element``; one delegated listener turns a hit's "alignment →" link into a
# click event carrying the document id (read in the handler as ``gr.EventData.doc``).
OPEN_HIT_JS = ("element.addEventListener('click', (e) => { const a = e.target.closest('.oc-align[data-doc]');"
               " if (a) { e.preventDefault(); trigger('click', {doc: a.dataset.doc}); } });")
ALIGN_INTRO = ("Where the query's words send their mass in the transport plan to an English text: query words are "
               "rows (query model), English words columns (the frozen teacher). Pick a result — or click "
               "*alignment →* under a hit — or type an English sentence. In the plots and the first tables each row "
               "shows where that query word's mass goes; ○ = its strongest link; MaxSim beside it. Base and OT "
               "student use the same 0–100 % scale.")


def _status_text(app: Explorer, progress: dict) -> str:
    student = app.registry.student_status()
    models = "OT student (default) + base" if app.registry.has_student() else f"base only ({student})"
    if progress.get("error"):
        return f"⚠️ the default collection could not be opened: {progress['error']}"
    if progress.get("stage"):
        return f"⏳ {loading_line(progress)} — queries sent now wait and are answered when it is done"
    sizes = ", ".join(f"{name} ({idx.count():,} passages)" for name, idx in app.collections.items())
    precision = app.registry.precision_summary()
    return f"Ready — collections: {sizes}; models: {models}" + (f" — {precision}" if precision else "")


def loading_line(progress: dict) -> str:
    """E.g. ``Loading 2/4: the OT student (ONNX export on first start) — 12 s``."""
    line = f"Loading {progress['step']}/{progress['steps']}: {progress['stage']}"
    done, total = progress.get("done", 0), progress.get("total", 0)
    if progress.get("stage_kind") == "index" and total:
        line += f" ({done:,} / {total:,} documents)"
    return line + f" — {time.monotonic() - progress['since']:.0f} s"


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


MODEL_LABELS = {STUDENT: "OT student", BASE: "base"}


def _hits_json(result, reasons: list | None = None) -> list[dict]:
    out = [{"rank": h.rank, "doc_id": h.doc_id, "score": round(h.score, 4), "title": h.title} for h in result.hits]
    for row, rel in zip(out, result.relevance):
        row.update(z=round(rel.z, 2), percentile=round(rel.percentile, 1), strong=rel.strong)
    for row, links in zip(out, reasons or []):
        row["why"] = [{"query": lk.query, "english": lk.doc, "share": round(lk.weight, 3),
                       "cosine": round(lk.cosine, 3)} for lk in links]
    return out


def _search_payload(model: str, both: dict, reasons: dict | None = None) -> dict:
    """The raw JSON of a search: the chosen model's hits (with ``why`` once the reasons are in) and both models'."""
    reasons = reasons or {}
    result = both[model]
    return {"model": result.model, "lang": result.lang, "hits": _hits_json(result, reasons.get(model)),
            "routed_to_base": result.routed_to_base, "no_strong_match": result.no_strong_match,
            "compare": {k: (_hits_json(r, reasons.get(k)) if not isinstance(r, str) else r)
                        for k, r in both.items()}}


def build_demo(config: ExplorerConfig | None = None, app: Explorer | None = None, progress: dict | None = None):
    """The explorer UI over ``app`` (default: the registry and collections named by ``config``); not launched."""
    import gradio as gr

    from engine.explain.quality import MEASURES as QUALITY_MEASURES
    from engine.explain.quality import METHODS as QUALITY_METHODS
    from explorer import hits_view, render, reports

    config = config or ExplorerConfig()
    app = app or Explorer(config, default_registry(config.student, config.backend, config.threads))
    progress = progress if progress is not None else {}
    student_first = sorted(app.registry.specs.items(), key=lambda kv: kv[0] != STUDENT)
    model_choices = [(spec.label, key) for key, spec in student_first]
    report_list = reports.load_reports()
    suite_names = reports.suites(report_list)
    measure_names = reports.measures(report_list) or ["RR@10"]

    # ------------------------------------------------------------------ handlers
    def side_html(both: dict, n_docs: int, reasons: dict | None = None) -> dict:
        reasons = reasons or {}
        return {key: hits_view.hits_html(r, MODEL_LABELS[key], n_docs, reasons.get(key))
                if not isinstance(r, str) else render.message_html(r) for key, r in both.items()}

    @_guard(9)
    def do_search(query, language, model, collection):
        model = model or app.default_model()
        result = app.search(query, language, model, collection)
        both = {model: result}
        for key in (BASE, STUDENT):
            if key not in both:
                try:
                    both[key] = app.search(query, language, key, collection)
                except UserError as exc:
                    both[key] = str(exc)
        n_docs = app.collection(collection).count()
        side = side_html(both, n_docs)
        payload = _search_payload(model, both)
        answered = MODEL_LABELS[model] + (" → base model (fallback language)" if result.routed_to_base else "")
        status = f"{result.lang_note} · {len(result.hits)} results in {result.seconds * 1000:.0f} ms ({answered})"
        if result.no_strong_match:
            status += " · no strong match"
        docs = [(f"{h.rank}. {h.title or h.doc_id}"[:90], h.doc_id) for h in result.hits]
        return (status, hits_view.hits_html(result, "", n_docs), side[BASE], side[STUDENT], payload,
                gr.update(choices=docs, value=docs[0][1] if docs else None), query.strip(), "",
                {"model": model, "both": both, "n_docs": n_docs})

    def do_reasons(last):
        """The follow-up to a search: each hit's strongest word links, under every list of hits (the results and
        both side-by-side panels) and in the JSON. A failure leaves the results as they are."""
        if not last:
            return (gr.skip(),) * 4
        both, n_docs = last["both"], last["n_docs"]
        reasons = {}
        try:
            for key, r in both.items():
                if not isinstance(r, str):
                    reasons[key] = app.reasons(r)
        except UserError as exc:
            log.warning("no reasons for this search: %s", exc)
            return (gr.skip(),) * 4
        except Exception:  # noqa: BLE001 - the hits are already shown; the log has the traceback
            log.exception("reasons failed")
            return (gr.skip(),) * 4
        side = side_html(both, n_docs, reasons)
        result = both[last["model"]]
        return (hits_view.hits_html(result, "", n_docs, reasons.get(last["model"])), side[BASE], side[STUDENT],
                _search_payload(last["model"], both, reasons))

    def do_open_hit(evt):
        """A hit's "alignment →" link: align that document and switch to the Alignment tab."""
        doc_id = getattr(evt, "doc", None)
        if not doc_id:
            return gr.skip(), gr.skip(), gr.skip()
        return gr.update(value=doc_id), "", gr.Tabs(selected="alignment")

    # gradio injects the event by the parameter's type; this module's annotations are strings (``from __future__
    # import annotations``) naming a gradio imported here, which gradio cannot resolve, so give it the class
    do_open_hit.__annotations__["evt"] = gr.EventData

    @_guard(8, status_at=6)
    def do_align(query, doc_id, english, language, eps, marginals, collection):
        """Both models' word plans: the figure, each query word's link beside its MaxSim word, the heaviest pairs;
        last, each model's panel label (a state, for :func:`do_align_labels`: the API keeps plain values)."""
        out = app.align(query, english, doc_id, language, eps, marginals, collection)
        figs, links, pairs, labels = [], [], [], {}
        for key in (BASE, STUDENT):
            al = out[key]
            label = labels[key] = hits_view.routed_label(out["lang"]) if out["routed"].get(key) else MODEL_LABELS[key]
            if isinstance(al, str):
                figs.append(None)
                links.append([[al] + [None] * (len(render.LINK_HEADERS) - 1)])
                pairs.append([[al, "", None, None]])
            else:
                figs.append(render.plan_figure(al, f"{label}: query words → English words"))
                links.append(render.link_rows(al))
                pairs.append(render.pairs_rows(al))
        status = f"{out['lang_note']} · English: {render.snippet(out['english'], 160)}"
        if out["routed"].get(STUDENT):
            status = f"{hits_view.routed_note(out['lang'])} · {status}"
        return figs[0], figs[1], pairs[0], pairs[1], links[0], links[1], status, labels

    def do_align_labels(labels):
        """Every plot and table label names the model that drew it: "OT student → base model for Swahili (fallback
        language)" where the student handed the query's language to the base."""
        if not labels:
            return (gr.skip(),) * 6
        out = []
        for make in (lambda lb: lb, lambda lb: f"heaviest word pairs ({lb})",
                     lambda lb: f"each query word: plan link and MaxSim ({lb})"):
            out += [gr.update(label=make(labels[BASE])), gr.update(label=make(labels[STUDENT]))]
        return tuple(out)

    @_guard(2, status_at=1)
    def do_upload(file, name, gr_progress=gr.Progress()):
        if file is None:
            raise UserError("choose a .jsonl, .csv or .txt file first")
        path = file if isinstance(file, str) else getattr(file, "name", str(file))
        gr_progress((0, 1), desc="reading")
        new, count = app.add_collection(path, name, lambda d, t: gr_progress((d, t), desc="indexing", unit="docs"))
        names = app.collection_names()
        return gr.update(choices=names, value=new), f"Indexed {count:,} documents into collection '{new}'"

    def do_quality(method, measure):
        try:
            view = reports.alignment_quality_view(method, measure)
        except UserError as exc:
            return render.message_html(str(exc), "warning"), None
        if view is None:
            return ("No word-alignment report yet: run `python benchmarks/bench_alignment_quality.py --out "
                    "reports/alignment/quality`."), None
        text, header, rows = view
        return text, gr.update(value=rows, headers=header)

    def do_report(suite, measure):
        if not report_list or not suite:
            return None, None
        header, rows = reports.comparison_rows(report_list, suite, measure)
        return reports.gap_figure(report_list, suite, measure), gr.update(value=rows, headers=header)

    # ------------------------------------------------------------------ layout
    with gr.Blocks(title="optical-clir explorer") as demo:
        gr.Markdown(f"# optical-clir explorer\n{INTRO}")
        status = gr.Markdown(_status_text(app, progress), elem_id="oc-status")
        timer = gr.Timer(1.0, active=bool(progress.get("stage")) or not app.ready)
        with gr.Tabs() as tabs:
            with gr.Tab("Search", id="search"):
                with gr.Row():
                    query = gr.Textbox(label="Query", placeholder="e.g. a Chichewa, Swahili or Amharic sentence",
                                       max_length=MAX_QUERY_CHARS * 5, scale=4, elem_id="oc-query")
                    language = gr.Dropdown(language_choices(app.registry.student_languages()), value=AUTO,
                                           label="Language", scale=1)
                with gr.Row():
                    model = gr.Radio(model_choices, value=app.default_model(), label="Model")
                    collection = gr.Dropdown(app.collection_names() or [DEFAULT], value=DEFAULT, label="Collection",
                                             allow_custom_value=False)
                    search_btn = gr.Button("Search", variant="primary", elem_id="oc-search")
                gr.Examples([[e.query, e.lang] for e in EXAMPLES], [query, language],
                            label="Everyday questions (each finds its answer; see explorer/examples.py)")
                search_status = gr.Markdown(elem_id="oc-search-status")
                results = gr.HTML(label="Results", elem_id="oc-results", js_on_load=OPEN_HIT_JS)
                last_search = gr.State(None)
                with gr.Accordion("Side by side: OT student vs base (top 10)", open=True):
                    with gr.Row():
                        student_side = gr.HTML(elem_id="oc-side-student", js_on_load=OPEN_HIT_JS)
                        base_side = gr.HTML(elem_id="oc-side-base", js_on_load=OPEN_HIT_JS)
                with gr.Accordion("Raw results (JSON)", open=False):
                    hits_json = gr.JSON()
            with gr.Tab("Alignment", id="alignment"):
                gr.Markdown(ALIGN_INTRO)
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
                align_labels = gr.State(None)
                with gr.Row():
                    student_plot = gr.Plot(label="OT student", elem_id="oc-plan-student")
                    base_plot = gr.Plot(label="base", elem_id="oc-plan-base")
                link_table = dict(headers=render.LINK_HEADERS, wrap=True, interactive=False,
                                  column_widths=["19%", "19%", "13%", "13%", "19%", "17%"])
                with gr.Row():
                    student_links = gr.Dataframe(elem_id="oc-links-student", **link_table,
                                                 label="each query word: plan link and MaxSim (OT student)")
                    base_links = gr.Dataframe(elem_id="oc-links-base", **link_table,
                                              label="each query word: plan link and MaxSim (base)")
                with gr.Row():
                    pair_headers = ["query word", "English word", "mass", "cosine"]
                    student_pairs = gr.Dataframe(headers=pair_headers, label="heaviest word pairs (OT student)")
                    base_pairs = gr.Dataframe(headers=pair_headers, label="heaviest word pairs (base)")
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
                quality_text = gr.Markdown(elem_id="oc-quality-note")
                with gr.Row():
                    quality_method = gr.Dropdown(list(QUALITY_METHODS), value="intersection",
                                                 label="Alignment read off the plan")
                    quality_measure = gr.Dropdown(list(QUALITY_MEASURES), value="f1", label="Measure")
                quality_table = gr.Dataframe(label="word alignment vs silver (eflomal), per language",
                                             elem_id="oc-quality")
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
        search_outputs = [search_status, results, base_side, student_side, hits_json, doc, align_query, english,
                          last_search]
        align_inputs = [align_query, doc, english, language, eps, marginals, collection]
        align_panels = [base_plot, student_plot, base_pairs, student_pairs, base_links, student_links]
        align_outputs = [*align_panels, align_status, align_labels]
        limit = config.concurrency_limit
        relabel = dict(api_visibility="private", queue=False)
        # results first; each hit's reasons follow (one encode of the hits), then the top hit's alignment
        gr.on([search_btn.click, query.submit], do_search, [query, language, model, collection], search_outputs,
              api_name="search", concurrency_limit=limit, concurrency_id="models").then(
            do_reasons, [last_search], [results, base_side, student_side, hits_json], api_name="reasons",
            concurrency_limit=limit, concurrency_id="models").then(
            do_align, align_inputs, align_outputs, api_visibility="private", concurrency_limit=limit,
            concurrency_id="models").then(do_align_labels, [align_labels], align_panels, **relabel)
        align_btn.click(do_align, align_inputs, align_outputs, api_name="align", concurrency_limit=limit,
                        concurrency_id="models").then(do_align_labels, [align_labels], align_panels, **relabel)
        for panel in (results, student_side, base_side):
            panel.click(do_open_hit, None, [doc, english, tabs], api_visibility="private", queue=False).then(
                do_align, align_inputs, align_outputs, api_visibility="private", concurrency_limit=limit,
                concurrency_id="models").then(do_align_labels, [align_labels], align_panels, **relabel)
        upload_btn.click(do_upload, [upload, upload_name], [collection, upload_status], api_name="upload",
                         concurrency_limit=1)
        suite.change(do_report, [suite, measure], [gap_plot, gap_table], api_visibility="private")
        measure.change(do_report, [suite, measure], [gap_plot, gap_table], api_visibility="private")
        demo.load(do_report, [suite, measure], [gap_plot, gap_table], api_visibility="private")
        quality_inputs, quality_outputs = [quality_method, quality_measure], [quality_text, quality_table]
        for trigger in (quality_method.change, quality_measure.change, demo.load):
            trigger(do_quality, quality_inputs, quality_outputs, api_visibility="private")

        def tick():
            return _status_text(app, progress), gr.Timer(active=bool(progress.get("stage")) or not app.ready)

        timer.tick(tick, None, [status, timer], api_visibility="private", queue=False)
    demo.queue(default_concurrency_limit=limit, max_size=config.max_queue)
    return demo


def start_loading(app: Explorer, progress: dict) -> threading.Thread:
    """Load the models and open (building on first start) the default collection in the background, saying in
    ``progress`` what is loading (``stage``, ``step`` of ``steps``, ``since``; document counts while indexing).
    Queries sent meanwhile wait (:meth:`Explorer.collection`, the registry's lock) instead of failing."""
    def stage(step: int, steps: int, text: str, kind: str = "") -> None:
        progress.update(stage=text, step=step, steps=steps, stage_kind=kind, since=time.monotonic())
        log.info("loading %d/%d: %s", step, steps, text)

    def run():
        from explorer import prepare

        started = time.perf_counter()
        steps = 3 if STUDENT in app.registry.specs else 2
        exporting = None
        try:
            stage(1, steps, "the base model (first start: rebuilt from its package and exported to ONNX, ~20 s)")
            if steps == 3 and app.registry.backend == "onnx":
                from engine.artifacts import resolve_model

                resolve_model(app.registry.specs[BASE].source)  # builds the base weights both exports read
                exporting = prepare.start_student_export(app.registry.specs[STUDENT].source)
            app.registry.document_encoder()
            stage(2, steps, "the default collection (shipped vectors)", "index")
            app.open_default(lambda done, total: progress.update(done=done, total=total))
            progress["seconds"] = time.perf_counter() - started
            if steps == 3:
                stage(3, steps, "the OT student (first start: exported to ONNX alongside the base)")
                prepare.finish(exporting)
                try:
                    app.registry.get(STUDENT)
                except UserError as exc:
                    log.warning("%s", exc)
            log.info("ready in %.1f s", time.perf_counter() - started)
            progress.pop("stage", None)
            if needs_int8(app.registry):
                prepare.finish_int8(prepare.start_int8(app.registry.sources()), app.registry)
        except UserError as exc:
            progress["error"] = str(exc)
            app.loading_failed(str(exc))
            log.error("%s", exc)
        except Exception as exc:  # noqa: BLE001 - say so on the page; the log has the traceback
            log.exception("loading failed")
            progress["error"] = f"internal error ({type(exc).__name__}); details in the server log"
            app.loading_failed(progress["error"])
        finally:
            progress.pop("stage", None)

    thread = threading.Thread(target=run, name="explorer-indexing", daemon=True)
    thread.start()
    return thread


def needs_int8(registry) -> bool:
    """True when a loaded ONNX model serves fp32 only because int8 was deferred (an empty cache's first start)."""
    return any(getattr(getattr(m, "query_precision", None), "deferred", False) for m in registry.loaded_models())


def parse_args(argv=None) -> tuple[ExplorerConfig, argparse.Namespace]:
    p = argparse.ArgumentParser(prog="python -m explorer", description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=None, help="port (default: 7860 or the next free one)")
    p.add_argument("--share", action="store_true", help="also open a public Gradio share link (off by default)")
    p.add_argument("--db", type=Path, default=None,
                   help="index file to search: an existing index is used as it is; a new path gets the default "
                        "collection (default: <cache>/explorer/default-v2.db)")
    p.add_argument("--store", default=ExplorerConfig().store, metavar="SPEC",
                   help="vector store of --db: auto (exact, FAISS above 100k passages), exact, faiss[:DIR], "
                        "milvus-lite:FILE.db, milvus://HOST:PORT/COLLECTION")
    p.add_argument("--student", type=Path, default=ExplorerConfig().student, help="OT student export directory")
    p.add_argument("--no-student", action="store_true", help="serve the base model only")
    p.add_argument("--backend", choices=["onnx", "torch"], default="onnx",
                   help="onnx (default: no torch needed; exports made on first use) or torch")
    p.add_argument("--threads", type=int, default=None,
                   help="threads per model call, ONNX Runtime or torch (default: half the cores, at most 4)")
    p.add_argument("--concurrency", type=int, default=4, help="model calls running at once (the rest queue)")
    p.add_argument("--write-vectors", action="store_true",
                   help="regenerate explorer/assets/{default,background}-vectors.npz for the base model and exit")
    a = p.parse_args(argv)
    config = ExplorerConfig(host=a.host, port=a.port, share=a.share, db=a.db, store=a.store,
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
            from explorer.precomputed import ASSET, BACKGROUND_ASSET, write_shipped_vectors
            from explorer.relevance import background_texts

            documents = load_document_encoder(None, "torch")  # the shipped vectors are torch fp32's
            print(write_shipped_vectors(documents, [d["text"] for d in default_documents()], ASSET))
            print(write_shipped_vectors(documents, background_texts(), BACKGROUND_ASSET))
            return 0
        set_threads(config.backend, config.threads)
        app = Explorer(config, default_registry(config.student, config.backend, config.threads))
        progress: dict = {}
        demo = build_demo(config, app, progress)
        start_loading(app, progress)
        launch(demo, config)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
