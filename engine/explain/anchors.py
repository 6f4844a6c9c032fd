r"""Anchors: words a good alignment must link — the same name or number written identically on both sides.

An anchor is a pair :math:`(I, J)` whose words are equal after case folding and each occur **once** in their
sentence (so the right partner is unambiguous), and are either a *number* (contain a digit) or a *name-like* string
(at least 3 letters; a low-resource sentence rarely shares a 3-letter string with its English side by chance:
"Excel", "PDF"). A third, looser kind, *cognate*: two capitalised words, not identical, that share their first
:data:`COGNATE_PREFIX` letters and are the only capitalised words with that prefix on their sides ("Abrahamu" ~
"Abraham", "Davide" ~ "David"; "Yakobo" ~ "Jacob" is missed) — names as the Bible spells them in Chichewa. A plan
links an anchor when the link is in its alignment.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

AnchorKind = Literal["number", "name", "cognate"]
MIN_NAME_CHARS = 3
COGNATE_PREFIX = 4


@dataclass(frozen=True)
class Anchor:
    src: int
    trg: int
    word: str
    kind: AnchorKind


def _key(word: str) -> str:
    return word.casefold()


def find_anchors(src_words: list[str], trg_words: list[str], src_punct=None, trg_punct=None,
                 cognates: bool = True) -> list[Anchor]:
    """Identical words, once on each side: numbers (a digit) and name-like strings (≥ 3 letters); with
    ``cognates``, capitalised words sharing a unique prefix (module docstring)."""
    src_count, trg_count = Counter(map(_key, src_words)), Counter(map(_key, trg_words))
    trg_at = {_key(w): j for j, w in enumerate(trg_words)}
    out = []
    for i, w in enumerate(src_words):
        key = _key(w)
        if src_count[key] != 1 or trg_count.get(key) != 1:
            continue
        j = trg_at[key]
        if (src_punct is not None and src_punct[i]) or (trg_punct is not None and trg_punct[j]):
            continue
        if any(ch.isdigit() for ch in w):
            out.append(Anchor(i, j, w, "number"))
        elif sum(ch.isalpha() for ch in w) >= MIN_NAME_CHARS:
            out.append(Anchor(i, j, w, "name"))
    if cognates:
        out += _cognates(src_words, trg_words, {a.src for a in out}, {a.trg for a in out})
    return out


def _prefixes(words: list[str], taken: set[int]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for i, w in enumerate(words):
        if i not in taken and w[:1].isupper() and len(w) >= COGNATE_PREFIX and w[:COGNATE_PREFIX].isalpha():
            found.setdefault(_key(w[:COGNATE_PREFIX]), []).append(i)
    return found


def _cognates(src_words, trg_words, src_taken: set[int], trg_taken: set[int]) -> list[Anchor]:
    src, trg = _prefixes(src_words, src_taken), _prefixes(trg_words, trg_taken)
    out = []
    for prefix, rows in src.items():
        cols = trg.get(prefix, [])
        if len(rows) == 1 and len(cols) == 1 and _key(src_words[rows[0]]) != _key(trg_words[cols[0]]):
            out.append(Anchor(rows[0], cols[0], f"{src_words[rows[0]]}~{trg_words[cols[0]]}", "cognate"))
    return sorted(out, key=lambda a: a.src)
