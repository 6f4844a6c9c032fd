r"""Settings of the approximate (ANN) stores, as typed dataclasses saved as JSON beside each store.

:class:`AnnConfig` decides *when* an index leaves the exact scan (``exact_below``: the ``auto`` store picks
:class:`~engine.vectors.exact.ExactStore` under it and :class:`~engine.vectors.faiss_store.FaissStore` from it on)
and *how* FAISS searches: an inverted file (IVF) of ``nlist`` k-means cells over 8-bit scalar-quantised vectors,
``nprobe`` cells visited per query, and the best ``rerank`` candidates re-scored exactly from the float32 vectors.

Sizes by default, for :math:`N` vectors at training time and :math:`T = \min(N, \text{train\_size})` training
points: :math:`\text{nlist} = \max(1, \min(4\sqrt{N},\ T / 39))` (FAISS wants ≥ 39 points per centroid).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from engine.errors import UserError

CONFIG_FILE = "config.json"


@dataclass
class AnnConfig:
    """How the ``auto`` and ``faiss`` stores choose and search (module docstring for the formulas)."""

    exact_below: int = 100_000  # auto: exact scan below this many vectors, FAISS IVF-SQ8 from it on
    min_train: int = 20_000  # a FAISS store under this size scans its float32 vectors exactly (no training)
    nlist: int = 0  # IVF cells; 0 = sized at training time (module docstring)
    nprobe: int = 48  # cells visited per query
    rerank: int = 128  # candidates re-scored exactly from float32 vectors (at least k)
    train_size: int = 65_536  # vectors sampled for k-means
    quantizer: str = "SQ8"  # FAISS scalar quantiser of the IVF codes: SQ8, SQfp16 or SQ4
    seed: int = 1234

    def cells(self, n: int) -> int:
        """``nlist`` for ``n`` vectors (the configured value, else the module docstring's rule)."""
        if self.nlist > 0:
            return self.nlist
        train = min(n, self.train_size)
        return max(1, int(min(4 * math.sqrt(n), train / 39)))

    def save(self, path: Path) -> None:
        from engine.fileio import write_text_atomic

        write_text_atomic(path, json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> "AnnConfig":
        """The config saved at ``path``; unknown keys are a :class:`UserError`, missing ones take defaults."""
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            raise UserError(f"{Path(path).name}: not an ANN config ({exc})") from None
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise UserError(f"{Path(path).name}: unknown ANN setting(s) {', '.join(unknown)}")
        return cls(**raw)
