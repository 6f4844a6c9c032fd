import copy

import torch

from engine.encoders.students import TrainSpec, make_trainable
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
    first = cache.entries[("a b c", False, "query")].bottom
    cache.batch(["a b c", "x y"], final=False, device="cpu")
    assert cache.entries[("a b c", False, "query")].bottom is first and len(cache.entries) == 3


def test_bf16_cache_is_close_to_fp32_and_kept_apart(tiny_encoder):
    texts = ["Watoto wanacheza mpira", "Everyone has the right to life, liberty and security of person."]
    fp32 = FrozenBottomCache(tiny_encoder, n_top=1, max_length=32, dtype=torch.float32)
    bf16 = FrozenBottomCache(tiny_encoder, n_top=1, max_length=32, dtype=torch.float32, compute_dtype=torch.bfloat16)
    b32, bottom32, top32 = fp32.batch(texts, final=True, device="cpu")
    b16, bottom16, top16 = bf16.batch(texts, final=True, device="cpu")
    real = b32.attention_mask.bool()
    cos = torch.nn.functional.cosine_similarity(top32[real], top16[real], dim=-1)
    assert cos.min() > 0.99 and not torch.equal(top32, top16)  # bf16 really ran, and stayed close
    assert fp32.compatible(tiny_encoder, 1, 32) and not fp32.compatible(tiny_encoder, 1, 32, torch.bfloat16)
    assert bf16.compatible(tiny_encoder, 1, 32, torch.bfloat16)
