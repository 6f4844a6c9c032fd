"""First start on ONNX: export the OT student in a second process while this one exports the base model.

On an empty cache both models are converted to ONNX before the first answer (the base for documents and its own
queries, the student for the default model's queries); each conversion is single-threaded numpy and protobuf work,
so on a machine with two cores doing them at once roughly halves that part of the first start. The second process
only calls :func:`engine.onnx_export.ensure_exported`, which writes the export atomically; the app waits for it
before loading the student, and exports the student itself if that process failed. Run as
``python -m explorer.prepare STUDENT_DIR``.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

log = logging.getLogger("explorer")


def needs_export(source: str | Path) -> bool:
    """True when ``source`` (a student directory) has no ONNX export in the cache yet (cheap: no model is loaded)."""
    from engine.artifacts import is_export_dir, resolve_model
    from engine.onnx_export import default_onnx_cache

    return not is_export_dir(default_onnx_cache() / resolve_model(source).fingerprint)


def start_student_export(source: str | Path) -> subprocess.Popen | None:
    """Start exporting the student ``source`` in another process; None when its export already exists.

    Call it after the base model is resolved (built on first use): both processes read its weights."""
    from engine.errors import UserError

    try:
        if not needs_export(source):
            return None
    except (UserError, OSError) as exc:  # the registry reports a bad student when it loads it
        log.warning("no parallel export of the student: %s", exc)
        return None
    log.info("exporting the OT student to ONNX in a second process")
    return subprocess.Popen([sys.executable, "-m", "explorer.prepare", str(source)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen | None) -> None:
    """Wait for :func:`start_student_export`'s process; a failure is logged (the app then exports in-process)."""
    if proc is None:
        return
    _, err = proc.communicate()
    if proc.returncode:
        log.warning("the student's parallel export failed (%s); exporting it here", (err or "").strip()[-300:])


def main(argv=None) -> int:
    from engine.errors import UserError
    from engine.onnx_export import ensure_exported

    args = sys.argv[1:] if argv is None else argv
    try:
        ensure_exported(args[0], progress=False)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
