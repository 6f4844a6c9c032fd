"""The torch-free ONNX builder (engine.onnx_graph) against the torch encoder, the oracle: base models, students
(top:N, full-style deltas, LoRA), int8, and a first export in a process where torch cannot be imported."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.artifacts import resolve_model
from engine.encoders import load_encoder
from engine.encoders.onnx_encoder import OnnxEncoder
from engine.errors import UserError
from engine.onnx_export import (
    ExportConfig,
    ensure_exported,
    export_onnx,
    torch_free_plan,
    verify_export,
)
from engine.onnx_export_torch import build_card
from engine.onnx_graph import (
    apply_student_delta,
    build_bert_onnx,
    check_bert_config,
    load_bert,
    load_safetensors,
)

STUDENT = Path(__file__).resolve().parents[1] / "exports" / "default-student"
TEXTS = ["Watoto wanacheza mpira", "hello", "Kila mtu ana haki ya kuishi, uhuru na usalama wa nafsi yake.",
         "a much longer sentence that keeps going " * 12, "😀 ünïcödé <s> </s>", "Yesu anati kwa iye, Ine ndine njira"]
_CARD_KEYS = ["name", "source", "fingerprint", "document_fingerprint", "document_model", "dim", "max_length",
              "prefixes", "special_ids", "pad_id", "unk_id", "base", "base_fingerprint", "student", "languages",
              "fallback_languages", "loss", "training_data", "training", "config", "variants"]


def _cos(a, b, axis=-1):
    return (a * b).sum(axis) / np.linalg.norm(a, axis=axis) / np.linalg.norm(b, axis=axis)


def _graph_vs_torch(onnx_path, encoder, texts):
    """Cosines of token embeddings (real tokens) and of pooled vectors: the ONNX graph vs ``encoder``, on one
    padded batch of texts of different lengths."""
    import onnxruntime as ort
    import torch

    batch = encoder.tokenize(texts, "query")
    assert batch.attention_mask.sum(1).min() < batch.attention_mask.shape[1]  # the batch has padding
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    hidden, pooled = session.run(None, {"input_ids": batch.input_ids.numpy(),
                                        "attention_mask": batch.attention_mask.numpy()})
    with torch.no_grad():
        ref_hidden, ref_pooled = encoder.forward(batch).numpy(), encoder.pooled(batch).numpy()
    real = batch.attention_mask.numpy().astype(bool)
    return _cos(hidden[real], ref_hidden[real]), _cos(pooled, ref_pooled)


def _torch_free_card_matches_torch_card(export_dir, torch_encoder):
    """Every card field but the build stamps equals what the torch route writes for the same model."""
    card = verify_export(export_dir)
    assert card["exporter"] == "engine.onnx_graph" and "torch" not in card["versions"]
    expected = build_card(torch_encoder, ExportConfig(**card["config"]))
    assert {k: card[k] for k in _CARD_KEYS} == {k: expected[k] for k in _CARD_KEYS}


# ----------------------------------------------------------------------------- tiny model
def test_tiny_graph_matches_torch(tiny_model_dir, tiny_encoder, tmp_path):
    weights, config = load_bert(tiny_model_dir)
    path = build_bert_onnx(weights, config, tmp_path / "model.onnx")
    import onnx

    onnx.checker.check_model(str(path))
    token_cos, pooled_cos = _graph_vs_torch(path, tiny_encoder, TEXTS)
    assert token_cos.min() >= 0.9999 and pooled_cos.min() >= 0.9999, (token_cos.min(), pooled_cos)


@pytest.fixture(scope="module")
def tiny_export(tiny_model_dir, tmp_path_factory):
    return export_onnx(str(tiny_model_dir), tmp_path_factory.mktemp("graph") / "tiny")


def test_tiny_export_layout_card_and_int8(tiny_export, tiny_encoder):
    import onnx

    assert {p.name for p in tiny_export.iterdir()} >= {"model.onnx", "model.int8.onnx", "tokenizer.json",
                                                       "card.json"}
    _torch_free_card_matches_torch_card(tiny_export, tiny_encoder)
    model = onnx.load(str(tiny_export / "model.onnx"), load_external_data=False)
    assert [i.name for i in model.graph.input] == ["input_ids", "attention_mask"]
    assert [o.name for o in model.graph.output] == ["token_embeddings", "sentence_embedding"]
    assert [d.dim_param for d in model.graph.input[1].type.tensor_type.shape.dim] == ["batch", "sequence"]
    int8 = onnx.load(str(tiny_export / "model.int8.onnx"), load_external_data=False)
    fp32_matmuls = [n.name for n in int8.graph.node if n.op_type == "MatMul" and "dense" in n.name]
    assert fp32_matmuls == [f"/encoder/layer.{i}/output/dense/MatMul" for i in range(2)]  # GELU-fed: fp32
    assert "MatMulInteger" in {n.op_type for n in int8.graph.node}
    fp32, q8 = OnnxEncoder(tiny_export, "fp32"), OnnxEncoder(tiny_export, "int8")
    ref = tiny_encoder.encode(TEXTS)
    assert _cos(fp32.encode(TEXTS), ref).min() >= 0.9999
    assert _cos(q8.encode(TEXTS), fp32.encode(TEXTS)).min() >= 0.99
    assert fp32.fingerprint == tiny_encoder.fingerprint
    for kind in ("query", "passage"):  # the shipped tokenizer tokenises as the torch encoder's
        ours, theirs = fp32.tokenize(TEXTS, kind), tiny_encoder.tokenize(TEXTS, kind)
        np.testing.assert_array_equal(ours.input_ids, theirs.input_ids.numpy())
        np.testing.assert_array_equal(ours.content_mask, theirs.content_mask.numpy())


def test_fast_int8_fuses_attention_on_the_torch_free_graph(tiny_model_dir, tiny_encoder, tmp_path):
    import onnx

    out = export_onnx(str(tiny_model_dir), tmp_path / "fast", config=ExportConfig(fast_int8=True))
    ops = {n.op_type for n in onnx.load(str(out / "model.int8.onnx"), load_external_data=False).graph.node}
    assert {"QAttention", "SkipLayerNormalization", "BiasGelu"} <= ops
    assert _cos(OnnxEncoder(out, "int8").encode(TEXTS), tiny_encoder.encode(TEXTS)).min() >= 0.99


def test_unsupported_models_are_refused_or_routed_to_torch(tiny_model_dir, tmp_path):
    good = json.loads((tiny_model_dir / "config.json").read_text())
    check_bert_config(good)
    for change, message in (({"hidden_act": "gelu_new"}, "hidden_act 'gelu_new'"),
                            ({"model_type": "xlm-roberta"}, "model_type 'xlm-roberta'"),
                            ({"position_embedding_type": "relative_key"}, "position_embedding_type"),
                            ({"num_attention_heads": 5}, "multiple of num_attention_heads")):
        with pytest.raises(UserError, match=message):
            check_bert_config({**good, **change}, "x/config.json")
    other = tmp_path / "roberta"
    other.mkdir()
    (other / "config.json").write_text(json.dumps({**good, "model_type": "xlm-roberta"}))
    (other / "model.safetensors").write_bytes(b"")
    reason = torch_free_plan(resolve_model(str(other)))
    assert isinstance(reason, str) and "xlm-roberta" in reason  # export_onnx takes the torch route for it
    weights, config = load_bert(tiny_model_dir)
    del weights["encoder.layer.1.output.dense.weight"]
    with pytest.raises(UserError, match="lack 1 BertModel tensors"):
        build_bert_onnx(weights, config, tmp_path / "x.onnx")


def test_student_delta_checks(tiny_model_dir):
    weights, _ = load_bert(tiny_model_dir)
    key = "encoder.layer.1.output.dense.bias"
    with pytest.raises(UserError, match="not in the base model"):
        apply_student_delta(weights, {"nope": weights[key]}, {"mode": "top:1"})
    with pytest.raises(UserError, match="has shape"):
        apply_student_delta(weights, {key: weights[key][:3]}, {"mode": "top:1"})
    with pytest.raises(UserError, match="unknown student train mode"):
        apply_student_delta(weights, {}, {"mode": "bottom:1"})
    out = apply_student_delta(weights, {key: np.ones(32, np.float16)}, {"mode": "top:1"})
    assert out[key].dtype == np.float32 and (out[key] == 1).all() and not (weights[key] == 1).all()


def test_task_checkpoint_keys_lose_their_bert_prefix(tiny_model_dir, tmp_path):
    import shutil

    from safetensors.numpy import save_file

    weights, _ = load_bert(tiny_model_dir)
    task = tmp_path / "masked-lm"
    task.mkdir()
    shutil.copyfile(tiny_model_dir / "config.json", task / "config.json")
    save_file({**{f"bert.{k}": v for k, v in weights.items()}, "cls.predictions.bias": np.zeros(3, np.float32)},
              str(task / "model.safetensors"))
    loaded, _ = load_bert(task)
    assert loaded.keys() == weights.keys()


def test_bf16_safetensors_are_widened_exactly(tmp_path):
    import torch
    from safetensors.torch import save_file

    tensor = torch.randn(5, 3).to(torch.bfloat16)
    save_file({"w": tensor, "b": torch.ones(2)}, str(tmp_path / "d.safetensors"))
    loaded = load_safetensors(tmp_path / "d.safetensors")
    np.testing.assert_array_equal(loaded["w"], tensor.float().numpy())
    np.testing.assert_array_equal(loaded["b"], np.ones(2, np.float32))


def _write_student(out: Path, base_dir: Path, delta: dict, train: dict) -> Path:
    from safetensors.numpy import save_file

    out.mkdir(parents=True)
    save_file(delta, str(out / "delta.safetensors"), metadata={"format": "pt"})
    card = {"base": str(base_dir), "base_fingerprint": resolve_model(str(base_dir)).fingerprint, "train": train,
            "langs": ["sw"], "loss": "ot-contrastive", "fallback_langs": [], "dev": {},
            "config": {"bitext": ["sw.tsv"]}, "format": 1}
    (out / "student.json").write_text(json.dumps(card))
    return out


@pytest.fixture(scope="module")
def tiny_top_student(tiny_model_dir, tmp_path_factory):
    """A top:1 student written by hand: the last layer of the tiny model perturbed, stored fp16."""
    weights, _ = load_bert(tiny_model_dir)
    rng = np.random.default_rng(0)
    delta = {k: (v + 0.05 * rng.standard_normal(v.shape)).astype(np.float16)
             for k, v in weights.items() if k.startswith("encoder.layer.1.")}
    return _write_student(tmp_path_factory.mktemp("students") / "top1", tiny_model_dir, delta,
                          {"mode": "top:1", "lora_r": 16, "lora_alpha": 32})


@pytest.fixture(scope="module")
def tiny_lora_student(tiny_model_dir, tmp_path_factory):
    """A LoRA student with peft's own key names (made by engine.encoders.students, B randomised so the merge matters)."""
    import torch

    from engine.encoders.students import TrainSpec, make_trainable, trainable_state

    torch.manual_seed(0)
    model = make_trainable(load_encoder(tiny_model_dir).model, TrainSpec("lora", lora_r=4, lora_alpha=8))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.2)
    delta = {k: v.numpy() for k, v in trainable_state(model).items()}
    return _write_student(tmp_path_factory.mktemp("students") / "lora", tiny_model_dir, delta,
                          {"mode": "lora", "lora_r": 4, "lora_alpha": 8})


@pytest.mark.parametrize("which", ["tiny_top_student", "tiny_lora_student"])
def test_tiny_students_match_the_torch_student(which, request, tmp_path):
    student_dir = request.getfixturevalue(which)
    assert torch_free_plan(resolve_model(str(student_dir))) is None
    out = export_onnx(str(student_dir), tmp_path / "export", config=ExportConfig(quantize=False))
    torch_student = load_encoder(student_dir)
    _torch_free_card_matches_torch_card(out, torch_student)
    ours = OnnxEncoder(out, "fp32")
    assert ours.fingerprint == torch_student.fingerprint
    assert _cos(ours.encode(TEXTS), torch_student.encode(TEXTS)).min() >= 0.999
    base = load_encoder(json.loads((student_dir / "student.json").read_text())["base"])
    assert _cos(base.encode(TEXTS), torch_student.encode(TEXTS)).min() < 0.99  # the delta changes the model


@pytest.mark.parametrize("blocked", [["torch"], ["torch", "transformers"]])
def test_first_export_of_a_student_without_torch(tiny_top_student, tmp_path, blocked):
    """A fresh cache, a process where ``import torch`` fails (and, second case, ``import transformers`` too):
    ensure_exported writes the export and OnnxEncoder serves it."""
    script = f"""
import sys
for name in {blocked!r}:
    sys.modules[name] = None  # importing it now raises ImportError
import numpy as np
from engine.encoders.onnx_encoder import OnnxEncoder
from engine.onnx_export import ensure_exported
out = ensure_exported({str(tiny_top_student)!r}, cache={str(tmp_path / "cache")!r}, progress=False)
enc = OnnxEncoder(out)
np.save({str(tmp_path / "v.npy")!r}, OnnxEncoder(out, "fp32").encode({TEXTS[:3]!r}))
print(out, enc.encode(["watoto"]).shape, sys.modules.get("torch"))
"""
    r = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    out, *rest = r.stdout.split()
    assert rest == ["(1,", "32)", "None"]
    torch_student = load_encoder(tiny_top_student)
    assert Path(out).name == torch_student.fingerprint
    assert _cos(np.load(tmp_path / "v.npy"), torch_student.encode(TEXTS[:3])).min() >= 0.999
    card = verify_export(Path(out))
    assert card["special_ids"] == sorted(torch_student.tokenizer.all_special_ids)
    assert (card["pad_id"], card["unk_id"]) == (torch_student.tokenizer.pad_token_id,
                                                torch_student.tokenizer.unk_token_id)


# ----------------------------------------------------------------------------- real model
@pytest.mark.slow
def test_real_base_graph_matches_torch(e5, tmp_path):
    from engine.encoders import resolve_model_dir

    weights, config = load_bert(resolve_model_dir(None))
    path = build_bert_onnx(weights, config, tmp_path / "model.onnx")
    del weights
    token_cos, pooled_cos = _graph_vs_torch(path, e5, TEXTS)
    assert token_cos.min() >= 0.9999 and pooled_cos.min() >= 0.9999, (token_cos.min(), pooled_cos)


@pytest.fixture(scope="module")
def default_student_export(tmp_path_factory):
    """The shipped default student, exported without torch into an empty cache (about 15 s)."""
    return ensure_exported(str(STUDENT), cache=tmp_path_factory.mktemp("onnx-cache"), progress=False)


@pytest.mark.slow
def test_real_default_student_matches_torch_and_int8_stays_close(default_student_export, e5):
    from engine.collection import load_collection
    from engine.encoders.students import load_student

    torch_student = load_student(STUDENT, base=e5)
    _torch_free_card_matches_torch_card(default_student_export, torch_student)
    coll = load_collection("udhr", "sw")
    texts = TEXTS + list(coll.queries.values())[:10]
    fp32, int8 = OnnxEncoder(default_student_export, "fp32"), OnnxEncoder(default_student_export, "int8")
    ours = fp32.encode(texts)
    assert _cos(ours, torch_student.encode(texts)).min() >= 0.999
    assert _cos(int8.encode(texts), ours).min() >= 0.99
    assert fp32.document_encoder.fingerprint == e5.fingerprint


@pytest.mark.slow
def test_tokenizer_files_rewritten_as_transformers_loads_them(tmp_path):
    """Without transformers, the export's tokenizer.json is rewritten to what transformers builds on load: the
    ids then match the torch encoder's tokenizer on the edge cases where the raw file differs."""
    from tokenizers import Tokenizer

    from engine.artifacts.offline_e5 import ensure_offline_model
    from engine.export_tokenizer import as_transformers_loads_it

    raw_path = ensure_offline_model() / "tokenizer.json"
    raw = json.loads(raw_path.read_text(encoding="utf-8"))
    rebuilt = as_transformers_loads_it(raw)
    assert rebuilt is not raw and rebuilt["normalizer"]["type"] == "Precompiled"
    (tmp_path / "tokenizer.json").write_text(json.dumps(rebuilt, ensure_ascii=False), encoding="utf-8")
    ours, original = Tokenizer.from_file(str(tmp_path / "tokenizer.json")), Tokenizer.from_file(str(raw_path))
    hf = load_encoder().tokenizer
    texts = ["query: Watoto wanacheza mpira ", "passage: two  spaces   and\ttab", "Yesu anati kwa iye, Ine ",
             "ሰላም ለዓለም", "  leading", "plain text"]
    differs = 0
    for text in texts:
        want = hf(text, add_special_tokens=True)["input_ids"]
        assert ours.encode(text).ids == want, text
        differs += original.encode(text).ids != want
    assert differs >= 1  # the rewrite matters: the raw file tokenises some of these differently
    assert as_transformers_loads_it({"model": {"type": "WordPiece"}}) == {"model": {"type": "WordPiece"}}
