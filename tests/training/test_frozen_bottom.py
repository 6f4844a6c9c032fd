import copy

import torch

from engine.students import TrainSpec, make_trainable
from engine.training.frozen_bottom import FrozenBottomCache, student_top


def test_cached_bottom_plus_student_top_equals_the_full_student(tiny_encoder):
    """Oracle: the split forward must reproduce the student's own forward pass exactly (eval mode)."""
    student = make_trainable(copy.deepcopy(tiny_encoder.model), TrainSpec("top:1")).eval()
    with torch.no_grad():
        for layer in student.encoder.layer[-1:]:  # make the trained top differ from the teacher's
            for p in layer.parameters():
                p.add_(0.01 * torch.randn_like(p))
    texts = ["Watoto wanacheza mpira", "Everyone has the right to life, liberty and security of person.", "hi"]
    cache = FrozenBottomCache(tiny_encoder, n_top=1, max_length=32, dtype=torch.float32)
    batch, bottom, teacher_out = cache.batch(texts, final=True, device="cpu")
    with torch.no_grad():
        split = student_top(student, bottom, batch.attention_mask, n_top=1)
        full = student(input_ids=batch.input_ids, attention_mask=batch.attention_mask).last_hidden_state
        teacher_full = tiny_encoder.model(input_ids=batch.input_ids, attention_mask=batch.attention_mask
                                          ).last_hidden_state
    real = batch.attention_mask.bool()
    torch.testing.assert_close(split[real], full[real], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(teacher_out[real], teacher_full[real], atol=1e-5, rtol=1e-5)
    assert batch.content_mask.sum(1).tolist()[0] == 4  # ▁Watoto ▁wana cheza ▁mpira


def test_each_text_is_computed_once(tiny_encoder):
    cache = FrozenBottomCache(tiny_encoder, n_top=1, max_length=32)
    cache.batch(["a b c", "d e"], final=False, device="cpu")
    first = cache.entries[("a b c", False)].bottom
    cache.batch(["a b c", "x y"], final=False, device="cpu")
    assert cache.entries[("a b c", False)].bottom is first and len(cache.entries) == 3
