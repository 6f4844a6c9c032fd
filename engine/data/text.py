"""Text normalisation shared by every builder: cleaning for TSV output, keys for dedup/leakage, hash splits."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_WS = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """One line of text: tabs, newlines and runs of whitespace become one space; ends stripped."""
    return _WS.sub(" ", text).strip()


def normalize_key(text: str) -> str:
    """The comparison key for dedup and leakage checks: NFKC, casefold, whitespace collapsed."""
    return clean_text(unicodedata.normalize("NFKC", text).casefold())


def stable_hash(text: str, salt: str = "") -> int:
    """A platform-independent integer hash (sha1) of ``salt + normalize_key(text)``."""
    digest = hashlib.sha1((salt + normalize_key(text)).encode("utf-8")).hexdigest()
    return int(digest, 16)


def in_bucket(text: str, percent: int, salt: str = "") -> bool:
    """Whether ``text`` falls into the first ``percent`` of 100 hash buckets (deterministic split)."""
    return stable_hash(text, salt) % 100 < percent
