"""What a source extractor hands the build step: split-labelled pairs, extra files and an attribution."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SourceData:
    """The raw output of one source, before leakage filtering and the dev carve-out.

    ``pairs[lang][split]`` holds (english, other) pairs, ``split`` being ``"train"`` or ``"test"``. ``files`` maps a
    path relative to the data root (``udhr/sw.jsonl``) to text written verbatim (gzipped if it ends in ``.gz``).
    ``license_path`` (relative to the data root) receives ``license_text``. ``packages`` names the installed
    packages the extractor read, with their versions; the manifest records them, so a rebuild that differs can say
    which package moved.
    """

    name: str
    license_path: str
    license_text: str
    pairs: dict[str, dict[str, list[tuple[str, str]]]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    carve_dev: bool = True
    packages: dict[str, str] = field(default_factory=dict)
