r"""Word alignments read off a plan, symmetrised, and scored against a reference alignment.

A word plan :math:`P` (query/source words :math:`I` × English/target words :math:`J`) gives two directed
alignments, :math:`A_\rightarrow = \{(I, \arg\max_J P_{IJ})\}` and :math:`A_\leftarrow = \{(\arg\max_I P_{IJ},
J)\}`. Their **intersection** is the precise one (mutual argmax, as SimAlign's *ArgMax*, Jalili Sabet et al. 2020);
**grow-diag-final-and** (Koehn et al. 2003, as in Moses/fast_align's ``atools``) starts from the intersection,
adds union links that touch an unaligned word next to an aligned neighbour (8 directions), then union links whose
two words are both unaligned.

Against a reference :math:`G` (here *silver*, from an independent aligner, not human *gold*):
precision :math:`|A \cap G| / |A|`, recall :math:`|A \cap G| / |G|`, :math:`F_1`, and
:math:`\mathrm{AER} = 1 - \frac{|A \cap S| + |A \cap P|}{|A| + |S|}` (Och & Ney 2003) with sure = possible = G,
where it equals :math:`1 - F_1`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

Link = tuple[int, int]
NEIGHBOURS = ((-1, 0), (0, -1), (1, 0), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))


def forward_links(plan: np.ndarray) -> set[Link]:
    """:math:`\\{(I, \\arg\\max_J P_{IJ})\\}` over rows with mass."""
    plan = np.asarray(plan)
    if plan.size == 0:
        return set()
    best = plan.argmax(axis=1)
    return {(i, int(j)) for i, j in enumerate(best) if plan[i, j] > 0}


def backward_links(plan: np.ndarray) -> set[Link]:
    """:math:`\\{(\\arg\\max_I P_{IJ}, J)\\}` over columns with mass."""
    return {(i, j) for j, i in forward_links(np.asarray(plan).T)}


def grow_diag_final_and(forward: set[Link], backward: set[Link]) -> set[Link]:
    """Symmetrise two directed alignments (Koehn et al. 2003; module docstring)."""
    union = forward | backward
    links = set(forward & backward)
    src = {i for i, _ in links}
    trg = {j for _, j in links}
    grown = True
    while grown:
        grown = False
        for i, j in sorted(links):
            for di, dj in NEIGHBOURS:
                cand = (i + di, j + dj)
                if cand in union and cand not in links and (cand[0] not in src or cand[1] not in trg):
                    links.add(cand)
                    src.add(cand[0])
                    trg.add(cand[1])
                    grown = True
    for directed in (forward, backward):  # final-and: both words still unaligned
        for i, j in sorted(directed):
            if i not in src and j not in trg:
                links.add((i, j))
                src.add(i)
                trg.add(j)
    return links


def plan_alignments(plan: np.ndarray) -> dict[str, set[Link]]:
    """The directed, intersected and grow-diag-final-and alignments of a word plan."""
    fwd, bwd = forward_links(plan), backward_links(plan)
    return {"forward": fwd, "backward": bwd, "intersection": fwd & bwd, "gdfa": grow_diag_final_and(fwd, bwd)}


def parse_pharaoh(line: str) -> set[Link]:
    """``"0-1 2-2"`` (source-target, Pharaoh format as eflomal and fast_align write it) → ``{(0, 1), (2, 2)}``."""
    out = set()
    for item in line.split():
        i, _, j = item.partition("-")
        out.add((int(i), int(j)))
    return out


@dataclass
class AlignmentCounts:
    """Counts summed over sentence pairs; the scores are micro-averaged (module docstring)."""

    predicted: int = 0
    reference: int = 0
    correct: int = 0

    def add(self, predicted: Iterable[Link], reference: Iterable[Link]) -> None:
        predicted, reference = set(predicted), set(reference)
        self.predicted += len(predicted)
        self.reference += len(reference)
        self.correct += len(predicted & reference)

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.reference if self.reference else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def aer(self) -> float:
        total = self.predicted + self.reference
        return 1.0 - 2 * self.correct / total if total else 0.0

    def as_dict(self) -> dict:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "aer": round(self.aer, 4), "predicted": self.predicted, "reference": self.reference,
                "correct": self.correct}


def content_links(links: Iterable[Link], src_punct: np.ndarray, trg_punct: np.ndarray) -> set[Link]:
    """Links between two non-punctuation words (punctuation links are easy and would flatter every aligner)."""
    return {(i, j) for i, j in links if not src_punct[i] and not trg_punct[j]}
