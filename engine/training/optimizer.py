"""AdamW with linear warm-up and linear decay, and one optimiser step with gradient clipping."""

from __future__ import annotations

import torch

from engine.training.config import DistillConfig


def make_optimizer(params: list[torch.nn.Parameter], config: DistillConfig, total_steps: int):
    r"""``(AdamW, LambdaLR)``: the learning rate climbs over the first ``warmup`` share of steps, then falls to 0.

    .. math::
        \text{lr}(s) = \text{lr} \cdot \min\Big(\frac{s + 1}{w},\ \max\big(0, \frac{S - s}{\max(1, S - w)}\big)\Big),
        \qquad w = \max(1, \lfloor \text{warmup} \cdot S \rfloor)
    """
    opt = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    warm = max(1, int(config.warmup * total_steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total_steps - s) / max(1, total_steps - warm))))
    return opt, sched


def optimizer_step(loss: torch.Tensor, opt: torch.optim.Optimizer, sched, params: list[torch.nn.Parameter],
                   grad_clip: float) -> None:
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if grad_clip:
        torch.nn.utils.clip_grad_norm_(params, grad_clip)
    opt.step()
    sched.step()
