"""Source parsers on tiny hand-made inputs: a .mo catalogue, a UDHR HTML snippet, the deterministic writers."""

from __future__ import annotations

import gzip
import struct

from engine.data.files import gzip_bytes, write_pairs
from engine.data.libreoffice import clean_entry, parse_mo, strip_accelerator
from engine.data.udhr import parse_units


def make_mo(entries: dict[str, str]) -> bytes:
    """A little-endian GNU .mo file holding ``entries`` (keys may carry ``ctx\\x04`` contexts)."""
    entries = {"": "Content-Type: text/plain; charset=UTF-8\n", **entries}
    keys = sorted(entries)
    ids = [k.encode() for k in keys]
    strs = [entries[k].encode() for k in keys]
    n = len(keys)
    start = 28 + 16 * n
    blob, id_table, str_table = b"", [], []
    for data in ids:
        id_table.append((len(data), start + len(blob)))
        blob += data + b"\0"
    for data in strs:
        str_table.append((len(data), start + len(blob)))
        blob += data + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, n, 28, 28 + 8 * n, 0, 0)
    tables = b"".join(struct.pack("<2I", *e) for e in id_table) + b"".join(struct.pack("<2I", *e) for e in str_table)
    return header + tables + blob


def test_parse_mo_drops_context_and_header():
    mo = make_mo({"STR_OPEN\x04~Open": "~Fungua", "Save _As": "Hifadhi _Kama", "Same": "Same", "Empty": ""})
    entries = parse_mo(mo)
    assert ("~Open", "~Fungua") in entries
    assert all(msgid for msgid, _ in entries)
    cleaned = [pair for pair in (clean_entry(a, b) for a, b in entries) if pair]
    assert sorted(cleaned) == [("Open", "Fungua"), ("Save As", "Hifadhi Kama")]


def test_strip_accelerator():
    assert strip_accelerator("_Hex") == "Hex"
    assert strip_accelerator("~Open File") == "Open File"
    assert strip_accelerator("snake_case_name") == "snake_case_name"


def test_udhr_units_skip_headings():
    html = """<html><body><h1>Title</h1><header><h2>Preamble</h2><p>Whereas one,</p><p>Whereas two.</p></header>
    <article data-number="1"><h2>Article 1</h2><p>All are born free.</p></article>
    <article data-number="2"><h2>Article 2</h2><ol><li><p>Everyone &amp; all.</p></li><li><p>Second.</p></li></ol>
    </article></body></html>"""
    assert parse_units(html) == {0: "Whereas one, Whereas two.", 1: "All are born free.", 2: "Everyone & all. Second."}


def test_gzip_output_is_deterministic(tmp_path):
    assert gzip_bytes(b"abc") == gzip_bytes(b"abc")
    write_pairs(tmp_path / "a.tsv.gz", [("a\tb", "c\nd  e")])
    first = (tmp_path / "a.tsv.gz").read_bytes()
    write_pairs(tmp_path / "a.tsv.gz", [("a\tb", "c\nd  e")])
    assert (tmp_path / "a.tsv.gz").read_bytes() == first
    assert gzip.decompress(first) == "a b\tc d e\n".encode()
    assert not list(tmp_path.glob(".*.tmp"))
