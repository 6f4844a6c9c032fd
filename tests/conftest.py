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
def tiny_student_factory(tmp_path_factory, tiny_model_dir):
    """``make(lang, english, other)``: a real (two-step) student of the tiny model on 40 pairs ``english i<TAB>other
    i`` that answers ``lang`` itself (no fallback), so its document side is not its base's."""
    import json

    from engine.encoders import load_encoder
    from engine.training import DistillConfig, distill

    def make(lang: str, english: str, other: str):
        root = tmp_path_factory.mktemp(f"{lang}-student")
        bitext = root / f"{lang}.tsv"
        bitext.write_text("".join(f"{english} {i}\t{other} {i}\n" for i in range(40)))
        config = DistillConfig(bitext=[str(bitext)], langs=[lang], out=str(root / "s"), base=str(tiny_model_dir),
                               batch_size=8, max_steps=2, eval_every=2, dev_pairs=8, threads=1, lr=1e-2)
        distill(config, teacher=load_encoder(tiny_model_dir), progress=False)
        card = json.loads((root / "s" / "student.json").read_text())
        card["fallback_langs"] = []  # two steps need not beat the base on dev; here the student answers the language
        (root / "s" / "student.json").write_text(json.dumps(card))
        return root / "s"

    return make


@pytest.fixture(scope="session")
def tiny_sw_student_dir(tiny_student_factory):
    """A tiny student that answers Swahili itself."""
    return tiny_student_factory("sw", "children play", "watoto wanacheza")


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
