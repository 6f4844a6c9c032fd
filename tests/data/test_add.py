"""`data add LANG`: a language outside the shipped set gets bitext from every packaged source that has it (here the
offline ones: CLDR via babel, the user's own file), the shipped splits and leakage filter, a manifest, and a clear
word for each source that lacks it; UDHR declarations are found for any code."""

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.add_language import add_language
from engine.data.build import DATA_DIR, read_manifest
from engine.data.downloads import DEFAULT_CACHE_DIR
from engine.errors import UserError

REPO = Path(__file__).resolve().parents[2]


def _pairs(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in gzip.open(path, "rt", encoding="utf-8").read().splitlines()]


def test_offline_sources_and_own_bitext_for_a_new_language(tmp_path):
    leaked = json.loads((DATA_DIR / "udhr" / "en.jsonl").read_text().splitlines()[3])["text"]
    own = tmp_path / "mine.tsv"
    rows = [f"Good morning number {i}\tDumela palo {i}" for i in range(60)] + [f"{leaked}\tsengwe"]
    own.write_text("\n".join(rows) + "\n", encoding="utf-8")
    added = add_language("tsn", tmp_path / "tn", bitext=[str(own)], sources=("cldr",))
    assert added.code == "tn" and added.name == "Tswana" and added.suite is None
    assert added.pairs["cldr"]["train"] > 20 and added.pairs["user"]["train"] + added.pairs["user"].get("dev", 0) == 60
    user_pairs = _pairs(tmp_path / "tn" / "bitext" / "user" / "tn.train.tsv.gz")
    assert all(en != leaked for en, _ in user_pairs)  # a suite's English text never trains
    manifest = read_manifest(tmp_path / "tn")
    assert manifest["sources"]["cldr"].keys() == {"babel"}
    assert (tmp_path / "tn" / "bitext" / "user" / "LICENSE.md").is_file()
    assert [p.name for p in added.train_files()] == ["tn.train.tsv.gz", "tn.train.tsv.gz"]


def test_a_source_without_the_language_is_skipped_with_its_reason(tmp_path):
    added = add_language("tiv", tmp_path / "tiv", sources=("cldr",))  # Tiv: babel has no names for it
    assert added.pairs == {} and "cldr has nothing in Tiv (tiv)" in added.missing["cldr"]
    r = subprocess.run([sys.executable, "-m", "engine", "data", "add", "tiv", "--out", str(tmp_path / "k2")],
                       capture_output=True, text=True, cwd=REPO, timeout=300,
                       env={"PATH": "/nonexistent", "HOME": str(tmp_path)})  # no apt-get, no npm: nothing fetched
    assert r.returncode == 2 and "no training bitext for Tiv (tiv)" in r.stderr, r.stderr
    assert "skipped" in r.stdout and "Traceback" not in r.stderr


def test_bad_codes_and_english_are_refused(tmp_path):
    with pytest.raises(UserError, match="unknown language code"):
        add_language("xx-YY", tmp_path)
    with pytest.raises(UserError, match="English is the documents' language"):
        add_language("eng", tmp_path)


def test_udhr_declaration_found_for_any_code():
    from engine.data.udhr import udhr_stem

    index = [{"code": "tsn", "iso6393": "tsn", "bcp47": "tn", "stage": 4},
             {"code": "aka_fante", "iso6393": "aka", "bcp47": "ak", "stage": 3},
             {"code": "aka_asante", "iso6393": "aka", "bcp47": "ak", "stage": 5}]
    assert udhr_stem("tn", index) == "tsn" and udhr_stem("aka", index) == "aka_asante"  # most complete
    assert udhr_stem("nya", index) == "nya_chechewa"  # the shipped record wins
    with pytest.raises(UserError, match="no translation of the declaration for Kikuyu"):
        udhr_stem("ki", index)


@pytest.mark.skipif(not any(DEFAULT_CACHE_DIR.glob("udhr-*.tgz")), reason="npm udhr tarball not in the download cache")
def test_udhr_queries_and_suite_for_a_new_language(tmp_path):
    from engine.collection import load_collection

    added = add_language("tn", tmp_path / "tn", sources=("udhr", "cldr"))
    assert added.pairs["udhr"] == {"test": 31} and added.suite == tmp_path / "tn" / "suites" / "udhr"
    coll = load_collection(added.suite, "tsn")
    shipped = load_collection("udhr", "en")
    assert len(coll.queries) == 31 and coll.docs == shipped.docs  # the shipped udhr documents
