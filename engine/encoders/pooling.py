"""Mask-aware mean pooling of token embeddings: how an encoder turns tokens into a sentence vector.

Retrieval (:meth:`engine.encoders.Encoder.pooled`) and the sentence-level losses (:mod:`engine.losses.mse`,
:mod:`engine.losses.infonce`) pool the same way.
"""

from __future__ import annotations

import torch


def mean_pool(tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    r"""Mean of the real tokens of each sentence.

    .. math::
        \bar{x}_b = \frac{\sum_i \mathbb{1}[\text{mask}_{bi}]\, x_{bi}}{\max(1, \sum_i \mathbb{1}[\text{mask}_{bi}])}

    Parameters
    ----------
    tokens : torch.Tensor, shape (B, n, d)
    mask : torch.Tensor, shape (B, n), bool
        True for real tokens. A sentence without real tokens pools to the zero vector.

    Returns
    -------
    pooled : torch.Tensor, shape (B, d)
    """
    if tokens.dim() != 3 or mask.shape != tokens.shape[:2]:
        raise ValueError(
            f"mean_pool: expected tokens (B, n, d) and mask (B, n), got {tuple(tokens.shape)} and {tuple(mask.shape)}."
        )
    w = mask.to(tokens.dtype).unsqueeze(-1)
    # where() rather than multiply: NaN in padded positions must not leak into the mean.
    summed = torch.where(w > 0, tokens, torch.zeros((), dtype=tokens.dtype, device=tokens.device)).sum(dim=1)
    return summed / w.sum(dim=1).clamp_min(1.0)
