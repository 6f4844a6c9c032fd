"""Query checks and language detection."""

import pytest

from engine.errors import UserError
from explorer.language import (
    AUTO,
    check_query,
    check_script,
    detect,
    language_choices,
    resolve_language,
)


@pytest.mark.parametrize("text, message", [
    ("", "type a query"), ("   ", "type a query"), (None, "type a query"),
    ("x" * 10_000, "10,000 characters"), ("😀🎉👍", "no letters"), ("?!…", "no letters"),
])
def test_bad_queries_get_readable_messages(text, message):
    with pytest.raises(UserError, match=message):
        check_query(text)


def test_unknown_script_is_refused(tiny_encoder):
    with pytest.raises(UserError, match="does not know this script"):
        check_script(tiny_encoder.tokenizer, "ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ ᎠᏂᏴᏫᏯ")
    check_script(tiny_encoder.tokenizer, "Binadamu wote wamezaliwa huru")


def test_detection_maps_to_the_registry():
    assert detect("Binadamu wote wamezaliwa huru na sawa kwa heshima na haki").code == "sw"
    assert detect("ሁሉም የሰው ልጆች ሲወለዱ ነጻና በክብርና በመብትም እኩልነት ያላቸው ናቸው").code == "am"
    french = detect("Ceci est une phrase en français, bien sûr")  # any language resolves, shipped or not
    assert french.code == "fr" and "outside the shipped languages — the student answers it" in french.describe()
    from explorer.language import Detection

    assert "language not detected" in Detection(None, 0.1, False).describe()


def test_user_choice_overrides_detection():
    lang, note = resolve_language("Ọmọnìyàn ni a bí ní òmìnira", "yor")
    assert lang == "yo" and "set by you" in note
    assert resolve_language("Mtu ana haki", AUTO)[0] == "sw"
    assert ("Kinyarwanda (rw)", "rw") in language_choices()
    grown = language_choices(["tsn", "rw"])  # a student's languages outside the shipped set are offered too
    assert grown[-1] == ("Tswana (tn)", "tn") and len(grown) == len(language_choices()) + 1
