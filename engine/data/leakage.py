"""The held-out text set: every string a test suite may show, normalised, so training data can be checked against it.

Held-out text lives in shipped files: ``bitext/<source>/*.test.tsv.gz`` (both sides), ``bitext/<source>/*.heldout
.txt.gz`` (one string a line) and ``udhr/*.jsonl``. A source being rebuilt is read from the output folder; other
sources fall back to the shipped ``data/`` folder, so rebuilding one source alone gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

from engine.data.files import read_text
from engine.data.text import normalize_key


def heldout_files(root: Path) -> dict[str, list[Path]]:
    """Held-out files under one data root, grouped by source (``udhr`` or a bitext source name)."""
    groups: dict[str, list[Path]] = {}
    for path in sorted((root / "bitext").glob("*/*.test.tsv.gz")) + sorted((root / "bitext").glob("*/*.heldout.txt.gz")):
        groups.setdefault(path.parent.name, []).append(path)
    udhr = sorted((root / "udhr").glob("*.jsonl"))
    if udhr:
        groups["udhr"] = udhr
    return groups


def texts_of(path: Path) -> set[str]:
    """Normalised held-out strings in one file."""
    text = read_text(path)
    out: set[str] = set()
    for line in text.splitlines():
        if not line.strip():
            continue
        if path.name.endswith(".jsonl"):
            out.add(normalize_key(json.loads(line)["text"]))
        else:
            out.update(normalize_key(side) for side in line.split("\t"))
    out.discard("")
    return out


def heldout_texts(roots: list[Path]) -> set[str]:
    """Union of held-out strings; for each source the first root that has its files wins."""
    chosen: dict[str, list[Path]] = {}
    for root in roots:
        for source, paths in heldout_files(root).items():
            chosen.setdefault(source, paths)
    return {text for paths in chosen.values() for path in paths for text in texts_of(path)}


def leaking(pair: tuple[str, str], heldout: set[str]) -> bool:
    """Whether either side of a pair is a held-out string."""
    return normalize_key(pair[0]) in heldout or normalize_key(pair[1]) in heldout
