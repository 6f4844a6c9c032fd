"""The cards that say what an artifact is: a student's ``student.json`` and an ONNX export's ``card.json``. Read,
validated and written here only."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from engine.artifacts.names import EXPORT_CARD_FILE, STUDENT_FILE, VARIANT_FILES
from engine.errors import UserError

EXPORT_KIND = "optical-clir onnx export"
EXPORT_FORMAT = 1


@dataclass
class StudentCard:
    """How a student was made: base model and its fingerprint, what was trained (``train.mode``: ``full``,
    ``top:N`` or ``lora``), languages, loss, the languages routed back to the base, dev scores, training config."""

    base: str
    base_fingerprint: str
    train: dict
    langs: list[str]
    loss: str
    fallback_langs: list[str] = field(default_factory=list)
    dev: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    format: int = 1


def is_student_dir(path: Path) -> bool:
    return (Path(path) / STUDENT_FILE).is_file()


def read_student_card(student_dir: Path) -> StudentCard:
    """A student's ``student.json``, validated, or a one-line :class:`UserError`."""
    path = Path(student_dir) / STUDENT_FILE
    try:
        card = StudentCard(**json.loads(path.read_text(encoding="utf-8")))
        if not (isinstance(card.base, str) and card.base_fingerprint and card.train["mode"]):
            raise ValueError("no base, base_fingerprint or train.mode")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(f"{path}: not a valid student card ({exc})") from None
    return card


def write_student_card(card: StudentCard, student_dir: Path) -> None:
    from engine.fileio import write_text_atomic

    write_text_atomic(Path(student_dir) / STUDENT_FILE,
                      json.dumps(asdict(card), indent=2, ensure_ascii=False) + "\n")


def is_export_dir(path: Path) -> bool:
    return (Path(path) / EXPORT_CARD_FILE).is_file() and (Path(path) / VARIANT_FILES["fp32"]).is_file()


def read_export_card(export_dir: Path) -> dict:
    """An export's ``card.json`` (see :mod:`engine.onnx_export`), or a one-line :class:`UserError`."""
    path = Path(export_dir) / EXPORT_CARD_FILE
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{export_dir}: no {EXPORT_CARD_FILE}; not an ONNX export (make one with python -m engine "
                        f"export)") from None
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: unreadable export card ({exc}); re-export the model") from None
    if not isinstance(card, dict) or card.get("kind") != EXPORT_KIND:
        raise UserError(f"{path}: not an optical-clir ONNX export card")
    if int(card.get("format", 0)) > EXPORT_FORMAT:
        raise UserError(f"{path}: export format {card.get('format')} is newer than this version understands")
    return card


def verify_export(export_dir: Path, full: bool = True) -> dict:
    """Check every file the card lists: size, and with ``full`` the sha256. Returns the card."""
    from engine.fileio import sha256_file

    export_dir = Path(export_dir)
    card = read_export_card(export_dir)
    for name, info in card["files"].items():
        path = export_dir / name
        if not path.is_file():
            raise UserError(f"{export_dir}: {name} is missing; re-export the model")
        if path.stat().st_size != info["bytes"] or (full and sha256_file(path) != info["sha256"]):
            raise UserError(f"{path}: does not match its sha256 in {EXPORT_CARD_FILE} (damaged); re-export the model")
    return card
