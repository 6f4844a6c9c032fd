"""Transport plans for display: checked against POT's Sinkhorn on the same cost and marginals."""

import numpy as np
import pytest

from engine.errors import UserError
from explorer.alignment import TokenIdf, align, check_eps, plan_between


def test_plan_matches_pot_and_marginals(tiny_encoder):
    import ot

    al = align(tiny_encoder, tiny_encoder, "Binadamu wote wamezaliwa huru", "All human beings are born free", eps=0.1)
    n, m = len(al.query_tokens), len(al.english_tokens)
    assert al.plan.shape == al.cosine.shape == (n, m)
    np.testing.assert_allclose(al.plan.sum(1), np.full(n, 1 / n), atol=1e-4)
    np.testing.assert_allclose(al.plan.sum(0), np.full(m, 1 / m), atol=1e-4)
    oracle = ot.sinkhorn(al.a.astype(np.float64), al.b.astype(np.float64), 1.0 - al.cosine.astype(np.float64),
                         0.1, numItermax=5000, stopThr=1e-10)
    np.testing.assert_allclose(al.plan, oracle, atol=2e-4)


def test_top_pairs_are_heaviest_first(tiny_encoder):
    al = align(tiny_encoder, tiny_encoder, "ndine njira", "I am the way", eps=0.05)
    pairs = al.top_pairs(5)
    masses = [p[2] for p in pairs]
    assert masses == sorted(masses, reverse=True) and masses[0] == pytest.approx(al.plan.max())
    assert {p[0] for p in pairs} <= set(al.query_tokens)


def test_idf_marginals_weight_rare_tokens(tiny_encoder):
    idf = TokenIdf.from_texts(tiny_encoder.tokenizer, ["the way", "the truth", "the life"])
    q = tiny_encoder.encode_tokens(["the way"], kind="query")[0]
    e = tiny_encoder.encode_tokens(["the truth"], kind="passage")[0]
    al = plan_between(q, e, eps=0.1, marginals="idf", idf=idf)
    weights = dict(zip(al.query_tokens, al.a))
    assert weights["▁way"] > weights["▁the"]
    assert al.a.sum() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("eps", [0, -1, 5, "abc", None])
def test_bad_eps_is_a_user_error(eps):
    with pytest.raises(UserError, match="ε"):
        check_eps(eps)
