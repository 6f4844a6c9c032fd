import math
import json
import subprocess
import sys

import pytest
import torch

from engine.encoders import load_encoder
from engine.errors import UserError
from engine.training import DistillConfig, distill
from engine.training.trainer import DistillLoss


def _config(bitext, out, **kw):
    base = dict(bitext=[str(bitext)], langs=["sw"], out=str(out), batch_size=8, max_steps=6, eval_every=3,
                lr=1e-3, dev_pairs=24, threads=1)
    base.update(kw)
    return DistillConfig(**base)


@pytest.mark.parametrize("loss", ["ot-contrastive", "ot-align", "mse", "infonce"])
def test_every_loss_trains_and_saves_a_loadable_student(tiny_encoder, tiny_model_dir, word_bitext, tmp_path, loss):
    cfg = _config(word_bitext, tmp_path / loss, loss=loss, base=str(tiny_model_dir))
    summary = distill(cfg, teacher=tiny_encoder, progress=False)
    assert summary["steps"] == 6 and summary["pairs_seen"] == 48
    card = json.loads((tmp_path / loss / "student.json").read_text())
    assert card["loss"] == loss and card["langs"] == ["sw"] and card["train"]["mode"] == "top:4"
    assert json.loads((tmp_path / loss / "config.json").read_text())["loss"] == loss
    student = load_encoder(tmp_path / loss)
    assert student.document_encoder.fingerprint == tiny_encoder.fingerprint
    assert student.encode(["mtu haki"]).shape == (1, tiny_encoder.dim)


def test_only_the_top_layers_change(tiny_encoder, tiny_model_dir, word_bitext, tmp_path):
    cfg = _config(word_bitext, tmp_path / "s", base=str(tiny_model_dir), train="top:1", english_guard=1.0)
    distill(cfg, teacher=tiny_encoder, progress=False)
    from safetensors.torch import load_file

    delta = load_file(str(tmp_path / "s" / "delta.safetensors"))
    assert delta and all(k.startswith("encoder.layer.1.") for k in delta)  # tiny model: 2 layers, top 1 trains


def test_lora_student_is_small_and_merges(tiny_encoder, tiny_model_dir, word_bitext, tmp_path):
    cfg = _config(word_bitext, tmp_path / "lora", base=str(tiny_model_dir), train="lora", lora_r=4,
                  english_guard=1.0)
    distill(cfg, teacher=tiny_encoder, progress=False)
    from safetensors.torch import load_file

    delta = load_file(str(tmp_path / "lora" / "delta.safetensors"))
    assert delta and all("lora_" in k for k in delta)
    student = load_encoder(tmp_path / "lora")
    assert not any("lora" in n for n, _ in student.student.model.named_parameters())  # merged into the weights


def test_resume_after_interrupt_reproduces_an_uninterrupted_run(tiny_encoder, tiny_model_dir, word_bitext,
                                                                 tmp_path, monkeypatch):
    full = distill(_config(word_bitext, tmp_path / "a", base=str(tiny_model_dir)), teacher=tiny_encoder,
                   progress=False)
    real_call = DistillLoss.__call__
    calls = {"n": 0}

    def interrupted(self, *args):
        calls["n"] += 1
        if calls["n"] == 5:  # Ctrl-C during step 5; the checkpoint of step 3 is on disk
            raise KeyboardInterrupt
        return real_call(self, *args)

    monkeypatch.setattr(DistillLoss, "__call__", interrupted)
    with pytest.raises(KeyboardInterrupt):
        distill(_config(word_bitext, tmp_path / "b", base=str(tiny_model_dir)), teacher=tiny_encoder,
                progress=False)
    monkeypatch.setattr(DistillLoss, "__call__", real_call)
    resumed = distill(_config(word_bitext, tmp_path / "b", base=str(tiny_model_dir)), resume=True,
                      teacher=tiny_encoder, progress=False)
    assert resumed["steps"] == 6
    assert resumed["weights_sha256"] == full["weights_sha256"]


def test_existing_student_is_not_overwritten_without_resume(tiny_encoder, tiny_model_dir, word_bitext, tmp_path):
    distill(_config(word_bitext, tmp_path / "s", base=str(tiny_model_dir), max_steps=3), teacher=tiny_encoder,
            progress=False)
    with pytest.raises(UserError, match="--resume"):
        distill(_config(word_bitext, tmp_path / "s", base=str(tiny_model_dir)), teacher=tiny_encoder,
                progress=False)


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tiny_encoder, tiny_model_dir, word_bitext, tmp_path,
                                                       monkeypatch):
    real_call = DistillLoss.__call__
    calls = {"n": 0}

    def flaky(self, *args):
        calls["n"] += 1
        loss, stats = real_call(self, *args)
        return (loss * float("nan"), stats) if calls["n"] == 5 else (loss, stats)

    monkeypatch.setattr(DistillLoss, "__call__", flaky)
    out = tmp_path / "nan"
    with pytest.raises(UserError, match="step 5.*last good checkpoint"):
        distill(_config(word_bitext, out, base=str(tiny_model_dir), max_steps=8, eval_every=2),
                teacher=tiny_encoder, progress=False)
    state = json.loads((out / "checkpoint-last" / "trainer_state.json").read_text())
    assert state["step"] == 4
    from safetensors.torch import load_file

    assert all(torch.isfinite(v).all() for v in load_file(str(out / "checkpoint-last" / "delta.safetensors")).values())


def test_bad_bitext_inputs(tiny_encoder, tiny_model_dir, tmp_path):
    with pytest.raises(UserError, match="not found"):
        distill(_config(tmp_path / "missing.tsv", tmp_path / "o", base=str(tiny_model_dir)), teacher=tiny_encoder)
    with pytest.raises(UserError, match="one per input"):
        distill(DistillConfig(bitext=["a", "b"], langs=["sw"], out=str(tmp_path / "o")), teacher=tiny_encoder)


def test_two_process_ddp_ends_with_identical_weights(tiny_model_dir, word_bitext, tmp_path):
    out = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29561",
           "-m", "engine", "distill", "--base", str(tiny_model_dir), "--bitext", str(word_bitext), "--langs", "sw",
           "--out", str(out), "--batch-size", "4", "--max-steps", "4", "--eval-every", "2", "--lr", "1e-3",
           "--threads", "1"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    digests = [json.loads((out / f"rank{i}_weights.json").read_text())["sha256"] for i in (0, 1)]
    assert digests[0] == digests[1]
    assert json.loads((out / "summary.json").read_text())["world_size"] == 2


def test_length_buckets_cover_every_pair_once_and_cut_padding():
    import numpy as np

    from engine.training.trainer import batch_order

    lengths = np.random.default_rng(0).integers(5, 200, size=1000)
    plain = batch_order(1000, 16, epoch=0, seed=13)
    bucketed = batch_order(1000, 16, epoch=0, seed=13, lengths=lengths, bucket_batches=8)
    seen = np.concatenate(bucketed).tolist()
    assert len(seen) == len(set(seen)) == 992 and set(seen) <= set(range(1000))  # each once; full batches only
    assert all(len(b) == 16 for b in bucketed)
    padded = lambda batches: sum(len(b) * lengths[b].max() for b in batches)  # noqa: E731
    assert padded(bucketed) < 0.7 * padded(plain)
    again = batch_order(1000, 16, epoch=0, seed=13, lengths=lengths, bucket_batches=8)
    assert all((a == b).all() for a, b in zip(bucketed, again))  # deterministic: --resume replays the same batches
    other_epoch = batch_order(1000, 16, epoch=1, seed=13, lengths=lengths, bucket_batches=8)
    assert any((a != b).any() for a, b in zip(bucketed, other_epoch))


def test_precision_choices():
    from engine.training.trainer import autocast_dtype

    assert autocast_dtype("fp32", "cpu") is None
    assert autocast_dtype("bf16", "cpu") is torch.bfloat16
    assert autocast_dtype("auto", "cpu") in (None, torch.bfloat16)
    with pytest.raises(UserError, match="--precision"):
        autocast_dtype("fp8", "cpu")


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_training_runs_in_either_precision_with_fp32_weights(tiny_encoder, tiny_model_dir, word_bitext, tmp_path,
                                                             precision):
    cfg = _config(word_bitext, tmp_path / precision, base=str(tiny_model_dir), precision=precision,
                  english_guard=1.0)
    summary = distill(cfg, teacher=tiny_encoder, progress=False)
    assert summary["steps"] == 6 and all(math.isfinite(v) for v in summary["last_stats"].values())
    from safetensors.torch import load_file

    delta = load_file(str(tmp_path / precision / "checkpoint-last" / "delta.safetensors"))
    assert delta and all(v.dtype == torch.float32 for v in delta.values())
