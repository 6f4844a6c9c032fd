"""The app's model registry: the only models the browser can choose, by key, and the one place the backend is set.

The browser sends a key (``"base"`` or ``"student"``), never a path. The registry maps keys to specs given at start
(the CLI, tests), loads each model once, lazily and thread-safely, and hands out the query encoder for a language and
the document encoder (always the frozen base: every student shares the teacher's document index).

Backends (:mod:`engine.serving`): ``"onnx"`` (the default) serves without torch — int8 query encoders, the base
model's fp32 export for documents, exports made on first use into the cache by
:func:`engine.onnx_export.ensure_exported`; ``"torch"`` loads through :func:`engine.encoders.load_encoder`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from engine.encoders.common import document_encoder, query_encoder
from engine.errors import UserError

BASE, STUDENT = "base", "student"
STUDENT_MISSING = "student not available"


@dataclass(frozen=True)
class ModelSpec:
    key: str
    label: str
    source: str  # what the loader is given: a model alias or a directory


class ModelRegistry:
    """Key → model, loaded on first use. ``loader(source, base)`` may be injected (tests use the tiny model)."""

    def __init__(self, base: ModelSpec, student: ModelSpec | None = None, backend: str = "onnx", loader=None,
                 threads: int | None = None, defer_int8: bool = False):
        self.specs = {BASE: base}
        if student is not None:
            self.specs[STUDENT] = student
        self.backend = backend
        if loader is None:
            from engine.backends import load_serving_model

            def loader(source, base=None):
                return load_serving_model(source, backend, base=base, threads=threads, defer_int8=defer_int8)
        self._loader = loader
        self._loaded: dict[str, object] = {}
        self._errors: dict[str, str] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ what can be chosen
    def student_status(self) -> str:
        """``"ready"``, or why the student cannot be used."""
        if STUDENT not in self.specs:
            return f"{STUDENT_MISSING} (the app was started with --no-student or no student export exists)"
        return self._errors.get(STUDENT, "ready")

    def student_languages(self) -> list[str]:
        """The languages the student was trained on (its card), without loading it."""
        if STUDENT not in self.specs:
            return []
        from engine.artifacts import is_student_dir, read_student_card

        source = Path(self.specs[STUDENT].source)
        return list(read_student_card(source).langs) if is_student_dir(source) else []

    def choices(self) -> list[tuple[str, str]]:
        return [(spec.label, key) for key, spec in self.specs.items() if key not in self._errors]

    def has_student(self) -> bool:
        return STUDENT in self.specs and STUDENT not in self._errors

    # ------------------------------------------------------------------ loading
    def get(self, key: str):
        if key not in self.specs:
            if key == STUDENT:
                raise UserError(f"{STUDENT_MISSING}: showing the base model only")
            raise UserError(f"unknown model {key!r}; choose one of {', '.join(self.specs)}")
        if key in self._errors:
            raise UserError(f"{STUDENT_MISSING}: {self._errors[key]}")
        with self._lock:
            if BASE not in self._loaded:
                self._loaded[BASE] = self._loader(self.specs[BASE].source)
            if key not in self._loaded:
                try:
                    self._loaded[key] = self._loader(self.specs[key].source, self._loaded[BASE])
                except UserError as exc:
                    self._errors[key] = str(exc)
                    raise UserError(f"{STUDENT_MISSING}: {exc}") from None
            return self._loaded[key]

    def reload(self) -> None:
        """Load the loaded models again (the app's first start does, once int8 has been made and checked in the
        background: each then serves what this CPU's cached verdict says). Queries keep the old models until the
        new ones are in."""
        fresh: dict[str, object] = {}
        keys = [k for k in (BASE, *self.specs) if k in self._loaded]
        for key in dict.fromkeys(keys):
            fresh[key] = self._loader(self.specs[key].source, None if key == BASE else fresh[BASE])
        with self._lock:
            self._loaded.update(fresh)

    def loaded_models(self) -> list:
        with self._lock:
            return list(self._loaded.values())

    def sources(self) -> list[str]:
        """The loaded models' sources, the base first (what :func:`engine.serving.prepare_int8` takes)."""
        return [self.specs[k].source for k in dict.fromkeys((BASE, *self.specs)) if k in self._loaded]

    def precision_summary(self) -> str:
        """What serves the loaded models' queries, e.g. ``base: fp32 queries (int8 failed this CPU's parity check)``
        (empty on the torch backend, or before anything is loaded)."""
        notes = []
        for key, model in list(self._loaded.items()):
            precision = getattr(model, "query_precision", None)
            if precision is not None:
                notes.append(f"{key}: {precision.summary}")
        return "; ".join(notes)

    def document_encoder(self):
        """The frozen base that encodes documents (on ONNX: its fp32 export)."""
        return document_encoder(self.get(BASE))

    def query_encoder(self, key: str, lang: str | None):
        """The encoder for queries in ``lang``: a student routes fallback languages to the base model."""
        return query_encoder(self.get(key), lang)

    def search_model(self, key: str):
        """The object handed to :func:`engine.search.search` (a student keeps its own routing)."""
        return self.get(key)


def default_registry(student_dir: str | Path | None, backend: str = "onnx", threads: int | None = None,
                     defer_int8: bool = True) -> ModelRegistry:
    """Base = the offline multilingual-e5-small; student = ``student_dir`` when it holds an export. ``defer_int8``
    (ONNX): serve fp32 queries until int8 has been made and checked on this CPU (the app's first start answers
    sooner; :mod:`explorer.prepare` does the rest in the background)."""
    from engine.artifacts import DEFAULT_MODEL, is_student_dir

    base = ModelSpec(BASE, f"base ({DEFAULT_MODEL})", DEFAULT_MODEL)
    student = None
    if student_dir is not None and is_student_dir(Path(student_dir)):
        student = ModelSpec(STUDENT, f"OT student ({Path(student_dir).name})", str(student_dir))
    return ModelRegistry(base, student, backend=backend, threads=threads, defer_int8=defer_int8)
