"""Training under ``torchrun``: DistributedDataParallel over gloo (CPU) or nccl (GPU); one process is a no-op."""

from __future__ import annotations

import os

import torch


def dist_setup(device: str) -> tuple[int, int, str]:
    """``(rank, world_size, device)``; under ``torchrun`` joins the process group, each rank on its own GPU."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1, device
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.startswith("cuda") else "gloo")
    rank = dist.get_rank()
    if device.startswith("cuda"):
        device = f"cuda:{int(os.environ.get('LOCAL_RANK', rank))}"
    return rank, world, device


def barrier(world: int) -> None:
    if world > 1:
        import torch.distributed as dist

        dist.barrier()


def wrap_ddp(model: torch.nn.Module, device: str) -> torch.nn.Module:
    from torch.nn.parallel import DistributedDataParallel as DDP

    return DDP(model, device_ids=[torch.device(device).index] if device.startswith("cuda") else None)
