"""Language parity: the squared score gap between a unit's two document versions, for every query of a step."""

import numpy as np
import torch

from engine.training import DistillConfig, distill
from engine.training.parity import parity_loss


def _pooled(h, mask):
    v = (h * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_parity_loss_is_the_mean_squared_score_gap_in_logit_units():
    g = torch.Generator().manual_seed(0)
    s_q, t_doc, s_doc = (torch.randn(4, n, 8, generator=g) for n in (5, 6, 7))
    masks = [torch.ones(4, n, dtype=torch.bool) for n in (5, 6, 7)]
    masks[0][1, 3:] = False  # padding is not pooled
    masks[2][2, 5:] = False
    s_q.requires_grad_(True), s_doc.requires_grad_(True)
    loss, gap = parity_loss(s_q, masks[0], t_doc, masks[1], s_doc, masks[2], tau=0.05)
    q, d_e, d_f = (_pooled(h.detach().numpy(), m.numpy()) for h, m in zip((s_q, t_doc, s_doc), masks))
    want = q @ (d_f - d_e).T
    assert np.isclose(loss.item(), ((want / 0.05) ** 2).mean(), rtol=1e-5)
    assert np.isclose(gap, np.abs(want).mean(), rtol=1e-5)
    loss.backward()  # both student sides learn; the teacher's states are targets
    assert s_q.grad.abs().sum() > 0 and s_doc.grad.abs().sum() > 0
    same, gap = parity_loss(s_q, masks[0], t_doc, masks[1], t_doc.clone(), masks[1], tau=0.05)
    assert same.item() == 0.0 and gap == 0.0  # one document in both languages alike: no gap


def test_a_run_with_the_parity_term_narrows_the_score_gap(tiny_encoder, tiny_model_dir, word_bitext, tmp_path):
    def run(name, weight):
        config = DistillConfig(bitext=[str(word_bitext)], langs=["sw"], out=str(tmp_path / name),
                               base=str(tiny_model_dir), batch_size=8, max_steps=12, eval_every=12, lr=1e-3,
                               dev_pairs=24, threads=1, passage_side=1.0, language_parity=weight)
        return distill(config, teacher=tiny_encoder, progress=False)

    plain, parity = run("plain", 0.0), run("parity", 5.0)
    assert "parity" not in plain["last_stats"] and parity["last_stats"]["parity"] >= 0
    # measured on the trained students, on pairs of the bitext: the scores of each unit's two versions are closer
    from engine.encoders import load_encoder

    pairs = [line.split("\t") for line in word_bitext.read_text(encoding="utf-8").splitlines()[:40]]
    en, sw = [p[0] for p in pairs], [p[1] for p in pairs]
    d_en = tiny_encoder.encode(en, kind="passage")

    def mean_gap(name):
        student = load_encoder(tmp_path / name).student
        q, d_sw = student.encode(sw, kind="query"), student.encode(sw, kind="passage")
        return float(np.abs(q @ (d_sw - d_en).T).mean())

    assert mean_gap("parity") < mean_gap("plain")
