"""The BLAS-free cosine against engine.ot.cosine_cost (the oracle: a plain matrix product)."""

import numpy as np

from engine.explain import cosine_cost_matrix, cosine_similarity
from engine.ot import cosine_cost


def test_same_cost_as_engine_ot():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((7, 48)), rng.standard_normal((11, 48))
    x[3] = 0.0  # a zero vector costs 1, as in engine.ot
    np.testing.assert_allclose(cosine_cost_matrix(x, y), cosine_cost(x, y), atol=1e-6)
    sim = cosine_similarity(x, y)
    assert sim.dtype == np.float32 and sim.shape == (7, 11) and np.all(np.abs(sim) <= 1.0)
    np.testing.assert_allclose(cosine_similarity(x[:1], x[:1]), [[1.0]], atol=1e-6)
