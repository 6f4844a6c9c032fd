"""Query checks and language detection: the served identifier first, the user's choice over it, the registry as
the vocabulary.

Detection is :func:`engine.langid.best_identifier` (the ``served`` identifier: a character n-gram model trained on
our bitext for the shipped languages, CLD3 for ~100 others and where the n-gram model knows a language from a word
list only; macro accuracy on 3–5-word queries in the shipped languages 0.83 against CLD3's 0.53,
``reports/benchmarks/langid-served.md``). It is still a default the UI shows and the user can override with a
dropdown: short queries in close languages (Swahili / Chichewa) can swap. Any language code resolves
(:mod:`engine.languages`); a language outside the shipped set, or none detected, goes to the student, and the status
line says so.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass

from engine.errors import UserError
from engine.languages import LANGUAGES, get_language, is_shipped

AUTO = "auto"
MAX_QUERY_CHARS = 2000
UNKNOWN_PIECE_SHARE = 0.5  # above this share of <unk> pieces, the model cannot read the script

_detector = None
_detector_lock = threading.Lock()


RELIABLE_P = 0.9  # a detection below this probability is shown as unsure


@dataclass(frozen=True)
class Detection:
    code: str | None  # the language's code (any valid code, shipped or not), or None when none is detected
    probability: float
    reliable: bool

    def describe(self) -> str:
        if not self.code:
            return ("language not detected: the student answers as for a language it never saw — pick the language "
                    "to route it otherwise")
        name = get_language(self.code).name
        sure = "" if self.reliable else ", unsure"
        found = f"detected {name} ({self.code}, p={self.probability:.2f}{sure})"
        if is_shipped(self.code):
            return found
        return (f"{found}: outside the shipped languages — the student answers it (students lift languages they "
                f"never saw)")


def language_choices(student_langs=()) -> list[tuple[str, str]]:
    """Dropdown choices ``(label, value)``: auto-detect, every shipped language, then the student's other languages
    (its card's ``langs``: a student trained on a language outside the shipped set offers it too)."""
    langs = list(LANGUAGES) + [get_language(code) for code in student_langs]
    seen: set[str] = set()
    unique = [lang for lang in langs if not (lang.code in seen or seen.add(lang.code))]
    return [("auto-detect", AUTO)] + [(f"{lang.name} ({lang.code})", lang.code) for lang in unique]


def check_query(text: str | None) -> str:
    """The stripped query, or a :class:`UserError` that says what to type instead."""
    text = (text or "").strip()
    if not text:
        raise UserError("type a query first")
    if len(text) > MAX_QUERY_CHARS:
        raise UserError(f"the query is {len(text):,} characters long; queries are limited to {MAX_QUERY_CHARS:,} "
                        "(the model reads ~512 tokens) — shorten it or upload it as a document")
    if not any(unicodedata.category(ch)[0] in "LN" for ch in text):
        raise UserError("the query has no letters or digits (only emoji, symbols or punctuation); "
                        "type some words")
    return text


def check_script(tokenizer, text: str) -> None:
    """Refuse text the tokenizer cannot read: mostly ``<unk>`` pieces means a script the model never saw."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    pieces = tokenizer.convert_ids_to_tokens(ids)
    words = [i for i, p in zip(ids, pieces) if p != "▁"]
    if words and sum(i == tokenizer.unk_token_id for i in words) / len(words) > UNKNOWN_PIECE_SHARE:
        raise UserError("the model does not know this script (most of the query maps to unknown tokens); "
                        "try a query in a language it covers, e.g. Swahili, Chichewa or Amharic")


def detect(text: str) -> Detection:
    global _detector
    with _detector_lock:
        if _detector is None:
            from engine.langid import best_identifier

            _detector = best_identifier()
    code, probability = _detector.identify(text)  # thread-safe
    try:
        code = get_language(code).code if code else None
    except UserError:
        code = None
    return Detection(code, probability, probability >= RELIABLE_P)


def resolve_language(text: str, choice: str | None) -> tuple[str | None, str]:
    """The language to route the query with and a line saying where it came from."""
    if choice and choice != AUTO:
        lang = get_language(choice)
        return lang.code, f"language set by you: {lang.name} ({lang.code})"
    found = detect(text)
    return found.code, found.describe()
