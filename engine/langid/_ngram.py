r"""A character n-gram naive-Bayes language identifier trained on the train splits of our bitext.

Features: the text is NFC-normalised and casefolded; everything but letters and combining marks (so Yoruba tone
marks and Devanagari vowel signs stay) becomes a word break; each word is padded with a space on both sides and
cut into its character n-grams, :math:`n = 1..4` (``" ọmọ "`` → ``ọ``, ``" ọ"``, ``"ọm"``, ..., ``"ọmọ "``).
The vocabulary is the union over languages of each language's ``features_per_language`` most frequent n-grams.

Model: multinomial naive Bayes with a uniform prior over the languages. With :math:`c_{g,\ell}` the count of n-gram
:math:`g` in language :math:`\ell`'s training text, :math:`N_\ell = \sum_g c_{g,\ell}` and :math:`b_g` the
n-gram's share of all languages' counts together (the background), each language's n-gram distribution is
Dirichlet-smoothed towards the background,

.. math::
    p(g \mid \ell) = \frac{c_{g,\ell} + \mu\, b_g}{N_\ell + \mu},

so a language with little text (the CLDR lexicons: 2–11 k characters) sits near the background instead of giving
every n-gram it never saw a large share (what add-α does to a small class). A text with n-gram counts
:math:`x_g` scores :math:`s_\ell = \sum_g x_g \log p(g \mid \ell)`; the probability reported is
:math:`\operatorname{softmax}_\ell(s_\ell / T)`, the temperature :math:`T` fitted once on lines held out of the
train split (:class:`NgramConfig`). Out-of-vocabulary n-grams are ignored; a text with none in the vocabulary
gets no answer.

Training is deterministic (sorted vocabulary, hash-ordered lines, integer counts). The trained model is saved as
``ngram_model.npz`` (vocabulary, counts, config) with ``ngram_model.json`` beside it (the config and the sha256 of
every training file).

Cavnar & Trenkle, *N-Gram-Based Text Categorization* (1994); Lui & Baldwin, *langid.py* (ACL 2012) for naive Bayes
over byte n-grams; Zhai & Lafferty (SIGIR 2001) for Dirichlet smoothing.
"""

from __future__ import annotations

import io
import json
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from engine.fileio import sha256_file, write_bytes_atomic, write_text_atomic
from engine.langid._base import Identifier, register_identifier
from engine.langid._corpus import (
    TrainingCorpus,
    source_key,
    training_corpus,
    training_files,
)
from engine.languages import LANGUAGES

MODEL_FILE = "ngram_model.npz"
CARD_FILE = "ngram_model.json"
SHIPPED_MODEL = Path(__file__).resolve().parent / MODEL_FILE
MODEL_FORMAT = 1


@dataclass(frozen=True)
class NgramConfig:
    """How the n-gram model is trained; saved with it (``config`` in the npz and the card)."""

    languages: tuple[str, ...] = field(default_factory=lambda: tuple(lang.code for lang in LANGUAGES))
    min_n: int = 1
    max_n: int = 4
    features_per_language: int = 3000  # each language's most frequent n-grams join the vocabulary
    max_chars_per_language: int = 300_000  # of training text; Chichewa's Bible and English are capped here
    dirichlet_mu: float = 2000.0  # pseudo-counts of background n-grams added to every language
    # reported probability = softmax(log-likelihood / T); T minimised the log-loss on 10 % of the train lines held
    # out of a model trained on the rest (lines and 3–5-word windows of them)
    temperature: float = 10.0
    salt: str = "langid:"  # orders the lines that a capped language keeps

    @classmethod
    def from_dict(cls, data: dict) -> NgramConfig:
        data = dict(data)
        data["languages"] = tuple(data["languages"])
        return cls(**data)


def words(text: str) -> list[str]:
    """Lower-cased words: runs of letters and combining marks (NFC)."""
    text = unicodedata.normalize("NFC", text).casefold()
    kept = [ch if unicodedata.category(ch)[0] in "LM" else " " for ch in text]
    return "".join(kept).split()


def ngrams(text: str, min_n: int = 1, max_n: int = 4) -> Iterator[str]:
    """The character n-grams of each space-padded word of ``text``."""
    for word in words(text):
        padded = f" {word} "
        for n in range(min_n, max_n + 1):
            for i in range(len(padded) - n + 1):
                gram = padded[i:i + n]
                if gram != " ":
                    yield gram


def count_ngrams(lines: Iterable[str], config: NgramConfig) -> Counter:
    counts: Counter = Counter()
    for line in lines:
        counts.update(ngrams(line, config.min_n, config.max_n))
    return counts


@dataclass
class NgramModel:
    """Vocabulary ``[V]``, integer counts ``[V, L]`` over ``languages`` ``[L]``, and the config that made them."""

    vocab: np.ndarray
    counts: np.ndarray
    languages: tuple[str, ...]
    config: NgramConfig
    provenance: dict = field(default_factory=dict)

    def __post_init__(self):
        self._index = {gram: i for i, gram in enumerate(self.vocab.tolist())}
        counts = self.counts.astype(np.float64)
        background = counts.sum(axis=1) / counts.sum()
        mu = self.config.dirichlet_mu
        self.log_prob = np.log((counts + mu * background[:, None]) / (counts.sum(axis=0) + mu)).astype(np.float32)

    def scores(self, text: str) -> tuple[np.ndarray, int]:
        """Per-language log-likelihood of the text's in-vocabulary n-grams, and how many there were."""
        hits = Counter(self._index[g] for g in ngrams(text, self.config.min_n, self.config.max_n) if g in self._index)
        if not hits:
            return np.zeros(len(self.languages), dtype=np.float32), 0
        rows = np.fromiter(hits.keys(), dtype=np.int64, count=len(hits))
        weights = np.fromiter(hits.values(), dtype=np.float32, count=len(hits))
        return weights @ self.log_prob[rows], int(weights.sum())

    def posterior(self, text: str) -> np.ndarray | None:
        """``softmax(scores / T)`` over :attr:`languages`, or ``None`` when no n-gram is in the vocabulary."""
        scores, hits = self.scores(text)
        if not hits:
            return None
        z = scores.astype(np.float64) / self.config.temperature
        z = np.exp(z - z.max())
        return z / z.sum()

    def save(self, path: Path) -> None:
        """``path`` (npz) and the card beside it (``ngram_model.json``: config and training provenance)."""
        config_json = json.dumps(asdict(self.config), sort_keys=True)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, vocab=self.vocab, counts=self.counts, languages=np.array(self.languages),
                            config=np.array(config_json), format=np.array(MODEL_FORMAT))
        write_bytes_atomic(Path(path), buffer.getvalue())
        card = {"format": MODEL_FORMAT, "kind": "optical-clir character n-gram naive Bayes",
                "model": Path(path).name, "config": asdict(self.config), "vocabulary": len(self.vocab),
                **self.provenance}
        write_text_atomic(Path(path).with_name(CARD_FILE), json.dumps(card, indent=1, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path: Path) -> NgramModel:
        with np.load(path, allow_pickle=False) as data:
            config = NgramConfig.from_dict(json.loads(str(data["config"])))
            return cls(vocab=data["vocab"], counts=data["counts"], languages=tuple(data["languages"].tolist()),
                       config=config)


def train_ngram_model(config: NgramConfig = NgramConfig(), data_dir: Path | None = None,
                      corpus: TrainingCorpus | None = None) -> NgramModel:
    """Count n-grams in the train splits (:func:`engine.langid._corpus.training_corpus`) and keep each language's
    ``features_per_language`` most frequent ones (ties broken alphabetically)."""
    from engine.data.build import DATA_DIR

    root = data_dir or DATA_DIR
    corpus = corpus or training_corpus(config.languages, config.max_chars_per_language, config.salt, root)
    per_language = {lang: count_ngrams(corpus.texts.get(lang, ()), config) for lang in config.languages}
    vocab: set[str] = set()
    for counts in per_language.values():
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        vocab.update(gram for gram, _ in ranked[: config.features_per_language])
    ordered = sorted(vocab)
    matrix = np.array([[per_language[lang].get(gram, 0) for lang in config.languages] for gram in ordered],
                      dtype=np.uint32).reshape(len(ordered), len(config.languages))
    return NgramModel(vocab=np.array(ordered), counts=matrix, languages=config.languages, config=config,
                      provenance={"training": corpus.describe(root)})


def cached_model_path() -> Path:
    from engine.artifacts.offline_e5 import default_cache_dir

    return default_cache_dir() / "langid" / MODEL_FILE


def is_current(path: Path, config: NgramConfig, root: Path) -> bool:
    """Whether the model at ``path`` was trained with ``config`` on exactly the train files now under ``root``
    (same paths, same sha256: its card says which)."""
    card_path = Path(path).with_name(CARD_FILE)
    if not (Path(path).is_file() and card_path.is_file()):
        return False
    card = json.loads(card_path.read_text(encoding="utf-8"))
    if NgramConfig.from_dict(card["config"]) != config:
        return False
    files = sorted({p for paths in training_files(config.languages, root).values() for p in paths})
    recorded = {s["path"]: s["sha256"] for s in card["training"]["sources"]}
    current = {source_key(p, root): p for p in files}
    return recorded.keys() == current.keys() and all(sha256_file(current[k]) == v for k, v in recorded.items())


def load_ngram_model(config: NgramConfig = NgramConfig(), data_dir: Path | None = None) -> NgramModel:
    """The shipped model if it was trained with ``config`` on the train files now in ``data_dir`` (default: the
    shipped ``data/``); else the one in the user cache (``$OPTICAL_CLIR_CACHE/langid``) on the same terms; else a
    new one, trained now (a few seconds) and saved there."""
    from engine.data.build import DATA_DIR

    root = data_dir or DATA_DIR
    for path in (SHIPPED_MODEL, cached_model_path()):
        if is_current(path, config, root):
            return NgramModel.load(path)
    model = train_ngram_model(config, data_dir=root)
    model.save(cached_model_path())
    return model


@register_identifier("ngram")
class NgramIdentifier(Identifier):
    """Naive Bayes over character 1–4-grams, trained on our train splits for the 19 shipped languages."""

    def __init__(self, model: NgramModel | None = None):
        self.model = model or load_ngram_model()

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(self.model.languages)

    def _identify(self, text: str) -> tuple[str | None, float]:
        posterior = self.model.posterior(text)
        if posterior is None:
            return None, 0.0
        best = int(np.argmax(posterior))
        return self.model.languages[best], float(posterior[best])
