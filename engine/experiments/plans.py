"""Named experiment plans: which students to train (a name and :class:`DistillConfig` settings per run), on which
suites to evaluate them, and how to chart them. ``PLANS`` maps each ``python -m engine experiment`` name to its plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import UserError
from engine.experiments.stats import SEED_SUFFIX

# Languages with shipped training bitext, by source (see data/bitext/manifest.json).
LIBREOFFICE = ["am", "mr", "om", "rw", "xh", "zu"]
CLDR = ["am", "ha", "ig", "ln", "lg", "mr", "om", "rw", "sn", "so", "sw", "ti", "tl", "wo", "xh", "yo", "zu"]


def shipped_inputs(langs: list[str]) -> tuple[list[str], list[str]]:
    """``--bitext shipped`` entries for languages (every shipped source of each)."""
    return ["shipped"] * len(langs), list(langs)


@dataclass
class Run:
    name: str
    settings: dict
    student: str | None = None  # run directory under --runs when the student is shared with another plan
    offsets_of: str | None = None  # no training: this plan's run of that name, given document offsets from dev
    offset_units: int = 1  # ... computed on windows of this many consecutive dev pairs (offsets --units)


# Shared students: the 10,000-pair points of the learning curves are the per-language students of those languages.
PER_LANGUAGE_PAIRS = 10000


@dataclass
class Plan:
    name: str
    description: str
    runs: list[Run]
    suites: list[str] = field(default_factory=lambda: ["udhr"])
    common: dict = field(default_factory=dict)
    chart: str = "runs"  # the udhr SVG: "runs" (a bar per run), "own-language" (each language's student), "curve"
    baseline: str | list[str] | None = None  # the zero-shot report(s) to compare with, when not the default one


def student_path(plan: Plan, run: Run) -> str:
    """Where ``run``'s student lives under the runs directory: its shared directory, else ``<plan>/<run>``."""
    return run.student or f"{plan.name}/{run.name}"


def _shared(plan: Plan, run: Run) -> Run:
    """``plan``'s ``run`` in another plan: the same name and settings, its student shared (not trained again)."""
    return Run(run.name, run.settings, student=student_path(plan, run))


def _losses_plan(lang: str, pairs: int) -> Plan:
    common = dict(bitext=["shipped:bible"], langs=[lang], max_pairs=pairs, eval_every=30)
    return Plan(
        name=f"losses-{lang}",
        description=f"Five ways to use {pairs} {lang}–English Bible pairs, same budget (top 4 layers, 1 epoch)",
        runs=[Run(f"{lang}-{loss}", {"loss": loss}) for loss in ("mse", "infonce", "ot-align", "ot-contrastive")],
        suites=["udhr", "bible-ny"] if lang == "ny" else ["udhr"],
        common=common,
    )


def _joint_plan(pairs: int, name: str = "joint") -> Plan:
    langs = sorted(set(LIBREOFFICE + CLDR + ["ny"]))
    bitext, codes = shipped_inputs(langs)
    return Plan(
        name=name,
        description=f"One OT-contrastive student for {len(langs)} languages (all shipped bitext, ≤{pairs} pairs each)",
        runs=[Run(f"{name}-ot-contrastive", {"loss": "ot-contrastive"})],
        suites=["udhr", "bible-ny", "l10n"],
        common=dict(bitext=bitext, langs=codes, max_pairs=pairs, dev_pairs=60, eval_every=100),
    )


def _curve_plan(lang: str, sizes: tuple[int, ...]) -> Plan:
    return Plan(
        name=f"curve-{lang}",
        description=f"Learning curve of the OT-contrastive student for {lang}: training pairs vs RR@10",
        runs=[Run(f"{lang}-{n}", {"max_pairs": n},
                  student=f"per-language/{lang}" if n == PER_LANGUAGE_PAIRS else None) for n in sizes],
        common=dict(bitext=["shipped"], langs=[lang], loss="ot-contrastive", eval_every=60),
        chart="curve",
    )


def _per_language_plan() -> Plan:
    langs = sorted(set(LIBREOFFICE + CLDR + ["ny"]))
    return Plan(
        name="per-language",
        description=f"One OT-contrastive student per language ({len(langs)} languages, all shipped bitext of the "
                    f"language, ≤{PER_LANGUAGE_PAIRS} pairs), every student evaluated on every language",
        runs=[Run(lang, {"bitext": ["shipped"], "langs": [lang]}) for lang in langs],
        common=dict(loss="ot-contrastive", max_pairs=PER_LANGUAGE_PAIRS, eval_every=60),
        chart="own-language",
    )


def _train_modes_plan(lang: str, pairs: int) -> Plan:
    return Plan(
        name=f"train-{lang}",
        description=f"What trains: top 4 layers vs LoRA (r=16, all linear layers, lr 2e-4) vs the full encoder "
                    f"(embeddings frozen), OT contrastive, {pairs} {lang}–English Bible pairs, 1 epoch",
        # LoRA's update is B·A with B = 0 at the start: it needs a larger step than fine-tuning (Hu et al. 2021)
        runs=[Run(f"{lang}-top4", {"train": "top:4"}), Run(f"{lang}-lora", {"train": "lora", "lr": 2e-4}),
              Run(f"{lang}-full", {"train": "full"})],
        suites=["udhr", "bible-ny"] if lang == "ny" else ["udhr"],
        common=dict(bitext=["shipped:bible"], langs=[lang], max_pairs=pairs, eval_every=30, loss="ot-contrastive"),
    )


# Seeds of the significance plans: each seed draws its own training sample, batch order and dropout.
SEEDS = (13, 14, 15)
OBJECTIVES = ("ot-contrastive", "infonce", "mse", "ot-align")


def _objectives_plan(lang: str, pairs: int, seeds: tuple[int, ...] = SEEDS) -> Plan:
    """Every training objective over several seeds, the most contested pair (OT contrastive vs pooled InfoNCE)
    first, so the paired significance tests (:mod:`engine.experiments.stats`) have their runs early."""
    runs = [Run(f"{lang}-{loss}-s{seed}", {"loss": loss, "seed": seed})
            for loss in OBJECTIVES for seed in seeds]
    # the new variant: OT contrastive plus the pseudo-passage term (engine.training.passages) and the document side
    runs += [Run(f"{lang}-ot-passage-s{seed}", {"loss": "ot-contrastive", "seed": seed, "passage_weight": 1.0,
                                                "passage_side": 1.0}) for seed in seeds]
    # harder dev selection: 2,000 English sentences of unused pairs join the 200 dev documents
    runs += [Run(f"{lang}-ot-harddev-s{seed}", {"loss": "ot-contrastive", "seed": seed, "dev_distractors": 2000})
             for seed in seeds]
    # the contested pair first, seed by seed; then the new variant; then the two objectives that collapse; then the
    # harder dev selection (added last, so the runs made before it keep their order)
    runs.sort(key=lambda r: (("passage_weight" in r.settings) + 2 * (OBJECTIVES.index(r.settings["loss"]) >= 2)
                             + 4 * ("dev_distractors" in r.settings), r.settings["seed"]))
    return Plan(
        name=f"objectives-{lang}",
        description=f"Every objective, OT contrastive with the pseudo-passage term (λ_p = 1, 5-verse windows) "
                    f"and the document side (λ_d = 1), and OT contrastive selected on a harder dev set (2,000 "
                    f"distractors), "
                    f"over {len(seeds)} seeds: {pairs} {lang}–English Bible pairs per run (each seed its own "
                    f"sample), top 4 layers, 1 epoch",
        runs=runs,
        suites=["udhr", "bible-ny"] if lang == "ny" else ["udhr"],
        common=dict(bitext=["shipped:bible"], langs=[lang], max_pairs=pairs, eval_every=10),
    )


DEFAULT_STUDENT = Path(__file__).resolve().parents[2] / "exports" / "default-student"
DIRECTIONS_SUITES = ["udhr-reverse", "bible-ny-reverse", "mixed"]


def _directions_plan() -> Plan:
    """Students already trained, asked the other way round: English queries over low-resource documents, and mixed
    collections (language bias). Trains nothing new: the shipped default student and two objectives-ny students of
    one seed, without and with the document side (trained here with the same settings if that plan has not made
    them yet)."""
    objectives = PLANS["objectives-ny"]()
    return Plan(
        name="directions",
        description="Both directions and mixed collections: English queries over low-resource documents (documents "
                    "in every language encoded by the student, English ones by the teacher), and language bias",
        runs=[Run("default-student", {}, student=str(DEFAULT_STUDENT)),
              *(Run(r.name, {**objectives.common, **r.settings}, student=f"{objectives.name}/{r.name}")
                for r in objectives.runs if r.name in ("ny-ot-contrastive-s15", "ny-ot-passage-s15"))],
        suites=DIRECTIONS_SUITES,
        baseline="reports/zero-shot/multilingual-e5-small-directions.json",
    )


ZERO_SHOT_REPORTS = ["reports/zero-shot/multilingual-e5-small.json",
                     "reports/zero-shot/multilingual-e5-small-directions.json"]


def _passages_plan(lang: str = "ny", seeds: tuple[int, ...] = SEEDS) -> Plan:
    """Passage retrieval both ways with every Bible pair of ``lang`` (objectives-ny used 1,000 a run): pooled InfoNCE
    (the best objective of objectives-ny) with and without the passage terms (the pseudo-passage term, the document
    side on units and on pseudo-passages), on every suite, both directions and the mixed collection."""
    passage = {"passage_weight": 1.0, "passage_side": 1.0, "passage_window_side": 1.0}
    runs = [Run(f"{lang}-infonce-passages-all-s{seed}", {"seed": seed, **passage}) for seed in seeds]
    runs += [Run(f"{lang}-infonce-all-s{seed}", {"seed": seed}) for seed in seeds]
    runs.sort(key=lambda r: r.settings["seed"])  # one seed of each system first: a paired test as early as possible
    # the shipped default student continued the same way (its 17 other languages replayed, 300 pairs each, none
    # more than 0.02 below the default on dev): can the default gain passages without losing udhr? Second to run.
    runs.insert(1, Run(f"default-plus-{lang}-passages", {"seed": 13, "init": str(DEFAULT_STUDENT), "replay_pairs": 300,
                                                         "language_guard": 0.02, "eval_every": 150, **passage}))
    return Plan(
        name=f"passages-{lang}",
        description=f"Every {lang}–English Bible training pair (≈22,000), pooled InfoNCE, with and without the passage "
                    f"terms (pseudo-passages of 5 verses for queries; the document side on verses and on passages), "
                    f"harder dev selection (2,000 distractors), over {len(seeds)} seeds, top 4 layers, 1 epoch",
        runs=runs,
        suites=["udhr", "bible-ny", "udhr-reverse", "bible-ny-reverse", "mixed"],
        common=dict(bitext=["shipped:bible"], langs=[lang], loss="infonce", dev_distractors=2000, eval_every=100),
        baseline=ZERO_SHOT_REPORTS,
    )


def _with_offsets(run: Run, units: int = 1) -> Run:
    """The same student again with document offsets from dev (engine.encoders.offsets): its documents moved onto the
    teacher's English, for English queries over low-resource documents and mixed collections; computed on dev
    sentences (``-offsets-``) or on windows of ``units`` dev pairs (``-offsets<units>-``: passage-length texts)."""
    named = SEED_SUFFIX.match(run.name)
    tag = "offsets" if units == 1 else f"offsets{units}"
    return Run(f"{named['system']}-{tag}-s{named['seed']}", run.settings, offsets_of=run.name, offset_units=units)


def _variant_plan(name: str, variant: str, settings: dict, what: str, base: Plan, base_variant: str = "all",
                  offsets: bool = True) -> Plan:
    """``base``'s runs ``*-infonce-passages-<base_variant>-s<seed>`` (their students shared) against the same runs
    changed by ``settings`` (``*-infonce-passages-<variant>-s<seed>``), each also with document offsets if
    ``offsets``."""
    runs: list[Run] = []
    sources = [r for r in base.runs if f"-infonce-passages-{base_variant}-" in r.name and r.offsets_of is None]
    for r in sources:
        changed = Run(r.name.replace(f"-{base_variant}-", f"-{variant}-"), {**r.settings, **settings})
        shared = _shared(base, r)
        runs += [changed, shared] + ([_with_offsets(changed), _with_offsets(shared)] if offsets else [])
    seeds = len(sources)
    return Plan(
        name=name,
        description=f"{what}: {variant} vs {base_variant} ({base.name}'s InfoNCE with the passage terms), "
                    f"{'each with and without document offsets from dev, ' if offsets else ''}over {seeds} seeds, "
                    f"top 4 layers, 1 epoch",
        runs=runs,
        suites=base.suites,
        common=base.common,
        baseline=base.baseline,
    )


def _local_plan(lang: str = "ny", block: int = 16) -> Plan:
    """Batches of neighbours (``--local-batches``: runs of ``block`` consecutive verses, so the in-batch negatives
    include the neighbouring verses and passages that ``bible-ny`` has to tell apart) vs random batches."""
    return _variant_plan(f"local-{lang}", "local", {"local_batches": block},
                         f"Batches of neighbours (runs of {block} consecutive verses: hard in-batch negatives)",
                         _passages_plan(lang))


def _parity_plan(lang: str = "ny", weight: float = 0.05) -> Plan:
    """The language-parity term (engine.training.parity: a query scores each unit's two document versions alike)
    added to local-ny's students, against language bias in mixed collections (no copies with offsets: the term moves
    the document side itself)."""
    return _variant_plan(f"parity-{lang}", "local-parity", {"language_parity": weight},
                         f"Language parity (λ_par = {weight}: each unit's two document versions scored alike)",
                         _local_plan(lang), base_variant="local", offsets=False)


def _passage_offsets_plan(lang: str = "ny", units: int = 5) -> Plan:
    """local-ny's students (batches of neighbours and random batches; shared, nothing trained) with document offsets
    from dev sentences and from windows of ``units`` dev pairs — the length of the ``bible-ny-reverse`` passages — on
    the suites where documents are not English."""
    local = _local_plan(lang)
    runs: list[Run] = []
    for r in local.runs:
        if r.offsets_of is None:
            shared = _shared(local, r)
            runs += [shared, _with_offsets(shared), _with_offsets(shared, units)]
    return Plan(
        name=f"offsets-{lang}",
        description=f"Document offsets from dev sentences vs from dev windows of {units} pairs (passage-length, like "
                    f"bible-ny-reverse's documents), on {local.name}'s students (local and random batches, 3 seeds; "
                    f"shared, nothing trained)",
        runs=runs,
        suites=DIRECTIONS_SUITES,
        common=local.common,
        baseline=local.baseline,
    )


# Six languages outside the 18 with a Debian LibreOffice pack and a UDHR translation (reports/languages/new-languages).
NEW_LANGUAGES = ["tn", "nso", "ts", "ve", "ss", "st"]


def _grow_plan(langs: list[str] = NEW_LANGUAGES, replay: int = 300) -> Plan:
    """Students that grow: the shipped default student continued on languages it never saw (their ``data add``
    bitext), replaying ``replay`` pairs of each of its own languages, every old language guarded on dev."""
    return Plan(
        name="grow",
        description=f"The default student grown by {len(langs)} languages ({', '.join(langs)}; ≤3,000 pairs each from "
                    f"`data add`), {replay} replayed pairs of each of its 18, no language more than 0.01 below the "
                    f"default on dev",
        runs=[Run(f"default-plus-{len(langs)}", {"init": str(DEFAULT_STUDENT), "replay_pairs": replay,
                                                  "bitext": ["added"] * len(langs), "langs": list(langs)})],
        common=dict(max_pairs=3000, eval_every=100, dev_pairs=200),
    )


PLANS = {
    "losses-ny": lambda: _losses_plan("ny", 3000),
    "joint": lambda: _joint_plan(800),
    "joint-3000": lambda: _joint_plan(3000, "joint-3000"),
    "curve-ny": lambda: _curve_plan("ny", (100, 1000, 10000)),
    "curve-am": lambda: _curve_plan("am", (100, 1000, 10000)),
    "per-language": _per_language_plan,
    "train-ny": lambda: _train_modes_plan("ny", 3000),
    # 1,000 pairs a run: 15 runs fit a 2-core session; the learning curve (curve-ny) puts ny at 0.810 there
    "objectives-ny": lambda: _objectives_plan("ny", 1000),
    "directions": _directions_plan,
    "grow": _grow_plan,
    "passages-ny": _passages_plan,
    "local-ny": _local_plan,
    "parity-ny": _parity_plan,
    "offsets-ny": _passage_offsets_plan,
}


def get_plan(name: str) -> Plan:
    if name not in PLANS:
        raise UserError(f"unknown experiment {name!r}; choose from {', '.join(PLANS)}")
    return PLANS[name]()
