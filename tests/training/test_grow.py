"""Students that grow: continue a student on a new language, replaying its old ones, guarded per language."""

import json

import pytest

from engine.encoders import load_encoder
from engine.errors import UserError
from engine.training import DistillConfig, distill
from engine.training.data import load_training_pairs


def _config(bitext, out, lang, **kw):
    base = dict(bitext=[str(bitext)], langs=[lang], out=str(out), batch_size=8, max_steps=6, eval_every=3,
                lr=1e-3, dev_pairs=24, threads=1)
    base.update(kw)
    return DistillConfig(**base)


@pytest.fixture(scope="module")
def first_student(tiny_encoder, tiny_model_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("grow")
    bitext = root / "ny.tsv"
    bitext.write_text("".join(f"children play ball {i}\tana akusewera mpira {i}\n" for i in range(120)))
    distill(_config(bitext, root / "ny", "ny", base=str(tiny_model_dir)), teacher=tiny_encoder, progress=False)
    for p in tiny_encoder.model.parameters():  # distill freezes the teacher it is given
        p.requires_grad_(True)
    return root / "ny"


def test_replay_adds_the_old_languages_capped(first_student, word_bitext, tmp_path, tiny_model_dir):
    card = json.loads((first_student / "student.json").read_text())
    card["langs"] = ["ny", "am"]  # as if it had been trained on shipped Amharic too
    (first_student / "student.json").write_text(json.dumps(card))
    try:
        cfg = _config(word_bitext, tmp_path / "g", "sw", base=str(tiny_model_dir), init=str(first_student),
                      replay_pairs=50)
        triples, dev, summary = load_training_pairs(cfg)
    finally:
        card["langs"] = ["ny"]
        (first_student / "student.json").write_text(json.dumps(card))
    langs = [lang for lang, _, _ in triples]
    # the old languages come back from the shipped bitext, 50 pairs each; the new one is read whole
    assert langs.count("am") == 50 and langs.count("ny") == 50 and langs.count("sw") > 50
    assert {"am", "ny"} <= set(dev) and summary["am"]["train"] == 50


def test_a_grown_student_starts_from_the_old_one_and_guards_its_languages(first_student, word_bitext, tmp_path,
                                                                         tiny_encoder, tiny_model_dir):
    cfg = _config(word_bitext, tmp_path / "g", "sw", base=str(tiny_model_dir), init=str(first_student))
    distill(cfg, teacher=tiny_encoder, progress=False)
    card = json.loads((tmp_path / "g" / "student.json").read_text())
    assert card["langs"] == ["sw"] and card["config"]["init"] == str(first_student)
    log = [json.loads(line) for line in (tmp_path / "g" / "train_log.jsonl").read_text().splitlines()]
    assert log  # every evaluation checked the guard
    state = json.loads((tmp_path / "g" / "checkpoint-last" / "trainer_state.json").read_text())
    init = state["init"]
    assert set(init) >= {"sw", "en", "mean"}
    kept = state["best"]["dev"]
    assert all(kept[lang] >= init[lang] - cfg.language_guard for lang in ("sw",))
    # step 0 is the continued student itself: its weights are where training began
    assert state["history"][1]["note"] == "the student continued (--init)"
    grown = load_encoder(tmp_path / "g")
    assert grown.encode(["mtu haki"]).shape == (1, tiny_encoder.dim)


def test_init_must_share_base_and_training_mode(first_student, word_bitext, tmp_path, tiny_encoder, tiny_model_dir):
    with pytest.raises(UserError, match="same --train"):
        distill(_config(word_bitext, tmp_path / "x", "sw", base=str(tiny_model_dir), init=str(first_student),
                        train="full"), teacher=tiny_encoder, progress=False)


def test_added_bitext_is_what_data_add_built(tmp_path, monkeypatch):
    import gzip

    from engine.training.data import training_files

    monkeypatch.setenv("OPTICAL_CLIR_CACHE", str(tmp_path))
    with pytest.raises(UserError, match="data add tn"):
        training_files("added", "tn")
    root = tmp_path / "languages" / "tn" / "bitext"
    for source in ("cldr", "libreoffice"):
        (root / source).mkdir(parents=True)
        with gzip.open(root / source / "tn.train.tsv.gz", "wt") as f:
            f.write("water\tmetsi\n")
    with gzip.open(root / "libreoffice" / "tn.dev.tsv.gz", "wt") as f:
        f.write("fire\tmolelo\n")
    files, dev = training_files("added", "tn")
    assert [p.parent.name for p in files] == ["cldr", "libreoffice"] and [p.name for p in dev] == ["tn.dev.tsv.gz"]
