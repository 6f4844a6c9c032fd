import json

import pytest
import torch
import torch.nn.functional as F

from engine.training import DistillConfig, distill
from engine.training.passages import PassageTargets, passage_loss, pseudo_passages


def _config(bitext, out, **kw):
    base = dict(bitext=[str(bitext)], langs=["sw"], out=str(out), batch_size=8, max_steps=6, eval_every=3,
                lr=1e-3, dev_pairs=24, threads=1)
    base.update(kw)
    return DistillConfig(**base)


def test_pseudo_passages_are_consecutive_windows_in_file_order(tmp_path):
    lines = [f"english {i}\tother {i}" for i in range(12)]
    path = tmp_path / "x.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    passages = pseudo_passages(_config(path, tmp_path / "out"), units=5)
    assert passages["english 0"] == "english 0 english 1 english 2 english 3 english 4"
    assert passages["english 7"] == "english 5 english 6 english 7 english 8 english 9"
    assert passages["english 11"] == "english 10 english 11"  # the last window is shorter
    assert len(set(passages.values())) == 3


def test_passage_loss_matches_cross_entropy_and_drops_shared_passages_from_the_denominator():
    torch.manual_seed(0)
    s_h = torch.randn(4, 6, 8)
    mask = torch.ones(4, 6, dtype=torch.bool)
    targets = F.normalize(torch.randn(4, 8), dim=-1)
    ids = ["a", "b", "c", "d"]
    loss, _ = passage_loss(s_h, mask, targets, ids, tau=0.1)
    v = F.normalize(s_h.mean(1), dim=-1)
    assert loss.item() == pytest.approx(F.cross_entropy(v @ targets.T / 0.1, torch.arange(4)).item(), rel=1e-5)
    # rows 0 and 1 share a passage: column 1 leaves row 0's denominator (and vice versa), the rest stays
    shared, _ = passage_loss(s_h, mask, targets, ["a", "a", "c", "d"], tau=0.1)
    logits = v @ targets.T / 0.1
    logits[0, 1] = logits[1, 0] = float("-inf")
    assert shared.item() == pytest.approx(F.cross_entropy(logits, torch.arange(4)).item(), rel=1e-5)
    assert torch.isfinite(shared)


def test_teacher_passage_vectors_are_the_teachers_passage_encoding(tiny_encoder):
    targets = PassageTargets(tiny_encoder, max_length=32)
    got = targets(["watoto mpira", "maji chakula"])
    want = torch.as_tensor(tiny_encoder.encode(["watoto mpira", "maji chakula"], kind="passage", max_length=32))
    assert torch.allclose(got, want.float(), atol=1e-6)
    assert set(targets.vectors) == {"watoto mpira", "maji chakula"}  # kept for the next run


def test_a_passage_aware_run_trains_logs_its_term_and_shares_teacher_vectors(tiny_encoder, tiny_model_dir,
                                                                            word_bitext, tmp_path):
    pool: list = []
    cfg = _config(word_bitext, tmp_path / "p", base=str(tiny_model_dir), passage_weight=0.5, passage_units=3,
                  passage_max_length=48)
    summary = distill(cfg, teacher=tiny_encoder, progress=False, bottom_caches=pool)
    assert summary["steps"] == 6
    assert "passage" in summary["last_stats"] and summary["last_stats"]["passage"] > 0
    targets = [c for c in pool if isinstance(c, PassageTargets)]
    assert len(targets) == 1 and targets[0].vectors
    assert json.loads((tmp_path / "p" / "config.json").read_text())["passage_weight"] == 0.5
    n = len(targets[0].vectors)
    distill(_config(word_bitext, tmp_path / "q", base=str(tiny_model_dir), passage_weight=0.5, passage_units=3,
                    passage_max_length=48), teacher=tiny_encoder, progress=False, bottom_caches=pool)
    assert len([c for c in pool if isinstance(c, PassageTargets)]) == 1 and len(targets[0].vectors) == n


def test_the_document_side_is_trained_on_passage_prefixed_pairs(tiny_encoder, tiny_model_dir, word_bitext,
                                                                tmp_path):
    from engine.training.frozen_bottom import FrozenBottomCache

    cache = FrozenBottomCache(tiny_encoder, n_top=1, max_length=32)
    q_batch, _, q_top = cache.batch(["children play"], True, "cpu")
    p_batch, _, p_top = cache.batch(["children play"], True, "cpu", kind="passage")
    want = tiny_encoder.tokenize(["children play"], "passage", 32)
    assert torch.equal(p_batch.input_ids, want.input_ids) and not torch.equal(p_batch.input_ids, q_batch.input_ids)
    with torch.no_grad():
        full = tiny_encoder.model(input_ids=want.input_ids, attention_mask=want.attention_mask).last_hidden_state
    assert torch.allclose(p_top, full, atol=1e-2)  # fp16 storage
    summary = distill(_config(word_bitext, tmp_path / "d", base=str(tiny_model_dir), passage_side=1.0),
                      teacher=tiny_encoder, progress=False)
    assert summary["steps"] == 6 and summary["last_stats"]["documents"] > 0


def test_pseudo_passage_pairs_join_both_sides_of_the_same_window(tmp_path):
    from engine.training.passages import pseudo_passage_pairs

    path = tmp_path / "x.tsv"
    path.write_text("".join(f"english {i}\tother {i}\n" for i in range(7)), encoding="utf-8")
    pairs = pseudo_passage_pairs(_config(path, tmp_path / "out"), units=3)
    assert pairs["english 4"] == ("english 3 english 4 english 5", "other 3 other 4 other 5")
    assert pairs["english 6"] == ("english 6", "other 6")


def test_passage_loss_with_fewer_rows_than_columns_is_cross_entropy_over_every_column():
    torch.manual_seed(1)
    s_h, mask = torch.randn(2, 5, 8), torch.ones(2, 5, dtype=torch.bool)
    targets = F.normalize(torch.randn(4, 8), dim=-1)
    loss, _ = passage_loss(s_h, mask, targets, ["a", "b", "c", "d"], tau=0.1)
    v = F.normalize(s_h.mean(1), dim=-1)
    assert loss.item() == pytest.approx(F.cross_entropy(v @ targets.T / 0.1, torch.arange(2)).item(), rel=1e-5)


def test_the_document_side_on_pseudo_passages_encodes_the_other_languages_window(tiny_encoder, tiny_model_dir,
                                                                                  word_bitext, tmp_path):
    from engine.training.frozen_bottom import FrozenBottomCache
    from engine.training.passages import pseudo_passage_pairs

    pool: list = []
    cfg = _config(word_bitext, tmp_path / "w", base=str(tiny_model_dir), train="top:1", passage_window_side=1.0,
                  passage_window_rows=3, passage_units=3, passage_max_length=48)
    summary = distill(cfg, teacher=tiny_encoder, progress=False, bottom_caches=pool)
    assert summary["steps"] == 6 and summary["last_stats"]["windows"] > 0
    assert 0.0 <= summary["last_stats"]["window_accuracy"] <= 1.0
    # the student ran on the other language's windows, through their own cache at the passage length
    long = [c for c in pool if isinstance(c, FrozenBottomCache) and c.max_length == 48]
    assert len(long) == 1
    others = {other for _, other in pseudo_passage_pairs(cfg, 3).values()}
    encoded = {text for text, _, kind in long[0].entries}
    assert encoded and encoded <= others and {kind for _, _, kind in long[0].entries} == {"passage"}
    # the teacher's English windows are the targets
    targets = next(c for c in pool if isinstance(c, PassageTargets))
    assert set(targets.vectors) <= {en for en, _ in pseudo_passage_pairs(cfg, 3).values()}
