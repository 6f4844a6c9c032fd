"""One indexing worker: a process that encodes its shard of the collection and commits it to the index.

Runs as a ``multiprocessing`` *spawn* child with one intra-op thread (ONNX Runtime session option, or
``torch.set_num_threads(1)``), so N workers use N cores without oversubscription. It reads the whole collection,
keeps its shard (:mod:`engine.indexing.shards`) and calls :meth:`engine.index.DocumentIndex.add_documents`, which
commits documents and vectors together per batch and skips what is already indexed: if the process is killed, the
batch in flight is lost and nothing else, and a new worker for the same shard carries on from there.

Messages to the parent, over this worker's own pipe (no lock shared with other workers, so a worker killed in the
middle of a message cannot block the others): ``("start", shard, pid, fingerprint)``, ``("batch", shard, documents)``
per committed batch, then ``("done", shard, AddReport as dict + "cpu_seconds")`` or ``("error", shard, message)``.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class WorkerJob:
    """What one worker indexes, and how."""

    collection: str
    db: str
    shard: int
    shards: int
    model: str | None = None
    backend: str = "onnx"
    batch_size: int = 32
    threads: int = 1


def load_document_encoder(model: str | None, backend: str, threads: int):
    """The document encoder of ``model`` (a student's frozen base) with ``threads`` intra-op threads."""
    if backend == "torch":
        from engine.backends import load_document_encoder as load
        from engine.backends import set_threads

        set_threads("torch", threads)
        return load(model, "torch")
    from engine.artifacts import resolve_model
    from engine.serving.models import load_documents, load_onnx_document_encoder

    ref = resolve_model(model)
    if ref.kind in ("export", "onnx-file"):
        return load_onnx_document_encoder(ref, progress=False)  # a ready export: its own session settings
    return load_documents(ref.base if ref.kind == "student" else ref, threads=threads, progress=False)


def run_worker(job: WorkerJob, messages) -> None:  # messages: the sending end of a multiprocessing Pipe
    """The body of a worker process (module docstring)."""
    os.environ.setdefault("OMP_NUM_THREADS", str(job.threads))
    from engine.errors import UserError

    try:
        from engine.index import DocumentIndex, read_documents
        from engine.indexing.shards import shard_documents

        encoder = load_document_encoder(job.model, job.backend, job.threads)
        messages.send(("start", job.shard, os.getpid(), encoder.fingerprint))
        with DocumentIndex(job.db) as index:
            report = index.add_documents(
                shard_documents(read_documents(job.collection), job.shard, job.shards), encoder,
                batch_size=job.batch_size, progress=False,
                on_batch=lambda n: messages.send(("batch", job.shard, n)))
        times = os.times()
        messages.send(("done", job.shard, {**asdict(report), "cpu_seconds": times.user + times.system}))
    except UserError as exc:
        messages.send(("error", job.shard, str(exc)))
    finally:
        messages.close()
