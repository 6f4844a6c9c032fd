"""Language identification that knows our languages: one interface, three detectors, a registry.

``get_identifier(name).identify(text) -> (code | None, probability)``, the code normalised through
:func:`engine.languages.get_language` (any valid ISO code; ``None`` where the detector has no answer):

* ``cld3`` — Google's CLD3 (``gcld3``); 107 labels, no Kinyarwanda, Oromo, Tigrinya, Lingala, Wolof or Ganda;
* ``lingua`` / ``lingua-served`` — Lingua over all 75 of its languages / over ours and their usual confusers;
* ``ngram`` — character 1–4-gram naive Bayes trained on the train splits of our bitext, for the 19 shipped
  languages (:mod:`engine.langid._ngram`);
* ``served`` — the n-gram model, except where CLD3 is confident (p ≥ 0.9) of a language the n-gram model does not
  know (:mod:`engine.langid._served`).

Accuracy per language on held-out text: ``benchmarks/bench_langid.py`` → ``reports/benchmarks/langid.md``.
Torch-free: numpy and the detectors' own packages only.
"""

from engine.langid._base import (
    IDENTIFIERS,
    Identification,
    Identifier,
    get_identifier,
    normalize_label,
)
from engine.langid._cld3 import Cld3Identifier
from engine.langid._corpus import TrainingCorpus, training_corpus, training_files
from engine.langid._lingua import LinguaIdentifier
from engine.langid._ngram import (
    SHIPPED_MODEL,
    NgramConfig,
    NgramIdentifier,
    NgramModel,
    load_ngram_model,
    ngrams,
    train_ngram_model,
)
from engine.langid._served import ServedIdentifier

# Picked by macro accuracy over the shipped languages on held-out sentences and short queries
# (reports/benchmarks/langid.md, langid-served.md: served 0.903 / 0.829, ngram 0.911 / 0.778, CLD3 0.562 / 0.532).
BEST_IDENTIFIER = "served"


def best_identifier() -> Identifier:
    """The recommended identifier for queries in the languages we serve (:data:`BEST_IDENTIFIER`).

    A new one each call (the n-gram model loads in ~0.2 s): build it once and share it; ``identify`` is
    thread-safe."""
    return get_identifier(BEST_IDENTIFIER)


__all__ = ["BEST_IDENTIFIER", "IDENTIFIERS", "SHIPPED_MODEL", "Cld3Identifier", "Identification", "Identifier",
           "LinguaIdentifier", "NgramConfig", "NgramIdentifier", "NgramModel", "ServedIdentifier", "TrainingCorpus",
           "best_identifier",
           "get_identifier", "load_ngram_model", "ngrams", "normalize_label", "train_ngram_model", "training_corpus",
           "training_files"]
