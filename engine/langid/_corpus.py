"""The n-gram identifier's training text: the *train* splits of the shipped bitext, nothing else.

A language's text is the target side of its ``data/bitext/<source>/<lang>.train.tsv.gz`` files; English's is the
English side of all of them. Dev splits, test splits and the UDHR files are never opened here, so every benchmark
sentence from them is held out by construction (``tests/langid/test_identifiers.py`` checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.data.bitext import load_bitext, shipped_bitext
from engine.data.text import normalize_key, stable_hash
from engine.fileio import sha256_file

TRAIN_SPLIT = "train"


@dataclass(frozen=True)
class TrainingCorpus:
    """Per language, the training lines (deduplicated, in a fixed order), and the files they came from."""

    texts: dict[str, list[str]]
    sources: tuple[Path, ...]

    def describe(self, root: Path) -> dict:
        """Provenance for the model card: each source file (relative to ``root``) with its sha256, and per language
        the lines and characters kept."""
        return {
            "sources": [{"path": source_key(path, root), "sha256": sha256_file(path)} for path in self.sources],
            "languages": {lang: {"lines": len(lines), "chars": sum(map(len, lines))}
                          for lang, lines in self.texts.items()},
        }


def source_key(path: Path, root: Path) -> str:
    """How a model card names a training file: its path under the data folder."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def training_files(languages: tuple[str, ...], data_dir: Path | None = None) -> dict[str, list[Path]]:
    """The train-split bitext files of each non-English language (``shipped_bitext(lang, split="train")``)."""
    return {lang: shipped_bitext(lang, split=TRAIN_SPLIT, data_dir=data_dir) for lang in languages if lang != "en"}


def training_corpus(languages: tuple[str, ...], max_chars: int, salt: str, data_dir: Path | None = None
                    ) -> TrainingCorpus:
    """The training lines of each language in ``languages``, at most ``max_chars`` characters each.

    Pairs whose two sides are the same text (an untranslated UI string) count for English only. Lines are
    deduplicated and taken in ``stable_hash(line, salt)`` order until the budget is spent, so a capped language
    keeps a spread of every source rather than the head of the first file.
    """
    files = training_files(languages, data_dir)
    pooled: dict[str, list[str]] = {lang: [] for lang in languages}
    for lang, paths in files.items():
        for path in paths:
            pairs, _ = load_bitext(path, lang=lang, quiet=True)
            for en, other in pairs:
                pooled.setdefault("en", []).append(en)
                if normalize_key(en) != normalize_key(other):
                    pooled[lang].append(other)
    texts = {lang: _budget(lines, max_chars, salt) for lang, lines in pooled.items() if lang in languages}
    sources = tuple(sorted({path for paths in files.values() for path in paths}))
    return TrainingCorpus(texts=texts, sources=sources)


def _budget(lines: list[str], max_chars: int, salt: str) -> list[str]:
    unique = {normalize_key(line): line for line in reversed(lines)}  # the first spelling of each key wins
    ordered = sorted(unique.values(), key=lambda line: (stable_hash(line, salt), line))
    kept, used = [], 0
    for line in ordered:
        if used >= max_chars:
            break
        kept.append(line)
        used += len(line)
    return kept
