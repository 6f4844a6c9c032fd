"""CLD3 (``gcld3`` from the ``cld3-py`` package): Google's compact neural language identifier, 107 labels.

It has no Kinyarwanda, Oromo, Tigrinya, Lingala, Wolof or Ganda, so those come back as some other language.
"""

from __future__ import annotations

import threading

from engine.langid._base import Identifier, normalize_label, register_identifier

# CLD3's labels (its README; ``gcld3`` does not list them): the languages it can ever answer.
CLD3_LABELS = (
    "af", "am", "ar", "bg", "bg-Latn", "bn", "bs", "ca", "ceb", "co", "cs", "cy", "da", "de", "el", "el-Latn", "en",
    "eo", "es", "et", "eu", "fa", "fi", "fil", "fr", "fy", "ga", "gd", "gl", "gu", "ha", "haw", "hi", "hi-Latn",
    "hmn", "hr", "ht", "hu", "hy", "id", "ig", "is", "it", "iw", "ja", "ja-Latn", "jv", "ka", "kk", "km", "kn", "ko",
    "ku", "ky", "la", "lb", "lo", "lt", "lv", "mg", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "ne", "nl", "no",
    "ny", "pa", "pl", "ps", "pt", "ro", "ru", "ru-Latn", "sd", "si", "sk", "sl", "sm", "sn", "so", "sq", "sr", "st",
    "su", "sv", "sw", "ta", "te", "tg", "th", "tr", "uk", "ur", "uz", "vi", "xh", "yi", "yo", "zh", "zh-Latn", "zu",
)


@register_identifier("cld3")
class Cld3Identifier(Identifier):
    """``gcld3.NNetLanguageIdentifier`` over the first ``max_bytes`` bytes; its probability as is."""

    def __init__(self, max_bytes: int = 1000):
        import gcld3

        self._detector = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=max_bytes)
        self._lock = threading.Lock()  # one detector object is not safe to share between threads

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(filter(None, map(normalize_label, CLD3_LABELS)))

    def _identify(self, text: str) -> tuple[str | None, float]:
        with self._lock:
            result = self._detector.FindLanguage(text=text)
        return result.language, result.probability
