"""Documents in several languages: each encoded by the encoder for its language, one score scale, language bias."""

import json

import numpy as np
import pytest

from engine.collection import load_collection
from engine.encoders.common import RoutedStudent, document_encoder, query_encoder
from engine.errors import UserError
from engine.evaluation import EvalConfig, evaluate
from engine.evaluation.bias import same_language_share
from engine.evaluation.evaluate import encode_documents


class Shifted:
    """The tiny encoder with its vectors rotated by a fixed permutation: a distinct, deterministic encoder."""

    def __init__(self, inner, name, shift):
        self.inner, self.name, self.shift = inner, name, shift
        self.fingerprint, self.dim = f"{inner.fingerprint}-{name}", inner.dim

    def encode(self, texts, **kw):
        return np.roll(self.inner.encode(texts, **kw), self.shift, axis=1)


@pytest.fixture
def routed(tiny_encoder):
    student, base_q, base_d = (Shifted(tiny_encoder, n, s) for n, s in (("student", 1), ("base", 0), ("docs", 0)))
    return RoutedStudent(student, base_q, base_d, fallback_langs=["sw"], source="students/x")


def test_document_routing_follows_the_query_routing(routed):
    assert document_encoder(routed) is routed.document_encoder
    assert document_encoder(routed, "en") is routed.document_encoder
    assert document_encoder(routed, "nya") is routed.student  # any alias of a language the student answers
    assert document_encoder(routed, "sw") is routed.document_encoder  # a fallback language: the base's documents
    assert query_encoder(routed, "sw") is routed.base


def _collection(root, query_lang=None):
    lang_dir = root / "ny"
    lang_dir.mkdir(parents=True)
    rows = [{"id": "d-en", "text": "children play football", "lang": "en"},
            {"id": "d-ny", "text": "ana akusewera mpira", "lang": "nya"},
            {"id": "d-x", "text": "the rain falls"}]
    (lang_dir / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (lang_dir / "queries.tsv").write_text("q1\tana akusewera\n")
    (lang_dir / "qrels").write_text("q1 0 d-en 1\n")
    if query_lang:
        (lang_dir / "meta.json").write_text(json.dumps({"query_lang": query_lang}))
    return root


def test_a_language_folder_brings_its_own_corpus_languages_and_query_language(tmp_path):
    coll = load_collection(_collection(tmp_path / "a"), "ny")
    assert coll.doc_langs == {"d-en": "en", "d-ny": "ny"} and coll.doc_lang("d-x") == "en"
    assert coll.query_lang == "ny"
    assert load_collection(_collection(tmp_path / "b", query_lang="eng"), "ny").query_lang == "en"
    bad = _collection(tmp_path / "c")
    (bad / "ny" / "corpus.jsonl").write_text('{"id": "d", "text": "t", "lang": "not a language 123"}\n')
    with pytest.raises(UserError, match=r"corpus.jsonl:1: "):
        load_collection(bad, "ny")


def test_each_document_is_encoded_by_the_encoder_for_its_language(routed, tmp_path):
    coll = load_collection(_collection(tmp_path / "a"), "ny")
    ids = list(coll.docs)
    vecs = encode_documents(routed, coll, ids, tmp_path / "cache", EvalConfig(suites=["x"]), progress=False)
    for i, doc in enumerate(ids):
        enc = routed.student if coll.doc_lang(doc) == "ny" else routed.document_encoder
        np.testing.assert_allclose(vecs[i], enc.encode([coll.docs[doc]], kind="passage")[0], rtol=1e-5, atol=1e-6)


def test_same_language_share_by_hand():
    run = {"q1": {"rel": 0.9, "a": 0.8, "b-en": 0.7, "c": 0.6}, "q2": {"x-en": 0.5, "rel2": 0.4}}
    qrels = {"q1": {"rel": 1}, "q2": {"rel2": 1}}
    langs = {"a": "ny", "c": "ny", "b-en": "en", "x-en": "en", "rel": "en", "rel2": "en"}
    assert same_language_share(run, qrels, langs, "ny", k=10) == pytest.approx((2 / 3 + 0) / 2)
    assert same_language_share(run, qrels, langs, "ny", k=1) == pytest.approx((1 + 0) / 2)


def test_the_mixed_and_reverse_suites_evaluate_with_bias_and_english_queries(tiny_encoder, tmp_path):
    report = evaluate(tiny_encoder, EvalConfig(suites=["mixed", "udhr-reverse"], langs=["zu"],
                                               cache=str(tmp_path / "cache")), progress=False)
    zu = report["suites"]["mixed"]["languages"]["zu"]["metrics"]
    assert 0.0 <= zu["SameLang@10"] <= 1.0 and "RR@10" in zu
    reverse = report["suites"]["udhr-reverse"]["languages"]
    assert set(reverse) == {"en", "zu"} and "SameLang@10" not in reverse["zu"]["metrics"]
    coll = load_collection("udhr-reverse", "zu")
    assert coll.query_lang == "en" and set(coll.doc_langs.values()) == {"zu"}
    assert set(coll.queries.values()) <= set(load_collection("udhr-reverse", "en").queries.values())


def test_same_language_share_among_paired_documents_only():
    from engine.evaluation.bias import paired_documents

    ids = ["rel", "u1", "u2", "x", "x-en", "y", "y-en"]
    assert paired_documents(ids) == {"x", "x-en", "y", "y-en"}
    run = {"q": {"rel": 0.9, "u1": 0.8, "u2": 0.7, "x": 0.6, "y-en": 0.5, "y": 0.4, "x-en": 0.3}}
    langs = {"x": "ny", "y": "ny"}
    # unpaired English articles (u1, u2) would push the share towards English; among the pairs it is 0.5
    assert same_language_share(run, {"q": {"rel": 1}}, langs, "ny", k=10) == pytest.approx(2 / 6)
    assert same_language_share(run, {"q": {"rel": 1}}, langs, "ny", k=10,
                               among=paired_documents(ids)) == pytest.approx(0.5)


def test_the_mean_language_bias_counts_either_direction():
    from engine.evaluation.bias import mean_language_bias

    assert mean_language_bias([0.5, 0.5]) == 0.0
    assert abs(mean_language_bias([0.9, 0.1, 0.5]) - 0.8 / 3) < 1e-12  # preferring either language is bias
    assert mean_language_bias([]) is None
