"""``checkpoint-last``: what ``--resume`` needs to continue a run exactly, written at every dev evaluation.

It holds the trained tensors (``delta.safetensors``), the optimiser and scheduler state (``optimizer.safetensors`` +
``optimizer.json``) and the trainer state (``trainer_state.json``: step, history, best entry, torch RNG state).
Each file is replaced atomically, so an interrupted write leaves the previous checkpoint readable.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch

from engine.artifacts import DELTA_FILE

LAST = "checkpoint-last"
STATE_FILE = "trainer_state.json"


def new_state() -> dict:
    """The trainer state of a run that has not taken a step."""
    return {"step": 0, "best": None, "history": [], "pairs_seen": 0, "train_seconds": 0.0}


def trainable_named(model: torch.nn.Module) -> list[tuple[str, torch.nn.Parameter]]:
    return [(n, p) for n, p in model.named_parameters() if p.requires_grad]


def weights_digest(model: torch.nn.Module) -> str:
    """SHA-256 over the trainable tensors (name and fp32 bytes): equal digests, equal students."""
    h = hashlib.sha256()
    for name, p in sorted(trainable_named(model)):
        h.update(name.encode())
        h.update(p.detach().cpu().float().numpy().tobytes())
    return h.hexdigest()


def atomic_json(path: Path, obj) -> None:
    from engine.fileio import write_text_atomic

    write_text_atomic(path, json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def save_optimizer(opt: torch.optim.Optimizer, sched, path: Path) -> None:
    from safetensors.torch import save_file

    tensors, meta = {}, {"param_groups": opt.state_dict()["param_groups"], "scheduler": sched.state_dict()}
    for pid, state in opt.state_dict()["state"].items():
        for k, v in state.items():
            tensors[f"{pid}.{k}"] = v.detach().cpu().contiguous() if torch.is_tensor(v) else torch.tensor(v)
    save_file(tensors, str(path.with_suffix(".tmp")))
    path.with_suffix(".tmp").replace(path)
    (path.parent / "optimizer.json").write_text(json.dumps(meta))


def load_optimizer(opt: torch.optim.Optimizer, sched, path: Path) -> None:
    from safetensors.torch import load_file

    tensors = load_file(str(path))
    meta = json.loads((path.parent / "optimizer.json").read_text())
    state: dict[int, dict] = {}
    for key, v in tensors.items():
        pid, name = key.split(".", 1)
        state.setdefault(int(pid), {})[name] = v
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    sched.load_state_dict(meta["scheduler"])


def save_checkpoint(last: Path, model: torch.nn.Module, opt: torch.optim.Optimizer, sched, state: dict) -> None:
    """Write ``last``: trained tensors, optimiser, and ``state`` with the torch RNG state added."""
    from safetensors.torch import save_file

    last.mkdir(parents=True, exist_ok=True)
    save_file(dict((k, v.detach().cpu().contiguous()) for k, v in trainable_named(model)), str(last / "delta.tmp"))
    (last / "delta.tmp").replace(last / DELTA_FILE)
    save_optimizer(opt, sched, last / "optimizer.safetensors")
    state["torch_rng"] = torch.get_rng_state().tolist()
    atomic_json(last / STATE_FILE, state)


def load_checkpoint(last: Path, model: torch.nn.Module, opt: torch.optim.Optimizer, sched) -> dict:
    """Restore tensors, optimiser and torch RNG from ``last``; returns the trainer state."""
    from safetensors.torch import load_file

    state = json.loads((last / STATE_FILE).read_text())
    delta = load_file(str(last / DELTA_FILE))
    named = dict(trainable_named(model))
    with torch.no_grad():
        for k, v in delta.items():
            named[k].copy_(v)
    load_optimizer(opt, sched, last / "optimizer.safetensors")
    torch.set_rng_state(torch.tensor(state["torch_rng"], dtype=torch.uint8))
    return state
