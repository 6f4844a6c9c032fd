"""Time the OT contrastive loss (forward + backward) on CPU: one batched Sinkhorn call vs a loop of pairs.

Usage: python benchmarks/bench_sinkhorn.py [--threads 2] [--batch-sizes 16 32]
Prints one JSON object; the loop baseline runs ``--loop-rows`` teacher rows and is scaled to B rows
(its cost is linear in rows), which keeps the script under a minute. Synthetic embeddings: student tokens are noisy copies of teacher tokens,
lengths drawn in [24, 64], d = 384 (multilingual-e5-small).
"""

from __future__ import annotations

import argparse
import json
import time

import torch
import torch.nn.functional as F

from engine.losses import OTContrastiveLoss
from engine.ot.torch import cosine_cost, ot_distance


def make_batch(B, d=384, lo=24, hi=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    n = torch.randint(lo, hi + 1, (B,), generator=g)
    m = torch.randint(lo, hi + 1, (B,), generator=g)
    t = torch.randn(B, hi, d, generator=g)
    s = 0.7 * t + torch.randn(B, hi, d, generator=g)
    t_mask = torch.arange(hi)[None] < n[:, None]
    s_mask = torch.arange(hi)[None] < m[:, None]
    return t, t_mask, s, s_mask


def loop_loss(t, t_mask, s, s_mask, eps, tau, max_iter, tol, rows_to_run):
    """The same loss, first ``rows_to_run`` teacher rows only, with one ot_distance call per pair: the baseline."""
    B = t.shape[0]
    rows = []
    for i in range(rows_to_run):
        ti = t[i : i + 1, t_mask[i]]
        rows.append(torch.cat([
            ot_distance(cosine_cost(ti, s[j : j + 1, s_mask[j]]), None, None, eps, max_iter=max_iter, tol=tol)[0]
            for j in range(B)
        ]))
    W = torch.stack(rows)
    return F.cross_entropy(-W / tau, torch.arange(rows_to_run))


def timed(fn, reps):
    best = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[16, 32])
    parser.add_argument("--eps", type=float, default=0.05)
    parser.add_argument("--tau", type=float, default=0.02)
    parser.add_argument("--max-iter", type=int, default=50)
    parser.add_argument("--tol", type=float, default=1e-4)
    parser.add_argument(
        "--loop-rows", type=int, default=8,
        help="teacher rows the loop baseline runs (x B pairs each); its time is scaled to B rows",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    loss_fn = OTContrastiveLoss(eps=args.eps, tau=args.tau, max_iter=args.max_iter, tol=args.tol)

    results = []
    for B in args.batch_sizes:
        t, t_mask, s, s_mask = make_batch(B)
        s.requires_grad_(True)

        def batched():
            s.grad = None
            loss_fn(t, t_mask, s, s_mask).backward()

        def looped():
            s.grad = None
            loop_loss(t, t_mask, s, s_mask, args.eps, args.tau, args.max_iter, args.tol, rows).backward()

        rows = min(B, args.loop_rows)
        batched()  # warm-up
        t_batched = timed(batched, reps=3)
        t_loop = timed(looped, reps=1) * B / rows
        _, stats = loss_fn(t, t_mask, s, s_mask, return_stats=True)
        results.append({
            "batch_size": B,
            "problems": B * B,
            "batched_fwd_bwd_s": round(t_batched, 4),
            "loop_fwd_bwd_s": round(t_loop, 4),
            "loop_rows_timed": rows,
            "loop_over_batched": round(t_loop / t_batched, 1),
            "sinkhorn_iter": stats["sinkhorn_iter"],
            "sinkhorn_converged": round(stats["sinkhorn_converged"], 4),
        })
    print(json.dumps({
        "device": "cpu", "threads": args.threads, "d": 384, "lengths": [24, 64],
        "eps": args.eps, "tau": args.tau, "max_iter": args.max_iter, "tol": args.tol,
        "torch": torch.__version__, "results": results,
    }, indent=2))


if __name__ == "__main__":
    main()
