"""The ``mixed`` suite: one collection holds relevant English documents and distractors in *both* languages, to
measure language bias.

Per language L with held-out sentences (``engine.suites.heldout``): L's UDHR units are the queries; the documents
are the 31 English UDHR units (relevant: the unit with the same number) and up to ``distractors`` held-out L
sentences **together with their English translations** (ids ``<id>`` and ``<id>-en``). Every distractor is there
once in each language with the same content, so a retriever without language bias ranks the two versions alike:
among its top-10 non-relevant paired documents (the other English UDHR units, unpaired, are left out), the share in
the query's language (``SameLang@10``,
:func:`engine.evaluation.bias.same_language_share`) is 0.5 in expectation; above 0.5 it prefers the query's
language over content, and the relevant English unit pays for it (RR@10).

Translation-aligned retrieval, like every shipped suite: not human relevance judgements.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.suites.heldout import heldout_langs, heldout_pairs
from engine.suites.layout import Suite, SuiteLanguage
from engine.suites.reverse import _udhr


@dataclass(frozen=True)
class MixedSuiteConfig:
    distractors: int = 300
    seed: str = "mixed-distractors"


def build_mixed_suite(data_dir: Path, config: MixedSuiteConfig = MixedSuiteConfig()) -> Suite:
    english, others = _udhr(data_dir)
    relevant = [{"id": f"udhr-{n}", "text": t, "lang": "en", "source": "udhr"} for n, t in sorted(english.items())]
    langs: dict[str, SuiteLanguage] = {}
    for lang in heldout_langs(data_dir, sorted(others)):
        entry = SuiteLanguage(corpus=list(relevant))
        for pid, en, other in heldout_pairs(data_dir, lang, config.distractors, config.seed):
            entry.corpus.append({"id": pid, "text": other, "lang": lang, "source": "heldout"})
            entry.corpus.append({"id": f"{pid}-en", "text": en, "lang": "en", "source": "heldout"})
        for n, text in sorted(others[lang].items()):
            if n in english:
                entry.queries[f"udhr-{n}"] = text
                entry.qrels[f"udhr-{n}"] = {f"udhr-{n}": 1}
        langs[lang] = entry
    # en, the ceiling: the English units asked against the Chichewa collection (its SameLang@10: bias to English)
    if "ny" in langs:
        ceiling = SuiteLanguage(corpus=langs["ny"].corpus)
        for n, text in sorted(english.items()):
            ceiling.queries[f"udhr-{n}"] = text
            ceiling.qrels[f"udhr-{n}"] = {f"udhr-{n}": 1}
        langs["en"] = ceiling
    return Suite("mixed", relevant, langs)
