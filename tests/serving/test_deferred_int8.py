"""A first start that answers sooner: exports made fp32-only, int8 added in place later and checked on this CPU,
the served models reloaded onto the cached verdict (engine.onnx_export.add_int8, engine.serving.prepare_int8,
explorer.models.ModelRegistry.reload)."""

import json

import numpy as np

from engine.artifacts import read_export_card, verify_export
from engine.onnx_export import ensure_exported
from engine.serving.parity import PARITY_FILE


def _fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTICAL_CLIR_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("OPTICAL_CLIR_QUERY_PRECISION", raising=False)


def test_fp32_only_export_then_int8_added_in_place(tiny_model_dir, tmp_path):
    out = ensure_exported(tiny_model_dir, cache=tmp_path, progress=False, int8=False)
    card = read_export_card(out)
    assert set(card["variants"]) == {"fp32"} and not (out / "model.int8.onnx").exists()
    fp32 = out / "model.onnx"
    before = (fp32.stat().st_mtime_ns, card["files"]["model.onnx"]["sha256"])
    # a later fp32-only call accepts it as it is; an int8 call completes it without exporting again
    assert ensure_exported(tiny_model_dir, cache=tmp_path, progress=False, int8=False) == out
    assert ensure_exported(tiny_model_dir, cache=tmp_path, progress=False) == out
    card = verify_export(out, full=True)  # every file, int8 included, matches its sha256 in the card
    assert set(card["variants"]) == {"fp32", "int8"} and card["config"]["quantize"] is True
    assert (fp32.stat().st_mtime_ns, card["files"]["model.onnx"]["sha256"]) == before
    assert not list(out.glob(".int8-*"))  # no temporary file left behind
    # the same int8 graph as a one-step export makes
    whole = ensure_exported(tiny_model_dir, cache=tmp_path / "whole", progress=False)
    assert read_export_card(whole)["files"]["model.int8.onnx"]["sha256"] == card["files"]["model.int8.onnx"]["sha256"]


def test_deferred_serving_is_fp32_until_the_check_is_cached(tiny_model_dir, tmp_path, monkeypatch):
    from engine.backends import load_serving_model
    from engine.serving import prepare_int8

    _fresh_cache(tmp_path, monkeypatch)
    first = load_serving_model(tiny_model_dir, "onnx", progress=False, defer_int8=True)
    precision = first.query_precision
    assert first.variant == "fp32" and precision.deferred and precision.parity is None
    assert "not checked" in precision.summary
    assert "int8" not in read_export_card(first.source)["variants"] and not (first.source / PARITY_FILE).exists()

    chosen = prepare_int8([str(tiny_model_dir)])[str(tiny_model_dir)]
    assert not chosen.deferred and chosen.parity is not None
    verdicts = json.loads((first.source / PARITY_FILE).read_text())
    assert len(verdicts) == 1 and next(iter(verdicts.values()))["passed"] == chosen.parity.passed

    # loaded again (still deferring), the model serves the cached verdict at once
    again = load_serving_model(tiny_model_dir, "onnx", progress=False, defer_int8=True)
    assert not again.query_precision.deferred
    assert again.variant == ("int8" if chosen.parity.passed else "fp32")
    q = ["ana akusewera mpira"]
    assert np.allclose(first.encode(q, kind="query"), load_serving_model(
        tiny_model_dir, "onnx", progress=False, query_precision="fp32").encode(q, kind="query"), atol=1e-6)


def test_registry_reload_swaps_in_the_checked_models(tiny_model_dir, tmp_path, monkeypatch):
    from engine.serving import prepare_int8
    from explorer.app import needs_int8
    from explorer.models import BASE, ModelRegistry, ModelSpec

    _fresh_cache(tmp_path, monkeypatch)
    registry = ModelRegistry(ModelSpec(BASE, "tiny", str(tiny_model_dir)), backend="onnx", defer_int8=True)
    before = registry.get(BASE)
    assert needs_int8(registry) and "not checked" in registry.precision_summary()
    prepare_int8(registry.sources())
    registry.reload()
    after = registry.get(BASE)
    assert after is not before and not needs_int8(registry)
    assert "parity check" in registry.precision_summary()
