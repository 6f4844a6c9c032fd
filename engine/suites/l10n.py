"""The ``l10n`` suite: held-out LibreOffice strings in each language as queries against English strings.

Documents are the English strings never trained on (``bitext/libreoffice/en.heldout.txt.gz``: the test and held-out
hash buckets plus strings no language pack translates); relevant = the English source of the query string. The
``en`` language asks the English string itself (the ceiling).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.data.bitext import load_bitext
from engine.data.files import read_text
from engine.data.libreoffice import HELDOUT_FILE
from engine.data.text import normalize_key
from engine.errors import UserError
from engine.suites.layout import Suite, SuiteLanguage, hash_order, text_id


@dataclass(frozen=True)
class L10nSuiteConfig:
    """Queries per language and the sampling seed."""

    queries: int = 1000
    seed: str = "l10n-queries"


def build_l10n_suite(data_dir: Path, config: L10nSuiteConfig = L10nSuiteConfig()) -> Suite:
    """Build from ``data_dir/bitext/libreoffice``: ``<lang>.test.tsv.gz`` and the held-out English pool."""
    folder = data_dir / "bitext" / "libreoffice"
    pool_path = folder / HELDOUT_FILE
    if not pool_path.exists():
        raise UserError(f"{pool_path} is missing; run the data build for the 'libreoffice' source first")
    corpus, doc_of = [], {}
    for text in read_text(pool_path).splitlines():
        key = normalize_key(text)
        if text.strip() and key not in doc_of:
            doc_of[key] = text_id("lo", text)
            corpus.append({"id": doc_of[key], "text": text, "source": "libreoffice"})
    langs: dict[str, SuiteLanguage] = {}
    english: dict[str, str] = {}
    for path in sorted(folder.glob("*.test.tsv.gz")):
        pairs, _ = load_bitext(path, quiet=True)
        pairs = [(en, other) for en, other in pairs if normalize_key(en) in doc_of]
        by_id = {text_id("l10n", en): (en, other) for en, other in pairs}
        lang = SuiteLanguage()
        for qid in sorted(hash_order(list(by_id), config.seed)[: config.queries]):
            en, other = by_id[qid]
            lang.queries[qid] = other
            lang.qrels[qid] = {doc_of[normalize_key(en)]: 1}
            english[qid] = en
        langs[path.name.split(".")[0]] = lang
    ceiling = SuiteLanguage()
    for qid in sorted(hash_order(sorted(english), config.seed)[: config.queries]):
        ceiling.queries[qid] = english[qid]
        ceiling.qrels[qid] = {doc_of[normalize_key(english[qid])]: 1}
    langs["en"] = ceiling
    return Suite("l10n", corpus, langs)
