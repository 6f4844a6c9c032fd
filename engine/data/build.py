"""Build the shipped bitext: run source extractors, write test sides, filter training against every held-out
string, carve a dev slice out of train, write attribution and ``bitext/manifest.json``.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from engine.data import bible, cldr, libreoffice, udhr
from engine.data.downloads import DEFAULT_CACHE_DIR
from engine.data.files import write_pairs, write_text_atomic
from engine.data.leakage import heldout_texts, leaking
from engine.data.source import SourceData
from engine.data.text import normalize_key, stable_hash
from engine.errors import UserError
from engine.fileio import sha256_file

DATA_DIR = Path(__file__).resolve().parents[2] / "data"

Extractor = Callable[[Path, list[str] | None], SourceData]  # (cache folder, languages or None: the shipped ones)

# Test-bearing sources first: their held-out strings filter the others' training data.
BUILDERS: dict[str, Extractor] = {
    "udhr": udhr.extract,
    "bible": bible.extract,
    "libreoffice": libreoffice.extract,
    "cldr": cldr.extract,
}


@dataclass(frozen=True)
class DevConfig:
    """The dev slice carved from train: ``percent`` hash buckets, at most ``max_pairs`` (smallest hashes)."""

    percent: int = 5
    max_pairs: int = 500
    salt: str = "dev:"


def split_dev(pairs: list[tuple[str, str]], config: DevConfig = DevConfig()) -> tuple[list, list]:
    """(train, dev): dev is the pairs whose English falls in the dev buckets, capped; order preserved."""
    scored = [(stable_hash(en, config.salt), i) for i, (en, _) in enumerate(pairs)]
    candidates = sorted(item for item in scored if item[0] % 100 < config.percent)[: config.max_pairs]
    dev_index = {i for _, i in candidates}
    return [p for i, p in enumerate(pairs) if i not in dev_index], [p for i, p in enumerate(pairs) if i in dev_index]


def dedupe(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop repeated (english, other) pairs after normalisation, keeping the first."""
    seen: set[tuple[str, str]] = set()
    out = []
    for en, other in pairs:
        key = (normalize_key(en), normalize_key(other))
        if key not in seen:
            seen.add(key)
            out.append((en, other))
    return out


def _clear(folder: Path, pattern: str) -> None:
    for path in folder.glob(pattern):
        path.unlink()


def _count_lines(path: Path) -> int:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as handle:
        return sum(1 for line in handle if line.strip())


MANIFEST = "bitext/manifest.json"


def read_manifest(root: Path = DATA_DIR) -> dict:
    path = Path(root) / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def package_drift(source: str, root: Path = DATA_DIR) -> list[str]:
    """Why rebuilding ``source`` here would not reproduce the files under ``root``: each package the manifest says
    they were built from whose installed version differs (``"babel: built with 2.18.0, installed 2.19.0"``)."""
    from importlib import metadata

    recorded = read_manifest(root).get("sources", {}).get(source, {})
    drift = []
    for package, built in sorted(recorded.items()):
        if package.startswith(("npm:", "deb:")):
            continue  # archives kept in the download cache: the cached file is the pin
        try:
            installed = metadata.version(package)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != built:
            drift.append(f"{package}: built with {built}, installed {installed}")
    return drift


def write_manifest(out: Path, packages: dict[str, dict[str, str]] | None = None) -> dict:
    """List every bitext/UDHR file under ``out`` with its line count and sha256, and the packages each source was
    built from (``packages`` for the sources just built, the earlier record for the others), as
    ``bitext/manifest.json``."""
    files = sorted((out / "bitext").glob("*/*.gz")) + sorted((out / "udhr").glob("*.jsonl"))
    entries = [
        {"path": path.relative_to(out).as_posix(), "lines": _count_lines(path), "sha256": sha256_file(path)}
        for path in files
    ]
    sources = {**read_manifest(out).get("sources", {}), **(packages or {})}
    manifest = {"files": entries, "sources": dict(sorted(sources.items()))}
    write_text_atomic(out / MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return manifest


def build(sources: list[str] | None = None, out: Path = DATA_DIR, cache_dir: Path = DEFAULT_CACHE_DIR,
          dev: DevConfig = DevConfig(), langs: list[str] | None = None) -> dict:
    """Rebuild ``sources`` (default: all) into the data root ``out``.

    Returns ``{source: {"files": {path: lines}, "dropped_leaking": {lang: pairs}}}``. ``langs`` limits the
    language-bearing sources to those languages (default: the shipped ones), as ``data add`` does.

    Held-out strings come from the test files just written and, for sources not rebuilt, from ``out`` or the shipped
    ``data/`` folder; any training or dev pair with either side among them is dropped.
    """
    names = list(BUILDERS) if not sources else sources
    unknown = [name for name in names if name not in BUILDERS]
    if unknown:
        raise UserError(f"unknown data source(s) {', '.join(unknown)}; known: {', '.join(BUILDERS)}")
    names = [name for name in BUILDERS if name in names]
    out, cache_dir = Path(out), Path(cache_dir)
    return write_sources([BUILDERS[name](cache_dir, langs) for name in names], out, dev)


def write_sources(extracted: list[SourceData], out: Path, dev: DevConfig = DevConfig()) -> dict:
    """Write extracted sources into the data root ``out`` (test sides first, then train/dev filtered against every
    held-out string), their attributions and the manifest; returns :func:`build`'s summary."""
    summary: dict[str, dict[str, dict[str, int]]] = {}
    for data in extracted:
        folder = out / "bitext" / data.name
        if data.pairs:
            folder.mkdir(parents=True, exist_ok=True)
            _clear(folder, "*.tsv.gz")
        if data.name == "udhr" and (out / "udhr").exists():
            _clear(out / "udhr", "*.jsonl")
        for rel, text in data.files.items():
            write_text_atomic(out / rel, text)
        write_text_atomic(out / data.license_path, data.license_text)
        files = summary.setdefault(data.name, {"files": {}, "dropped_leaking": {}})["files"]
        files.update({rel: text.count("\n") for rel, text in data.files.items()})
        for lang, splits in sorted(data.pairs.items()):
            if "test" in splits:
                path = folder / f"{lang}.test.tsv.gz"
                write_pairs(path, dedupe(splits["test"]))
                files[path.relative_to(out).as_posix()] = _count_lines(path)

    heldout = heldout_texts([out, DATA_DIR])
    for data in extracted:
        folder = out / "bitext" / data.name
        for lang, splits in sorted(data.pairs.items()):
            train = dedupe(splits.get("train", []))
            kept = [pair for pair in train if not leaking(pair, heldout)]
            summary[data.name]["dropped_leaking"][lang] = len(train) - len(kept)
            parts = dict(zip(("train", "dev"), split_dev(kept, dev))) if data.carve_dev else {"train": kept}
            for split, pairs in parts.items():
                path = folder / f"{lang}.{split}.tsv.gz"
                write_pairs(path, pairs)
                summary[data.name]["files"][path.relative_to(out).as_posix()] = len(pairs)
    write_manifest(out, {data.name: data.packages for data in extracted if data.packages})
    return summary
