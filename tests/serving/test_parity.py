"""The int8 parity self-check (engine.serving.parity) on tiny models: it catches an int8 graph that disagrees with
fp32, serves fp32 then and says why, remembers its verdict per CPU, and the int8 weights are 7-bit so no CPU's
integer kernel can saturate."""

import json

import numpy as np
import pytest

from engine.encoders.onnx_encoder import OnnxEncoder
from engine.errors import UserError
from engine.hardware import cpu_info
from engine.onnx_export import export_onnx
from engine.serving.parity import (
    PARITY_FILE,
    ParityConfig,
    check_parity,
    choose_query_precision,
    read_probe,
)


@pytest.fixture(scope="module")
def tiny_export(tmp_path_factory, tiny_model_dir):
    return export_onnx(tiny_model_dir, tmp_path_factory.mktemp("parity") / "tiny")


@pytest.fixture(scope="module")
def other_export(tmp_path_factory):
    """The same architecture with other random weights: an int8 graph that does not compute this model."""
    from engine.encoders.tiny import build_tiny_model

    model = build_tiny_model(tmp_path_factory.mktemp("models") / "tiny-seed-1", seed=1)
    return export_onnx(model, tmp_path_factory.mktemp("parity") / "other")


def _never():
    raise AssertionError("the cached verdict should have been used")


def test_probe_is_held_out_dev_bitext_in_several_languages():
    from engine.data.bitext import read_bitext
    from engine.data.build import DATA_DIR

    queries, english = read_probe()
    assert len(queries) == len(english) == 40 and len(set(queries)) == 40
    dev = set()
    for path in (DATA_DIR / "bitext").glob("*/*.dev.tsv.gz"):
        dev |= {tuple(p) for p in read_bitext(path)}
    assert all((en, q) in dev for en, q in zip(english, queries))  # dev pairs only: never suite text


def test_int8_weights_are_7_bit_so_no_cpu_saturates(tiny_export):
    """u8 activations times s8 weights, two products added in int16 (AVX2's vpmaddubsw): |sum| <= 2*255*64."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(tiny_export / "model.int8.onnx"))
    weights = [numpy_helper.to_array(t) for t in model.graph.initializer if t.data_type == onnx.TensorProto.INT8]
    assert weights, "no int8 weights in the int8 graph"
    worst = max(int(np.abs(w.astype(np.int32)).max()) for w in weights)
    assert worst <= 64 and 2 * 255 * worst <= 32767, worst


def test_identical_graphs_pass_and_a_different_int8_graph_fails(tiny_export, other_export):
    fp32 = OnnxEncoder(tiny_export, "fp32")
    same = check_parity(OnnxEncoder(tiny_export, "fp32"), fp32, fp32)
    assert same.passed and same.min_cosine > 0.99999 and same.top1_agreement == 1.0 and same.probes == 40
    wrong = check_parity(OnnxEncoder(other_export, "int8"), fp32, fp32)
    assert not wrong.passed and wrong.min_cosine < 0.9
    assert wrong.cpu == cpu_info().kind and "failed the parity check" in wrong.reason


def test_failing_int8_serves_fp32_says_why_and_remembers(tiny_export, other_export, tmp_path):
    import shutil

    export = shutil.copytree(tiny_export, tmp_path / "export")
    fp32 = OnnxEncoder(export, "fp32")
    chosen = choose_query_precision(export, lambda: OnnxEncoder(other_export, "int8"), lambda: fp32, fp32)
    assert chosen.variant == "fp32" and not chosen.parity.passed
    assert chosen.note.startswith("queries: fp32 ONNX — int8 failed the parity check on this CPU")
    saved = json.loads((export / PARITY_FILE).read_text())
    (key, entry), = saved.items()
    assert key.startswith(cpu_info().kind) and entry["passed"] is False
    again = choose_query_precision(export, _never, _never, fp32)  # read back, nothing re-encoded
    assert again == chosen
    stricter = ParityConfig(min_cosine=0.99999)  # other bounds: checked again
    assert choose_query_precision(export, lambda: fp32, lambda: fp32, fp32, config=stricter).variant == "int8"


def test_forced_precisions_and_bad_names(tiny_export, monkeypatch):
    fp32 = OnnxEncoder(tiny_export, "fp32")
    assert choose_query_precision(tiny_export, _never, _never, fp32, "int8").note == "queries: int8 ONNX (requested)"
    with pytest.raises(UserError, match="unknown query precision 'int4'"):
        choose_query_precision(tiny_export, _never, _never, fp32, "int4")
    from engine.serving.parity import default_precision

    monkeypatch.setenv("OPTICAL_CLIR_QUERY_PRECISION", "FP32")
    assert default_precision() == "fp32"


def test_served_model_carries_its_verdict(tiny_model_dir, tmp_path, monkeypatch):
    from engine.backends import load_serving_model

    monkeypatch.setenv("OPTICAL_CLIR_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("OPTICAL_CLIR_QUERY_PRECISION", raising=False)
    served = load_serving_model(tiny_model_dir, "onnx", progress=False)
    precision = served.query_precision
    assert served.variant == precision.variant == ("int8" if precision.parity.passed else "fp32")
    assert (served.source / PARITY_FILE).is_file() and served.document_encoder.variant == "fp32"
    forced = load_serving_model(tiny_model_dir, "onnx", progress=False, query_precision="int8")
    assert forced.variant == "int8" and forced.fingerprint != served.document_encoder.fingerprint
