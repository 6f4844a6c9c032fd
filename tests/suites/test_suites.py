"""Suites rebuild byte for byte and are internally consistent."""

from __future__ import annotations

import json
import shutil

import pytest

from engine.collection import list_suite_langs, load_collection
from engine.data import DATA_DIR
from engine.suites import SUITES, build_suites
from engine.suites.bible import passages
from engine.suites.layout import hash_order


def test_suites_regenerate_byte_for_byte(tmp_path):
    shutil.copytree(DATA_DIR / "udhr", tmp_path / "udhr")
    for source in ("libreoffice", "bible"):  # the test splits give the reverse and mixed suites their distractors
        shutil.copytree(DATA_DIR / "bitext" / source, tmp_path / "bitext" / source)
    manifest = build_suites(None, tmp_path)
    shipped = DATA_DIR / "suites"
    assert manifest == json.loads((shipped / "manifest.json").read_text())
    built = sorted(p.relative_to(tmp_path / "suites") for p in (tmp_path / "suites").rglob("*") if p.is_file())
    assert built == sorted(p.relative_to(shipped) for p in shipped.rglob("*") if p.is_file() and p.name != "README.md")
    for rel in built:
        assert (tmp_path / "suites" / rel).read_bytes() == (shipped / rel).read_bytes(), rel


@pytest.mark.parametrize("suite", list(SUITES))
def test_every_language_loads_and_has_one_relevant_doc_per_query(suite):
    langs = list_suite_langs(suite)
    assert "en" in langs and len(langs) >= 2
    for lang in langs:
        collection = load_collection(suite, lang)
        assert set(collection.qrels) == set(collection.queries)
        assert all(len(rels) == 1 for rels in collection.qrels.values())


def test_suite_sizes():
    manifest = json.loads((DATA_DIR / "suites" / "manifest.json").read_text())
    assert manifest["udhr"]["docs"] == 31 + 3000
    assert manifest["udhr"]["langs"]["sw"]["queries"] == 31
    assert manifest["bible-ny"]["langs"]["ny"]["queries"] == 1000
    assert manifest["l10n"]["langs"]["am"]["queries"] == 1000
    assert manifest["l10n"]["docs"] > 4000


def test_bible_passages_stay_within_a_chapter():
    from engine.data.bible import load_verses

    verses = [v for v in load_verses() if v.book == 43 and v.chapter == 3]
    ids = [pid for pid, _ in passages(verses, 5)]
    assert ids[0] == "JHN.3.1-5" and "JHN.3.16-20" in ids and ids[-1] == "JHN.3.36-36"


def test_hash_order_is_a_stable_permutation():
    items = [str(i) for i in range(50)]
    assert sorted(hash_order(items, "s")) == sorted(items)
    assert hash_order(items, "s") == hash_order(list(reversed(items)), "s") != hash_order(items, "t")
