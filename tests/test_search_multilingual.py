"""One index, documents in several languages: each language's passages encoded by the encoder for it (English by
the teacher, others by the student), searched together on one score scale."""

import json

import pytest

from engine.encoders import load_encoder
from engine.errors import UserError
from engine.index import DocumentIndex
from engine.search import fingerprint_plan, search

DOCS = [
    {"id": "en1", "text": "Everyone has the right to life, liberty and security of person.", "lang": "en"},
    {"id": "en2", "text": "Children play football at school every afternoon."},
    {"id": "sw1", "text": "Kila mtu ana haki ya kuishi, uhuru na usalama.", "lang": "swh"},
    {"id": "sw2", "text": "Watoto wanacheza mpira shuleni kila mchana.", "lang": "sw"},
]


@pytest.fixture(scope="module")
def student(tiny_sw_student_dir):
    return tiny_sw_student_dir, load_encoder(tiny_sw_student_dir)


def _run_cli(capsys, *args):
    from engine.cli import main

    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_student_indexes_each_language_with_its_own_encoder_and_searches_them_together(
        tmp_path, capsys, student, tiny_encoder):
    path, model = student
    coll = tmp_path / "docs.jsonl"
    coll.write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    db = tmp_path / "m.db"
    code, out, err = _run_cli(capsys, "index", "--collection", str(coll), "--db", str(db), "--model", str(path),
                              "--backend", "torch")
    assert code == 0, err
    assert "[en]" in out and "[sw]" in out
    with DocumentIndex(db) as index:
        base_fp = model.document_encoder.fingerprint
        assert index.languages() == {"en": 2, "sw": 2}
        assert index.languages(base_fp) == {"en": 2} and index.languages(model.fingerprint) == {"sw": 2}
        routed = load_encoder(path)
        plan = fingerprint_plan(index, routed)
        assert plan == {base_fp: {"en"}, routed.fingerprint: {"sw"}}
        hits = search(index, routed, "watoto wanacheza mpira", k=4, lang="sw")
        assert sorted(h.doc_id for h in hits) == ["en1", "en2", "sw1", "sw2"]
        q = routed.for_language("sw").encode(["watoto wanacheza mpira"], kind="query")[0]
        for h in hits:  # each passage scored with the vector of its own language's encoder
            enc = routed.student if h.doc_id.startswith("sw") else routed.document_encoder
            want = float(q @ enc.encode([next(d["text"] for d in DOCS if d["id"] == h.doc_id)], kind="passage")[0])
            assert h.score == pytest.approx(want, abs=1e-4)
        assert [h.rank for h in hits] == [1, 2, 3, 4] and hits[0].score >= hits[-1].score
        # the base model also indexes the Swahili documents: the student's search still uses its own vectors
        index.add_documents([d for d in DOCS if d["id"].startswith("sw")], tiny_encoder, progress=False)
        again = search(index, routed, "watoto wanacheza mpira", k=4, lang="sw")
        assert [(h.doc_id, round(h.score, 5)) for h in again] == [(h.doc_id, round(h.score, 5)) for h in hits]
        base_hits = search(index, tiny_encoder, "watoto wanacheza mpira", k=4)
        assert sorted(h.doc_id for h in base_hits) == ["en1", "en2", "sw1", "sw2"]


def test_languages_without_vectors_from_their_encoder_are_a_clear_error(tmp_path, student, tiny_encoder):
    path, _ = student
    routed = load_encoder(path)
    with DocumentIndex(tmp_path / "b.db", create=True) as index:
        index.add_documents(DOCS, tiny_encoder, progress=False)  # everything by the base only
        with pytest.raises(UserError, match=r"passages in sw have no vectors from the encoder for their language"):
            search(index, routed, "watoto", lang="sw")
        assert search(index, tiny_encoder, "watoto", k=2)  # the base searches it as before


def test_workers_refuse_to_encode_other_languages_with_the_base(tmp_path, capsys, student):
    path, _ = student
    coll = tmp_path / "docs.jsonl"
    coll.write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    code, _, err = _run_cli(capsys, "index", "--collection", str(coll), "--db", str(tmp_path / "w.db"), "--model",
                            str(path), "--backend", "torch", "--workers", "2")
    assert code == 2 and "--workers encodes every document with the base model" in err
    assert not (tmp_path / "w.db").exists()  # refused before any work
