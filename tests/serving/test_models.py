"""Serving on ONNX Runtime by default (engine.serving): int8 or fp32 queries (the parity check), fp32 documents
that share torch's vectors, students routing their fallback languages to the base, and no torch import on the way."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # loads and exports the real model

REPO = Path(__file__).resolve().parents[2]
STUDENT = REPO / "exports" / "default-student"
NY_QUERY = "Yesu anati kwa iye, Ine ndine njira, ndi choonadi, ndi moyo"
DOCS = ["Jesus said to him, I am the way, the truth, and the life.",
        "Insert a new row above the selected cell.",
        "Everyone has the right to education."]


@pytest.fixture(scope="module")
def onnx_base():
    from engine.backends import load_serving_model

    return load_serving_model(None, "onnx", progress=False)


def test_documents_share_the_torch_fingerprint_and_vectors(onnx_base, e5):
    docs = onnx_base.document_encoder
    assert docs.variant == "fp32" and docs.fingerprint == e5.fingerprint  # one index serves both backends
    precision = onnx_base.query_precision  # int8 only where the parity check passed on this CPU
    assert onnx_base.variant == precision.variant == ("int8" if precision.parity.passed else "fp32")
    assert (onnx_base.fingerprint != e5.fingerprint) == (precision.variant == "int8")
    cos = (docs.encode(DOCS, kind="passage") * e5.encode(DOCS, kind="passage")).sum(1)
    assert cos.min() > 0.999
    q = onnx_base.encode(["Watoto wanacheza mpira"], kind="query")[0]
    assert float(q @ e5.encode(["Watoto wanacheza mpira"], kind="query")[0]) > 0.98  # the served query close to fp32


def test_student_on_onnx_routes_like_the_torch_student(onnx_base, e5):
    from engine.backends import load_serving_model
    from engine.encoders.students import load_student
    from engine.serving import OnnxStudent

    student = load_serving_model(STUDENT, "onnx", base=onnx_base, progress=False)
    assert isinstance(student, OnnxStudent) and student.document_encoder is onnx_base.document_encoder
    card = json.loads((STUDENT / "student.json").read_text())
    for lang in card["fallback_langs"]:
        assert student.for_language(lang) is onnx_base
    assert student.for_language("nya") is student.student  # aliases resolve
    torch_student = load_student(STUDENT, base=e5)
    got = student.encode([NY_QUERY], kind="query")[0]
    want = torch_student.encode([NY_QUERY], kind="query")[0]
    assert float(got @ want) > 0.98
    scores = onnx_base.document_encoder.encode(DOCS, kind="passage") @ got
    assert int(np.argmax(scores)) == 0


def test_search_cli_defaults_to_onnx_and_matches_torch(tmp_path, e5):
    coll = tmp_path / "docs.jsonl"
    coll.write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(DOCS)))
    db = tmp_path / "i.db"
    run = lambda *a: subprocess.run([sys.executable, "-m", "engine", *a], capture_output=True, text=True,  # noqa: E731
                                    timeout=600, check=False, cwd=REPO)
    r = run("index", "--collection", str(coll), "--db", str(db))
    assert r.returncode == 0, r.stderr
    hits = {}
    for backend in ("onnx", "torch"):
        r = run("search", "--db", str(db), "--model", str(STUDENT), "--lang", "ny", "--json", "--backend", backend,
                NY_QUERY)
        assert r.returncode == 0, r.stderr
        assert ("note: queries: " in r.stderr) == (backend == "onnx"), r.stderr  # what serves the query, and why
        hits[backend] = [json.loads(line)["doc_id"] for line in r.stdout.splitlines()]
    assert hits["onnx"] == hits["torch"] and hits["onnx"][0] == "d0"


def test_serving_imports_no_torch(onnx_base):
    """With the exports in the cache (the fixture made them), search and the app's models never import torch."""
    code = f"""
import sys
sys.modules["torch"] = None  # any import of torch fails
from engine.backends import load_serving_model
from explorer.alignment import align
base = load_serving_model(None, "onnx", progress=False)
student = load_serving_model({str(STUDENT)!r}, "onnx", base=base, progress=False)
plan = align(student.for_language("ny"), base.document_encoder, {NY_QUERY!r}, {DOCS[0]!r})
print(plan.plan.shape[1] > 5, abs(plan.plan.sum() - 1) < 1e-3)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=False,
                       cwd=REPO)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["True", "True"]


def test_unknown_backend_is_one_clear_error():
    from engine.backends import load_serving_model
    from engine.errors import UserError

    with pytest.raises(UserError, match="unknown backend"):
        load_serving_model(None, "tensorflow")
