"""The training bitext of a run: shuffled ``(lang, en, other)`` triples, a dev split per language, and a summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.errors import UserError
from engine.training.config import DistillConfig


def training_files(spec: str, lang: str) -> tuple[list, list]:
    """The training files of one ``--bitext`` entry and its dev files: ``shipped[:SOURCE]`` names the shipped splits;
    ``added`` the splits ``python -m engine data add LANG`` built (every source it found); a user
    ``LANG.train.tsv.gz`` brings the ``LANG.dev.tsv.gz`` beside it; ``EN_FILE,OTHER_FILE`` is one pair of
    line-aligned files."""
    from engine.data.bitext import shipped_bitext

    if spec == "added":
        from engine.add_language import default_languages_dir

        root = default_languages_dir() / lang / "bitext"
        files = sorted(root.glob(f"*/{lang}.train.tsv.gz"))
        if not files:
            raise UserError(f"no added bitext for {lang}: run `python -m engine data add {lang}` first")
        return files, sorted(root.glob(f"*/{lang}.dev.tsv.gz"))

    if spec.startswith("shipped"):
        parts = spec.split(":")
        source = parts[1] if len(parts) > 1 and parts[1] else None
        files = shipped_bitext(lang, source, "train")
        if not files:
            raise UserError(f"no shipped training bitext for {lang}" + (f" from {source}" if source else ""))
        return files, shipped_bitext(lang, source, "dev")
    paths = spec.split(",")
    for p in paths:
        if not Path(p).is_file():
            raise UserError(f"bitext file {p} not found")
    files = [tuple(paths)] if len(paths) == 2 else [paths[0]]
    sibling = Path(paths[0]).with_name(Path(paths[0]).name.replace(".train.", ".dev."))
    dev_files = [str(sibling)] if len(paths) == 1 and ".train." in paths[0] and sibling.is_file() else []
    return files, dev_files


def replay_specs(config: DistillConfig) -> list[tuple[str, str]]:
    """``(shipped, lang)`` entries replaying the ``init`` student's own languages that the run does not train on
    (students that grow: ``replay_pairs`` pairs each, so old languages are rehearsed, not forgotten)."""
    if not (config.init and config.replay_pairs):
        return []
    from engine.artifacts import read_student_card
    from engine.data.bitext import shipped_bitext
    from engine.languages import normalize_code

    new = {normalize_code(lang) for lang in config.langs}
    old = [lang for lang in read_student_card(Path(config.init)).langs if lang not in new]
    return [("shipped", lang) for lang in old if shipped_bitext(lang, None, "train")]


def load_training_pairs(config: DistillConfig, unused: list[str] | None = None
                        ) -> tuple[list[tuple[str, str, str]], dict[str, list], dict]:
    """Training triples ``(lang, en, other)``, dev pairs per language and a summary of what was read.

    Shipped bitext brings its own dev split, and so does a ``LANG.train.tsv.gz`` with a ``LANG.dev.tsv.gz`` beside it
    (``data add`` writes both); other user bitext gives up a held-out slice (at most a tenth) that is never trained
    on. Pairs are shuffled with ``config.seed`` before ``max_pairs`` cuts them (and put back in file order with
    ``local_batches``); with ``unused``, the English sides
    of the pairs the cut leaves out (never trained on) are appended to it, in that shuffled order.
    """
    from engine.data.bitext import load_bitext
    from engine.languages import normalize_code

    if len(config.bitext) != len(config.langs):
        raise UserError(f"{len(config.bitext)} bitext inputs but {len(config.langs)} languages; give one per input")
    rng = np.random.default_rng(config.seed)
    specs = list(zip(config.bitext, config.langs)) + replay_specs(config)
    caps: dict[str, int] = {normalize_code(lang): config.replay_pairs for _, lang in replay_specs(config)}
    by_lang: dict[str, list[tuple[str, str]]] = {}
    dev: dict[str, list[tuple[str, str]]] = {}
    summary: dict[str, dict] = {}
    for spec, lang in specs:
        lang = normalize_code(lang)
        files, dev_files = training_files(spec, lang)
        for f in files:
            pairs, report = load_bitext(f, lang=lang)
            by_lang.setdefault(lang, []).extend(pairs)
            summary.setdefault(lang, {"kept": 0, "skipped": {}})["kept"] += report.kept
            for reason, n in report.skipped.items():
                summary[lang]["skipped"][reason] = summary[lang]["skipped"].get(reason, 0) + n
        for f in dev_files:
            dev.setdefault(lang, []).extend(load_bitext(f, lang=lang, quiet=True)[0])
    triples: list[tuple[str, str, str]] = []
    for lang, pairs in by_lang.items():
        order = rng.permutation(len(pairs))
        in_file = pairs
        pairs = [pairs[i] for i in order]
        if lang not in dev:  # user bitext without a dev split: hold out a slice, never trained on
            n_dev = min(config.dev_pairs, len(pairs) // 10)
            dev[lang], pairs = pairs[:n_dev], pairs[n_dev:]
        if config.max_pairs or lang in caps:
            cut = caps.get(lang, config.max_pairs)
            if unused is not None:
                unused.extend(en for en, _ in pairs[cut:])
            pairs = pairs[:cut]
        if config.local_batches:  # back to file order, for batches of neighbours (engine.training.batching)
            position = {pair: i for i, pair in enumerate(in_file)}
            pairs = sorted(pairs, key=position.__getitem__)
        summary[lang]["train"] = len(pairs)
        triples += [(lang, en, x) for en, x in pairs]
    dev = {lang: p[: config.dev_pairs] for lang, p in dev.items()}
    for lang in dev:
        summary.setdefault(lang, {})["dev"] = len(dev[lang])
    if not triples:
        raise UserError("no training pairs left after reading the bitext")
    return triples, dev, summary
