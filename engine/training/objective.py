r"""The training objective of one step: the configured loss plus the English term.

.. math::
    \mathcal{L} = L\big(T(e), S(f)\big) + \lambda \cdot L_{en}\big(T(e), S(e)\big)
                  \; [+\, \lambda_d \cdot L\big(T_{passage}(e), S_{passage}(f)\big)]
                  \; [+\, \lambda_p \cdot \mathcal{L}_p] \; [+\, \lambda_w \cdot \mathcal{L}_w]
                  \; [+\, \lambda_{par} \cdot \mathcal{L}_{par}]

The bracketed terms are optional: ``passage_side`` (λ_d) trains the student's document side, the same loss with both
texts prefixed ``passage: `` (so students can encode low-resource documents); ``passage_weight`` (λ_p) is the
pseudo-passage term of :mod:`engine.training.passages`, ``passage_window_side`` (λ_w) its document side on
pseudo-passages, ``language_parity`` (λ_par) the score parity of :mod:`engine.training.parity`.

:math:`L` is ``LOSSES[config.loss]`` built by its own ``from_config``; :math:`L_{en}` is the OT distance
(``english_term="ot"``, the ``ot-align`` loss) or pooled MSE (``"mse"``), weighted by ``lambda_en``, so the student's
English stays where the teacher's is.
"""

from __future__ import annotations

import torch

from engine.errors import UserError
from engine.training.config import DistillConfig


class DistillLoss:
    """``(t_h, t_batch, s_h, s_batch, s_en_h) -> (loss, stats)`` for hidden states of one batch."""

    def __init__(self, config: DistillConfig):
        from engine.losses import LOSSES

        if config.loss not in LOSSES:
            raise UserError(f"unknown loss {config.loss!r}; choose from {', '.join(LOSSES)}")
        self.main = LOSSES[config.loss].from_config(config)
        self.lambda_en = config.lambda_en
        self.english = LOSSES["ot-align" if config.english_term == "ot" else "mse"].from_config(config)

    @staticmethod
    def masks(loss, batch) -> torch.Tensor:
        """The tokens ``loss`` sees: every real token for pooled losses (as retrieval pools), else content tokens."""
        return batch.attention_mask.bool() if loss.pooled else batch.content_mask

    def main_term(self, t_h, t_batch, s_h, s_batch) -> tuple[torch.Tensor, dict]:
        """The configured loss alone, :math:`L(T(e), S(f))`, and its stats."""
        dev = s_h.device
        out = self.main(t_h, self.masks(self.main, t_batch).to(dev), s_h, self.masks(self.main, s_batch).to(dev),
                        return_stats=True)
        return out if isinstance(out, tuple) else (out, {})

    def __call__(self, t_h, t_batch, s_h, s_batch, s_en_h=None) -> tuple[torch.Tensor, dict]:
        dev = s_h.device
        loss, stats = self.main_term(t_h, t_batch, s_h, s_batch)
        stats = {"main": float(loss.detach())} | {k: v for k, v in stats.items() if isinstance(v, (int, float))}
        if s_en_h is not None and self.lambda_en > 0:
            m = self.masks(self.english, t_batch).to(dev)
            en = self.english(t_h, m, s_en_h, m)
            en = en[0] if isinstance(en, tuple) else en
            stats["english"] = float(en.detach())
            loss = loss + self.lambda_en * en
        return loss, stats
