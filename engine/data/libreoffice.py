"""LibreOffice UI translations (Debian ``libreoffice-l10n-<lang>``): English msgid → translated msgstr.

The language packs hold gettext catalogues at ``usr/lib/libreoffice/program/resource/<lang>/LC_MESSAGES/*.mo``.
Contexts (``msgctxt``) are dropped, accelerator markers (``~``, a single ``_``) stripped, and empty, untranslated
or identical-to-English entries skipped. Pairs are deduplicated on the normalised English string (first in
catalogue-name, then msgid order wins) and split by its hash: 10% test, 15% held out, the rest train — the same
English string lands in the same split for every language. English strings in the test or held-out buckets, or
translated into none of the languages, are shipped as ``en.heldout.txt.gz``: never trained on, they are the
distractors of the ``l10n`` retrieval suite.
"""

from __future__ import annotations

import gettext
import io
import re
from dataclasses import dataclass
from pathlib import Path

from engine.data.downloads import deb_data_tar, deb_version, fetch_deb
from engine.data.source import SourceData
from engine.data.text import clean_text, normalize_key, stable_hash

TEST_PERCENT = 10
HELDOUT_PERCENT = 15
HELDOUT_FILE = "en.heldout.txt.gz"
_HAS_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class LibreOfficeConfig:
    """Which language packs to read (canonical code → Debian package suffix)."""

    langs: tuple[str, ...] = ("am", "om", "rw", "xh", "zu", "mr")
    test_percent: int = TEST_PERCENT
    heldout_percent: int = HELDOUT_PERCENT

    def bucket(self, english: str) -> str:
        """``"test"``, ``"heldout"`` or ``"train"`` for an English string (hash of its normalised form)."""
        value = stable_hash(english) % 100
        if value < self.test_percent:
            return "test"
        return "heldout" if value < self.test_percent + self.heldout_percent else "train"


def strip_accelerator(text: str) -> str:
    """Remove LibreOffice ``~`` and GTK ``_`` mnemonic markers (``_Hex`` → ``Hex``, ``~Open`` → ``Open``)."""
    text = text.replace("~", "")
    if text.count("_") == 1:
        text = re.sub(r"_(?=\S)", "", text)
    return text


def parse_mo(data: bytes) -> list[tuple[str, str]]:
    """(msgid, msgstr) of a ``.mo`` catalogue, context dropped, plurals as their singular; header skipped."""
    catalog = gettext.GNUTranslations(io.BytesIO(data))._catalog  # noqa: SLF001 — the parsed table, nothing else
    out = []
    for key, value in catalog.items():
        if isinstance(key, tuple):
            if key[1] != 0:
                continue
            key = key[0]
        if not key:
            continue
        msgid = key.rpartition("\x04")[2]
        out.append((msgid, value))
    return sorted(out)


def clean_entry(msgid: str, msgstr: str) -> tuple[str, str] | None:
    """The cleaned pair, or ``None`` when it is empty, untranslated or carries no letters."""
    en = clean_text(strip_accelerator(msgid))
    other = clean_text(strip_accelerator(msgstr))
    if not en or not other or not _HAS_LETTER.search(en):
        return None
    if normalize_key(en) == normalize_key(other):
        return None
    return en, other


def read_language_pack(deb: Path, lang: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(translated pairs, all English msgids) from one language pack, deduplicated on normalised English."""
    prefix = f"usr/lib/libreoffice/program/resource/{lang}/LC_MESSAGES/"
    pairs: dict[str, tuple[str, str]] = {}
    english: dict[str, str] = {}
    with deb_data_tar(deb) as tar:
        members = sorted((m for m in tar.getmembers() if m.name.lstrip("./").startswith(prefix) and m.name.endswith(".mo")),
                         key=lambda m: m.name)
        for member in members:
            for msgid, msgstr in parse_mo(tar.extractfile(member).read()):
                en = clean_text(strip_accelerator(msgid))
                if en and _HAS_LETTER.search(en):
                    english.setdefault(normalize_key(en), en)
                pair = clean_entry(msgid, msgstr)
                if pair:
                    pairs.setdefault(normalize_key(pair[0]), pair)
    return list(pairs.values()), list(english.values())


def extract(cache_dir: Path, langs=None, config: LibreOfficeConfig = LibreOfficeConfig()) -> SourceData:
    """Hash-split pairs for every configured language pack (or each of ``langs``), plus the held-out English
    pool."""
    data = SourceData(name="libreoffice", license_path="bitext/libreoffice/LICENSE.md", license_text="")
    versions = {}
    translated: set[str] = set()
    all_english: dict[str, str] = {}
    for lang in langs if langs is not None else config.langs:
        deb = fetch_deb(f"libreoffice-l10n-{lang}", cache_dir)
        versions[lang] = deb_version(deb)
        pairs, english = read_language_pack(deb, lang)
        test = [p for p in pairs if config.bucket(p[0]) == "test"]
        train = [p for p in pairs if config.bucket(p[0]) == "train"]
        data.pairs[lang] = {"train": train, "test": test}
        translated.update(normalize_key(en) for en, _ in pairs)
        for en in english:
            all_english.setdefault(normalize_key(en), en)
    heldout = sorted(
        en for key, en in all_english.items() if key not in translated or config.bucket(en) != "train"
    )
    data.files[f"bitext/libreoffice/{HELDOUT_FILE}"] = "".join(f"{en}\n" for en in heldout)
    data.license_text = _license(versions)
    data.packages = {f"deb:libreoffice-l10n-{lang}": version for lang, version in versions.items()}
    return data


def _license(versions: dict[str, str]) -> str:
    rows = "".join(f"- `libreoffice-l10n-{lang}` {ver}\n" for lang, ver in versions.items())
    return (
        "# LibreOffice UI bitext\n\n"
        "English source strings and their translations from the gettext catalogues in the Debian (bookworm)\n"
        "LibreOffice language packs below. License: MPL-2.0 (some material Apache-2.0), Copyright The Document\n"
        "Foundation, LibreOffice contributors, Oracle and/or its affiliates; see /usr/share/doc/<package>/copyright.\n\n"
        f"{rows}\n"
        f"Split: sha1 of the normalised English string: {TEST_PERCENT}% test, {HELDOUT_PERCENT}% held out, rest train\n"
        "(minus a dev slice). The held-out pairs are not shipped.\n"
        f"`{HELDOUT_FILE}`: English strings never used for training (test/held-out buckets, or translated in no\n"
        "pack); the `l10n` suite draws its distractor documents from it.\n"
    )
