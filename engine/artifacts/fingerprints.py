"""Fingerprints: short content hashes that key indexes, embedding caches and exports to the exact weights."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Sequence

from engine.artifacts.names import DELTA_FILE, FINGERPRINT_SIDECAR


def fingerprint_files(paths: Sequence[Path], extra: dict | None = None) -> str:
    """A short content hash of weight files (+ settings): the key for embedding caches and indexes."""
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode())
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 22), b""):
                h.update(chunk)
    if extra:
        h.update(json.dumps(extra, sort_keys=True).encode())
    return h.hexdigest()[:16]


def model_dir_fingerprint(model_dir: Path, extra: dict) -> str:
    """The weights hash of a model directory, cached beside it (keyed by file sizes and mtimes) so reloads stay
    fast."""
    files = sorted(Path(model_dir).glob("*.safetensors"))
    stamp = [[f.name, f.stat().st_size, f.stat().st_mtime_ns] for f in files]
    sidecar = Path(model_dir) / FINGERPRINT_SIDECAR
    try:
        cached = json.loads(sidecar.read_text())
        if cached["stamp"] == stamp and cached["extra"] == extra:
            return cached["fingerprint"]
    except (OSError, ValueError, KeyError):
        pass
    fp = fingerprint_files(files, extra)
    try:
        tmp = sidecar.with_suffix(".tmp")
        tmp.write_text(json.dumps({"stamp": stamp, "extra": extra, "fingerprint": fp}))
        os.replace(tmp, sidecar)
    except OSError:
        pass  # read-only model directory: recompute next time
    return fp


def student_fingerprint(student_dir: Path, base_fingerprint: str) -> str:
    """A student's fingerprint: its delta's hash, keyed to the base it applies to."""
    return fingerprint_files([Path(student_dir) / DELTA_FILE], {"base": base_fingerprint})
