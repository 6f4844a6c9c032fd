"""Retrain the shipped n-gram model from the train splits: ``python -m engine.langid [--out PATH]``.

Run it after the shipped bitext changes (``python -m engine data build``); ``tests/langid`` checks that the shipped
model is what this command makes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from engine.langid._ngram import SHIPPED_MODEL, NgramConfig, train_ngram_model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.langid", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SHIPPED_MODEL, help=f"npz to write (default: {SHIPPED_MODEL})")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    model = train_ngram_model(NgramConfig())
    model.save(args.out)
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size / 1024:.0f} KB, {len(model.vocab):,} n-grams x {len(model.languages)} languages) "
          f"in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
