"""Training throughput of ``distill`` (bitext pairs/s) on this machine, per configuration, in one process.

Each configuration trains on the same real Chichewa–English Bible pairs with the offline base model for a fixed
number of steps; ``cold`` is the first pass (the frozen-bottom cache fills as it goes), ``warm`` a second pass over
the same pairs (every later epoch, or every later run of an experiment on the same texts). Prints JSON.

    python benchmarks/bench_distill.py [--steps 8] [--configs ...] > reports/benchmarks/distill.json

``precision`` is ``auto`` (bf16 autocast where the CPU has AVX-512 BF16 / AMX) unless a configuration says ``fp32``;
``nobuckets`` turns off length-bucketed batches (every batch padded to its longest pair, as before).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=64)
    ap.add_argument("--configs", default="top:4/ot-contrastive,top:4/ot-contrastive/fp32,"
                                         "top:4/ot-contrastive/fp32/nobuckets,top:2/ot-contrastive,top:4/mse,"
                                         "lora/ot-contrastive,full/ot-contrastive",
                    help="comma-separated TRAIN/LOSS[/fp32][/nobuckets]; default precision auto, length buckets on")
    args = ap.parse_args()

    import torch

    from engine.encoders import load_encoder
    from engine.training import DistillConfig, distill
    from engine.training.precision import autocast_dtype

    teacher = load_encoder()
    pairs = args.steps * args.batch_size
    out = {"threads": torch.get_num_threads(), "batch_size": args.batch_size, "max_length": args.max_length,
           "pairs_per_pass": pairs, "configs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for spec in args.configs.split(","):
            mode, loss, *flags = spec.split("/")
            precision = "fp32" if "fp32" in flags else "auto"
            row = {"precision": str(autocast_dtype(precision, "cpu") or "fp32").replace("torch.", "")}
            caches: list = []  # filled by the cold pass, reused by the warm one
            for phase in ("cold", "warm"):
                cfg = DistillConfig(bitext=["shipped:bible"], langs=["ny"], out=str(Path(tmp) / f"{spec}-{phase}"
                                                                                   .replace("/", "_")),
                                    loss=loss, train=mode, max_pairs=pairs, max_steps=args.steps,
                                    batch_size=args.batch_size, max_length=args.max_length,
                                    eval_every=10**9, dev_pairs=8, precision=precision,
                                    length_buckets="nobuckets" not in flags)
                t0 = time.perf_counter()
                summary = distill(cfg, teacher=teacher, progress=False, bottom_caches=caches)
                row[phase] = {"pairs_per_s": round(summary["pairs_per_second"], 2),
                              "wall_s": round(time.perf_counter() - t0, 1)}
                if not caches:  # not top:N, so nothing is cached: warm = cold
                    break
            row["trainable_parameters"] = summary["trainable_parameters"]
            out["configs"][spec] = row
            print(json.dumps({spec: row}), file=sys.stderr, flush=True)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
