"""The app's model registry: keys only, lazy loading, a readable 'student not available'."""

import pytest

from engine.errors import UserError
from explorer.models import BASE, STUDENT, ModelRegistry, ModelSpec, default_registry


def test_student_missing_is_reported(tiny_registry):
    assert not tiny_registry.has_student()
    assert "student not available" in tiny_registry.student_status()
    with pytest.raises(UserError, match="student not available"):
        tiny_registry.get(STUDENT)


def test_only_registered_keys_load(tiny_registry, tiny_encoder):
    assert tiny_registry.get(BASE) is tiny_encoder
    with pytest.raises(UserError, match="unknown model"):
        tiny_registry.get("/etc/passwd")


def test_broken_student_falls_back_with_a_message(tiny_encoder):
    def loader(source, base=None):
        if source == "broken":
            raise UserError("broken: missing delta.safetensors")
        return tiny_encoder

    reg = ModelRegistry(ModelSpec(BASE, "base", "x"), ModelSpec(STUDENT, "student", "broken"), loader=loader)
    with pytest.raises(UserError, match="student not available: broken"):
        reg.get(STUDENT)
    assert not reg.has_student() and [k for _, k in reg.choices()] == [BASE]


def test_default_registry_without_an_export(tmp_path):
    reg = default_registry(tmp_path / "no-such-student")
    assert list(reg.specs) == [BASE]


def test_student_languages_come_from_its_card_without_loading_it(tiny_registry):
    import json
    from pathlib import Path

    shipped = Path(__file__).resolve().parents[2] / "exports" / "default-student"
    reg = default_registry(shipped)
    assert reg.student_languages() == json.loads((shipped / "student.json").read_text())["langs"]
    assert not reg._loaded  # nothing was loaded to read them
    assert tiny_registry.student_languages() == []


def test_the_parallel_export_process_fails_with_a_message(tmp_path, capsys):
    from explorer.prepare import main, start_student_export

    assert main([str(tmp_path / "no-such-student")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert start_student_export(tmp_path / "no-such-student") is None  # the registry reports it when loading
