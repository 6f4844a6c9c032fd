import numpy as np
import pytest
from scipy import stats

from engine.errors import UserError
from engine.evaluation.significance import (
    bonferroni,
    compare_all,
    mean_ci,
    paired_t_test,
    randomization_test,
    read_trec_run,
)


def _scores(seed: int, n: int = 120, shift: float = 0.04):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 1, n)
    return a, np.clip(a + rng.normal(shift, 0.25, n), 0, 1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_randomization_test_agrees_with_ranx(seed):
    ranx_tests = pytest.importorskip("ranx.statistical_tests")
    a, b = _scores(seed)
    ours = randomization_test(a, b, n_permutations=20000, seed=seed)
    theirs, _ = ranx_tests.fisher_randomization_test(a, b, n_permutations=20000, max_p=0.05, random_seed=seed)
    assert 0.0 < ours < 1.0
    assert ours == pytest.approx(theirs, abs=0.02)  # both Monte Carlo, ~0.003 standard error each


def test_paired_t_test_agrees_with_ranx_and_scipy():
    ranx_tests = pytest.importorskip("ranx.statistical_tests")
    a, b = _scores(5)
    theirs, _ = ranx_tests.paired_student_t_test(a, b, max_p=0.05)
    assert paired_t_test(a, b) == pytest.approx(theirs, rel=1e-12)
    assert paired_t_test(a, a) == 1.0
    assert paired_t_test(a, a + 0.1) == 0.0


def test_identical_systems_are_not_different_and_a_clear_gain_is():
    a, _ = _scores(3)
    assert randomization_test(a, a) == 1.0
    better = np.clip(a + 0.2, 0, 1.2)
    assert randomization_test(better, a, n_permutations=2000) == pytest.approx(1 / 2001)


def test_mean_ci_is_the_student_t_interval():
    values = [0.74, 0.76, 0.75]
    mean, half = mean_ci(values)
    lo, hi = stats.t.interval(0.95, 2, loc=np.mean(values), scale=stats.sem(values))
    assert mean == pytest.approx(0.75) and half == pytest.approx((hi - lo) / 2)
    assert mean_ci([0.5]) == (0.5, 0.0)


def test_bonferroni_multiplies_and_caps():
    assert bonferroni([0.01, 0.2, 0.5]) == pytest.approx([0.03, 0.6, 1.0])


def test_compare_all_corrects_over_every_pair():
    a, b = _scores(7, shift=0.15)
    scores = {"a": dict(enumerate(a)), "b": dict(enumerate(b)), "c": dict(enumerate(a))}
    got = compare_all(scores, [("b", "a"), ("a", "c")], n_permutations=2000)
    assert [c.queries for c in got] == [120, 120]
    assert got[0].significant and got[0].difference > 0
    assert got[0].p_adjusted == pytest.approx(min(1, 2 * got[0].p_randomization))
    assert not got[1].significant and got[1].p_randomization == 1.0


def test_bad_inputs_are_one_line_errors(tmp_path):
    with pytest.raises(UserError, match="same length"):
        randomization_test([1, 2, 3], [1, 2])
    bad = tmp_path / "x.trec"
    bad.write_text("q1 Q0 d1 1 0.5\n")
    with pytest.raises(UserError, match="x.trec:1: expected 6 fields"):
        read_trec_run(bad)
    good = tmp_path / "y.trec"
    good.write_text("q1 Q0 d1 1 0.5 t\nq1 Q0 d2 2 0.25 t\n")
    assert read_trec_run(good) == {"q1": {"d1": 0.5, "d2": 0.25}}
