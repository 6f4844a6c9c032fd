"""ONNX export and serving on the tiny model: parity with torch (the oracle), card, atomicity, bad files."""

import json
import subprocess
import sys

import numpy as np
import pytest

from engine.encoders import load_encoder
from engine.encoders.onnx_encoder import OnnxEncoder
from engine.errors import UserError
from engine.onnx_export import ExportConfig, ensure_exported, export_onnx, verify_export

TEXTS = ["Watoto wanacheza mpira", "hello", "Kila mtu ana haki ya kuishi, uhuru na usalama wa nafsi yake.",
         "a much longer sentence that keeps going " * 20, "😀 ünïcödé <s> </s>", "word " * 600]


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory, tiny_encoder):
    report = {"model": {"name": "tiny"}, "suites": {"udhr": {"languages": {"sw": {"metrics": {"RR@10": 0.5}}}}}}
    return export_onnx(tiny_encoder, tmp_path_factory.mktemp("onnx") / "tiny-export", report=report)


def test_export_writes_models_tokenizer_and_card(export_dir, tiny_encoder):
    names = {p.name for p in export_dir.iterdir()}
    assert {"model.onnx", "model.int8.onnx", "tokenizer.json", "card.json"} <= names
    card = verify_export(export_dir)  # every sha256 matches
    assert set(card["files"]) == names - {"card.json"}
    assert card["fingerprint"] == card["base_fingerprint"] == tiny_encoder.fingerprint and card["dim"] == 32
    assert card["metrics"] == {"udhr": {"sw": {"RR@10": 0.5}}} and card["config"]["quantize"] is True
    assert not [p for p in export_dir.parent.iterdir() if p.name.startswith(".")]  # no temp dirs left
    import onnx

    model = onnx.load(str(export_dir / "model.onnx"), load_external_data=False)
    assert [i.name for i in model.graph.input] == ["input_ids", "attention_mask"]
    assert [o.name for o in model.graph.output] == ["token_embeddings", "sentence_embedding"]
    dims = [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims == ["batch", "sequence"]
    int8 = onnx.load(str(export_dir / "model.int8.onnx"), load_external_data=False)
    fp32_matmuls = [n.name for n in int8.graph.node if n.op_type == "MatMul" and "dense" in n.name]
    assert fp32_matmuls == [f"/inner/encoder/layer.{i}/output/dense/MatMul" for i in range(2)]  # GELU-fed: fp32
    assert {n.op_type for n in int8.graph.node} & {"MatMulInteger", "DynamicQuantizeMatMul"}


def test_fast_int8_fuses_and_quantises_attention(tiny_encoder, tmp_path):
    import onnx

    out = export_onnx(tiny_encoder, tmp_path / "fast", config=ExportConfig(fast_int8=True))
    ops = {n.op_type for n in onnx.load(str(out / "model.int8.onnx"), load_external_data=False).graph.node}
    assert {"QAttention", "SkipLayerNormalization"} <= ops
    cos = (OnnxEncoder(out, "int8").encode(TEXTS) * tiny_encoder.encode(TEXTS)).sum(1)
    assert cos.min() >= 0.99


@pytest.mark.parametrize("variant,min_cos", [("fp32", 0.999), ("int8", 0.99)])
def test_onnx_matches_torch(export_dir, tiny_encoder, variant, min_cos):
    onnx_enc = OnnxEncoder(export_dir, variant)
    for kind in ("query", "passage"):
        cos = (onnx_enc.encode(TEXTS, kind=kind, batch_size=4) * tiny_encoder.encode(TEXTS, kind=kind)).sum(1)
        assert cos.min() >= min_cos, (kind, cos)
    assert onnx_enc.encode(TEXTS[:1]).shape == (1, 32)  # batch of one: dynamic axes
    assert onnx_enc.last_report.truncated == 0
    onnx_enc.encode(TEXTS)
    tiny_encoder.encode(TEXTS)
    assert onnx_enc.last_report.truncated == tiny_encoder.last_report.truncated == 1
    ours, theirs = onnx_enc.encode_tokens(TEXTS[:3]), tiny_encoder.encode_tokens(TEXTS[:3])
    for a, b in zip(ours, theirs):
        assert a.tokens == b.tokens and a.truncated == b.truncated
        np.testing.assert_allclose(a.embeddings, b.embeddings, atol=1e-4 if variant == "fp32" else 0.2)


def test_tokenisation_matches_the_torch_encoder(export_dir, tiny_encoder):
    onnx_enc = OnnxEncoder(export_dir, "fp32")
    for kind in ("query", "passage"):
        for limit in (None, 8):
            ours, theirs = onnx_enc.tokenize(TEXTS, kind, limit), tiny_encoder.tokenize(TEXTS, kind, limit)
            np.testing.assert_array_equal(ours.input_ids, theirs.input_ids.numpy())
            np.testing.assert_array_equal(ours.attention_mask, theirs.attention_mask.numpy())
            np.testing.assert_array_equal(ours.content_mask, theirs.content_mask.numpy())
            assert ours.truncated == theirs.truncated
    assert onnx_enc.encode_tokens(["Watoto wanacheza"])[0].tokens == ["▁Watoto", "▁wana", "cheza"]
    hf, ours = tiny_encoder.tokenizer, onnx_enc.tokenizer  # the transformers API subset callers use
    for text in TEXTS:
        ids = hf(text, add_special_tokens=False)["input_ids"]
        assert ours(text, add_special_tokens=False)["input_ids"] == ids
        assert ours.convert_ids_to_tokens(ids) == hf.convert_ids_to_tokens(ids)
    assert (ours.unk_token_id, ours.pad_token_id) == (hf.unk_token_id, hf.pad_token_id)
    assert sorted(ours.all_special_ids) == sorted(hf.all_special_ids)


def test_fingerprints_and_load_encoder(export_dir, tiny_encoder):
    int8 = load_encoder(export_dir)
    fp32 = load_encoder(export_dir / "model.onnx")
    assert isinstance(int8, OnnxEncoder) and int8.variant == "int8" and fp32.variant == "fp32"
    assert fp32.fingerprint == tiny_encoder.fingerprint  # same function: shares indexes and caches
    assert int8.fingerprint != tiny_encoder.fingerprint  # int8 vectors never mix with fp32 ones
    assert not hasattr(int8, "document_encoder")  # a base export encodes its own documents


def test_serving_path_never_imports_torch(export_dir, tmp_path):
    script = f"""
import sys
from engine.encoders import load_encoder
from engine.index import DocumentIndex
from engine.search import search
enc = load_encoder({str(export_dir)!r})
idx = DocumentIndex({str(tmp_path / "i.db")!r}, create=True)
idx.add_documents([{{"id": "a", "text": "watoto wanacheza"}}, {{"id": "b", "text": "haki"}}], enc, progress=False)
hits = search(idx, enc, "watoto", k=2)
print(len(hits), "torch" in sys.modules)
"""
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["2", "False"]


def test_damaged_and_missing_files_are_user_errors(export_dir, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(export_dir, broken)
    (broken / "model.int8.onnx").write_bytes(b"\x08\x07garbage" * 100)
    with pytest.raises(UserError, match="not a loadable ONNX model"):
        load_encoder(broken)
    with pytest.raises(UserError, match="does not match its sha256"):
        verify_export(broken)
    (broken / "model.int8.onnx").unlink()
    with pytest.raises(UserError, match="missing"):
        OnnxEncoder(broken, "int8")
    (broken / "card.json").write_text("{not json")
    with pytest.raises(UserError, match="unreadable export card"):
        OnnxEncoder(broken, "fp32")
    with pytest.raises(UserError, match="variant must be one of"):
        OnnxEncoder(export_dir, "int4")


def test_failed_export_leaves_nothing_behind(tiny_encoder, tmp_path, monkeypatch):
    import engine.onnx_export as mod

    def boom(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(mod, "_quantize", boom)
    with pytest.raises(RuntimeError):
        export_onnx(tiny_encoder, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    with pytest.raises(UserError, match="not an ONNX export"):
        export_onnx(tiny_encoder, tmp_path / "notes")
    assert (tmp_path / "notes" / "keep.txt").read_text() == "mine"


def test_cli_export_and_encode(tiny_model_dir, tmp_path, capsys):
    from engine.cli import main

    (tmp_path / "report.json").write_text(json.dumps({"suites": {"udhr": {"languages": {"en": {"metrics":
                                                      {"RR@10": 1.0}}}}}}))
    assert main(["export", "--model", str(tiny_model_dir), "--out", str(tmp_path / "exp"), "--report",
                 str(tmp_path / "report.json"), "--no-quantize"]) == 0
    assert "model.onnx" in capsys.readouterr().out
    card = json.loads((tmp_path / "exp" / "card.json").read_text())
    assert card["metrics"] == {"udhr": {"en": {"RR@10": 1.0}}} and "model.int8.onnx" not in card["files"]
    assert main(["encode", "--model", str(tmp_path / "exp"), "--json", "Watoto wanacheza"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert len(row["vector"]) == 32
    (tmp_path / "exp" / "model.onnx").write_bytes(b"broken")
    assert main(["encode", "--model", str(tmp_path / "exp"), "hi"]) == 2
    err = capsys.readouterr().err
    assert "not a loadable ONNX model" in err and len(err.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def tiny_student(tmp_path_factory, tiny_model_dir):
    from engine.training import DistillConfig, distill

    root = tmp_path_factory.mktemp("student")
    bitext = root / "sw.tsv"
    bitext.write_text("".join(f"children play {i}\twatoto wanacheza {i}\n" for i in range(40)))
    config = DistillConfig(bitext=[str(bitext)], langs=["sw"], out=str(root / "s"), base=str(tiny_model_dir),
                           batch_size=8, max_steps=2, eval_every=2, dev_pairs=8, threads=1, lr=1e-2)
    distill(config, teacher=load_encoder(tiny_model_dir), progress=False)  # distill freezes its teacher
    return root / "s"


def test_student_is_exported_once_and_served_with_the_base_index(tiny_student, tiny_encoder, tmp_path,
                                                                 monkeypatch):
    import engine.onnx_export as mod
    from engine.index import DocumentIndex
    from engine.search import search

    out = ensure_exported(tiny_student, cache=tmp_path / "cache", progress=False)
    student = load_encoder(tiny_student)
    assert out.parent == tmp_path / "cache" and out.name == student.fingerprint
    monkeypatch.setattr(mod, "export_onnx", lambda *a, **k: pytest.fail("exported twice"))
    assert ensure_exported(tiny_student, cache=tmp_path / "cache") == out
    card = json.loads((out / "card.json").read_text())
    card["config"]["per_channel"] = not card["config"]["per_channel"]  # as if made by another version
    (out / "card.json").write_text(json.dumps(card))
    redone = []
    monkeypatch.setattr(mod, "export_onnx", lambda model, path, **k: redone.append(path) or path)
    assert ensure_exported(tiny_student, cache=tmp_path / "cache", progress=False) == out and redone == [out]
    card["config"]["per_channel"] = not card["config"]["per_channel"]
    (out / "card.json").write_text(json.dumps(card))

    onnx_student = OnnxEncoder(out, "fp32")
    card = onnx_student.card
    assert card["student"] and card["languages"] == ["sw"] and card["base_fingerprint"] == tiny_encoder.fingerprint
    assert card["training_data"] and card["loss"] == "ot-contrastive"
    cos = (onnx_student.encode(TEXTS) * student.encode(TEXTS)).sum(1)
    assert cos.min() >= 0.999
    assert onnx_student.document_encoder.fingerprint == tiny_encoder.fingerprint
    with DocumentIndex(tmp_path / "i.db", create=True) as idx:
        idx.add_documents([{"id": "a", "text": "watoto wanacheza"}, {"id": "b", "text": "haki"}], tiny_encoder,
                          progress=False)
        assert [h.doc_id for h in search(idx, onnx_student, "watoto", k=2)] == \
            [h.doc_id for h in search(idx, student, "watoto", k=2)]
        with pytest.raises(UserError, match="encoded by its base model"):
            idx.add_documents([{"id": "c", "text": "x"}], onnx_student.document_encoder, progress=False)
