"""The loss registry: each loss registers itself under its ``--loss`` name and says how it builds from a config.

A new loss is one module: subclass :class:`TokenLoss`, override :meth:`TokenLoss.from_config` if it reads settings
from the :class:`engine.training.DistillConfig`, decorate it with ``@register_loss("name")`` and import the module
in :mod:`engine.losses`. The trainer then builds it with ``LOSSES[name].from_config(config)``; it keeps no table of
its own.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar, TypeVar

from torch import nn

# The training config (engine.training.DistillConfig): named here, not imported, since training sits above losses.
LossConfig = Any


class TokenLoss(nn.Module):
    """A distillation loss on teacher and student token embeddings.

    Called as ``loss(t, t_mask, s, s_mask, t_weights=None, s_weights=None, return_stats=False)`` with teacher tokens
    ``t`` (B, n, d), student tokens ``s`` (B, m, d) and boolean masks of the tokens that take part; returns a scalar,
    or ``(scalar, stats: dict)`` with ``return_stats=True``.
    """

    pooled: ClassVar[bool] = False
    """True: the loss sees every real token, as retrieval pools them; False: content tokens only (no ``<s>``,
    ``</s>``, ``query:`` prefix), the tokens an OT plan should align."""

    @classmethod
    def from_config(cls, config: LossConfig) -> TokenLoss:
        """The loss as a training run configures it; a loss without settings is built with its defaults."""
        return cls()


L = TypeVar("L", bound=type[TokenLoss])

LOSSES: dict[str, type[TokenLoss]] = {}


def register_loss(name: str) -> Callable[[L], L]:
    """Class decorator: make a :class:`TokenLoss` selectable as ``--loss name``."""

    def register(cls: L) -> L:
        if not (isinstance(cls, type) and issubclass(cls, TokenLoss)):
            raise TypeError(f"register_loss({name!r}): {cls!r} is not a TokenLoss subclass")
        if name in LOSSES and LOSSES[name] is not cls:
            raise ValueError(f"register_loss: {name!r} is already taken by {LOSSES[name].__qualname__}")
        LOSSES[name] = cls
        return cls

    return register
