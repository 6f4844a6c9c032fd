"""Held-out sentences of a language, both sides, for distractor documents: the shipped *test* splits (never trained
or dev-selected on; ``tests/data/test_leakage.py``). Chichewa: New Testament verses; the LibreOffice languages:
their test strings. Languages with only the CLDR lexicon have no held-out sentences."""

from __future__ import annotations

from pathlib import Path

from engine.suites.layout import hash_order, text_id

# Test splits that hold sentences (CLDR names are a lexicon, not sentences, and ship no test split).
SENTENCE_TEST_SOURCES = ("bible", "libreoffice")


def heldout_pairs(data_dir: Path, lang: str, limit: int, seed: str) -> list[tuple[str, str, str]]:
    """Up to ``limit`` ``(id, english, other)`` test pairs of ``lang``, sampled by hash order (deterministic)."""
    from engine.data.bitext import load_bitext, shipped_bitext

    pairs: dict[str, tuple[str, str]] = {}
    for source in SENTENCE_TEST_SOURCES:
        for path in shipped_bitext(lang, source, "test", data_dir=data_dir):
            for en, other in load_bitext(path, lang=lang, quiet=True)[0]:
                pairs.setdefault(text_id(lang, other), (en, other))
    chosen = hash_order(sorted(pairs), f"{seed}:{lang}")[:limit]
    return [(pid, *pairs[pid]) for pid in sorted(chosen)]


def heldout_langs(data_dir: Path, langs: list[str]) -> list[str]:
    """Which of ``langs`` have held-out sentences."""
    from engine.data.bitext import shipped_bitext

    return [lang for lang in langs
            if any(shipped_bitext(lang, s, "test", data_dir=data_dir) for s in SENTENCE_TEST_SOURCES)]
