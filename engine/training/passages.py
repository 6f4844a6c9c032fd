r"""Passage-aware distillation: a sentence of the other language should find the *passage* its translation sits in.

Sentence-level bitext teaches the student to put a sentence f where the teacher puts its translation e. Retrieval
over passages asks more: a one-verse query must reach a passage of several verses. Bitext read in file order gives
pseudo-passages for free: each training file's pairs, cut into consecutive windows of ``k`` units, and every unit's
English passage P(e) is the window that holds it (Bible verses: a few consecutive verses, like the ``bible-ny``
documents; UI strings: neighbouring strings of one catalogue).

The term added to the step's loss (weight :math:`\lambda_p`, ``--passage-weight``) is an in-batch InfoNCE between the
student's pooled *query* vector of f and the frozen teacher's *passage* vector of P(e):

.. math::
    v_i = \frac{\bar S(f_i)}{\|\bar S(f_i)\|}, \quad p_j = T_{passage}(P(e_j)), \qquad
    \mathcal{L}_p = -\frac{1}{B} \sum_i \log \frac{\exp(v_i^\top p_i / \tau)}
                                           {\sum_{j : P_j \neq P_i \vee j = i} \exp(v_i^\top p_j / \tau)}

Two units of one window in a batch share a passage: the other's column is left out of the denominator instead of
being counted as a negative. Teacher passage vectors are computed once per passage text (no gradient) and kept for
later runs on the same texts.

The document side on passages (weight :math:`\lambda_w`, ``--passage-window-side``) is the same InfoNCE the other way
round: the student's *document* vector of the other language's window :math:`P(f_i)` (``passage: `` prefix, up to
``passage_max_length`` tokens) against the teacher's document vectors of the English windows of the step,

.. math::
    d_i = \frac{\bar S_{passage}(P(f_i))}{\|\bar S_{passage}(P(f_i))\|}, \qquad
    \mathcal{L}_w = -\frac{1}{k} \sum_{i \le k} \log \frac{\exp(d_i^\top p_i / \tau)}{\sum_j \exp(d_i^\top p_j / \tau)}

over the step's distinct windows :math:`p_1 .. p_n`, the first :math:`k \le n` of them (``passage_window_rows``)
encoded by the student (a window is several times longer than a unit: :math:`k` bounds the step's cost). It teaches
the student to encode low-resource *passages* where the teacher encodes their English: English queries then find
them (``bible-ny-reverse``), and in a mixed collection they score on the English documents' scale.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from engine.training.config import DistillConfig


def pseudo_passage_pairs(config: DistillConfig, units: int) -> dict[str, tuple[str, str]]:
    """``{english unit: (its English pseudo-passage, the other language's)}`` over every training file of
    ``config``, read in file order: windows of ``units`` consecutive pairs, each side joined with spaces."""
    from engine.data.bitext import joined_windows, load_bitext
    from engine.languages import normalize_code
    from engine.training.data import training_files

    passages: dict[str, tuple[str, str]] = {}
    for spec, lang in zip(config.bitext, config.langs):
        for f in training_files(spec, normalize_code(lang))[0]:
            pairs = load_bitext(f, lang=lang, quiet=True)[0]
            for start, texts in zip(range(0, len(pairs), units), joined_windows(pairs, units)):
                for en, _ in pairs[start : start + units]:
                    passages.setdefault(en, texts)
    return passages


def pseudo_passages(config: DistillConfig, units: int) -> dict[str, str]:
    """``{english unit: its English pseudo-passage}`` (:func:`pseudo_passage_pairs`)."""
    return {en: pair[0] for en, pair in pseudo_passage_pairs(config, units).items()}


class PassageTargets:
    """Teacher passage vectors ``[d]`` per passage text, encoded on first request and kept (shared across runs)."""

    def __init__(self, teacher, max_length: int = 256, batch_size: int = 16):
        self.teacher, self.max_length, self.batch_size = teacher, max_length, batch_size
        self.vectors: dict[str, torch.Tensor] = {}

    def compatible(self, teacher, max_length: int) -> bool:
        return self.teacher.fingerprint == teacher.fingerprint and self.max_length == max_length

    def prefetch(self, texts: list[str], progress: bool = True) -> None:
        todo = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if not todo:
            return
        vecs = self.teacher.encode(todo, kind="passage", batch_size=self.batch_size, max_length=self.max_length,
                                   progress=progress and "teacher: pseudo-passages")
        for text, v in zip(todo, torch.as_tensor(vecs, dtype=torch.float32)):
            self.vectors[text] = v

    def __call__(self, texts: list[str]) -> torch.Tensor:
        self.prefetch(texts, progress=False)
        return torch.stack([self.vectors[t] for t in texts])


def passage_loss(s_h: torch.Tensor, s_mask: torch.Tensor, targets: torch.Tensor, passage_ids: list[str],
                 tau: float) -> tuple[torch.Tensor, float]:
    """:math:`\\mathcal{L}_p` (or :math:`\\mathcal{L}_w`) above and the in-batch accuracy; ``s_h`` [k, m, d] student
    states, ``s_mask`` [k, m] the tokens the retrieval vector pools (every real token), ``targets`` [B, d]
    L2-normalised teacher passages (k ≤ B: row i's positive is column i)."""
    from engine.encoders.pooling import mean_pool

    v = F.normalize(mean_pool(s_h, s_mask), dim=-1)
    logits = v @ targets.to(v.device, v.dtype).T / tau
    rows = passage_ids[: v.shape[0]]  # row i's positive is column i; fewer rows than columns: the first ones
    same = torch.tensor([[a == b for b in passage_ids] for a in rows], device=logits.device)
    same.fill_diagonal_(False)
    logits = logits.masked_fill(same, float("-inf"))
    target = torch.arange(len(rows), device=logits.device)
    accuracy = (logits.detach().argmax(dim=1) == target).float().mean().item()
    return F.cross_entropy(logits, target), accuracy


class PassageTerm:
    """The :math:`\\lambda_p \\mathcal{L}_p` term of a run: each English unit's passage and the teacher's vectors."""

    def __init__(self, mapping: dict[str, str], targets: PassageTargets, weight: float, tau: float):
        self.mapping, self.targets, self.weight, self.tau = mapping, targets, weight, tau

    def add_term(self, loss: torch.Tensor, stats: dict, hidden: tuple, english: list[str]
                 ) -> tuple[torch.Tensor, dict]:
        """``loss + λ_p·L_p`` for one step's ``hidden`` (from :class:`engine.training.forward.StepForward`)."""
        _, _, s_h, s_batch, _ = hidden
        ids = [self.mapping.get(en, en) for en in english]
        term, accuracy = passage_loss(s_h, s_batch.attention_mask.bool().to(s_h.device), self.targets(ids), ids,
                                      self.tau)
        return loss + self.weight * term, {**stats, "passage": float(term.detach()), "passage_accuracy": accuracy}


def passage_targets(config: DistillConfig, teacher, triples: list[tuple[str, str, str]], pool: list | None,
                    progress: bool = True) -> PassageTerm | None:
    """The run's passage term (None when ``passage_weight`` is 0); teacher vectors come from a compatible
    :class:`PassageTargets` in ``pool`` (shared between runs, like the frozen-bottom caches) or a new one added."""
    if config.passage_weight <= 0:
        return None
    mapping = pseudo_passages(config, config.passage_units)
    targets = shared_targets(pool if pool is not None else [], teacher, config.passage_max_length)
    targets.prefetch([mapping.get(en, en) for _, en, _ in triples], progress=progress)
    return PassageTerm(mapping, targets, config.passage_weight, config.tau)


class WindowSideTerm:
    """The :math:`\\lambda_w \\mathcal{L}_w` term of a run: the student's document side on pseudo-passages."""

    def __init__(self, windows: dict[str, tuple[str, str]], targets: PassageTargets, cache, weight: float,
                 tau: float, rows: int):
        self.windows, self.targets, self.cache = windows, targets, cache
        self.weight, self.tau, self.rows = weight, tau, rows

    def add_term(self, loss: torch.Tensor, stats: dict, forward, english: list[str], other: list[str]
                 ) -> tuple[torch.Tensor, dict]:
        """``loss + λ_w·L_w`` for one step's pairs (``forward``: :class:`engine.training.forward.StepForward`)."""
        pairs = list(dict.fromkeys(self.windows.get(en, (en, f)) for en, f in zip(english, other)))
        if len(pairs) < 2:  # one window: no negative to contrast with
            return loss, stats
        rows = pairs[: self.rows]
        s_h, s_batch = forward.documents([f for _, f in rows], self.cache)
        ids = [en for en, _ in pairs]
        term, accuracy = passage_loss(s_h, s_batch.attention_mask.bool().to(s_h.device), self.targets(ids), ids,
                                      self.tau)
        return loss + self.weight * term, {**stats, "windows": float(term.detach()), "window_accuracy": accuracy}


def shared_targets(pool: list, teacher, max_length: int) -> PassageTargets:
    """A compatible :class:`PassageTargets` from ``pool`` (shared between runs), else a new one added to it."""
    targets = next((c for c in pool if isinstance(c, PassageTargets) and c.compatible(teacher, max_length)), None)
    if targets is None:
        targets = PassageTargets(teacher, max_length)
        pool.append(targets)
    return targets


def window_side_term(config: DistillConfig, teacher, triples: list[tuple[str, str, str]], pool: list | None,
                     cache) -> WindowSideTerm | None:
    """The run's document side on pseudo-passages (None when ``passage_window_side`` is 0); ``cache`` is the
    frozen-bottom cache for the windows (``passage_max_length`` tokens) or None when the student runs whole."""
    if config.passage_window_side <= 0:
        return None
    windows = pseudo_passage_pairs(config, config.passage_units)
    targets = shared_targets(pool if pool is not None else [], teacher, config.passage_max_length)
    return WindowSideTerm(windows, targets, cache, config.passage_window_side, config.tau, config.passage_window_rows)
