"""Statistics for comparing retrieval systems: per-query paired tests, confidence intervals over seeds, and the
Bonferroni correction. numpy + scipy only; ``ranx`` is the oracle in the tests.

Paired tests take two systems' scores on the same queries, ``a_q`` and ``b_q`` for q = 1..n, d_q = a_q − b_q:

* **Fisher's randomisation test** (approximate, sign-flip): under H₀ the label of each pair is exchangeable, so
  each d_q is as likely to be −d_q. With R random sign vectors s ∈ {−1, 1}ⁿ,
  p = (1 + #{r : |mean(s_r · d)| ≥ |mean(d)|}) / (1 + R), two-sided (Smucker, Allan & Carterette, CIKM 2007).
* **Paired t-test**: t = mean(d) / (sd(d) / √n) with n − 1 degrees of freedom, two-sided.

Over seeds, a system's score is a sample of k runs; its 95 % confidence interval is
mean ± t_{0.975, k−1} · sd / √k (Student's t; wide for k = 3, as it should be).
Bonferroni: with m comparisons, p_adj = min(1, m · p), significant where p_adj < α.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from engine.errors import UserError


def _paired(a, b) -> np.ndarray:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise UserError(f"paired test needs two score lists of the same length, got {a.shape} and {b.shape}")
    if a.size < 2:
        raise UserError("paired test needs at least two queries")
    return a - b


def randomization_test(a, b, n_permutations: int = 10000, seed: int = 0) -> float:
    """Two-sided p-value of Fisher's paired randomisation (sign-flip) test of mean(a) = mean(b)."""
    d = _paired(a, b)
    observed = abs(d.mean())
    if observed == 0.0:
        return 1.0
    rng = np.random.default_rng(seed)
    hits = 0
    for start in range(0, n_permutations, 1000):  # chunks keep memory at 1000 × n
        signs = rng.choice(np.array([-1.0, 1.0]), size=(min(1000, n_permutations - start), d.size))
        hits += int((np.abs(signs @ d / d.size) >= observed - 1e-12).sum())
    return (1 + hits) / (1 + n_permutations)


def paired_t_test(a, b) -> float:
    """Two-sided p-value of the paired t-test; 1.0 when every difference is zero."""
    from scipy import stats

    d = _paired(a, b)
    if np.allclose(d, 0.0):
        return 1.0
    if np.allclose(d, d[0]):
        return 0.0  # a constant non-zero difference: no variance, certain
    return float(stats.ttest_rel(a, b).pvalue)


def mean_ci(values, level: float = 0.95) -> tuple[float, float]:
    """``(mean, half-width)`` of the Student-t confidence interval of the mean; half-width 0 for one value."""
    from scipy import stats

    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        raise UserError("no values to average")
    if x.size == 1:
        return float(x[0]), 0.0
    half = stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
    return float(x.mean()), float(half)


def bonferroni(pvalues: list[float]) -> list[float]:
    """p-values multiplied by the number of comparisons, capped at 1."""
    m = len(pvalues)
    return [min(1.0, p * m) for p in pvalues]


@dataclass
class Comparison:
    """System A against system B on the same queries: mean scores, the difference, both tests' p-values, the
    Bonferroni-adjusted randomisation p-value (set by :func:`compare_all`) and the verdict at ``alpha``."""

    a: str
    b: str
    queries: int
    mean_a: float
    mean_b: float
    p_randomization: float
    p_t: float
    p_adjusted: float = float("nan")
    significant: bool = False

    @property
    def difference(self) -> float:
        return self.mean_a - self.mean_b

    def to_dict(self) -> dict:
        return {**asdict(self), "difference": self.difference}


def compare_all(scores: dict[str, dict[str, float]], pairs: list[tuple[str, str]], alpha: float = 0.05,
                n_permutations: int = 10000) -> list[Comparison]:
    """Every pair ``(a, b)`` compared on the queries both systems scored (``scores[system][qid]``); randomisation
    p-values Bonferroni-corrected over all the pairs given, significant where the adjusted p < ``alpha``."""
    out = []
    for a, b in pairs:
        qids = sorted(set(scores[a]) & set(scores[b]))
        if not qids:
            raise UserError(f"{a} and {b} share no queries")
        xa = np.array([scores[a][q] for q in qids])
        xb = np.array([scores[b][q] for q in qids])
        out.append(Comparison(a, b, len(qids), float(xa.mean()), float(xb.mean()),
                              randomization_test(xa, xb, n_permutations), paired_t_test(xa, xb)))
    for comp, p_adj in zip(out, bonferroni([c.p_randomization for c in out])):
        comp.p_adjusted, comp.significant = p_adj, p_adj < alpha
    return out


def read_trec_run(path: Path) -> dict[str, dict[str, float]]:
    """A TREC run file (``qid Q0 docid rank score tag``) as ``{qid: {docid: score}}``."""
    run: dict[str, dict[str, float]] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UserError(f"cannot read run {Path(path).name}: {exc.strerror}") from None
    for n, line in enumerate(lines, start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 6:
            raise UserError(f"{Path(path).name}:{n}: expected 6 fields (qid Q0 docid rank score tag)")
        run.setdefault(parts[0], {})[parts[2]] = float(parts[4])
    return run
