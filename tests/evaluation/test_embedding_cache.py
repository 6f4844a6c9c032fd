import numpy as np

from engine.evaluation.embedding_cache import encode_cached


class CountingEncoder:
    """Wraps an encoder and counts how many texts it really encodes."""

    def __init__(self, inner):
        self.inner, self.encoded = inner, 0
        self.fingerprint, self.dim, self.name = inner.fingerprint, inner.dim, inner.name

    def encode(self, texts, **kw):
        self.encoded += len(texts)
        return self.inner.encode(texts, **kw)


def test_cache_encodes_each_text_once_and_resumes(tiny_encoder, tmp_path):
    enc = CountingEncoder(tiny_encoder)
    texts = ["alpha", "beta", "gamma", "alpha"]
    first = encode_cached(enc, texts[:2], "passage", tmp_path, chunk=1)  # an "interrupted" run: 2 done
    assert enc.encoded == 2
    full = encode_cached(enc, texts, "passage", tmp_path)
    assert enc.encoded == 3  # only gamma was new; the duplicate alpha is not re-encoded
    np.testing.assert_allclose(full[:2], first)
    np.testing.assert_allclose(full[0], full[3])
    np.testing.assert_allclose(full, tiny_encoder.encode(texts, kind="passage"), atol=1e-6)
    # query and passage vectors of the same text are different cache entries
    encode_cached(enc, ["alpha"], "query", tmp_path)
    assert enc.encoded == 4
