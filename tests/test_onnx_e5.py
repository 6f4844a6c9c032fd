"""ONNX export of the real model (multilingual-e5-small): fp32 parity with torch, int8 retrieval parity."""

import pytest

from engine.encoders.onnx_encoder import OnnxEncoder
from engine.onnx_export import export_onnx, verify_export

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def e5_export(e5, tmp_path_factory):
    """Exported once per session (about half a minute)."""
    return export_onnx(e5, tmp_path_factory.mktemp("onnx-e5") / "e5")


def _udhr_texts():
    from engine.collection import load_collection

    texts = []
    for lang in ("sw", "am", "en", "zu"):
        coll = load_collection("udhr", lang)
        texts += list(coll.queries.values())[:8]
    return texts + list(coll.docs.values())[:8] + list(coll.docs.values())[-8:]


def test_fp32_onnx_matches_torch_per_text(e5, e5_export):
    card = verify_export(e5_export)
    assert card["files"]["model.onnx"]["bytes"] < 2**31  # one protobuf file, no external data
    texts = _udhr_texts()
    onnx_enc = OnnxEncoder(e5_export, "fp32")
    for kind in ("query", "passage"):
        cos = (onnx_enc.encode(texts, kind=kind) * e5.encode(texts, kind=kind)).sum(1)
        assert cos.min() >= 0.999, cos.min()
