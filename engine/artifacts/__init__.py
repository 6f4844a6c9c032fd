"""Model artifacts, in one torch-free place: what a spec names (:func:`resolve_model` → :class:`ModelRef`), the file
names, the student and export cards, and fingerprints. Everything that loads, exports or serves a model starts here.
"""

from engine.artifacts.cards import (
    EXPORT_FORMAT,
    EXPORT_KIND,
    StudentCard,
    is_export_dir,
    is_student_dir,
    read_export_card,
    read_student_card,
    verify_export,
    write_student_card,
)
from engine.artifacts.fingerprints import (
    fingerprint_files,
    model_dir_fingerprint,
    student_fingerprint,
)
from engine.artifacts.names import (
    DEFAULT_ALIASES,
    DEFAULT_MODEL,
    DELTA_FILE,
    EXPORT_CARD_FILE,
    STUDENT_FILE,
    VARIANT_FILES,
)
from engine.artifacts.reference import (
    ModelRef,
    is_default,
    is_model_dir,
    resolve_model,
    resolve_model_dir,
)

__all__ = ["DEFAULT_ALIASES", "DEFAULT_MODEL", "DELTA_FILE", "EXPORT_CARD_FILE", "EXPORT_FORMAT", "EXPORT_KIND",
           "STUDENT_FILE", "VARIANT_FILES", "ModelRef", "StudentCard", "fingerprint_files", "is_default",
           "is_export_dir", "is_model_dir", "is_student_dir", "model_dir_fingerprint", "read_export_card",
           "read_student_card", "resolve_model", "resolve_model_dir", "student_fingerprint", "verify_export",
           "write_student_card"]
