"""The identifier the explorer serves: the n-gram model for the languages it was trained on, CLD3 for the rest.

The n-gram model (:mod:`engine.langid._ngram`) is the most accurate on our languages (``reports/benchmarks/
langid.md``) but can only answer one of them; CLD3 knows ~100 others. Rule: take CLD3's answer only when it names,
with probability ≥ ``cld3_threshold``, a language the n-gram model does not know (e.g. Southern Sotho), *and* the
n-gram model is itself unsure (its probability < ``ngram_threshold``); otherwise the n-gram model's. The second
condition keeps CLD3's confident mistakes on our languages out (tone-marked Yoruba is "Vietnamese" to CLD3 at
p ≈ 1, but the n-gram model is sure of Yoruba), at the price of texts the n-gram model confidently forces onto a
shipped neighbour (a long Afrikaans sentence reads as English at p = 0.999). Accuracy on our languages:
``python benchmarks/bench_langid.py --detectors cld3,ngram,served`` (``reports/benchmarks/langid-served.md``).
"""

from __future__ import annotations

from engine.langid._base import Identification, Identifier, has_letters, register_identifier


@register_identifier("served")
class ServedIdentifier(Identifier):
    def __init__(self, cld3_threshold: float = 0.9, ngram_threshold: float = 0.99):
        from engine.langid._cld3 import Cld3Identifier
        from engine.langid._ngram import NgramIdentifier

        self.ngram, self.cld3 = NgramIdentifier(), Cld3Identifier()
        self.cld3_threshold, self.ngram_threshold = cld3_threshold, ngram_threshold

    @property
    def languages(self) -> frozenset[str]:
        return self.ngram.languages | self.cld3.languages

    def identify(self, text: str) -> Identification:
        if not text or not has_letters(text):
            return None, 0.0
        found = self.ngram.identify(text)
        if found[0] is not None and found[1] >= self.ngram_threshold:
            return found
        code, p = self.cld3.identify(text)
        if code is not None and code not in self.ngram.languages and p >= self.cld3_threshold:
            return code, p
        return found

    def _identify(self, text: str) -> tuple[str | None, float]:  # identify() is overridden whole
        raise NotImplementedError
