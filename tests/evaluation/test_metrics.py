import math

import numpy as np
import pytest

from engine.evaluation.dense import dense_run, top_k, write_trec_run
from engine.evaluation.metrics import evaluate_run


def test_ir_measures_wiring_matches_hand_computed_values():
    qrels = {"q1": {"d1": 1}, "q2": {"d3": 1}, "q3": {"d2": 1}}
    run = {
        "q1": {"d2": 0.9, "d1": 0.8, "d3": 0.1},  # relevant at rank 2
        "q2": {"d3": 0.7, "d1": 0.2},  # relevant at rank 1
        # q3 retrieved nothing: it must count as 0, not be dropped
    }
    agg, per_q = evaluate_run(qrels, run)
    assert per_q["q1"]["RR@10"] == pytest.approx(0.5)
    assert per_q["q1"]["nDCG@10"] == pytest.approx(1 / math.log2(3))
    assert per_q["q2"]["RR@10"] == pytest.approx(1.0)
    assert per_q["q3"] == {"nDCG@10": 0.0, "RR@10": 0.0, "R@100": 0.0}
    assert agg["RR@10"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert agg["nDCG@10"] == pytest.approx((1 / math.log2(3) + 1) / 3)
    assert agg["R@100"] == pytest.approx(2 / 3)


def test_rr_at_10_ignores_hits_below_rank_10():
    qrels = {"q": {"d11": 1}}
    run = {"q": {f"d{i}": 1.0 - i / 100 for i in range(20)}}  # d11 at rank 12
    agg, _ = evaluate_run(qrels, run)
    assert agg["RR@10"] == 0.0 and agg["R@100"] == 1.0


def test_top_k_matches_full_sort():
    rng = np.random.default_rng(0)
    q, d = rng.normal(size=(7, 16)).astype(np.float32), rng.normal(size=(300, 16)).astype(np.float32)
    idx, scores = top_k(q, d, k=25, block=3)
    full = q @ d.T
    expected = np.argsort(-full, axis=1, kind="stable")[:, :25]
    np.testing.assert_array_equal(idx, expected)
    np.testing.assert_allclose(scores, np.take_along_axis(full, expected, axis=1), rtol=1e-6)


def test_trec_run_file(tmp_path):
    run = dense_run(["q1"], np.eye(2, dtype=np.float32)[:1], ["a", "b"], np.eye(2, dtype=np.float32), k=2)
    path = tmp_path / "run.trec"
    write_trec_run(run, path, tag="test")
    assert path.read_text().splitlines() == ["q1 Q0 a 1 1.000000 test", "q1 Q0 b 2 0.000000 test"]
