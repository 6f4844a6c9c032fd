"""Training throughput (bitext pairs/s) of the distillation step on this machine, by configuration.

Prints JSON: for each configuration, pairs/s over a few steps of real Chichewa–English Bible pairs with the offline
base model, and where the time goes (teacher forward, student forward, loss incl. Sinkhorn, backward+step).

    python benchmarks/bench_distill.py [--steps 4] [--batch-size 32] [--max-length 64]
"""

from __future__ import annotations

import argparse
import copy
import json
import time

import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=64)
    ap.add_argument("--configs", default="top:4/ot-contrastive/0.1,top:4/ot-contrastive/0,full/ot-contrastive/0.1,"
                                         "lora/ot-contrastive/0.1,top:4/mse/0.1")
    args = ap.parse_args()

    from engine.data.bitext import load_bitext, shipped_bitext
    from engine.encoders import load_encoder
    from engine.students import TrainSpec, make_trainable
    from engine.training.config import DistillConfig
    from engine.training.trainer import DistillLoss

    teacher = load_encoder()
    pairs = load_bitext(shipped_bitext("ny", "bible", "train")[0], quiet=True)[0][: args.batch_size * (args.steps + 1)]
    results = {"threads": torch.get_num_threads(), "batch_size": args.batch_size, "max_length": args.max_length,
               "configs": {}}
    for spec_text in args.configs.split(","):
        mode, loss_name, lam = spec_text.split("/")
        cfg = DistillConfig(bitext=[], langs=[], out="", loss=loss_name, train=mode, lambda_en=float(lam),
                            max_length=args.max_length)
        model = make_trainable(copy.deepcopy(teacher.model), TrainSpec.parse(mode)).train()
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=1e-5)
        loss_fn = DistillLoss(cfg)
        timing = {"teacher": 0.0, "student": 0.0, "loss": 0.0, "backward_step": 0.0}
        n = 0
        for step in range(args.steps + 1):
            batch = pairs[step * args.batch_size : (step + 1) * args.batch_size]
            t0 = time.perf_counter()
            tb = teacher.tokenize([e for e, _ in batch], "query", args.max_length)
            with torch.no_grad():
                th = teacher.model(input_ids=tb.input_ids, attention_mask=tb.attention_mask).last_hidden_state
            t1 = time.perf_counter()
            sb = teacher.tokenize([x for _, x in batch], "query", args.max_length)
            sh = model(input_ids=sb.input_ids, attention_mask=sb.attention_mask).last_hidden_state
            seh = (model(input_ids=tb.input_ids, attention_mask=tb.attention_mask).last_hidden_state
                   if cfg.lambda_en > 0 else None)
            t2 = time.perf_counter()
            loss, _ = loss_fn(th, tb, sh, sb, seh)
            t3 = time.perf_counter()
            opt.zero_grad()
            loss.backward()
            opt.step()
            t4 = time.perf_counter()
            if step == 0:
                continue  # warm-up
            n += len(batch)
            for k, v in zip(timing, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                timing[k] += v
        total = sum(timing.values())
        results["configs"][spec_text] = {"pairs_per_s": round(n / total, 2),
                                         "share": {k: round(v / total, 3) for k, v in timing.items()},
                                         "trainable_params": sum(p.numel() for p in params)}
        print(json.dumps({spec_text: results["configs"][spec_text]}), flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
