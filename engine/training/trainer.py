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

This module is the loop; each of its parts is a module of :mod:`engine.training`.
"""

from __future__ import annotations

import copy
import json
import math
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from engine.artifacts import StudentCard, is_student_dir
from engine.encoders.students import TrainSpec, make_trainable
from engine.errors import UserError
from engine.training.batching import batch_order, pair_lengths
from engine.training.checkpoint import (
    LAST,
    STATE_FILE,
    atomic_json,
    load_checkpoint,
    new_state,
    save_checkpoint,
    weights_digest,
)
from engine.training.config import DistillConfig
from engine.training.distributed import barrier, dist_setup, wrap_ddp
from engine.training.forward import StepForward, bottom_cache, top_layers
from engine.training.objective import DistillLoss
from engine.training.optimizer import make_optimizer, optimizer_step
from engine.training.parity import add_parity_term
from engine.training.passages import passage_targets, window_side_term
from engine.training.precision import autocast_dtype
from engine.training.selection import DevSelection


def _frozen(teacher):
    teacher.model.eval()
    for p in teacher.model.parameters():
        p.requires_grad_(False)
    return teacher


def initial_weights(config: DistillConfig, teacher, spec: TrainSpec) -> torch.nn.Module:
    """The model a run starts from: a copy of the teacher, or with ``init`` the student it continues (students that
    grow), which must share the teacher and the trained part."""
    if not config.init:
        return copy.deepcopy(teacher.model)
    from engine.artifacts import read_student_card
    from engine.encoders.students import apply_delta

    card = read_student_card(Path(config.init))
    if card.base_fingerprint != teacher.fingerprint:
        raise UserError(f"--init {Path(config.init).name}: trained on another base model than {config.base}")
    if card.train.get("mode") != spec.mode or spec.mode == "lora":
        raise UserError(f"--init {Path(config.init).name}: trained with --train {card.train.get('mode')}; continue "
                        f"it with the same --train (top:N or full)")
    model = apply_delta(teacher.model, Path(config.init), card)
    for p in model.parameters():
        p.requires_grad_(True)
    return model.train()


def distill(config: DistillConfig, resume: bool = False, device: str | None = None, teacher=None,
            progress: bool = True, bottom_caches: list | None = None) -> dict:
    """Train a student as configured; returns the final summary (also in ``<out>/summary.json``).

    With ``--train top:N`` on one process, the frozen bottom runs once per text (see
    :mod:`engine.training.frozen_bottom`); pass a list as ``bottom_caches`` to share caches between runs on the same
    texts: a compatible cache in it is reused, else the new one is appended.
    """
    from tqdm.auto import tqdm

    from engine.encoders import load_encoder
    from engine.encoders.encoder import Encoder
    from engine.training.data import load_training_pairs
    from engine.training.dev import DevSet

    rank, world, device = dist_setup(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if config.threads:
        torch.set_num_threads(config.threads)
    out = Path(config.out)
    last = out / LAST
    if out.exists() and is_student_dir(out) and not resume and rank == 0:
        raise UserError(f"{out} already holds a student; use --resume to continue or choose another --out")
    spec = TrainSpec.parse(config.train, config.lora_r, config.lora_alpha)
    torch.manual_seed(config.seed)
    np.random.seed(config.seed)

    teacher = _frozen(teacher or load_encoder(config.base, device=device))
    unused: list[str] = []
    triples, dev_pairs, data_summary = load_training_pairs(config, unused)

    # --- the student and the forward passes of a step
    student_model = make_trainable(initial_weights(config, teacher, spec), spec).to(device)
    student = Encoder(student_model, teacher.tokenizer, name="student", fingerprint="training",
                      max_length=teacher.max_length, prefixes=teacher.prefixes)
    params = [p for p in student_model.parameters() if p.requires_grad]
    n_top = top_layers(student_model, spec.mode)
    amp = autocast_dtype(config.precision, device)
    cache = bottom_cache(bottom_caches, teacher, n_top, config.max_length, amp) if n_top and world == 1 else None
    forward = StepForward(teacher, student, wrap_ddp(student_model, device) if world > 1 else student_model,
                          device, amp, config.max_length, config.lambda_en > 0, n_top, cache,
                          config.passage_max_length)

    # --- optimiser, objective, and the state to resume from
    global_batch = config.batch_size * world
    steps_per_epoch = max(1, len(triples) // global_batch)
    total_steps = config.max_steps or max(1, math.ceil(config.epochs * steps_per_epoch))
    opt, sched = make_optimizer(params, config, total_steps)
    loss_fn = DistillLoss(config)
    passages = passage_targets(config, teacher, triples, bottom_caches, progress and rank == 0)
    window_cache = (bottom_cache(bottom_caches, teacher, n_top, config.passage_max_length, amp)
                    if cache is not None and config.passage_window_side > 0 else None)
    windows = window_side_term(config, teacher, triples, bottom_caches, window_cache)
    state = new_state()
    if resume and (last / STATE_FILE).is_file():
        state = load_checkpoint(last, student_model, opt, sched)
    elif resume and rank == 0:
        print(f"no checkpoint in {last}; starting from scratch")

    # --- dev selection (rank 0) and the files that say how the run was made
    card = StudentCard(base=config.base, base_fingerprint=teacher.fingerprint, train=asdict(spec),
                       langs=sorted({lang for lang, _, _ in triples}), loss=config.loss, config=asdict(config))
    distractors = unused[: config.dev_distractors]
    selection = DevSelection(DevSet(dev_pairs, teacher, distractors=distractors) if rank == 0 and dev_pairs else None,
                             card, config, out)
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
        atomic_json(out / "config.json", asdict(config))
        atomic_json(out / "data_summary.json", data_summary)

    def evaluate_and_checkpoint(final: bool = False) -> None:
        if rank == 0:
            entry = selection.evaluate(student, state, final)
            save_checkpoint(last, student_model, opt, sched, state)
            with open(out / "train_log.jsonl", "a") as f:
                f.write(json.dumps(entry) + "\n")
        barrier(world)

    if rank == 0:
        selection.start(state, student)

    # --- the loop
    lengths = pair_lengths(triples) if config.length_buckets and not config.local_batches else None
    student_model.train()
    bar = tqdm(total=total_steps, initial=state["step"], desc=f"distill {config.loss}", unit="step",
               disable=not progress or rank != 0)
    stats: dict = {}
    while state["step"] < total_steps:
        epoch, offset = divmod(state["step"], steps_per_epoch)
        batches = batch_order(len(triples), global_batch, epoch, config.seed, lengths, local=config.local_batches)
        for idx in batches[offset:]:
            if state["step"] >= total_steps:
                break
            t0 = time.perf_counter()
            idx = idx[rank::world]
            en, other = [triples[i][1] for i in idx], [triples[i][2] for i in idx]
            hidden = forward(en, other)
            loss, stats = loss_fn(*hidden)
            if config.passage_side > 0 or config.language_parity > 0:
                pair = forward.passage_pair(en, other)
                if config.passage_side > 0:
                    doc_loss, _ = loss_fn.main_term(*pair)
                    loss = loss + config.passage_side * doc_loss
                    stats = {**stats, "documents": float(doc_loss.detach())}
                if config.language_parity > 0:
                    loss, stats = add_parity_term(loss, stats, hidden, pair, config.language_parity, config.tau)
            if passages is not None:
                loss, stats = passages.add_term(loss, stats, hidden, en)
            if windows is not None:
                loss, stats = windows.add_term(loss, stats, forward, en, other)
            if not torch.isfinite(loss):
                bar.close()
                raise UserError(f"loss became {loss.item()} at step {state['step'] + 1}; stopped. The last good "
                                f"checkpoint is in {last} (lower --lr or raise --eps)")
            optimizer_step(loss, opt, sched, params, config.grad_clip)
            state["step"] += 1
            state["pairs_seen"] += len(idx) * world
            dt = time.perf_counter() - t0
            state["train_seconds"] += dt
            bar.set_postfix(loss=f"{loss.item():.4f}", pairs_s=f"{len(idx) * world / dt:.1f}")
            bar.update(1)
            if state["step"] % config.eval_every == 0 or state["step"] == total_steps:
                evaluate_and_checkpoint(final=state["step"] == total_steps)
    bar.close()
    if state["step"] and not (last / STATE_FILE).is_file():
        evaluate_and_checkpoint(final=True)

    summary = {
        "out": str(out), "steps": state["step"], "pairs_seen": state["pairs_seen"],
        "pairs_per_second": state["pairs_seen"] / max(1e-9, state["train_seconds"]),
        "trainable_parameters": sum(p.numel() for p in params), "best": state["best"], "data": data_summary,
        "world_size": world, "last_stats": stats,
    }
    digest = weights_digest(student_model)
    if world > 1:
        atomic_json(out / f"rank{rank}_weights.json", {"rank": rank, "sha256": digest})
    if rank == 0:
        summary["weights_sha256"] = digest
        atomic_json(out / "summary.json", summary)
    barrier(world)
    return summary
