"""Fetch the Debian and npm packages some builders read, into a cache folder, and open them without extracting.

Only the ordinary clients are used (``apt-get download``, ``npm pack``); an archive already in the cache is reused,
so a cached ``.deb``/``.tgz`` pins the exact bytes a build reads.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from pathlib import Path
from urllib.parse import unquote

from engine.errors import UserError

DEFAULT_CACHE_DIR = Path("~/.cache/optical-clir/downloads").expanduser()


def _run(cmd: list[str], cwd: Path, what: str) -> None:
    if shutil.which(cmd[0]) is None:
        raise UserError(f"cannot download {what}: '{cmd[0]}' is not installed; put the file into {cwd} by hand and rerun")
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise UserError(
            f"cannot download {what}: `{' '.join(cmd)}` failed ({tail[0]}); "
            f"check the network or put the file into {cwd} by hand and rerun"
        )


def fetch_deb(package: str, cache_dir: Path) -> Path:
    """Path of ``<package>_*.deb`` in ``cache_dir``, running ``apt-get download`` when it is missing."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    found = sorted(cache_dir.glob(f"{package}_*.deb"))
    if not found:
        _run(["apt-get", "download", package], cache_dir, f"Debian package {package}")
        found = sorted(cache_dir.glob(f"{package}_*.deb"))
    if not found:
        raise UserError(f"cannot find {package}_*.deb in {cache_dir} after apt-get download; download it by hand and rerun")
    return found[-1]


def deb_version(deb: Path) -> str:
    """The package version encoded in a ``name_version_arch.deb`` file name (``%3a`` decoded to ``:``)."""
    parts = deb.name[: -len(".deb")].split("_")
    return unquote(parts[1]) if len(parts) >= 3 else "unknown"


def fetch_npm(package: str, version: str, cache_dir: Path) -> Path:
    """Path of ``<package>-<version>.tgz`` in ``cache_dir``, running ``npm pack`` when it is missing."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    tgz = cache_dir / f"{package}-{version}.tgz"
    if not tgz.exists():
        _run(["npm", "pack", f"{package}@{version}"], cache_dir, f"npm package {package}@{version}")
    if not tgz.exists():
        raise UserError(f"cannot find {tgz} after npm pack; download it by hand and rerun")
    return tgz


def deb_data_tar(deb: Path) -> tarfile.TarFile:
    """Open the ``data.tar.*`` member of a ``.deb`` (an ``ar`` archive) as a tar file, in memory."""
    raw = deb.read_bytes()
    if not raw.startswith(b"!<arch>\n"):
        raise UserError(f"{deb} is not a Debian package (no ar header); delete it and rerun")
    pos = 8
    while pos + 60 <= len(raw):
        header = raw[pos : pos + 60]
        name = header[:16].decode("ascii").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        body = raw[pos + 60 : pos + 60 + size]
        if name.startswith("data.tar"):
            try:
                return tarfile.open(fileobj=io.BytesIO(body), mode="r:*")
            except tarfile.TarError as exc:
                raise UserError(f"cannot read {name} inside {deb}: {exc}") from exc
        pos += 60 + size + (size % 2)
    raise UserError(f"{deb} has no data.tar member; delete it and rerun")
