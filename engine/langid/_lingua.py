"""Lingua (``lingua-language-detector``): per-language character 1–5-gram models plus rules, 75 languages.

Of the shipped languages it knows English, Swahili, Somali, Yoruba, Tagalog, Marathi, Zulu, Xhosa, Shona and Ganda;
Amharic, Hausa, Igbo, Chichewa, Kinyarwanda, Oromo, Tigrinya, Lingala and Wolof come back as something else.
Its models load lazily, per language, on first use: from all 75 languages about 0.9 GB of memory and ~6 s for the
first call on these machines; ``lingua-served`` keeps only the languages we serve and their usual confusers.
"""

from __future__ import annotations

from engine.errors import UserError
from engine.langid._base import Identifier, normalize_label, register_identifier

# Languages that text in a shipped language is most often taken for (Bantu neighbours, Latin-script Austronesian,
# Devanagari, the big European languages of borrowed words).
CONFUSERS = ("st", "tn", "ts", "af", "id", "ms", "mi", "vi", "hi", "fr", "pt", "es", "it", "de", "nl", "la", "ar")


class LinguaIdentifier(Identifier):
    """``lingua.LanguageDetector`` built from ``languages`` (ISO 639-1 codes; all 75 when ``None``); the
    probability is its top relative confidence value."""

    def __init__(self, languages: tuple[str, ...] | None = None):
        try:
            from lingua import Language, LanguageDetectorBuilder
        except ImportError:
            raise UserError("the lingua identifier needs the lingua package: "
                            "pip install 'lingua-language-detector==2.1.1'") from None

        if languages is None:
            builder = LanguageDetectorBuilder.from_all_languages()
        else:
            known = {lang.iso_code_639_1.name.lower(): lang for lang in Language.all()}
            languages = tuple(code for code in languages if code in known)  # lingua cannot name the others
            builder = LanguageDetectorBuilder.from_languages(*(known[code] for code in languages))
        self._detector = builder.build()
        self._labels = languages

    @property
    def languages(self) -> frozenset[str]:
        from lingua import Language

        labels = self._labels or [lang.iso_code_639_1.name.lower() for lang in Language.all()]
        return frozenset(filter(None, map(normalize_label, labels)))

    def _identify(self, text: str) -> tuple[str | None, float]:
        values = self._detector.compute_language_confidence_values(text)
        if not values or values[0].value <= 0:  # lingua could not decide (no known letters)
            return None, 0.0
        return values[0].language.iso_code_639_1.name.lower(), values[0].value


@register_identifier("lingua")
class LinguaAll(LinguaIdentifier):
    """Lingua over all its 75 languages."""

    def __init__(self):
        super().__init__(None)


@register_identifier("lingua-served")
class LinguaServed(LinguaIdentifier):
    """Lingua over the shipped languages it knows plus :data:`CONFUSERS`: a fraction of the memory of ``lingua``."""

    def __init__(self):
        from engine.languages import LANGUAGES

        super().__init__(tuple(lang.code for lang in LANGUAGES) + CONFUSERS)
