"""engine.calibration: z-scores and percentiles against a background, and the chance level of the best of N."""

import numpy as np
import pytest

from engine.calibration import Background, calibrate, chance_z, no_strong_match


def test_z_and_percentile_against_a_hand_made_background():
    bg = Background.of(np.arange(100) / 100.0)  # 0.00 .. 0.99: mean 0.495
    assert bg.mean == pytest.approx(0.495)
    assert bg.std == pytest.approx(np.arange(100).std() / 100.0)
    assert bg.percentile(0.5) == pytest.approx(50.0)
    assert bg.percentile(2.0) == 100.0 and bg.percentile(-1.0) == 0.0
    assert bg.z(0.495) == pytest.approx(0.0)


def test_chance_z_matches_a_simulation():
    # The best of N standard normal draws stays below chance_z(N) in 1 - alpha of the trials.
    rng = np.random.default_rng(0)
    for n in (10, 1000):
        best = rng.standard_normal((4000, n)).max(axis=1)
        assert np.mean(best < chance_z(n, 0.05)) == pytest.approx(0.95, abs=0.015)
    assert chance_z(1000) > chance_z(10) > chance_z(1)


def test_a_hit_that_stands_out_is_strong_and_chance_is_not():
    rng = np.random.default_rng(1)
    bg = Background.of(0.80 + 0.02 * rng.standard_normal(512))  # one query against unrelated documents
    collection = 0.80 + 0.02 * rng.standard_normal(3000)
    chance = calibrate(np.sort(collection)[-10:], bg, n_docs=3000)
    assert no_strong_match(chance)  # the best of 3,000 unrelated documents is not a match
    found = calibrate([0.93, *np.sort(collection)[-9:]], bg, n_docs=3000)
    assert found[0].strong and found[0].z > 5 and found[0].percentile == 100.0
    assert not no_strong_match(found) and "strong match" in found[0].label()
    assert no_strong_match([])


@pytest.mark.parametrize("scores", [[0.5] * 3, [np.nan] * 20])
def test_bad_backgrounds_are_refused(scores):
    with pytest.raises(ValueError, match="background needs"):
        Background.of(scores)


def test_bad_arguments():
    with pytest.raises(ValueError):
        chance_z(0)
    with pytest.raises(ValueError):
        chance_z(10, alpha=1.5)
