"""First start on ONNX: what can wait is done beside the app, in other processes.

* **Before the first answer**, both models are converted to ONNX (the base for documents and its own queries, the
  student for the default model's queries). Each conversion is single-threaded numpy and protobuf work, so the
  student's runs in a second process while the app exports the base: on two cores that roughly halves this part
  of the first start. Only the fp32 graphs are made here (:func:`engine.onnx_export.ensure_exported` with
  ``int8=False``, written atomically); the app waits for that process before loading the student, and exports the
  student itself if it failed. ``python -m explorer.prepare STUDENT_DIR``.
* **After it**, int8 is made for both exports and checked on this CPU (:func:`engine.serving.prepare_int8`: ~20
  CPU-seconds, and on some CPUs int8 fails the check anyway), in a process at low priority so queries keep the
  cores; the app then reloads its models, which serve what the cached verdict says. Until then queries are
  answered in fp32, the reference precision. ``python -m explorer.prepare --int8 BASE STUDENT_DIR``.
"""

from __future__ import annotations

import logging
import os
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


INT8_NICE = 10  # the int8 process's niceness: queries keep the cores


def start_int8(sources: list[str]) -> subprocess.Popen:
    """Make and check int8 for ``sources`` (the base first) in a low-priority process (module docstring)."""
    log.info("making and checking int8 query encoders in the background (fp32 answers meanwhile)")
    return subprocess.Popen([sys.executable, "-m", "explorer.prepare", "--int8", *sources], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=(lambda: os.nice(INT8_NICE)) if os.name == "posix" else None)


def finish_int8(proc: subprocess.Popen, registry) -> bool:
    """Wait for :func:`start_int8`'s process, then reload ``registry``'s models (each now serves its cached verdict).
    False, logged, when the process failed: the app goes on with fp32 queries."""
    _, err = proc.communicate()
    if proc.returncode:
        log.warning("int8 could not be prepared (%s); queries stay fp32", (err or "").strip()[-300:])
        return False
    registry.reload()
    log.info("int8 checked: %s", registry.precision_summary())
    return True


def main(argv=None) -> int:
    from engine.errors import UserError
    from engine.onnx_export import ensure_exported

    args = sys.argv[1:] if argv is None else argv
    try:
        if args[:1] == ["--int8"]:
            from engine.serving import prepare_int8

            prepare_int8(args[1:])
        else:
            ensure_exported(args[0], progress=False, int8=False)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
