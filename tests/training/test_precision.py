"""--precision: fp32, bf16, or auto (bf16 where the hardware computes it natively)."""

import pytest
import torch

from engine.errors import UserError
from engine.training.precision import autocast_dtype


def test_precision_choices():
    assert autocast_dtype("fp32", "cpu") is None
    assert autocast_dtype("bf16", "cpu") is torch.bfloat16
    assert autocast_dtype("auto", "cpu") in (None, torch.bfloat16)
    with pytest.raises(UserError, match="--precision"):
        autocast_dtype("fp8", "cpu")
