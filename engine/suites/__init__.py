"""Shipped retrieval test suites (translation-aligned, not human-judged) and their builders.

``build_suites(names, data_dir)`` regenerates ``data/suites/<suite>/`` from the shipped bitext/UDHR files and the
installed Bible packages; the collection loader (``engine.collection``) reads them back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from engine.data.build import DATA_DIR
from engine.data.files import write_text_atomic
from engine.errors import UserError
from engine.suites.bible import build_bible_suite
from engine.suites.l10n import build_l10n_suite
from engine.suites.layout import Suite, write_suite
from engine.suites.mixed import build_mixed_suite
from engine.suites.reverse import build_bible_reverse_suite, build_udhr_reverse_suite
from engine.suites.udhr import build_udhr_suite

SUITES: dict[str, Callable[[Path], Suite]] = {
    "udhr": build_udhr_suite,
    "bible-ny": build_bible_suite,
    "l10n": build_l10n_suite,
    "udhr-reverse": build_udhr_reverse_suite,
    "bible-ny-reverse": build_bible_reverse_suite,
    "mixed": build_mixed_suite,
}


def suites_dir(data_dir: Path = DATA_DIR) -> Path:
    """Where suites live under a data root."""
    return data_dir / "suites"


def build_suites(names: list[str] | None = None, data_dir: Path = DATA_DIR) -> dict:
    """Rebuild the named suites (default: all) under ``data_dir/suites``; update and return its manifest."""
    names = names or list(SUITES)
    unknown = [name for name in names if name not in SUITES]
    if unknown:
        raise UserError(f"unknown suite(s) {', '.join(unknown)}; known: {', '.join(SUITES)}")
    out = suites_dir(Path(data_dir))
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    for name in names:
        manifest[name] = write_suite(SUITES[name](Path(data_dir)), out)
    manifest = {name: manifest[name] for name in SUITES if name in manifest}
    write_text_atomic(manifest_path, json.dumps(manifest, indent=1) + "\n")
    return manifest


__all__ = ["SUITES", "Suite", "build_suites", "suites_dir"]
