"""read_bitext skips bad lines and counts every one of them."""

from __future__ import annotations

import gzip

import pytest

from engine.data import BitextReport, read_bitext, shipped_bitext
from engine.data.bitext import load_bitext
from engine.errors import UserError


def test_tsv_bad_lines_are_counted(tmp_path, capsys):
    path = tmp_path / "x.tsv.gz"
    raw = b"hello\tmoni\n\nno tab here\nhello\tmoni\n \tempty\nbad \xff\tbyte\na\tb\tc\n  two   spaces \t ok\n"
    path.write_bytes(gzip.compress(raw))
    report = BitextReport()
    pairs = list(read_bitext(path, report=report))
    assert pairs == [("hello", "moni"), ("two spaces", "ok")]
    assert report.kept == 2
    assert report.skipped == {
        "blank line": 1,
        "not two tab-separated columns": 2,
        "duplicate": 1,
        "empty side": 1,
        "not UTF-8": 1,
    }
    assert "skipped 6" in capsys.readouterr().err


def test_jsonl_reads_lang_or_text_field(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"en": "water", "ny": "madzi"}\n{"en": "fire", "text": "moto"}\nnot json\n{"ny": "x"}\n')
    pairs, report = load_bitext(path, lang="nya", quiet=True)
    assert pairs == [("water", "madzi"), ("fire", "moto")]
    assert report.skipped == {"invalid JSON": 1, "no 'en' field": 1}


def test_line_aligned_pair_counts_unpaired_lines(tmp_path):
    en, other = tmp_path / "en.txt", tmp_path / "sw.txt"
    en.write_text("one\ntwo\nthree\n")
    other.write_text("moja\nmbili\n")
    pairs, report = load_bitext((en, other), quiet=True)
    assert pairs == [("one", "moja"), ("two", "mbili")]
    assert report.skipped == {"line-count mismatch (unpaired line)": 1}


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(UserError, match="unknown bitext format"):
        list(read_bitext(tmp_path / "x.csv"))
    with pytest.raises(UserError, match="does not exist"):
        list(read_bitext(tmp_path / "x.tsv"))


def test_shipped_bitext_accepts_aliases():
    files = shipped_bitext("nya", source="bible")
    assert [p.name for p in files] == ["ny.train.tsv.gz"]
    assert {p.parent.name for p in shipped_bitext("am")} >= {"libreoffice", "cldr"}
    assert shipped_bitext("ny", split="test")[0].name == "ny.test.tsv.gz"


def test_joined_windows_join_consecutive_pairs_side_by_side():
    from engine.data.bitext import joined_windows

    pairs = [(f"e{i}", f"x{i}") for i in range(7)]
    assert joined_windows(pairs, 3) == [("e0 e1 e2", "x0 x1 x2"), ("e3 e4 e5", "x3 x4 x5"), ("e6", "x6")]
    assert joined_windows(pairs, 1) == pairs and joined_windows([], 5) == []
    with pytest.raises(UserError, match="at least 1 pair"):
        joined_windows(pairs, 0)
