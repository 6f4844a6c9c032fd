"""How the explorer runs: a typed settings record, filled by the CLI (``python -m explorer``) or by tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_STUDENT = REPO_ROOT / "exports" / "default-student"


def default_cache_dir() -> Path:
    """``$OPTICAL_CLIR_CACHE/explorer`` (default ``~/.cache/optical-clir/explorer``)."""
    from engine.artifacts.offline_e5 import default_cache_dir as engine_cache

    return engine_cache() / "explorer"


def default_threads() -> int:
    """Half the cores, at most 4: one short query gains little from more, and on a shared machine (training in
    the background) oversubscribed OpenMP threads spin and make a 30 ms query take a second."""
    import os

    return max(1, min(4, (os.cpu_count() or 2) // 2))


@dataclass
class ExplorerConfig:
    host: str = "127.0.0.1"  # loopback only unless the user asks for more
    port: int | None = None  # None: Gradio picks 7860 or the next free port
    share: bool = False
    db: Path | None = None  # an existing index to search instead of the default collection (built there if absent)
    store: str = "auto"  # the vector store of --db (engine.index: auto, exact, faiss[:DIR], milvus-lite:F, milvus://…)
    student: Path | None = DEFAULT_STUDENT  # None: base model only (--no-student)
    backend: str = "onnx"  # onnx | torch (engine.serving)
    cache_dir: Path = field(default_factory=default_cache_dir)
    threads: int = field(default_factory=lambda: default_threads())  # intra-op threads (ONNX Runtime or torch)
    concurrency_limit: int = 4  # simultaneous model calls; the rest wait in Gradio's queue
    max_queue: int = 64
    top_k: int = 10
    max_upload_bytes: int = 5 * 1024 * 1024
    max_upload_docs: int = 5000
    max_collections: int = 20  # uploaded collections kept at once (oldest dropped)
