"""The ``udhr`` suite: each language's 31 UDHR units as queries against the English units plus English Bible
(New Testament, WEB) verses as distractors; the relevant document is the English text of the same unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.data.bible import FIRST_NT_BOOK, load_verses
from engine.data.udhr import read_udhr_jsonl
from engine.errors import UserError
from engine.suites.layout import Suite, SuiteLanguage, hash_order


@dataclass(frozen=True)
class UdhrSuiteConfig:
    """How many New Testament verses to add as distractors, and the sampling seed."""

    distractors: int = 3000
    seed: str = "udhr-distractors"


def build_udhr_suite(data_dir: Path, config: UdhrSuiteConfig = UdhrSuiteConfig()) -> Suite:
    """Read ``data_dir/udhr/*.jsonl`` and the installed WEB Bible into a :class:`Suite`."""
    udhr_dir = data_dir / "udhr"
    if not (udhr_dir / "en.jsonl").exists():
        raise UserError(f"{udhr_dir / 'en.jsonl'} is missing; run the data build for the 'udhr' source first")
    english = read_udhr_jsonl(udhr_dir / "en.jsonl")
    corpus = [{"id": f"udhr-{n}", "text": text, "source": "udhr"} for n, text in sorted(english.items())]
    nt = {v.ref: v.en for v in load_verses() if v.book >= FIRST_NT_BOOK}
    for ref in sorted(hash_order(sorted(nt), config.seed)[: config.distractors], key=list(nt).index):
        corpus.append({"id": ref, "text": nt[ref], "source": "bible-web"})
    langs = {}
    for path in sorted(udhr_dir.glob("*.jsonl")):
        units = read_udhr_jsonl(path)
        lang = SuiteLanguage()
        for n, text in sorted(units.items()):
            if n in english:
                lang.queries[f"udhr-{n}"] = text
                lang.qrels[f"udhr-{n}"] = {f"udhr-{n}": 1}
        langs[path.stem] = lang
    return Suite("udhr", corpus, langs)
