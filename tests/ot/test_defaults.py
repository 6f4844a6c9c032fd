"""The Sinkhorn defaults live in engine.ot.defaults and every default-taking site reads them from there."""

import dataclasses
import inspect

import pytest

import engine.ot
import engine.ot.torch
from engine.losses import OTAlignmentLoss, OTContrastiveLoss, pairwise_ot_distances
from engine.ot import SINKHORN, SinkhornDefaults
from engine.training import DistillConfig


def _defaults(fn, *names):
    params = inspect.signature(fn).parameters
    return tuple(params[n].default for n in names)


def test_one_set_of_defaults_everywhere():
    assert SINKHORN == SinkhornDefaults(eps=0.05, max_iter=50, tol=1e-4, check_every=10)  # the README's numbers
    config = DistillConfig(bitext=[], langs=[], out="x")
    assert (config.eps, config.sinkhorn_iter) == (SINKHORN.eps, SINKHORN.max_iter)
    for solver in (engine.ot.sinkhorn_log, engine.ot.torch.sinkhorn_log, engine.ot.torch.ot_distance):
        assert _defaults(solver, "max_iter", "tol") == (SINKHORN.max_iter, SINKHORN.tol), solver
    assert _defaults(engine.ot.ot_distance, "eps", "max_iter", "tol") == (SINKHORN.eps, SINKHORN.max_iter,
                                                                           SINKHORN.tol)
    assert _defaults(pairwise_ot_distances, "max_iter", "tol") == (SINKHORN.max_iter, SINKHORN.tol)
    for loss in (OTAlignmentLoss(), OTContrastiveLoss()):
        assert (loss.eps, loss.max_iter, loss.tol) == (SINKHORN.eps, SINKHORN.max_iter, SINKHORN.tol)


def test_defaults_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SINKHORN.eps = 0.1
