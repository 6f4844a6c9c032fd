"""The common interface of every language identifier, the code normalisation they share, and their registry."""

from __future__ import annotations

import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable

from engine.errors import UserError
from engine.languages import get_language

Identification = tuple[str | None, float]  # (registry code or None, the detector's probability for it)


def normalize_label(label: str | None) -> str | None:
    """A detector's label as the registry's code (``fil`` → ``tl``, ``bg-Latn`` → ``bg``, ``iw`` → ``he``), or
    ``None`` when it names no language (``und``, ``zxx``, an empty label)."""
    if not label:
        return None
    try:
        return get_language(label).code
    except UserError:
        return None


def has_letters(text: str) -> bool:
    """Whether ``text`` holds a letter: without one no identifier answers (CLD3 names Japanese for ``"12345"``)."""
    return any(unicodedata.category(ch)[0] == "L" for ch in text)


class Identifier(ABC):
    """Names the language of a text: :meth:`identify` returns ``(code, probability)``, the code normalised through
    :func:`engine.languages.get_language` (any valid ISO code), or ``(None, 0.0)`` where the detector has no answer."""

    name: str = ""

    @property
    @abstractmethod
    def languages(self) -> frozenset[str]:
        """The registry codes this identifier can answer."""

    def identify(self, text: str) -> Identification:
        if not text or not has_letters(text):
            return None, 0.0
        label, probability = self._identify(text)
        code = normalize_label(label)
        return (code, float(probability)) if code else (None, 0.0)

    @abstractmethod
    def _identify(self, text: str) -> tuple[str | None, float]:
        """The detector's own label and probability for a text that has letters."""


IDENTIFIERS: dict[str, Callable[[], Identifier]] = {}


def register_identifier(name: str):
    """Class decorator: makes ``get_identifier(name)`` build the class with no arguments."""

    def wrap(cls):
        cls.name = name
        IDENTIFIERS[name] = cls
        return cls

    return wrap


def get_identifier(name: str) -> Identifier:
    """A new identifier by registry name (``cld3``, ``lingua``, ``ngram``)."""
    try:
        factory = IDENTIFIERS[name]
    except KeyError:
        raise UserError(f"unknown language identifier {name!r}; choose one of {', '.join(sorted(IDENTIFIERS))}") \
            from None
    return factory()
