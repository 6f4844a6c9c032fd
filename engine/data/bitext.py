"""Read bitext from TSV(.gz), JSONL(.gz) or a pair of line-aligned files, and locate the shipped bitext files.

Bad lines are skipped, never silently: a :class:`BitextReport` counts each reason, and a one-line summary goes to
stderr when the reading ends with anything skipped.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import IO, Iterator

from engine.data.text import clean_text, normalize_key
from engine.errors import UserError
from engine.languages import normalize_code


@dataclass
class BitextReport:
    """What a read kept and why lines were skipped (reason → count)."""

    source: str = ""
    kept: int = 0
    skipped: Counter = field(default_factory=Counter)

    @property
    def total_skipped(self) -> int:
        return sum(self.skipped.values())

    def summary(self) -> str:
        reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(self.skipped.items()))
        return f"{self.source}: kept {self.kept} pairs, skipped {self.total_skipped} ({reasons or 'none'})"


def _open_binary(path: Path) -> IO[bytes]:
    if not path.exists():
        raise UserError(f"bitext file {path} does not exist")
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def _decoded_lines(path: Path, report: BitextReport) -> Iterator[str | None]:
    """Each line of ``path`` decoded as UTF-8, or ``None`` (counted) when it is not valid UTF-8."""
    with _open_binary(path) as handle:
        for raw in handle:
            try:
                yield raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                report.skipped["not UTF-8"] += 1
                yield None


def _tsv_pairs(path: Path, report: BitextReport) -> Iterator[tuple[str, str]]:
    for line in _decoded_lines(path, report):
        if line is None or not line.strip():
            if line is not None:
                report.skipped["blank line"] += 1
            continue
        cols = line.split("\t")
        if len(cols) != 2:
            report.skipped["not two tab-separated columns"] += 1
            continue
        yield cols[0], cols[1]


def _jsonl_pairs(path: Path, report: BitextReport, lang: str | None) -> Iterator[tuple[str, str]]:
    keys = [k for k in (lang, normalize_code(lang) if lang else None, "text", "translation") if k]
    for line in _decoded_lines(path, report):
        if line is None or not line.strip():
            if line is not None:
                report.skipped["blank line"] += 1
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            report.skipped["invalid JSON"] += 1
            continue
        if not isinstance(row, dict) or not isinstance(row.get("en"), str):
            report.skipped["no 'en' field"] += 1
            continue
        other = next((row[k] for k in keys if isinstance(row.get(k), str)), None)
        if other is None:
            rest = [v for k, v in row.items() if k != "en" and isinstance(v, str) and k not in {"id", "source"}]
            other = rest[0] if len(rest) == 1 else None
        if other is None:
            report.skipped["no translation field"] += 1
            continue
        yield row["en"], other


def _parallel_pairs(en_path: Path, other_path: Path, report: BitextReport) -> Iterator[tuple[str, str]]:
    for en, other in zip_longest(_decoded_lines(en_path, report), _decoded_lines(other_path, report), fillvalue=False):
        if en is False or other is False:
            report.skipped["line-count mismatch (unpaired line)"] += 1
            continue
        if en is None or other is None:
            continue
        yield en, other


def read_bitext(path: Path | str | tuple[Path | str, Path | str], lang: str | None = None,
                report: BitextReport | None = None, dedupe: bool = True, quiet: bool = False
                ) -> Iterator[tuple[str, str]]:
    """Yield cleaned ``(english, other)`` pairs.

    ``path`` is a ``.tsv``/``.tsv.gz`` (``english<TAB>other``), a ``.jsonl``/``.jsonl.gz`` (``{"en": ..., "<lang>"
    or "text": ...}``) or a pair ``(english_file, other_file)`` of line-aligned text files. Lines with an empty side,
    bad UTF-8 or JSON, a wrong column count, repeats (when ``dedupe``) or no partner line are skipped and counted
    in ``report``; unless ``quiet``, a summary is printed to stderr when anything was skipped.
    """
    report = report if report is not None else BitextReport()
    if isinstance(path, (tuple, list)):
        en_path, other_path = (Path(p) for p in path)
        report.source = f"{en_path} + {other_path}"
        raw = _parallel_pairs(en_path, other_path, report)
    else:
        path = Path(path)
        report.source = str(path)
        stem = path.name[:-3] if path.name.endswith(".gz") else path.name
        if stem.endswith(".jsonl") or stem.endswith(".json"):
            raw = _jsonl_pairs(path, report, lang)
        elif stem.endswith(".tsv") or stem.endswith(".txt"):
            raw = _tsv_pairs(path, report)
        else:
            raise UserError(f"{path}: unknown bitext format; use .tsv, .tsv.gz, .jsonl or a pair of line-aligned files")
    seen: set[tuple[str, str]] = set()
    for en, other in raw:
        en, other = clean_text(en), clean_text(other)
        if not en or not other:
            report.skipped["empty side"] += 1
            continue
        if dedupe:
            key = (normalize_key(en), normalize_key(other))
            if key in seen:
                report.skipped["duplicate"] += 1
                continue
            seen.add(key)
        report.kept += 1
        yield en, other
    if report.total_skipped and not quiet:
        print(f"read_bitext: {report.summary()}", file=sys.stderr)


def load_bitext(path, lang: str | None = None, dedupe: bool = True, quiet: bool = False
                ) -> tuple[list[tuple[str, str]], BitextReport]:
    """All pairs of :func:`read_bitext` as a list, with the report."""
    report = BitextReport()
    pairs = list(read_bitext(path, lang=lang, report=report, dedupe=dedupe, quiet=quiet))
    return pairs, report


def shipped_bitext(lang: str, source: str | None = None, split: str = "train", data_dir: Path | None = None
                   ) -> list[Path]:
    """Shipped ``data/bitext/<source>/<lang>.<split>.tsv.gz`` files for a language (all sources by default)."""
    from engine.data.build import DATA_DIR

    code = normalize_code(lang)
    root = (data_dir or DATA_DIR) / "bitext"
    pattern = f"{source or '*'}/{code}.{split}.tsv.gz"
    return sorted(root.glob(pattern))


def shipped_pairs(lang: str, split: str = "train", limit: int | None = None) -> list[tuple[str, str]]:
    """The pairs of a language's shipped ``split`` files (every source, in file order), the first ``limit``."""
    pairs = [p for f in shipped_bitext(lang, None, split) for p in load_bitext(f, lang=lang, quiet=True)[0]]
    return pairs[:limit]


def joined_windows(pairs: list[tuple[str, str]], units: int) -> list[tuple[str, str]]:
    """Consecutive pairs joined ``units`` at a time, each side with spaces (the last window may be shorter):
    pseudo-passages from bitext read in file order."""
    if units < 1:
        raise UserError("a window holds at least 1 pair")
    return [(" ".join(en for en, _ in pairs[i : i + units]), " ".join(x for _, x in pairs[i : i + units]))
            for i in range(0, len(pairs), units)]
