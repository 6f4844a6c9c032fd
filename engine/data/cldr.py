"""CLDR display names through ``babel``: an English → language lexicon (language, script, territory and currency
names, month and weekday names). All train: it is a lexicon, not sentences. Entries equal to English are skipped;
duplicates of a normalised English name keep the first (in the category order below).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from engine.data.source import SourceData
from engine.data.text import clean_text, normalize_key
from engine.languages import LANGUAGES

# babel locale names that differ from our canonical codes.
BABEL_LOCALE = {"tl": "fil"}


@dataclass(frozen=True)
class CldrConfig:
    """Which name tables to read from each locale."""

    categories: tuple[str, ...] = ("languages", "scripts", "territories", "currencies", "months", "days")


def _table(locale, category: str) -> dict:
    if category == "months":
        return dict(locale.months["format"]["wide"])
    if category == "days":
        return dict(locale.days["format"]["wide"])
    return dict(getattr(locale, category))


def lexicon(lang: str, config: CldrConfig = CldrConfig()) -> list[tuple[str, str]]:
    """(English name, ``lang`` name) pairs for one language; empty when babel has no names for it."""
    from babel import Locale, localedata

    name = BABEL_LOCALE.get(lang, lang)
    if not localedata.exists(name):
        return []
    english, local = Locale.parse("en"), Locale.parse(name)
    pairs: dict[str, tuple[str, str]] = {}
    for category in config.categories:
        en_table, local_table = _table(english, category), _table(local, category)
        for key in sorted(en_table, key=str):
            if key not in local_table:
                continue
            en, other = clean_text(str(en_table[key])), clean_text(str(local_table[key]))
            if en and other and normalize_key(en) != normalize_key(other):
                pairs.setdefault(normalize_key(en), (en, other))
    return list(pairs.values())


def extract(cache_dir: Path, langs=None, config: CldrConfig = CldrConfig()) -> SourceData:
    """A train-only lexicon for every shipped language (or each of ``langs``) babel has names for."""
    data = SourceData(name="cldr", license_path="bitext/cldr/LICENSE.md", license_text=_license(), carve_dev=False,
                      packages={"babel": metadata.version("babel")})
    for code in langs if langs is not None else [language.code for language in LANGUAGES]:
        if code == "en":
            continue
        pairs = lexicon(code, config)
        if pairs:
            data.pairs[code] = {"train": pairs}
    return data


def _license() -> str:
    return (
        "# CLDR name lexicon\n\n"
        "English → language display names (languages, scripts, territories, currencies, months, weekdays) from the\n"
        f"Unicode CLDR data bundled in PyPI `babel` {metadata.version('babel')} (babel: BSD-3-Clause; CLDR data:\n"
        "Unicode License v3, https://www.unicode.org/license.txt). All pairs are train (a lexicon).\n"
    )
