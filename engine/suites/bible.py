"""The ``bible-ny`` suite: Chichewa New Testament verses as queries against English (WEB) New Testament passages
of ``passage_verses`` consecutive verses of one chapter (``JHN.3.16-20``); relevant = the passage holding the verse.
The ``en`` language asks the English verse instead (the ceiling).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.data.bible import BOOK_CODES, FIRST_NT_BOOK, Verse, load_verses
from engine.suites.layout import Suite, SuiteLanguage, hash_order


@dataclass(frozen=True)
class BibleSuiteConfig:
    """Passage length, number of sampled query verses and the sampling seed."""

    passage_verses: int = 5
    queries: int = 1000
    seed: str = "bible-ny-queries"


def passages(verses: list[Verse], size: int) -> list[tuple[str, list[Verse]]]:
    """Consecutive runs of ``size`` verses within each chapter, as ``(id, verses)``."""
    out: list[tuple[str, list[Verse]]] = []
    chapter: list[Verse] = []

    def flush():
        for start in range(0, len(chapter), size):
            chunk = chapter[start : start + size]
            first = chunk[0]
            out.append((f"{BOOK_CODES[first.book - 1]}.{first.chapter}.{first.verse}-{chunk[-1].verse}", chunk))

    for verse in verses:
        if chapter and (verse.book, verse.chapter) != (chapter[0].book, chapter[0].chapter):
            flush()
            chapter = []
        chapter.append(verse)
    if chapter:
        flush()
    return out


def build_bible_suite(data_dir: Path, config: BibleSuiteConfig = BibleSuiteConfig()) -> Suite:
    """Build the suite from the installed Bible packages (the same verses as the shipped NT test bitext)."""
    nt = [v for v in load_verses() if v.book >= FIRST_NT_BOOK]
    corpus, passage_of = [], {}
    for pid, chunk in passages(nt, config.passage_verses):
        first = chunk[0]
        title = f"{BOOK_CODES[first.book - 1]} {first.chapter}:{first.verse}-{chunk[-1].verse}"
        corpus.append({"id": pid, "text": " ".join(v.en for v in chunk), "title": title, "source": "bible-web"})
        passage_of.update({v.ref: pid for v in chunk})
    by_ref = {v.ref: v for v in nt}
    sample = sorted(hash_order(list(by_ref), config.seed)[: config.queries], key=list(by_ref).index)
    langs = {"ny": SuiteLanguage(), "en": SuiteLanguage()}
    for ref in sample:
        langs["ny"].queries[ref] = by_ref[ref].ny
        langs["en"].queries[ref] = by_ref[ref].en
        for lang in langs.values():
            lang.qrels[ref] = {passage_of[ref]: 1}
    return Suite("bible-ny", corpus, langs)
