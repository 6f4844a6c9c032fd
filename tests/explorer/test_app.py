"""The Gradio app: built without launching, events named for gradio_client, handlers that never raise."""

import time

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # gr.Warning outside a request


@pytest.fixture()
def demo(tiny_app):
    from explorer.app import build_demo

    return build_demo(tiny_app.config, tiny_app)


def _handler(demo, api_name):
    return next(f for f in demo.fns.values() if f.api_name == api_name).fn


def _named(demo, name):
    return next(f for f in demo.fns.values() if f.fn is not None and f.fn.__name__ == name).fn


def test_build_demo_does_not_launch(demo):
    import gradio as gr

    assert isinstance(demo, gr.Blocks) and not demo.is_running
    names = {f.api_name for f in demo.fns.values()}
    assert {"search", "reasons", "align", "upload"} <= names


def test_search_handler_fills_results_and_alignment_choices(demo):
    status, results, base_side, student_side, payload, docs, align_query, english, last = _handler(demo, "search")(
        "Yesu anati, Ine ndine njira <script>alert(1)</script>", "ny", "base", "default")
    assert "Chichewa" in status and "4 results" in status
    assert [h["rank"] for h in payload["hits"]] == [1, 2, 3, 4]
    assert "&lt;b&gt;now&lt;/b&gt;" in results and "<b>now</b>" not in results  # document text is escaped
    assert "student not available" in student_side
    assert docs["value"] == payload["hits"][0]["doc_id"] and english == ""
    assert last["model"] == "base" and "why:" not in results  # the reasons follow in their own step
    assert results.count("class='oc-align'") == 4 and 'data-doc="udhr-1"' in results


def test_reasons_follow_the_search_under_every_hit(demo):
    *_, last = _handler(demo, "search")("Yesu anati, Ine ndine njira", "ny", "base", "default")
    results, base_side, student_side, payload = _handler(demo, "reasons")(last)
    assert results.count("class='oc-reasons'") == 4 and base_side.count("class='oc-reasons'") == 4
    assert "student not available" in student_side
    why = payload["hits"][0]["why"]
    assert 1 <= len(why) <= 3 and {"query", "english", "share", "cosine"} == set(why[0])
    assert why[0]["query"] in {"Yesu", "anati", "Ine", "ndine", "njira"}
    assert payload["compare"]["base"][0]["why"] == why


def test_failed_reasons_leave_the_results_as_they_are(demo, tiny_app, monkeypatch):
    import gradio as gr

    from engine.errors import UserError

    *_, last = _handler(demo, "search")("ndine njira", "ny", "base", "default")

    def fail(*a, **k):
        raise UserError("no tokens")

    monkeypatch.setattr(tiny_app, "reasons", fail)
    assert all(out == gr.skip() for out in _handler(demo, "reasons")(last))
    assert all(out == gr.skip() for out in _handler(demo, "reasons")(None))


def test_a_hits_alignment_link_opens_the_alignment_tab(demo):
    import gradio as gr

    doc, english, tabs = _named(demo, "do_open_hit")(gr.EventData(None, {"doc": "JHN.14.6"}))
    assert doc["value"] == "JHN.14.6" and english == "" and tabs.selected == "alignment"
    assert all(out == gr.skip() for out in _named(demo, "do_open_hit")(gr.EventData(None, {})))


def test_align_handler_returns_two_plans_or_a_message(demo):
    from explorer.render import LINK_HEADERS

    base_fig, student_fig, base_pairs, student_pairs, base_links, student_links, status, labels = _handler(
        demo, "align")("ndine njira", "JHN.14.6", "", "ny", 0.05, "uniform", "default")
    assert base_fig.data[0].type == "heatmap" and student_fig is None
    assert len(base_pairs) == 10 and "student not available" in student_pairs[0][0]
    assert [row[0] for row in base_links] == ["ndine", "njira"]  # each query word, its link and MaxSim
    assert all(len(row) == len(LINK_HEADERS) for row in base_links + student_links)
    assert labels == {"base": "base", "student": "OT student"} and "Jesus said" in status


@pytest.mark.parametrize("query", ["", "x" * 10_000, "🙂🙂", "ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ ᎠᏂᏴᏫᏯ"])
def test_bad_input_becomes_a_message(demo, query):
    out = _handler(demo, "search")(query, "auto", "base", "default")
    assert out[0].startswith("⚠️") and "Traceback" not in out[0]
    out = _handler(demo, "align")(query, "udhr-1", "", "auto", 0.05, "uniform", "default")
    assert out[6].startswith("⚠️")


def test_bad_eps_and_upload_become_messages(demo, tmp_path):
    out = _handler(demo, "align")("ndine njira", "udhr-1", "", "auto", 7, "uniform", "default")
    assert "ε must be between" in out[6]
    evil = tmp_path / "evil.exe"
    evil.write_bytes(b"MZ\x90\x00")
    assert "unsupported file type" in _handler(demo, "upload")(str(evil), "")[1]
    assert "choose a" in _handler(demo, "upload")(None, "")[1]


def test_internal_errors_do_not_leak(demo, tiny_app, monkeypatch):
    monkeypatch.setattr(tiny_app, "search", lambda *a, **k: 1 / 0)
    out = _handler(demo, "search")("Mtu ana haki", "auto", "base", "default")
    assert out[0] == "⚠️ internal error (details in the server log); the app is still running"


def test_cli_defaults_are_safe():
    from explorer.app import parse_args

    config, _ = parse_args([])
    assert config.host == "127.0.0.1" and config.share is False
    config, _ = parse_args(["--no-student", "--port", "7999"])
    assert config.student is None and config.port == 7999


def test_the_student_is_chosen_and_every_panel_says_when_it_answers_with_the_base(tiny_student_app):
    from explorer.app import build_demo

    demo = build_demo(tiny_student_app.config, tiny_student_app)
    radio = next(b for b in demo.blocks.values() if getattr(b, "label", None) == "Model")
    assert radio.value == "student" and radio.choices[0][1] == "student"
    status, results, base_side, student_side, payload, *_ = _handler(demo, "search")(
        "Mtu ana haki", "sw", None, "default")
    assert payload["model"] == "student" and payload["routed_to_base"]
    assert "student → base model" in status.lower()
    assert "OT student → base model for Swahili" in results and "OT student → base model for Swahili" in student_side
    assert "→ base model" not in base_side
    base_fig, student_fig, *_, align_status, labels = _handler(demo, "align")(
        "Mtu ana haki", "udhr-1", "", "sw", 0.05, "uniform", "default")
    assert "OT student → base model for Swahili" in student_fig.layout.title.text
    assert "→ base" not in base_fig.layout.title.text and "OT student → base model for Swahili" in align_status
    base_plot, student_plot, base_pairs, student_pairs, base_links, student_links = _named(demo, "do_align_labels")(
        labels)  # the plot and both tables say so in their labels
    for panel in (student_plot, student_pairs, student_links):
        assert "OT student → base model for Swahili" in panel["label"]
    for panel in (base_plot, base_pairs, base_links):
        assert "→ base" not in panel["label"] and "base" in panel["label"]
    _, results, *_ = _handler(demo, "search")("ndine njira", "ny", "student", "default")
    assert "→ base model" not in results


def test_loading_status_says_what_and_how_far(tiny_app):
    from explorer.app import _status_text

    progress = {"stage": "the default collection (shipped vectors)", "step": 2, "steps": 3, "stage_kind": "index",
                "since": time.monotonic(), "done": 512, "total": 2779}
    line = _status_text(tiny_app, progress)
    assert "Loading 2/3: the default collection" in line and "512 / 2,779 documents" in line and "wait" in line
    assert _status_text(tiny_app, {}).startswith("Ready")


def test_start_loading_opens_the_collection_and_clears_the_loading_line(tiny_registry, tiny_encoder, tmp_path):
    from engine.index import DocumentIndex
    from explorer.app import _status_text, start_loading
    from explorer.config import ExplorerConfig
    from explorer.service import Explorer

    from .conftest import DOCS

    db = tmp_path / "ready.db"
    DocumentIndex(db, create=True).add_documents(DOCS, tiny_encoder, progress=False)
    app = Explorer(ExplorerConfig(cache_dir=tmp_path / "cache", student=None, db=db), tiny_registry)
    progress: dict = {}
    start_loading(app, progress).join(60)
    assert app.ready and "stage" not in progress and "error" not in progress
    assert _status_text(app, progress).startswith("Ready — collections: default (4 passages)")


def test_the_evaluation_tab_shows_the_silver_alignment_quality(demo):
    text, table = _named(demo, "do_quality")("intersection", "f1")
    assert "silver" in text and "eflomal" in text and "not gold" in text
    assert table["headers"][:4] == ["lang", "pairs", "base f1", "student f1"]
    assert table["value"][-1][0] == "mean" and len(table["value"]) >= 2
    text, table = _named(demo, "do_quality")("gdfa", "aer")
    assert table["headers"][2] == "base aer"


def test_first_start_answers_in_fp32_then_checks_int8_in_another_process(tiny_model_dir, tiny_encoder, tmp_path,
                                                                         monkeypatch):
    """An empty cache: the app is ready on fp32 exports; int8 is then made and checked by ``python -m
    explorer.prepare --int8`` (a real subprocess) and the registry reloaded onto the verdict."""
    from engine.artifacts import read_export_card
    from engine.index import DocumentIndex
    from engine.serving.parity import PARITY_FILE
    from explorer.app import _status_text, needs_int8, start_loading
    from explorer.config import ExplorerConfig
    from explorer.models import BASE, ModelRegistry, ModelSpec
    from explorer.service import Explorer

    from .conftest import DOCS

    monkeypatch.setenv("OPTICAL_CLIR_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("OPTICAL_CLIR_QUERY_PRECISION", raising=False)
    db = tmp_path / "ready.db"
    DocumentIndex(db, create=True).add_documents(DOCS, tiny_encoder, progress=False)
    registry = ModelRegistry(ModelSpec(BASE, "base (tiny)", str(tiny_model_dir)), backend="onnx", defer_int8=True)
    app = Explorer(ExplorerConfig(cache_dir=tmp_path / "cache", student=None, db=db), registry)
    progress: dict = {}
    thread = start_loading(app, progress)
    deadline = time.monotonic() + 120
    while not app.ready and time.monotonic() < deadline:
        time.sleep(0.05)
    assert app.ready  # answering before int8 exists
    thread.join(180)
    assert not thread.is_alive() and "error" not in progress
    export = registry.get(BASE).source
    assert "int8" in read_export_card(export)["variants"] and (export / PARITY_FILE).is_file()
    assert not needs_int8(registry)
    assert "parity check" in _status_text(app, progress)
