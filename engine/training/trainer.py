"""Distil a student from the frozen teacher on bitext: OT losses (OPTICAL) and the sentence-level baselines.

Per step, for a batch of pairs (e_k, f_k):

* teacher T (frozen) encodes e_k  → token embeddings t (no gradient);
* student S encodes f_k           → token embeddings s;
* loss = L(t, s)  +  λ · W(T(e), S(e))                                       (λ term keeps S's English at T's)

with L one of ``ot-contrastive`` (cross-entropy over −W/τ of all B×B OT distances), ``ot-align`` (mean W of the B
pairs), ``mse`` (pooled MSE, Reimers & Gurevych 2020) or ``infonce`` (pooled in-batch contrastive). Token sets are
the *content* tokens (no ``<s>``, ``</s>``, ``query:`` prefix or padding); pooled losses pool over all real tokens,
as retrieval does.

The run is deterministic for a seed; every ``eval_every`` steps it scores the dev split (never a test suite), keeps
the best student that respects the English guard, and writes ``checkpoint-last`` (delta + optimiser state) for
``--resume``. A non-finite loss stops the run with the last good checkpoint intact. Under ``torchrun`` it trains with
DistributedDataParallel (gloo on CPU, nccl on GPU); each rank takes its slice of every global batch.
"""

from __future__ import annotations

import copy
import json
import math
import os
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from engine.errors import UserError
from engine.students import StudentCard, TrainSpec, make_trainable, save_student
from engine.training.config import DistillConfig

LAST = "checkpoint-last"


# ----------------------------------------------------------------------------- data
def load_training_pairs(config: DistillConfig) -> tuple[list[tuple[str, str, str]], dict[str, list], dict]:
    """Training triples ``(lang, en, other)``, dev pairs per language and a summary of what was read."""
    from engine.data.bitext import load_bitext, shipped_bitext
    from engine.languages import normalize_code

    if len(config.bitext) != len(config.langs):
        raise UserError(f"{len(config.bitext)} bitext inputs but {len(config.langs)} languages; give one per input")
    rng = np.random.default_rng(config.seed)
    by_lang: dict[str, list[tuple[str, str]]] = {}
    dev: dict[str, list[tuple[str, str]]] = {}
    summary: dict[str, dict] = {}
    for spec, lang in zip(config.bitext, config.langs):
        lang = normalize_code(lang)
        if spec.startswith("shipped"):
            parts = spec.split(":")
            source = parts[1] if len(parts) > 1 and parts[1] else None
            files = shipped_bitext(lang, source, "train")
            dev_files = shipped_bitext(lang, source, "dev")
            if not files:
                raise UserError(f"no shipped training bitext for {lang}" + (f" from {source}" if source else ""))
        else:
            paths = spec.split(",")
            for p in paths:
                if not Path(p).is_file():
                    raise UserError(f"bitext file {p} not found")
            files = [tuple(paths)] if len(paths) == 2 else [paths[0]]
            dev_files = []
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
        pairs = [pairs[i] for i in order]
        if lang not in dev:  # user bitext without a dev split: hold out a slice, never trained on
            n_dev = min(config.dev_pairs, len(pairs) // 10)
            dev[lang], pairs = pairs[:n_dev], pairs[n_dev:]
        if config.max_pairs:
            pairs = pairs[: config.max_pairs]
        summary[lang]["train"] = len(pairs)
        triples += [(lang, en, x) for en, x in pairs]
    dev = {lang: p[: config.dev_pairs] for lang, p in dev.items()}
    for lang in dev:
        summary.setdefault(lang, {})["dev"] = len(dev[lang])
    if not triples:
        raise UserError("no training pairs left after reading the bitext")
    return triples, dev, summary


def batch_order(n: int, batch_size: int, epoch: int, seed: int, lengths: np.ndarray | None = None,
                bucket_batches: int = 64) -> list[np.ndarray]:
    """The batches of one epoch: a seeded shuffle, deterministic for ``(seed, epoch)`` (so ``--resume`` is exact).

    With ``lengths``, the shuffled pairs are cut into pools of ``bucket_batches`` batches, each pool is sorted by
    length and cut into batches, and the batches are shuffled: every batch holds pairs of similar length, so
    padding (most of the compute of a step) shrinks, while every pair is still seen once per epoch.
    """
    rng = np.random.default_rng(seed + 1000 * epoch)
    perm = rng.permutation(n)
    if lengths is not None:
        pool = batch_size * bucket_batches
        perm = np.concatenate([chunk[np.argsort(lengths[chunk], kind="stable")]
                               for chunk in np.split(perm, range(pool, n, pool))])
    batches = [perm[i : i + batch_size] for i in range(0, n - batch_size + 1, batch_size)] or [perm]
    if lengths is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def autocast_dtype(precision: str, device: str) -> torch.dtype | None:
    """The dtype the transformer layers run in: ``bf16`` autocast, or None (fp32).

    ``auto`` picks bf16 where the hardware computes it natively (CUDA with bf16, or a CPU with AVX-512 BF16 /
    AMX), where it is ~1.3-2x faster; weights, optimiser state, Sinkhorn and the losses stay fp32.
    """
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    if precision != "auto":
        raise UserError(f"--precision must be fp32, bf16 or auto, got {precision!r}")
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    cpu = getattr(torch, "cpu", None)
    native = any(getattr(cpu, f, lambda: False)() for f in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"))
    return torch.bfloat16 if native else None


# ----------------------------------------------------------------------------- loss
class DistillLoss:
    def __init__(self, config: DistillConfig):
        from engine.losses import LOSSES, OTAlignmentLoss
        from engine.losses.mse import PooledMSELoss

        if config.loss not in LOSSES:
            raise UserError(f"unknown loss {config.loss!r}; choose from {', '.join(LOSSES)}")
        cls = LOSSES[config.loss]
        kwargs = {"ot-contrastive": dict(eps=config.eps, tau=config.tau, max_iter=config.sinkhorn_iter,
                                         symmetric=True),
                  "ot-align": dict(eps=config.eps, max_iter=config.sinkhorn_iter),
                  "infonce": dict(tau=config.tau), "mse": {}}[config.loss]
        self.main = cls(**kwargs)
        self.pooled = config.loss in ("mse", "infonce")
        self.lambda_en = config.lambda_en
        self.english_is_ot = config.english_term == "ot"
        self.english = (OTAlignmentLoss(eps=config.eps, max_iter=config.sinkhorn_iter)
                        if self.english_is_ot else PooledMSELoss())

    def masks(self, batch):
        # pooled losses see what retrieval pools (every real token); OT losses see content tokens only
        return batch.attention_mask.bool() if self.pooled else batch.content_mask

    def __call__(self, t_h, t_batch, s_h, s_batch, s_en_h=None) -> tuple[torch.Tensor, dict]:
        dev = s_h.device
        out = self.main(t_h, self.masks(t_batch).to(dev), s_h, self.masks(s_batch).to(dev), return_stats=True)
        loss, stats = out if isinstance(out, tuple) else (out, {})
        stats = {"main": float(loss.detach())} | {k: v for k, v in stats.items() if isinstance(v, (int, float))}
        if s_en_h is not None and self.lambda_en > 0:
            m = (t_batch.content_mask if self.english_is_ot else t_batch.attention_mask.bool()).to(dev)
            en = self.english(t_h, m, s_en_h, m)
            en = en[0] if isinstance(en, tuple) else en
            stats["english"] = float(en.detach())
            loss = loss + self.lambda_en * en
        return loss, stats


# ----------------------------------------------------------------------------- checkpoints
def _save_optimizer(opt: torch.optim.Optimizer, sched, path: Path) -> None:
    from safetensors.torch import save_file

    tensors, meta = {}, {"param_groups": opt.state_dict()["param_groups"], "scheduler": sched.state_dict()}
    for pid, state in opt.state_dict()["state"].items():
        for k, v in state.items():
            tensors[f"{pid}.{k}"] = v.detach().cpu().contiguous() if torch.is_tensor(v) else torch.tensor(v)
    save_file(tensors, str(path.with_suffix(".tmp")))
    path.with_suffix(".tmp").replace(path)
    (path.parent / "optimizer.json").write_text(json.dumps(meta))


def _load_optimizer(opt: torch.optim.Optimizer, sched, path: Path) -> None:
    from safetensors.torch import load_file

    tensors = load_file(str(path))
    meta = json.loads((path.parent / "optimizer.json").read_text())
    state: dict[int, dict] = {}
    for key, v in tensors.items():
        pid, name = key.split(".", 1)
        state.setdefault(int(pid), {})[name] = v
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    sched.load_state_dict(meta["scheduler"])


def _atomic_json(path: Path, obj) -> None:
    from engine.fileio import write_text_atomic

    write_text_atomic(path, json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


# ----------------------------------------------------------------------------- distributed
def _dist_setup(device: str) -> tuple[int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.startswith("cuda") else "gloo")
    return dist.get_rank(), world


def _barrier(world: int) -> None:
    if world > 1:
        import torch.distributed as dist

        dist.barrier()


def weights_digest(model: torch.nn.Module) -> str:
    import hashlib

    h = hashlib.sha256()
    for name, p in sorted(trainable_named(model)):
        h.update(name.encode())
        h.update(p.detach().cpu().float().numpy().tobytes())
    return h.hexdigest()


def trainable_named(model):
    return [(n, p) for n, p in model.named_parameters() if p.requires_grad]


# ----------------------------------------------------------------------------- the run
def distill(config: DistillConfig, resume: bool = False, device: str | None = None, teacher=None,
            progress: bool = True, bottom_caches: list | None = None) -> dict:
    """Train a student as configured; returns the final summary (also in ``<out>/summary.json``).

    With ``--train top:N`` on one process, the frozen bottom runs once per text (see
    :mod:`engine.training.frozen_bottom`); pass a list as ``bottom_caches`` to share caches between runs on the same
    texts: a compatible cache in it is reused, else the new one is appended.
    """
    from engine.training.frozen_bottom import FrozenBottomCache, student_top
    from tqdm.auto import tqdm

    from engine.encoders import load_encoder
    from engine.encoders.encoder import Encoder
    from engine.training.dev import DevSet

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    rank, world = _dist_setup(device)
    if world > 1 and device.startswith("cuda"):
        device = f"cuda:{int(os.environ.get('LOCAL_RANK', rank))}"
    if config.threads:
        torch.set_num_threads(config.threads)
    out = Path(config.out)
    last = out / LAST
    if out.exists() and (out / "student.json").exists() and not resume and rank == 0:
        raise UserError(f"{out} already holds a student; use --resume to continue or choose another --out")
    spec = TrainSpec.parse(config.train, config.lora_r, config.lora_alpha)
    torch.manual_seed(config.seed)
    np.random.seed(config.seed)

    teacher = teacher or load_encoder(config.base, device=device)
    teacher.model.eval()
    for p in teacher.model.parameters():
        p.requires_grad_(False)
    triples, dev_pairs, data_summary = load_training_pairs(config)

    student_model = make_trainable(copy.deepcopy(teacher.model), spec).to(device)
    student = Encoder(student_model, teacher.tokenizer, name="student", fingerprint="training",
                      max_length=teacher.max_length, prefixes=teacher.prefixes)
    params = [p for p in student_model.parameters() if p.requires_grad]
    n_trainable = sum(p.numel() for p in params)
    forward_model = student_model
    from engine.training.frozen_bottom import encoder_layers

    n_top = min(int(spec.mode[4:]), len(encoder_layers(student_model))) if spec.mode.startswith("top:") else 0
    amp = autocast_dtype(config.precision, device)
    device_type = torch.device(device).type
    autocast = lambda: torch.autocast(device_type, dtype=amp or torch.float32, enabled=amp is not None)  # noqa: E731
    cache = None
    if n_top and world == 1:
        pool = bottom_caches if bottom_caches is not None else []
        cache = next((c for c in pool if c.compatible(teacher, n_top, config.max_length, amp)), None)
        if cache is None:
            cache = FrozenBottomCache(teacher, n_top, config.max_length, compute_dtype=amp)
            pool.append(cache)
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel as DDP

        forward_model = DDP(student_model, device_ids=[torch.device(device).index] if device.startswith("cuda")
                            else None)

    global_batch = config.batch_size * world
    steps_per_epoch = max(1, len(triples) // global_batch)
    total_steps = config.max_steps or max(1, math.ceil(config.epochs * steps_per_epoch))
    opt = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    warm = max(1, int(config.warmup * total_steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total_steps - s) / max(1, total_steps - warm))))
    loss_fn = DistillLoss(config)

    state = {"step": 0, "best": None, "history": [], "pairs_seen": 0, "train_seconds": 0.0}
    if resume and (last / "trainer_state.json").is_file():
        from safetensors.torch import load_file

        state = json.loads((last / "trainer_state.json").read_text())
        delta = load_file(str(last / "delta.safetensors"))
        named = dict(trainable_named(student_model))
        with torch.no_grad():
            for k, v in delta.items():
                named[k].copy_(v)
        _load_optimizer(opt, sched, last / "optimizer.safetensors")
        torch.set_rng_state(torch.tensor(state["torch_rng"], dtype=torch.uint8))
    elif resume and rank == 0:
        print(f"no checkpoint in {last}; starting from scratch")

    dev = DevSet(dev_pairs, teacher) if rank == 0 and dev_pairs else None
    card = StudentCard(base=config.base, base_fingerprint=teacher.fingerprint, train=asdict(spec),
                       langs=sorted({lang for lang, _, _ in triples}), loss=config.loss, config=asdict(config))
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
        _atomic_json(out / "config.json", asdict(config))
        _atomic_json(out / "data_summary.json", data_summary)

    def evaluate_and_checkpoint(final: bool = False) -> None:
        if rank == 0:
            student_model.eval()
            scores = dev.score(student) if dev else {}
            student_model.train()
            entry = {"step": state["step"], "dev": scores, "pairs_seen": state["pairs_seen"]}
            state["history"].append(entry)
            ok_english = not dev or scores["en"] >= dev.base["en"] - config.english_guard
            if dev and ok_english and (state["best"] is None or scores["mean"] > state["best"]["dev"]["mean"]):
                state["best"] = entry
                card.dev = {"base": dev.base, "student": scores, "step": state["step"]}
                card.fallback_langs = [lang for lang in dev.pairs if scores[lang] <= dev.base[lang]]
                save_student(student_model, card, out, dtype=getattr(torch, config.save_dtype))
            elif final and state["best"] is None:
                # no dev split, or no checkpoint passed the English guard: keep the weights, but route every
                # language with dev data back to the base model
                card.fallback_langs = sorted(dev.pairs) if dev else []
                card.dev = {"base": dev.base, "student": scores, "note": "no checkpoint passed the English guard"
                            } if dev else {}
                save_student(student_model, card, out, dtype=getattr(torch, config.save_dtype))
            last.mkdir(parents=True, exist_ok=True)
            from safetensors.torch import save_file

            save_file(dict((k, v.detach().cpu().contiguous()) for k, v in trainable_named(student_model)),
                      str(last / "delta.tmp"))
            (last / "delta.tmp").replace(last / "delta.safetensors")
            _save_optimizer(opt, sched, last / "optimizer.safetensors")
            state["torch_rng"] = torch.get_rng_state().tolist()
            _atomic_json(last / "trainer_state.json", state)
            with open(out / "train_log.jsonl", "a") as f:
                f.write(json.dumps(entry) + "\n")
        _barrier(world)

    if state["step"] == 0 and rank == 0 and dev:
        state["history"].append({"step": 0, "dev": dev.base, "pairs_seen": 0, "note": "base model"})

    lengths = (np.array([len(en) + len(other) for _, en, other in triples]) if config.length_buckets else None)
    student_model.train()
    bar = tqdm(total=total_steps, initial=state["step"], desc=f"distill {config.loss}", unit="step",
               disable=not progress or rank != 0)
    stats: dict = {}
    while state["step"] < total_steps:
        epoch, offset = divmod(state["step"], steps_per_epoch)
        batches = batch_order(len(triples), global_batch, epoch, config.seed, lengths)
        for idx in batches[offset:]:
            if state["step"] >= total_steps:
                break
            t0 = time.perf_counter()
            idx = idx[rank::world]
            en = [triples[i][1] for i in idx]
            other = [triples[i][2] for i in idx]
            s_en_h = None
            if cache is not None:
                t_batch, t_bottom, t_h = cache.batch(en, True, device)
                s_batch, s_bottom, _ = cache.batch(other, False, device)
                with autocast():
                    s_h = student_top(student_model, s_bottom, s_batch.attention_mask, n_top)
                    if config.lambda_en > 0:
                        s_en_h = student_top(student_model, t_bottom, t_batch.attention_mask, n_top)
            else:
                t_batch = teacher.tokenize(en, "query", config.max_length).to(device)
                s_batch = student.tokenize(other, "query", config.max_length).to(device)
                with autocast():
                    with torch.no_grad():
                        t_h = teacher.model(input_ids=t_batch.input_ids, attention_mask=t_batch.attention_mask
                                            ).last_hidden_state
                    s_h = forward_model(input_ids=s_batch.input_ids, attention_mask=s_batch.attention_mask
                                        ).last_hidden_state
                    if config.lambda_en > 0:
                        s_en_h = forward_model(input_ids=t_batch.input_ids, attention_mask=t_batch.attention_mask
                                               ).last_hidden_state
            # Sinkhorn and the losses run in fp32 whatever the layers ran in
            t_h, s_h = t_h.float(), s_h.float()
            s_en_h = None if s_en_h is None else s_en_h.float()
            loss, stats = loss_fn(t_h, t_batch, s_h, s_batch, s_en_h)
            if not torch.isfinite(loss):
                bar.close()
                raise UserError(f"loss became {loss.item()} at step {state['step'] + 1}; stopped. The last good "
                                f"checkpoint is in {last} (lower --lr or raise --eps)")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip:
                torch.nn.utils.clip_grad_norm_(params, config.grad_clip)
            opt.step()
            sched.step()
            state["step"] += 1
            state["pairs_seen"] += len(idx) * world
            dt = time.perf_counter() - t0
            state["train_seconds"] += dt
            bar.set_postfix(loss=f"{loss.item():.4f}", pairs_s=f"{len(idx) * world / dt:.1f}")
            bar.update(1)
            if state["step"] % config.eval_every == 0 or state["step"] == total_steps:
                evaluate_and_checkpoint(final=state["step"] == total_steps)
    bar.close()
    if state["step"] and not (last / "trainer_state.json").is_file():
        evaluate_and_checkpoint(final=True)

    summary = {
        "out": str(out), "steps": state["step"], "pairs_seen": state["pairs_seen"],
        "pairs_per_second": state["pairs_seen"] / max(1e-9, state["train_seconds"]),
        "trainable_parameters": n_trainable, "best": state["best"], "data": data_summary,
        "world_size": world, "last_stats": stats,
    }
    digest = weights_digest(student_model)
    if world > 1:
        _atomic_json(out / f"rank{rank}_weights.json", {"rank": rank, "sha256": digest})
    if rank == 0:
        summary["weights_sha256"] = digest
        _atomic_json(out / "summary.json", summary)
    _barrier(world)
    return summary
