r"""Does the int8 query encoder of an export agree with its fp32 graph *on this CPU*? Checked, not assumed.

Integer kernels differ between CPUs (VNNI, AMX, AVX2's saturating ``vpmaddubsw``), so the accuracy of int8 queries
is a property of the export *and* the machine. When an export is first loaded on a CPU, both variants encode a small
built-in probe set (``parity_probe.tsv``: 40 held-out dev pairs of the shipped bitext, 7 languages — never test
data) and the int8 encoder is served only if it stays within the bounds of :class:`ParityConfig`:

* every probe query's int8 vector :math:`q'` has :math:`\cos(q', q) \ge` ``min_cosine`` against fp32's :math:`q`;
* every query ranks the probe's English documents (fp32 document encoder) with the same top 1.

Otherwise queries are served by the fp32 graph, and the reason is logged, printed by ``search`` and shown in the
app's status line. The verdict is cached per CPU kind and onnxruntime version in the export's ``parity.json``.

Why ``min_cosine = 0.9999``: on ``udhr`` (31 queries per language), the served configuration must stay within
0.01 RR@10 of torch fp32 *per language* — one query moving from rank 1 to 2 costs 0.016. Measured on an AVX-512
VNNI CPU (``reports/benchmarks/serving-parity.md``), dynamic int8 (min cosine 0.997 on ``udhr`` queries) moves
up to 0.04 per language, and even block-wise int8 with cosine 0.99989 moved two languages by 0.015; fp32 ONNX
(cosine 1.0) moves none.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from engine.hardware import cpu_info

PROBE_FILE = Path(__file__).with_name("parity_probe.tsv")
PARITY_FILE = "parity.json"
PRECISIONS = ("auto", "int8", "fp32")
PRECISION_ENV = "OPTICAL_CLIR_QUERY_PRECISION"

log = logging.getLogger("engine.serving")


@dataclass(frozen=True)
class ParityConfig:
    """The bounds int8 queries must keep against fp32 on the probe set (module docstring)."""

    min_cosine: float = 0.9999
    top1_agreement: float = 1.0


@dataclass(frozen=True)
class ParityResult:
    """One check on one CPU: the figures, the verdict, and where it was made."""

    passed: bool
    min_cosine: float
    mean_cosine: float
    top1_agreement: float
    probes: int
    cpu: str
    int8_dot_product: str
    onnxruntime: str
    config: dict

    @property
    def reason(self) -> str:
        bounds = ParityConfig(**self.config)
        figures = f"min cosine {self.min_cosine:.5f}, top-1 agreement {self.top1_agreement:.2f} on {self.probes} probes"
        if self.passed:
            return f"int8 passed the parity check on this CPU ({self.cpu}: {figures})"
        return (f"int8 failed the parity check on this CPU ({self.cpu}: {figures}; needs cosine >= "
                f"{bounds.min_cosine} and top-1 agreement >= {bounds.top1_agreement})")


def read_probe(path: Path = PROBE_FILE) -> tuple[list[str], list[str]]:
    """(queries, English documents) of the probe set: ``lang<TAB>english<TAB>other`` lines."""
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [other for _, _, other in rows], [english for _, english, _ in rows]


def check_parity(int8, fp32, documents, config: ParityConfig = ParityConfig()) -> ParityResult:
    """Compare two query encoders of one model on the probe set (``documents`` encodes its English side)."""
    import onnxruntime

    queries, english = read_probe()
    q8, q32 = int8.encode(queries, kind="query"), fp32.encode(queries, kind="query")
    docs = documents.encode(english, kind="passage")
    cos = (q8 * q32).sum(1)
    top1 = float(np.mean((q8 @ docs.T).argmax(1) == (q32 @ docs.T).argmax(1)))
    cpu = cpu_info()
    return ParityResult(
        passed=bool(cos.min() >= config.min_cosine and top1 >= config.top1_agreement),
        min_cosine=float(cos.min()), mean_cosine=float(cos.mean()), top1_agreement=top1, probes=len(queries),
        cpu=cpu.kind, int8_dot_product=cpu.int8_dot_product, onnxruntime=onnxruntime.__version__,
        config=asdict(config))


def _cpu_key() -> str:
    import onnxruntime

    cpu = cpu_info()
    return f"{cpu.kind}|{cpu.int8_dot_product}|onnxruntime {onnxruntime.__version__}"


def _cpu_key() -> str:
    import onnxruntime

    cpu = cpu_info()
    return f"{cpu.kind}|{cpu.int8_dot_product}|onnxruntime {onnxruntime.__version__}"


def _read_cache(path: Path) -> dict:
    try:
        cache = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return cache if isinstance(cache, dict) else {}


def cached_verdict(export_dir: Path, config: ParityConfig = ParityConfig()) -> ParityResult | None:
    """The check already made for this export on this CPU kind and onnxruntime version, with these bounds."""
    entry = _read_cache(Path(export_dir) / PARITY_FILE).get(_cpu_key())
    if isinstance(entry, dict) and entry.get("config") == asdict(config):
        try:
            return ParityResult(**entry)
        except TypeError:
            return None  # written by another version: check again
    return None


def remember_verdict(export_dir: Path, result: ParityResult) -> None:
    """Keep ``result`` in the export's ``parity.json`` (beside the other CPUs' verdicts)."""
    from engine.fileio import write_text_atomic

    path = Path(export_dir) / PARITY_FILE
    cache = {**_read_cache(path), _cpu_key(): asdict(result)}
    try:
        write_text_atomic(path, json.dumps(cache, indent=1) + "\n")
    except OSError:
        pass  # a read-only export: the check is redone next time


def default_precision() -> str:
    """``auto`` unless ``OPTICAL_CLIR_QUERY_PRECISION`` says ``int8`` or ``fp32``."""
    import os

    return os.environ.get(PRECISION_ENV, "").strip().lower() or "auto"


@dataclass(frozen=True)
class QueryPrecision:
    """What serves the queries (``"int8"`` or ``"fp32"``), and why, in one line for people."""

    variant: str
    requested: str
    parity: ParityResult | None = None
    deferred: bool = False  # fp32 for now: int8 is made and checked later (a first start answers sooner)

    @property
    def summary(self) -> str:
        """A few words for a status line: ``int8 queries (parity check passed)``."""
        if self.requested != "auto":
            return f"{self.variant} queries (requested)"
        if self.deferred:
            return f"{self.variant} queries (int8 not checked on this CPU yet)"
        if self.parity is None:
            return f"{self.variant} queries (no int8 export)"
        verdict = "passed" if self.parity.passed else "failed"
        return f"{self.variant} queries (int8 {verdict} this CPU's parity check)"

    @property
    def note(self) -> str:
        if self.requested != "auto":
            return f"queries: {self.variant} ONNX (requested)"
        why = self.parity.reason if self.parity else (
            "int8 is made and checked in the background" if self.deferred else "no int8 variant in this export")
        return f"queries: {self.variant} ONNX — {why}"


def choose_query_precision(export_dir: Path, int8_factory, fp32_factory, documents, requested: str = "auto",
                           config: ParityConfig = ParityConfig(), defer: bool = False) -> QueryPrecision:
    """``requested`` = ``"int8"`` / ``"fp32"`` is served as asked; ``"auto"`` serves int8 only where the parity check
    passes on this CPU (made once, then read from ``parity.json``). The factories build the encoders when needed;
    ``int8_factory()`` returns None when the export has no int8 variant. ``defer``: no check is made now — fp32
    unless a verdict is already cached (the app's first start; the check runs in the background)."""
    from engine.errors import UserError

    if requested not in PRECISIONS:
        raise UserError(f"unknown query precision {requested!r}; use one of {', '.join(PRECISIONS)}")
    if requested != "auto":
        return QueryPrecision(requested, requested)
    result = cached_verdict(export_dir, config)
    fresh = result is None
    if fresh and defer:
        return QueryPrecision("fp32", requested, deferred=True)
    if fresh:
        int8 = int8_factory()
        if int8 is None:
            return QueryPrecision("fp32", requested)
        result = check_parity(int8, fp32_factory(), documents, config)
        remember_verdict(export_dir, result)
    chosen = QueryPrecision("int8" if result.passed else "fp32", requested, result)
    # a failed check is a warning when it is made; read back from parity.json it is information
    (log.warning if fresh and not result.passed else log.info)("%s: %s", Path(export_dir).name, chosen.note)
    return chosen
