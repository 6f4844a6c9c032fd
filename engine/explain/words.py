r"""Sub-word pieces → words, and plans over pieces → plans over words.

A SentencePiece tokenizer (XLM-R, multilingual-e5) marks the first piece of every whitespace-separated chunk with
``▁``; the pieces up to the next ``▁`` belong to the same chunk. A chunk's leading and trailing punctuation pieces
(``,`` after ``▁free``) become words of their own, flagged as punctuation, so "free," reads as *free* and *,*;
punctuation inside a chunk (``Ida'i``) stays in its word. A bare ``▁`` piece belongs to the word after it.

Pieces of a word are contiguous, so a grouping is an array ``group[i]`` (the word of piece ``i``), non-decreasing
from 0. With indicator matrices :math:`R_{Ii} = [\mathrm{group}(i) = I]` (query) and :math:`K_{Jj}` (document),
mass is summed over pieces:

.. math::
    P^{\mathrm{word}}_{IJ} = \sum_{i \in I,\ j \in J} P_{ij} = (R P K^\top)_{IJ}

which keeps the total mass and both marginals (:math:`a_I = \sum_{i \in I} a_i`). Similarities are not masses:
a word pair's cosine is the **largest** of its piece pairs, :math:`\cos_{IJ} = \max_{i \in I, j \in J}
\cos(q_i, d_j)`, so a word's MaxSim over words equals the MaxSim of its best piece (ColBERT's max, Khattab &
Zaharia 2020).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

WORD_START = "▁"


def is_punctuation(text: str) -> bool:
    """True when ``text`` (``▁`` ignored) is non-empty and made only of punctuation and symbol characters."""
    text = text.replace(WORD_START, "")
    return bool(text) and all(unicodedata.category(ch)[0] in "PS" for ch in text)


@dataclass(frozen=True)
class Words:
    """Words read off a piece sequence: ``group[i]`` is the word of piece ``i`` (non-decreasing, from 0)."""

    words: list[str]
    group: np.ndarray  # [n_pieces] int
    punct: np.ndarray  # [n_words] bool

    def __len__(self) -> int:
        return len(self.words)

    def indicator(self) -> np.ndarray:
        """``R`` [n_words, n_pieces]: ``R[I, i] = 1`` when piece ``i`` belongs to word ``I``."""
        r = np.zeros((len(self.words), len(self.group)), dtype=np.float64)
        r[self.group, np.arange(len(self.group))] = 1.0
        return r

    def starts(self) -> np.ndarray:
        """Index of each word's first piece (for :func:`numpy.maximum.reduceat`)."""
        return np.searchsorted(self.group, np.arange(len(self.words)))


def _chunks(pieces: list[str]) -> list[list[int]]:
    """Piece indices of each whitespace chunk; a bare ``▁`` joins the chunk after it (or the last one)."""
    chunks: list[list[int]] = []
    pending: list[int] = []
    for i, p in enumerate(pieces):
        if p == WORD_START:
            pending.append(i)
            continue
        if pending or p.startswith(WORD_START) or not chunks:
            chunks.append(pending + [i])
            pending = []
        else:
            chunks[-1].append(i)
    if pending:
        if chunks:
            chunks[-1].extend(pending)
        else:
            chunks.append(pending)
    return chunks


def group_words(pieces: list[str], split_punctuation: bool = True) -> Words:
    """Group SentencePiece ``pieces`` into words (module docstring); every piece belongs to exactly one word."""
    words: list[str] = []
    punct: list[bool] = []
    group = np.zeros(len(pieces), dtype=np.int64)

    def emit(idx: list[int], is_punct: bool):
        group[idx] = len(words)
        text = "".join(pieces[i] for i in idx).replace(WORD_START, "")
        words.append(text or WORD_START)
        punct.append(is_punct)

    for chunk in _chunks(pieces):
        if not split_punctuation:
            emit(chunk, all(is_punctuation(pieces[i]) or pieces[i] == WORD_START for i in chunk))
            continue
        flags = [is_punctuation(pieces[i]) for i in chunk]
        lo, hi = 0, len(chunk)
        while lo < hi and (flags[lo] or pieces[chunk[lo]] == WORD_START):
            lo += 1
        while hi > lo and flags[hi - 1]:
            hi -= 1
        if lo == hi:  # all punctuation
            emit(chunk, True)
            continue
        head = chunk[:lo]
        if head and all(pieces[i] == WORD_START for i in head):  # only bare ▁: part of the word
            lo, head = 0, []
        if head:
            emit(head, True)
        emit(chunk[lo:hi], False)
        for i in chunk[hi:]:  # each trailing mark on its own ("." and '"' after a word)
            emit([i], True)
    return Words(words, group, np.array(punct, dtype=bool))


def merge_mass(plan: np.ndarray, rows: Words, cols: Words) -> np.ndarray:
    r""":math:`P^{\mathrm{word}} = R P K^\top`: the mass of every word pair, summed over its piece pairs."""
    plan = np.asarray(plan, dtype=np.float64)
    return rows.indicator() @ plan @ cols.indicator().T


def merge_max(values: np.ndarray, rows: Words, cols: Words) -> np.ndarray:
    r"""The largest value over each word pair's piece pairs (:math:`\max_{i \in I, j \in J} v_{ij}`)."""
    values = np.asarray(values, dtype=np.float64)
    by_row = np.maximum.reduceat(values, rows.starts(), axis=0)
    return np.maximum.reduceat(by_row, cols.starts(), axis=1)


def words_of(text_or_pieces, tokenizer=None, split_punctuation: bool = True) -> list[str]:
    """The words of a text as :func:`group_words` reads them (``tokenizer.tokenize`` makes the pieces), or of a
    piece list. The silver aligner gets exactly these words, so its indices are the plans' indices."""
    pieces = tokenizer.tokenize(text_or_pieces) if tokenizer is not None else list(text_or_pieces)
    return group_words(pieces, split_punctuation).words
