"""In-batch cross-entropy shared by the contrastive losses: row i's positive is column i."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def in_batch_cross_entropy(logits: torch.Tensor, symmetric: bool = False) -> tuple[torch.Tensor, float]:
    r"""Cross-entropy with the diagonal as target, and the in-batch retrieval accuracy.

    .. math::
        \mathcal{L} = -\frac{1}{B} \sum_i \log \frac{\exp(\ell_{ii})}{\sum_j \exp(\ell_{ij})}

    Parameters
    ----------
    logits : torch.Tensor, shape (B, B)
        Row i: English sentence i against every foreign sentence j.
    symmetric : bool
        Average with the same loss over the columns (foreign sentences retrieving English ones).

    Returns
    -------
    loss : torch.Tensor, scalar
    accuracy : float
        Fraction of rows whose arg-max is the diagonal.
    """
    target = torch.arange(logits.shape[0], device=logits.device)
    loss = F.cross_entropy(logits, target)
    if symmetric:
        loss = 0.5 * (loss + F.cross_entropy(logits.T, target))
    accuracy = (logits.detach().argmax(dim=1) == target).float().mean().item()
    return loss, accuracy
