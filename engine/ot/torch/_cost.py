"""Cosine ground costs between token embeddings."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def cosine_cost(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Cosine cost between the tokens of paired sentences.

    .. math::
        C_{bij} = 1 - \frac{\langle x_{bi}, y_{bj} \rangle}{\|x_{bi}\|\,\|y_{bj}\|} \in [0, 2]

    A zero vector (e.g. padding) has cosine 0 with everything, so its cost is 1, never NaN.

    Parameters
    ----------
    x : torch.Tensor, shape (B, n, d)
    y : torch.Tensor, shape (B, m, d)

    Returns
    -------
    C : torch.Tensor, shape (B, n, m)
    """
    if x.dim() != 3 or y.dim() != 3 or x.shape[0] != y.shape[0] or x.shape[-1] != y.shape[-1]:
        raise ValueError(
            f"cosine_cost: expected x (B, n, d) and y (B, m, d), got {tuple(x.shape)} and {tuple(y.shape)}."
        )
    xn = F.normalize(x, dim=-1)
    yn = F.normalize(y, dim=-1)
    return (1.0 - torch.bmm(xn, yn.transpose(1, 2))).clamp(0.0, 2.0)


def cosine_cost_pairwise(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Cosine cost between the tokens of every sentence of ``x`` and every sentence of ``y``.

    .. math::
        C_{pqij} = 1 - \cos(x_{pi}, y_{qj})

    Used by the in-batch contrastive OT loss, which needs all :math:`B_x \times B_y` transport problems.

    Parameters
    ----------
    x : torch.Tensor, shape (Bx, n, d)
    y : torch.Tensor, shape (By, m, d)

    Returns
    -------
    C : torch.Tensor, shape (Bx, By, n, m)
    """
    if x.dim() != 3 or y.dim() != 3 or x.shape[-1] != y.shape[-1]:
        raise ValueError(
            f"cosine_cost_pairwise: expected x (Bx, n, d) and y (By, m, d), "
            f"got {tuple(x.shape)} and {tuple(y.shape)}."
        )
    xn = F.normalize(x, dim=-1)
    yn = F.normalize(y, dim=-1)
    return (1.0 - torch.einsum("pid,qjd->pqij", xn, yn)).clamp(0.0, 2.0)
