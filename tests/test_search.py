import json
import subprocess
import sys

import numpy as np
import pytest

from engine.errors import UserError
from engine.index import DocumentIndex
from engine.search import ot_similarity, search

DOCS = [{"id": f"d{i}", "text": t} for i, t in enumerate([
    "Everyone has the right to life, liberty and security of person.",
    "No one shall be held in slavery or servitude.",
    "Everyone has the right to freedom of thought, conscience and religion.",
    "Children play football at school every afternoon.",
    "Kila mtu ana haki ya kuishi, uhuru na usalama.",
    "The river flows to the sea through the old town.",
])]


class RoutingModel:
    """A student-like wrapper: queries through ``for_language``, documents through ``document_encoder``."""

    def __init__(self, query_enc, doc_enc):
        self.query_enc, self.document_encoder = query_enc, doc_enc
        self.routed = []
        self.name, self.fingerprint = "router", "router-fp"

    def for_language(self, lang):
        self.routed.append(lang)
        return self.query_enc


@pytest.fixture(scope="module")
def index(tmp_path_factory, tiny_encoder):
    idx = DocumentIndex(tmp_path_factory.mktemp("search") / "s.db", create=True)
    idx.add_documents(DOCS, tiny_encoder, progress=False)
    return idx


def test_search_is_dense_top_k(index, tiny_encoder):
    hits = search(index, tiny_encoder, "freedom of religion", k=3)
    q = tiny_encoder.encode(["freedom of religion"], kind="query")[0]
    assert [h.doc_id for h in hits] == [h.doc_id for h in index.dense_search(q, tiny_encoder.fingerprint, 3)]
    assert [h.rank for h in hits] == [1, 2, 3] and hits[0].text


def test_students_route_queries_and_use_the_document_encoders_vectors(index, tiny_encoder):
    model = RoutingModel(tiny_encoder, tiny_encoder)
    assert search(index, model, "uhuru", k=2, lang="sw")
    assert model.routed == ["sw"]


def test_wrong_model_or_dims_is_a_clear_error(index, tiny_encoder):
    class Other:
        name, fingerprint, dim = "other-model", "ffff", 384

    with pytest.raises(UserError, match=r"index built with model .*dims 32.*rebuild with --model other-model"):
        search(index, RoutingModel(tiny_encoder, Other()), "x")
    for bad, needle in [({"query": "  "}, "query is empty"), ({"rerank": "colbert"}, "unknown reranker"),
                        ({"k": 0}, "positive integer")]:
        with pytest.raises(UserError, match=needle):
            search(index, tiny_encoder, **{"query": "x", **bad})


def test_ot_rerank_reorders_the_dense_top_k_by_ot_similarity(index, tiny_encoder):
    dense = search(index, tiny_encoder, "right to freedom", k=4)
    reranked = search(index, tiny_encoder, "right to freedom", k=4, rerank="ot")
    assert {h.doc_id for h in dense} == {h.doc_id for h in reranked}
    scores = [h.score for h in reranked]
    assert scores == sorted(scores, reverse=True) and [h.rank for h in reranked] == [1, 2, 3, 4]
    # oracle: one problem at a time instead of the padded batch
    q = tiny_encoder.encode_tokens(["right to freedom"], kind="query")[0].embeddings
    for h in reranked:
        d = tiny_encoder.encode_tokens([h.text], kind="passage")[0].embeddings
        assert ot_similarity(q, [d])[0] == pytest.approx(h.score, abs=1e-3)  # Sinkhorn tol, batch padding


def test_ot_similarity_prefers_the_same_tokens():
    rng = np.random.default_rng(0)
    q = rng.normal(size=(4, 16)).astype(np.float32)
    other = rng.normal(size=(6, 16)).astype(np.float32)
    sims = ot_similarity(q, [q.copy(), other, np.zeros((0, 16), np.float32)], eps=0.01)
    assert sims[0] > 0.9 > sims[1] and sims[2] == 0.0


def test_evaluation_reads_document_vectors_from_an_index(tmp_path, tiny_encoder):
    from engine.evaluation import EvalConfig, evaluate

    folder = tmp_path / "coll"
    folder.mkdir()
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    (folder / "en").mkdir()
    (folder / "en" / "queries.tsv").write_text("q1\tfreedom of religion\nq2\tslavery\n")
    (folder / "en" / "qrels").write_text("q1 0 d2 1\nq2 0 d1 1\n")
    with DocumentIndex(tmp_path / "i.db", create=True) as idx:
        idx.add_documents(DOCS, tiny_encoder, progress=False)
    calls = []
    real = tiny_encoder.encode

    def counting(texts, kind="query", **kw):
        calls.append(kind)
        return real(texts, kind=kind, **kw)

    tiny_encoder.encode = counting
    try:
        base = dict(suites=["coll"], collections={"coll": str(folder)}, cache=str(tmp_path / "cache"))
        with_index = evaluate(tiny_encoder, EvalConfig(**base, index=str(tmp_path / "i.db")), progress=False)
        assert calls == ["query"]  # documents came from the index
        without = evaluate(tiny_encoder, EvalConfig(**base), progress=False)
    finally:
        del tiny_encoder.encode
    assert with_index["suites"]["coll"] == without["suites"]["coll"]
    assert with_index["suites"]["coll"]["languages"]["en"]["queries"] == 2


def run_cli(capsys, *args):
    """The CLI in-process (the subprocess path, exit codes and --help, is covered by tests/test_cli.py)."""
    from engine.cli import main

    code = main(list(args))
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


def test_cli_index_and_search(tmp_path, tiny_model_dir, capsys):
    coll = tmp_path / "docs.jsonl"
    coll.write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    db = str(tmp_path / "cli.db")
    r = run_cli(capsys, "index", "--collection", str(coll), "--db", db, "--model", str(tiny_model_dir))
    assert r.returncode == 0, r.stderr
    assert "6 documents" in r.stdout and "6 encoded" in r.stdout
    r = run_cli(capsys, "index", "--collection", str(coll), "--db", db, "--model", str(tiny_model_dir))
    assert "6 already indexed" in r.stdout
    r = run_cli(capsys, "search", "--db", db, "--model", str(tiny_model_dir), "--json", "--k", "2", "--rerank",
                "ot", "right to life")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["rank"] for row in rows] == [1, 2] and set(rows[0]) == {"doc_id", "score", "title", "text", "rank"}
    r = run_cli(capsys, "search", "--db", db, "--bm25", 'slavery "OR" NEAR(\x01')
    assert r.returncode == 0 and "d1" in r.stdout.splitlines()[0]
    r = run_cli(capsys, "search", "--db", db, "--model", str(tiny_model_dir), "--lang", "sw", "uhuru")
    assert r.returncode == 0 and r.stdout.startswith("  1.")


def test_cli_index_subprocess_error_is_one_line(tmp_path):
    (tmp_path / "dup.jsonl").write_text('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n')
    r = subprocess.run([sys.executable, "-m", "engine", "index", "--collection", str(tmp_path / "dup.jsonl"),
                        "--db", str(tmp_path / "d.db")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "dup.jsonl:2: duplicate document id 'a'" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "d.db").exists()  # nothing written before the input is known good


@pytest.mark.parametrize("make,args,needle", [
    (None, ["search", "--db", "{tmp}/none.db", "x"], "no index at"),
    ("garbage", ["search", "--db", "{tmp}/garbage.db", "--bm25", "x"], "not a readable index"),
    ("empty", ["index", "--collection", "{tmp}/empty.txt", "--db", "{tmp}/e.db"], "collection is empty"),
    ("dup", ["index", "--collection", "{tmp}/dup.jsonl", "--db", "{tmp}/d.db"], "dup.jsonl:2: duplicate"),
    (None, ["index", "--collection", "{tmp}/nothing", "--db", "{tmp}/d.db"], "no such file or directory"),
])
def test_cli_bad_input_is_one_line(tmp_path, capsys, make, args, needle):
    if make == "garbage":
        (tmp_path / "garbage.db").write_bytes(b"\x00garbage" * 64)
    elif make == "empty":
        (tmp_path / "empty.txt").write_text("\n\n")
    elif make == "dup":
        (tmp_path / "dup.jsonl").write_text('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n')
    r = run_cli(capsys, *[a.format(tmp=tmp_path) for a in args])
    assert r.returncode == 2 and needle in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_cli_model_with_other_dims_is_refused(tmp_path, tiny_model_dir, capsys):
    """An index built by the 32-dim tiny model, searched with a 16-dim model: a clear error, index unchanged."""
    from engine.encoders import load_encoder
    from engine.encoders.tiny import build_tiny_model

    db = tmp_path / "i.db"
    with DocumentIndex(db, create=True) as idx:
        idx.add_documents(DOCS[:2], load_encoder(tiny_model_dir), progress=False)
        idx.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = db.read_bytes()
    other = build_tiny_model(tmp_path / "tiny16", hidden=16)
    r = run_cli(capsys, "search", "--db", str(db), "--model", str(other), "x")
    assert r.returncode == 2 and "index built with model" in r.stderr and "dims 32" in r.stderr
    assert "rebuild with --model" in r.stderr and "dims 16" in r.stderr
    assert db.read_bytes() == before
    r = run_cli(capsys, "search", "--db", str(db), "--model", str(tmp_path / "missing-model"), "x")
    assert r.returncode == 2 and "not found" in r.stderr


def test_cli_index_and_search_through_milvus_lite(tmp_path, tiny_model_dir, capsys):
    pytest.importorskip("milvus_lite")
    coll = tmp_path / "docs.jsonl"
    coll.write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    db, store = str(tmp_path / "cli.db"), f"milvus-lite:{tmp_path / 'vectors.db'}"
    r = run_cli(capsys, "index", "--collection", str(coll), "--db", db, "--model", str(tiny_model_dir), "--store",
                store, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["sync"]["vectors"] == 6
    runs = {}
    for spec in (store, "exact"):
        r = run_cli(capsys, "search", "--db", db, "--model", str(tiny_model_dir), "--store", spec, "--json", "--k",
                    "3", "right to life")
        assert r.returncode == 0, r.stderr
        runs[spec] = [json.loads(line)["doc_id"] for line in r.stdout.splitlines()]
    assert runs[store] == runs["exact"] and len(runs["exact"]) == 3


@pytest.mark.parametrize("store,needle", [
    ("annoy", "unknown vector store 'annoy'; choose auto, exact, faiss, milvus, milvus-lite"),
    ("milvus://127.0.0.1:9/passages", "milvus: cannot reach 127.0.0.1:9"),
    ("milvus://no-port", "is not HOST:PORT/COLLECTION"),
    ("milvus-lite:{tmp}/vectors.sqlite", "file name ending in .db"),
])
def test_cli_bad_store_is_one_line_before_any_work(tmp_path, capsys, store, needle):
    (tmp_path / "d.txt").write_text("one passage\n")
    for verb in (["index", "--collection", str(tmp_path / "d.txt")], ["search", "--bm25", "x"]):
        r = run_cli(capsys, *verb, "--db", str(tmp_path / "i.db"), "--store", store.format(tmp=tmp_path))
        assert r.returncode == 2 and needle in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and str(tmp_path) not in r.stderr
    assert not (tmp_path / "i.db").exists()
