import json
import math
import subprocess
import sys

import pytest
import torch

from engine.encoders import load_encoder
from engine.errors import UserError
from engine.training import DistillConfig, distill
from engine.training.objective import DistillLoss


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


def test_a_loss_registered_alone_trains(tiny_encoder, tiny_model_dir, word_bitext, tmp_path):
    """A loss module needs no trainer change: registering it (with its from_config) is enough."""
    import torch.nn.functional as F

    from engine.encoders.pooling import mean_pool
    from engine.losses import LOSSES, TokenLoss, register_loss

    class PooledCosineLoss(TokenLoss):
        pooled = True

        def __init__(self, margin: float = 0.0):
            super().__init__()
            self.margin = margin

        @classmethod
        def from_config(cls, config):
            return cls(margin=config.extra["margin"])

        def forward(self, t, t_mask, s, s_mask, t_weights=None, s_weights=None, return_stats=False):
            cos = F.cosine_similarity(mean_pool(t, t_mask), mean_pool(s, s_mask), dim=-1)
            loss = (1 - self.margin - cos).clamp_min(0).mean()
            return (loss, {"cosine": cos.mean().item()}) if return_stats else loss

    register_loss("pooled-cosine")(PooledCosineLoss)
    try:
        cfg = _config(word_bitext, tmp_path / "cos", loss="pooled-cosine", base=str(tiny_model_dir), max_steps=1,
                      eval_every=1, extra={"margin": 0.01})
        summary = distill(cfg, teacher=tiny_encoder, progress=False)
    finally:
        LOSSES.pop("pooled-cosine")
    assert summary["steps"] == 1 and math.isfinite(summary["last_stats"]["main"])
    assert "cosine" in summary["last_stats"] and "english" in summary["last_stats"]
    assert json.loads((tmp_path / "cos" / "student.json").read_text())["loss"] == "pooled-cosine"
    from safetensors.torch import load_file

    delta = load_file(str(tmp_path / "cos" / "checkpoint-last" / "delta.safetensors"))
    teacher = tiny_encoder.model.state_dict()
    assert any(not torch.equal(v, teacher[k]) for k, v in delta.items())  # the step moved the weights


def test_unknown_loss_names_the_registered_ones(tiny_encoder, tiny_model_dir, word_bitext, tmp_path):
    with pytest.raises(UserError, match="unknown loss 'nope'; choose from ot-align, ot-contrastive, mse, infonce"):
        distill(_config(word_bitext, tmp_path / "x", loss="nope", base=str(tiny_model_dir)), teacher=tiny_encoder,
                progress=False)


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
