"""Offline bitext and test data: builders per source, the shipped-file locator and a forgiving bitext reader.

``build(sources, out, cache_dir)`` regenerates ``data/bitext`` and ``data/udhr`` byte for byte;
``read_bitext(path)`` reads TSV(.gz), JSONL or a pair of line-aligned files, counting what it skips.
"""

from engine.data.bitext import BitextReport, read_bitext, shipped_bitext
from engine.data.build import BUILDERS, DATA_DIR, DevConfig, build
from engine.data.downloads import DEFAULT_CACHE_DIR
from engine.data.text import clean_text, normalize_key

__all__ = [
    "BUILDERS",
    "DATA_DIR",
    "DEFAULT_CACHE_DIR",
    "BitextReport",
    "DevConfig",
    "build",
    "clean_text",
    "normalize_key",
    "read_bitext",
    "shipped_bitext",
]
