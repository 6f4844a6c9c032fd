"""Each loss registers itself once, with how it builds from a training config."""

import pytest
import torch

from engine.losses import (
    LOSSES,
    OTAlignmentLoss,
    OTContrastiveLoss,
    PooledInfoNCELoss,
    PooledMSELoss,
    TokenLoss,
    register_loss,
)
from engine.training import DistillConfig


def test_every_loss_is_registered_under_its_cli_name_with_its_token_view():
    assert LOSSES == {"ot-align": OTAlignmentLoss, "ot-contrastive": OTContrastiveLoss, "mse": PooledMSELoss,
                      "infonce": PooledInfoNCELoss}
    assert [name for name, cls in LOSSES.items() if cls.pooled] == ["mse", "infonce"]


def test_from_config_reads_the_run_settings():
    cfg = DistillConfig(bitext=[], langs=[], out="x", eps=0.1, tau=0.5, sinkhorn_iter=7)
    contrastive = LOSSES["ot-contrastive"].from_config(cfg)
    assert (contrastive.eps, contrastive.tau, contrastive.max_iter, contrastive.symmetric) == (0.1, 0.5, 7, True)
    align = LOSSES["ot-align"].from_config(cfg)
    assert (align.eps, align.max_iter) == (0.1, 7)
    assert LOSSES["infonce"].from_config(cfg).tau == 0.5
    assert isinstance(LOSSES["mse"].from_config(cfg), PooledMSELoss)


def test_register_loss_refuses_a_taken_name_and_a_non_loss():
    with pytest.raises(ValueError, match="already taken by OTAlignmentLoss"):
        register_loss("ot-align")(type("Other", (TokenLoss,), {}))
    with pytest.raises(TypeError, match="not a TokenLoss"):
        register_loss("plain-module")(torch.nn.Module)
    assert register_loss("mse")(PooledMSELoss) is PooledMSELoss  # registering the same class again is harmless
    assert "plain-module" not in LOSSES
