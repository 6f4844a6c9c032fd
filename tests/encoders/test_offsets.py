"""Document offsets: a student's documents in a language moved by the mean English-minus-language difference of dev
pairs, applied wherever documents are encoded (``document_encoder``), on torch and ONNX alike."""

import shutil

import numpy as np
import pytest

from engine.artifacts.names import DOCUMENT_OFFSETS_FILE
from engine.encoders import load_encoder
from engine.encoders.common import document_encoder, query_encoder
from engine.encoders.offsets import (
    OffsetDocuments,
    language_offset,
    read_document_offsets,
    shift_documents,
    write_document_offsets,
)
from engine.errors import UserError


def test_the_offset_is_the_mean_difference_and_shifted_vectors_are_unit_length():
    rng = np.random.default_rng(0)
    en, other = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    delta = language_offset(en, other)
    assert np.allclose(delta, en.mean(0) - other.mean(0), atol=1e-6)
    docs = rng.normal(size=(3, 4))
    moved = shift_documents(docs, delta)
    want = docs + delta
    assert np.allclose(moved, want / np.linalg.norm(want, axis=1, keepdims=True), atol=1e-6)
    assert np.allclose(np.linalg.norm(moved, axis=1), 1.0, atol=1e-6)
    # the offset moves the other language's mean exactly onto the English mean (before renormalising)
    assert np.allclose((other + delta).mean(0), en.mean(0), atol=1e-6)
    with pytest.raises(UserError, match="same number"):
        language_offset(en, other[:3])


def test_offsets_round_trip_and_a_student_without_them_reads_none(tmp_path):
    assert read_document_offsets(tmp_path) == {} and read_document_offsets(None) == {}
    offsets = {"ny": np.arange(4, dtype=np.float32), "am": -np.ones(4, np.float32)}
    path = write_document_offsets(tmp_path, offsets)
    assert path.name == DOCUMENT_OFFSETS_FILE and not list(tmp_path.glob("*.tmp"))
    back = read_document_offsets(tmp_path)
    assert set(back) == {"ny", "am"} and all(np.array_equal(back[k], offsets[k]) for k in offsets)


@pytest.fixture()
def shifted_student(tiny_sw_student_dir, tmp_path):
    path = tmp_path / "student"
    shutil.copytree(tiny_sw_student_dir, path)
    plain = load_encoder(path)
    delta = np.linspace(-0.5, 0.5, plain.student.dim).astype(np.float32)
    write_document_offsets(path, {"sw": delta})
    return path, plain, delta


def test_a_student_with_offsets_shifts_its_documents_in_that_language_only(shifted_student):
    path, plain, delta = shifted_student
    model = load_encoder(path)
    texts = ["watoto wanacheza mpira", "kila mtu ana haki"]
    enc = document_encoder(model, "swh")  # an alias of sw
    assert isinstance(enc, OffsetDocuments) and enc.fingerprint != model.student.fingerprint
    assert np.allclose(enc.encode(texts, kind="passage"),
                       shift_documents(plain.student.encode(texts, kind="passage"), delta), atol=1e-5)
    # queries, English documents and the student's query encoder are untouched
    assert np.allclose(query_encoder(model, "sw").encode(texts), plain.student.encode(texts), atol=1e-6)
    assert document_encoder(model, "en") is model.document_encoder
    assert document_encoder(model, "sw").encode(texts, kind="query").shape == (2, plain.student.dim)
    assert np.allclose(document_encoder(model, "sw").encode(texts, kind="query"), plain.student.encode(texts),
                       atol=1e-6)


def test_offsets_apply_when_the_student_answers_every_language_too(shifted_student):
    """``route=False`` (``evaluate --no-route``, the experiment tables) sends a fallback language's documents to the
    student instead of the base: its offsets still move them."""
    path, plain, delta = shifted_student
    model = load_encoder(path)
    model.fallback_langs = ["sw"]  # as if dev selection had given sw back to the base
    assert document_encoder(model, "sw") is model.document_encoder
    enc = document_encoder(model, "sw", route=False)
    texts = ["watoto wanacheza mpira"]
    assert isinstance(enc, OffsetDocuments)
    assert np.allclose(enc.encode(texts, kind="passage"),
                       shift_documents(plain.student.encode(texts, kind="passage"), delta), atol=1e-5)
    assert document_encoder(model, "en", route=False) is model.document_encoder


def test_the_onnx_student_reads_the_same_offsets(shifted_student):
    from engine.backends import load_serving_model

    path, plain, delta = shifted_student
    served = load_serving_model(path, "onnx", progress=False, query_precision="fp32")
    enc = document_encoder(served, "sw")
    assert isinstance(enc, OffsetDocuments)
    assert enc.fingerprint == document_encoder(load_encoder(path), "sw").fingerprint  # one index for both backends
    texts = ["watoto wanacheza mpira shuleni"]
    assert np.allclose(enc.encode(texts, kind="passage"),
                       shift_documents(plain.student.encode(texts, kind="passage"), delta), atol=1e-4)


@pytest.fixture(scope="module")
def tiny_ny_student_dir(tiny_student_factory):
    return tiny_student_factory("ny", "children play", "ana akusewera")


def test_the_offsets_verb_computes_them_from_shipped_dev_bitext(tiny_ny_student_dir, tmp_path, capsys):
    from engine.cli import main
    from engine.data.bitext import shipped_pairs

    path = tmp_path / "s"
    shutil.copytree(tiny_ny_student_dir, path)
    assert main(["offsets", str(path), "--pairs", "40"]) == 0
    assert "document offsets (sentences) for ny" in capsys.readouterr().out
    got = read_document_offsets(path)["ny"]
    model = load_encoder(path)
    dev = shipped_pairs("ny", "dev", 40)
    want = (model.document_encoder.encode([e for e, _ in dev], kind="passage").mean(0)
            - model.student.encode([x for _, x in dev], kind="passage").mean(0))
    assert np.allclose(got, want, atol=1e-5)
    # computed again from the documents as trained, not from already-shifted ones: the same offset
    assert main(["offsets", str(path), "--pairs", "40"]) == 0
    assert np.allclose(read_document_offsets(path)["ny"], got, atol=1e-6)
    assert main(["offsets", str(path), "--remove"]) == 0 and read_document_offsets(path) == {}


def test_a_copy_with_offsets_leaves_the_source_as_it_was(tiny_ny_student_dir, tmp_path):
    from engine.encoders.students import copy_with_offsets

    out = tmp_path / "with-offsets"
    offsets = copy_with_offsets(tiny_ny_student_dir, out, pairs=40)
    assert read_document_offsets(tiny_ny_student_dir) == {} and not (tmp_path / "with-offsets.tmp").exists()
    assert set(offsets) == {"ny"} and np.array_equal(read_document_offsets(out)["ny"], offsets["ny"])
    source, copy = load_encoder(tiny_ny_student_dir), load_encoder(out)
    assert copy.student.fingerprint == source.student.fingerprint  # same weights: queries share the cache
    texts = ["ana akusewera"]
    assert np.allclose(document_encoder(copy, "ny").encode(texts, kind="passage"),
                       shift_documents(source.student.encode(texts, kind="passage"), offsets["ny"]), atol=1e-5)


def test_passage_offsets_are_taken_over_windows_of_consecutive_dev_pairs(tiny_ny_student_dir, tmp_path, capsys):
    """``--units 5``: the mean difference over dev windows of 5 pairs joined (passage-length texts), not sentences;
    how they were computed is kept in the file, and a copy made with units gives the same offsets."""
    from engine.cli import main
    from engine.data.bitext import shipped_pairs
    from engine.encoders.offsets import offsets_metadata
    from engine.encoders.students import copy_with_offsets

    path = tmp_path / "s"
    shutil.copytree(tiny_ny_student_dir, path)
    assert main(["offsets", str(path), "--pairs", "8", "--units", "5"]) == 0
    assert "document offsets (windows of 5) for ny" in capsys.readouterr().out
    dev = shipped_pairs("ny", "dev", 40)
    windows = [(" ".join(e for e, _ in dev[i:i + 5]), " ".join(x for _, x in dev[i:i + 5])) for i in range(0, 40, 5)]
    model = load_encoder(path)
    want = (model.document_encoder.encode([e for e, _ in windows], kind="passage").mean(0)
            - model.student.encode([x for _, x in windows], kind="passage").mean(0))
    got = read_document_offsets(path)["ny"]
    assert np.allclose(got, want, atol=1e-5)
    sentences = copy_with_offsets(tiny_ny_student_dir, tmp_path / "sentences", pairs=8)["ny"]
    assert not np.allclose(got, sentences, atol=1e-3)  # passages sit elsewhere than sentences
    assert offsets_metadata(path) == {"units": "5", "pairs": "8"}
    assert offsets_metadata(tmp_path / "sentences") == {"units": "1", "pairs": "8"}
    assert offsets_metadata(tiny_ny_student_dir) == {}
    copy = copy_with_offsets(tiny_ny_student_dir, tmp_path / "windows", pairs=8, units=5)["ny"]
    assert np.allclose(copy, got, atol=1e-6)
    assert main(["offsets", str(path), "--units", "0"]) != 0
    assert "--units must be at least 1" in capsys.readouterr().err


def test_the_offsets_verb_refuses_what_is_not_a_student(tmp_path, capsys):
    from engine.cli import main

    assert main(["offsets", str(tmp_path)]) != 0
    err = capsys.readouterr().err
    assert "is not a student directory" in err and str(tmp_path.parent) not in err
