import numpy as np
import pytest

from engine.errors import UserError


def test_content_mask_drops_specials_and_prefix(tiny_encoder):
    batch = tiny_encoder.tokenize(["Watoto wanacheza mpira", "Hi"], kind="query")
    assert tiny_encoder.tokens(batch, 0) == ["▁Watoto", "▁wana", "cheza", "▁mpira"]
    full = tiny_encoder.tokens(batch, 0, content_only=False)
    assert full[0] == "<s>" and full[-1] == "</s>" and "".join(full[1:4]) == "▁query:"
    # padding is excluded from both masks for the shorter text
    assert batch.content_mask[1].sum() == 1
    assert batch.attention_mask[1].sum() < batch.attention_mask[0].sum()


def test_passage_prefix_is_excluded_too(tiny_encoder):
    batch = tiny_encoder.tokenize(["passage one"], kind="passage")
    assert tiny_encoder.tokens(batch, 0) == ["▁passage", "▁one"]


def test_encode_is_normalised_and_order_independent(tiny_encoder):
    texts = ["a much longer sentence about the declaration of human rights", "short", "medium length text"]
    v = tiny_encoder.encode(texts, batch_size=2)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    singles = np.stack([tiny_encoder.encode([t])[0] for t in texts])
    np.testing.assert_allclose(v, singles, atol=1e-5)


def test_truncation_is_reported(tiny_encoder):
    long_text = "word " * 600
    tiny_encoder.encode(["short", long_text])
    assert tiny_encoder.last_report.truncated == 1
    assert tiny_encoder.last_report.truncated_examples == [1]
    toks = tiny_encoder.encode_tokens([long_text])
    assert toks[0].truncated and len(toks[0].tokens) <= 512


def test_token_embeddings_match_content_tokens(tiny_encoder):
    out = tiny_encoder.encode_tokens(["Kila mtu ana haki", "Everyone"], kind="passage")
    assert [len(o.tokens) for o in out] == [o.embeddings.shape[0] for o in out]
    assert out[0].embeddings.shape[1] == tiny_encoder.dim


@pytest.mark.parametrize("texts", [[""], ["ok", "   "]])
def test_empty_text_is_rejected(tiny_encoder, texts):
    with pytest.raises(UserError, match="empty"):
        tiny_encoder.encode(texts)


@pytest.mark.parametrize("bs", [0, -3, 10**9])
def test_absurd_batch_size_is_rejected(tiny_encoder, bs):
    with pytest.raises(UserError, match="batch size"):
        tiny_encoder.encode(["x"], batch_size=bs)


def test_pooled_has_gradients(tiny_encoder):
    batch = tiny_encoder.tokenize(["gradient check"], kind="query")
    v = tiny_encoder.pooled(batch)
    v.sum().backward()
    grads = [p.grad for p in tiny_encoder.model.parameters() if p.grad is not None]
    assert grads and all(g.isfinite().all() for g in grads)
    tiny_encoder.model.zero_grad(set_to_none=True)
