"""engine.langid: one interface over CLD3, Lingua and our n-gram model, which learns from train splits only."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import numpy as np
import pytest

from engine.errors import UserError
from engine.langid import (
    IDENTIFIERS,
    SHIPPED_MODEL,
    Identifier,
    NgramConfig,
    NgramIdentifier,
    NgramModel,
    get_identifier,
    load_ngram_model,
    ngrams,
    train_ngram_model,
    training_corpus,
)

# Clear examples, none of them in any train split (UDHR article 1 and everyday queries).
EXAMPLES = {
    "en": "All human beings are born free and equal in dignity and rights",
    "sw": "Binadamu wote wamezaliwa huru na sawa kwa heshima na haki",
    "am": "ሁሉም የሰው ልጆች ሲወለዱ ነጻና በክብርና በመብትም እኩልነት ያላቸው ናቸው",
    "ny": "Anthu onse amabadwa aufulu ndiponso ofanana mu ulemu ndi ufulu wao",
    "yo": "Gbogbo ènìyàn ni a bí ní òmìnira àti ẹ̀tọ́ kan náà",
    "mr": "सर्व मानवी व्यक्ति जन्मतःच स्वतंत्र आहेत",
    "om": "Namni hundinuu bilisa ta'ee dhalata",
    "rw": "Abantu bose bavuka aringaniye mu gaciro no mu burenganzira",
    "so": "Dadka oo dhammi waxay dhashaan iyagoo xor ah",
    "wo": "Nit ñépp danuy juddu, yam ci tawfeex ci sag ak ci sañ-sañ",
}

SMALL = NgramConfig(languages=("en", "sw", "ny"), features_per_language=200, max_chars_per_language=5_000)


def _write_tsv(path, pairs):
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(f"{en}\t{other}\n" for en, other in pairs)


@pytest.fixture
def data_dir(tmp_path):
    """A data folder with train, dev and test splits and UDHR files; dev, test and UDHR text carry letters (q, x, z)
    that no train line has, so any n-gram with them shows held-out text was read."""
    root = tmp_path / "data"
    _write_tsv(root / "bitext" / "cldr" / "sw.train.tsv.gz", [("Afar", "Kiafar"), ("Arabic", "Kiarabu"),
                                                             ("Monday", "Jumatatu"), ("week", "wiki")])
    _write_tsv(root / "bitext" / "bible" / "ny.train.tsv.gz", [("And God said", "Ndipo Mulungu anati"),
                                                              ("the earth", "nthaka lapansi")])
    _write_tsv(root / "bitext" / "bible" / "ny.dev.tsv.gz", [("quiz", "qqq zzz xxx")])
    _write_tsv(root / "bitext" / "bible" / "ny.test.tsv.gz", [("zebra", "zzzq xqxq")])
    _write_tsv(root / "bitext" / "cldr" / "sw.dev.tsv.gz", [("quartz", "qzqz xx")])
    (root / "udhr").mkdir()
    (root / "udhr" / "sw.jsonl").write_text(json.dumps({"id": "udhr-1", "text": "xqz zqx"}) + "\n")
    (root / "udhr" / "en.jsonl").write_text(json.dumps({"id": "udhr-1", "text": "quixotic zeal"}) + "\n")
    return root


def test_ngram_trains_on_train_splits_only(data_dir):
    corpus = training_corpus(SMALL.languages, SMALL.max_chars_per_language, SMALL.salt, data_dir)
    assert [p.name for p in corpus.sources] == ["ny.train.tsv.gz", "sw.train.tsv.gz"]
    model = train_ngram_model(SMALL, data_dir=data_dir)
    leaked = [g for g in model.vocab.tolist() if set(g) & set("qxz")]
    assert not leaked, f"n-grams from dev, test or UDHR text: {leaked}"
    assert {s["path"] for s in model.provenance["training"]["sources"]} == {"bitext/bible/ny.train.tsv.gz",
                                                                            "bitext/cldr/sw.train.tsv.gz"}
    assert model.provenance["training"]["languages"]["en"]["lines"] == 6  # English: the English sides
    again = train_ngram_model(SMALL, data_dir=data_dir)
    np.testing.assert_array_equal(again.vocab, model.vocab)
    np.testing.assert_array_equal(again.counts, model.counts)


def test_shipped_model_came_from_train_splits_and_is_reproducible():
    """Training is deterministic, and the shipped npz is exactly what ``python -m engine.langid`` makes from the
    current train splits (rerun it after ``python -m engine data build``)."""
    shipped = NgramModel.load(SHIPPED_MODEL)
    card = json.loads(SHIPPED_MODEL.with_name("ngram_model.json").read_text(encoding="utf-8"))
    assert card["training"]["sources"] and all(s["path"].endswith(".train.tsv.gz")
                                               for s in card["training"]["sources"])
    assert SHIPPED_MODEL.stat().st_size < 2_000_000
    fresh = train_ngram_model(shipped.config)
    assert fresh.provenance["training"] == card["training"], \
        "the train splits changed since the model was shipped: run `python -m engine.langid`"
    np.testing.assert_array_equal(fresh.vocab, shipped.vocab)
    np.testing.assert_array_equal(fresh.counts, shipped.counts)


@pytest.mark.parametrize("lang", sorted(EXAMPLES))
def test_ngram_identifies_clear_examples(lang):
    code, probability = get_identifier("ngram").identify(EXAMPLES[lang])
    assert code == lang and probability > 0.5


def test_ngram_gives_no_answer_without_known_ngrams():
    identifier = get_identifier("ngram")
    assert isinstance(identifier, NgramIdentifier)
    assert identifier.identify("ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ") == (None, 0.0)  # Cherokee: no n-gram in the vocabulary
    assert identifier.identify("12345 !!") == (None, 0.0)
    assert identifier.identify("") == (None, 0.0)


def test_ngram_features():
    assert list(ngrams("Ọmọ!", 1, 2)) == ["ọ", "m", "ọ", " ọ", "ọm", "mọ", "ọ "]
    assert list(ngrams("a-b", 2, 2)) == [" a", "a ", " b", "b "]


def test_model_trained_on_first_use_lands_in_the_cache(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("OPTICAL_CLIR_CACHE", str(tmp_path / "cache"))
    model = load_ngram_model(SMALL, data_dir=data_dir)
    cached = tmp_path / "cache" / "langid" / "ngram_model.npz"
    assert cached.is_file() and (cached.parent / "ngram_model.json").is_file()
    with monkeypatch.context() as patch:  # the cached model is current: nothing is trained
        patch.setattr("engine.langid._ngram.train_ngram_model", None)
        again = load_ngram_model(SMALL, data_dir=data_dir)
    assert again.config == SMALL
    np.testing.assert_array_equal(again.counts, model.counts)
    _write_tsv(data_dir / "bitext" / "cldr" / "sw.train.tsv.gz", [("Tuesday", "Jumanne")])  # the data changed
    retrained = load_ngram_model(SMALL, data_dir=data_dir)
    assert "nne " in retrained.vocab.tolist() and "nne " not in model.vocab.tolist()


class Fixed(Identifier):
    """Answers whatever label it is given: the interface's normalisation is all that is tested."""

    def __init__(self, label):
        self.label = label

    @property
    def languages(self):
        return frozenset()

    def _identify(self, text):
        return self.label, 0.7


@pytest.mark.parametrize("label, code", [
    ("fil", "tl"), ("swh", "sw"), ("nya_chechewa", "ny"), ("SW", "sw"), ("bg-Latn", "bg"), ("iw", "he"),
    ("tsn", "tn"), ("und", None), ("", None), (None, None), ("zz", None), ("und-Latn", None),
])
def test_interface_normalises_codes(label, code):
    assert Fixed(label).identify("some text") == ((code, 0.7) if code else (None, 0.0))
    assert Fixed(label).identify("123") == (None, 0.0)


def test_registry():
    assert {"cld3", "lingua", "lingua-served", "ngram"} <= set(IDENTIFIERS)
    with pytest.raises(UserError, match="unknown language identifier 'nope'.*ngram"):
        get_identifier("nope")


def test_cld3_wrapper_maps_to_registry_codes():
    cld3 = get_identifier("cld3")
    assert cld3.identify(EXAMPLES["sw"])[0] == "sw"
    assert cld3.identify("Ang lahat ng tao ay isinilang na malaya at pantay-pantay sa karangalan")[0] == "tl"  # fil
    assert cld3.identify("12345") == (None, 0.0)  # CLD3 itself says Japanese
    assert {"sw", "ny", "tl", "he"} <= cld3.languages and not {"rw", "om", "ti"} & cld3.languages


def test_lingua_wrapper_maps_to_registry_codes():
    pytest.importorskip("lingua")
    from engine.langid import LinguaIdentifier

    lingua = LinguaIdentifier(("en", "sw", "ny"))  # Chichewa is not one of lingua's languages: dropped
    assert lingua.languages == {"en", "sw"}
    assert lingua.identify(EXAMPLES["sw"])[0] == "sw"
    assert lingua.identify("12345") == (None, 0.0)


def test_langid_is_torch_free():
    code = ("import sys; from engine.langid import best_identifier; best_identifier().identify('habari'); "
            "bad = [m for m in ('torch', 'transformers', 'gradio') if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("lang", sorted(EXAMPLES))
def test_the_served_identifier_keeps_the_ngram_answer_on_shipped_examples(lang):
    assert get_identifier("served").identify(EXAMPLES[lang])[0] == lang


def test_the_served_identifier_takes_cld3_for_a_language_the_ngram_model_does_not_know():
    served, ngram, cld3 = get_identifier("served"), get_identifier("ngram"), get_identifier("cld3")
    sesotho = "Batho bohle ba tswetswe ba lokolohile mme ba lekana ka seriti le ditokelo."  # UDHR 1, Southern Sotho
    assert ngram.identify(sesotho)[0] != "st"  # the n-gram model can only name a shipped language, and is unsure
    assert ngram.identify(sesotho)[1] < served.ngram_threshold and cld3.identify(sesotho)[0] == "st"
    assert served.identify(sesotho) == cld3.identify(sesotho)
    # CLD3 is sure tone-marked Yoruba is Vietnamese; the n-gram model is surer it is Yoruba
    assert cld3.identify(EXAMPLES["yo"])[0] == "vi" and served.identify(EXAMPLES["yo"])[0] == "yo"
    assert served.identify("12345 !!") == (None, 0.0)


def test_the_served_identifier_trusts_cld3_on_languages_the_ngram_model_knows_from_a_word_list_only():
    served, ngram = get_identifier("served"), get_identifier("ngram")
    # thin = the CLDR-lexicon-only languages CLD3 can name; decided from training sizes, not test scores
    assert {"sw", "so", "ha", "sn"} <= served.thin and not {"ny", "am", "zu", "om", "rw", "en"} & served.thin
    for swahili in ("Mama yangu ni mgonjwa sana", "Haki za binadamu"):  # the n-gram model reads Chichewa
        assert ngram.identify(swahili)[0] == "ny" and served.identify(swahili)[0] == "sw"
    # CLD3 cannot name Oromo or Kinyarwanda and labels them with a thin language; the n-gram model rules that out
    oromo = "Namni hundinuu bilisa ta'ee dhalata; ulfinaa fi mirgaanis walqixa."
    assert served.identify(oromo)[0] == "om"
