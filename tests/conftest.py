"""Shared fixtures. Tests never touch the network: the Hub is forced offline for the whole session."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A 2-layer, 32-dim random BERT with the real multilingual tokenizer."""
    from engine.encoders.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("models") / "tiny")


@pytest.fixture(scope="session")
def tiny_encoder(tiny_model_dir):
    from engine.encoders import load_encoder

    return load_encoder(tiny_model_dir)


@pytest.fixture(scope="session")
def e5():
    """The real offline default (multilingual-e5-small), converted once into the user cache."""
    from engine.encoders import load_encoder

    return load_encoder()


# Fixtures that load or export the real offline model: a test that uses one is slow whatever its module says.
REAL_MODEL_FIXTURES = {"e5", "e5_export", "onnx_base", "served_base"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if REAL_MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
