"""Marginal weights over the real (unpadded) tokens of a padded batch."""

from __future__ import annotations

import torch


def uniform_marginals(mask: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    r"""Uniform weights over the real tokens of each row of a padded batch.

    .. math::
        w_{bi} = \frac{\mathbb{1}[\text{mask}_{bi}]}{\sum_k \mathbb{1}[\text{mask}_{bk}]}

    Parameters
    ----------
    mask : torch.Tensor, shape (B, n), bool
        True for real tokens, False for padding.
    dtype : torch.dtype
        Dtype of the returned weights.

    Returns
    -------
    weights : torch.Tensor, shape (B, n)
        Non-negative, sums to 1 over each row; a row without real tokens is all zeros.

    Examples
    --------
    >>> uniform_marginals(torch.tensor([[True, True, False]]))
    tensor([[0.5000, 0.5000, 0.0000]])
    """
    w = mask.to(dtype)
    return w / w.sum(dim=-1, keepdim=True).clamp_min(1.0)


def weights_from_scores(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    r"""Turn non-negative per-token scores (e.g. IDF) into marginal weights over real tokens.

    .. math::
        w_{bi} = \frac{\max(s_{bi}, 0)\, \mathbb{1}[\text{mask}_{bi}]}
                      {\sum_k \max(s_{bk}, 0)\, \mathbb{1}[\text{mask}_{bk}]}

    Negative scores are clipped to 0. A row whose real tokens all score 0 falls back to
    :func:`uniform_marginals` over its real tokens, so a sentence of stop words still carries mass.

    Parameters
    ----------
    scores : torch.Tensor, shape (B, n)
        Per-token importance, e.g. the IDF of each token id.
    mask : torch.Tensor, shape (B, n), bool
        True for real tokens.

    Returns
    -------
    weights : torch.Tensor, shape (B, n), dtype of ``scores`` (at least float32)
        Sums to 1 over each row with a real token; zeros on padding.
    """
    if scores.shape != mask.shape:
        raise ValueError(
            f"weights_from_scores: scores has shape {tuple(scores.shape)} but mask has "
            f"{tuple(mask.shape)}; pass one score per token position."
        )
    dtype = torch.promote_types(scores.dtype, torch.float32)
    s = torch.where(mask, scores.to(dtype).clamp_min(0.0), torch.zeros((), dtype=dtype, device=scores.device))
    total = s.sum(dim=-1, keepdim=True)
    uniform = uniform_marginals(mask, dtype)
    return torch.where(total > 0, s / total.clamp_min(torch.finfo(dtype).tiny), uniform)
