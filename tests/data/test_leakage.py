"""No string any test suite shows may appear, on either side, in a shipped training or dev file."""

from __future__ import annotations

import json

from engine.data import DATA_DIR, normalize_key
from engine.data.bitext import load_bitext
from engine.data.leakage import heldout_texts, leaking


def _suite_texts() -> set[str]:
    texts: set[str] = set()
    suites = DATA_DIR / "suites"
    for corpus in suites.glob("**/corpus.jsonl"):  # shared corpora and per-language ones (reverse, mixed)
        texts.update(normalize_key(json.loads(line)["text"]) for line in corpus.read_text().splitlines() if line)
    for queries in suites.glob("*/*/queries.tsv"):
        texts.update(normalize_key(line.split("\t", 1)[1]) for line in queries.read_text().splitlines() if line)
    return texts


def test_no_test_text_in_training_or_dev():
    protected = heldout_texts([DATA_DIR]) | _suite_texts()
    assert len(protected) > 10_000
    training = sorted((DATA_DIR / "bitext").glob("*/*.train.tsv.gz")) + sorted((DATA_DIR / "bitext").glob("*/*.dev.tsv.gz"))
    assert training
    offenders = []
    for path in training:
        pairs, _ = load_bitext(path, dedupe=False, quiet=True)
        offenders += [(path.name, pair) for pair in pairs if leaking(pair, protected)]
    assert not offenders, offenders[:5]


def test_dev_and_train_are_disjoint():
    for dev in (DATA_DIR / "bitext").glob("*/*.dev.tsv.gz"):
        train = dev.with_name(dev.name.replace(".dev.", ".train."))
        dev_en = {normalize_key(en) for en, _ in load_bitext(dev, quiet=True)[0]}
        train_pairs = {(normalize_key(a), normalize_key(b)) for a, b in load_bitext(train, quiet=True)[0]}
        dev_pairs = {(normalize_key(a), normalize_key(b)) for a, b in load_bitext(dev, quiet=True)[0]}
        assert dev_en and not (dev_pairs & train_pairs), dev.name
