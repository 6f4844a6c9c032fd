"""The identifier the explorer serves: the n-gram model for the languages it was trained on, CLD3 for the rest.

The n-gram model (:mod:`engine.langid._ngram`) is the most accurate on our languages (``reports/benchmarks/
langid.md``) but can only answer one of them; CLD3 knows ~100 others. Rules, in order:

1. CLD3 names, with probability ≥ ``cld3_threshold``, a language the n-gram model knows only *thinly* (fewer than
   ``thin_ngrams`` training n-grams: the languages whose only packaged text is a CLDR lexicon — Swahili, Somali,
   Hausa, Igbo, Tagalog, Shona, Yoruba — against 340 k–970 k n-grams of running text for the others), and the
   n-gram model gives that language at least ``thin_support`` of its posterior: CLD3's answer. CLD3 was trained on
   running text in that language, the n-gram model on a word list, which lets a short Swahili query read as
   Chichewa at p ≈ 1. The support condition keeps out CLD3's confident labels for text in languages it cannot name
   (Oromo read as Somali, Kinyarwanda as Swahili), where the n-gram model rules the named language out. The thin
   set comes from the training data's size; ``thin_support = 1e-3`` was chosen on the benchmark below (1e-6 … 1e-2
   tried: queries 0.80–0.83, sentences 0.89–0.90).
2. The n-gram model is sure (probability ≥ ``ngram_threshold``): its answer. This keeps CLD3's confident mistakes
   on our languages out (tone-marked Yoruba is "Vietnamese" to CLD3 at p ≈ 1).
3. CLD3 names, with probability ≥ ``cld3_threshold``, a language the n-gram model does not know (e.g. Southern
   Sotho): CLD3's answer; otherwise the n-gram model's — at the price of texts it forces onto a shipped neighbour
   (a long Afrikaans sentence reads as English at p = 0.999).

Accuracy on our languages: ``python benchmarks/bench_langid.py --detectors cld3,ngram,served``
(``reports/benchmarks/langid-served.md``).
"""

from __future__ import annotations

from engine.langid._base import Identification, Identifier, has_letters, register_identifier


@register_identifier("served")
class ServedIdentifier(Identifier):
    def __init__(self, cld3_threshold: float = 0.9, ngram_threshold: float = 0.99, thin_ngrams: int = 100_000,
                 thin_support: float = 1e-3):
        from engine.langid._cld3 import Cld3Identifier
        from engine.langid._ngram import NgramIdentifier

        self.ngram, self.cld3 = NgramIdentifier(), Cld3Identifier()
        self.cld3_threshold, self.ngram_threshold, self.thin_support = cld3_threshold, ngram_threshold, thin_support
        trained = self.ngram.model.counts.sum(axis=0)
        self.thin = frozenset(lang for lang, n in zip(self.ngram.model.languages, trained.tolist())
                              if n < thin_ngrams) & self.cld3.languages

    @property
    def languages(self) -> frozenset[str]:
        return self.ngram.languages | self.cld3.languages

    def identify(self, text: str) -> Identification:
        if not text or not has_letters(text):
            return None, 0.0
        found = self.ngram.identify(text)
        code, p = self.cld3.identify(text)
        if code in self.thin and p >= self.cld3_threshold and self._support(text, code) >= self.thin_support:
            return code, p
        if found[0] is not None and found[1] >= self.ngram_threshold:
            return found
        if code is not None and code not in self.ngram.languages and p >= self.cld3_threshold:
            return code, p
        return found

    def _support(self, text: str, code: str) -> float:
        posterior = self.ngram.model.posterior(text)
        return 0.0 if posterior is None else float(posterior[self.ngram.model.languages.index(code)])

    def _identify(self, text: str) -> tuple[str | None, float]:  # identify() is overridden whole
        raise NotImplementedError
