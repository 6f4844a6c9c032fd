"""The language registry: the shipped languages keep their records; any other valid ISO 639-1, ISO 639-3 or BCP-47
code resolves through langcodes (reduced to its language); anything else is one clear error."""

import pytest

from engine.errors import UserError
from engine.languages import (
    LANGUAGES,
    get_language,
    is_shipped,
    normalize_code,
    parse_langs,
)


def test_shipped_languages_keep_their_records_and_aliases():
    assert len(LANGUAGES) == 19 and all(is_shipped(lang.code) for lang in LANGUAGES)
    assert get_language("nya_chechewa") is get_language("ny") is get_language("NYA")
    assert get_language("gaz").code == "om" and get_language("hau_NG").udhr == "hau_NG"
    assert get_language("sw-KE") is get_language("sw")  # a region does not make another language


@pytest.mark.parametrize("code, canonical, iso3, name", [
    ("tn", "tn", "tsn", "Tswana"), ("tsn", "tn", "tsn", "Tswana"), ("kik", "ki", "kik", "Kikuyu"),
    ("nso", "nso", "nso", "Northern Sotho"), ("pt-BR", "pt", "por", "Portuguese"), ("EE", "ee", "ewe", "Ewe"),
])
def test_any_valid_code_resolves(code, canonical, iso3, name):
    lang = get_language(code)
    assert (lang.code, lang.iso3, lang.name) == (canonical, iso3, name) and lang.udhr is None
    assert not is_shipped(code) and normalize_code(code) == canonical


def test_parse_langs_takes_any_code_and_drops_repeats():
    assert parse_langs("tn,tsn, kik,nya,ny") == ["tn", "ki", "ny"]


@pytest.mark.parametrize("bad", ["zz", "xx-YY", "und", "", "hello world", "12"])
def test_invalid_codes_are_one_clear_error(bad):
    with pytest.raises(UserError, match="unknown language code .*ISO 639-1, ISO 639-3 or BCP-47"):
        get_language(bad)
