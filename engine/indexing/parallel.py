"""Index a collection with N worker processes, then bring the index's vector store up to date.

1. The parent creates the index file (so workers only open it) and counts the input.
2. N *spawn* processes (:mod:`engine.indexing.worker`) each encode one shard (:mod:`engine.indexing.shards`) with
   one intra-op thread and commit it batch by batch to the same SQLite file (WAL: one writer at a time, each
   batch a short transaction; encoding, the slow part, runs in parallel).
3. A worker that dies (a signal, out of memory) is started again for its shard, up to ``restarts`` times; its
   committed batches are skipped, so nothing is lost or indexed twice. Past that, the job stops with a one-line
   error and a rerun of the same command resumes every shard.
4. The parent syncs the vector store (``--store``: FAISS, Milvus ...) from the index once, at the end
   (:meth:`engine.index.DocumentIndex.sync_vectors`): the store has one writer, and a killed worker can never
   leave it half-written.

One progress bar counts documents over all workers.
"""

from __future__ import annotations

import signal
import sys
import time
from dataclasses import asdict, dataclass, field
from multiprocessing import connection
from pathlib import Path

from engine.errors import UserError
from engine.indexing.worker import WorkerJob, run_worker

SUM_FIELDS = ("documents", "passages", "encoded", "skipped", "updated", "removed", "truncated")


@dataclass
class IndexingReport:
    """What :func:`index_collection` did, summed over the workers (``shards``: each worker's own report)."""

    workers: int
    documents: int = 0
    passages: int = 0
    encoded: int = 0
    skipped: int = 0
    updated: int = 0
    removed: int = 0
    truncated: int = 0
    restarts: int = 0
    fingerprint: str = ""
    model: str = ""
    seconds: float = 0.0  # wall clock, worker start-up (model loading) included
    startup_seconds: float = 0.0  # until every worker had its encoder loaded
    cpu_seconds: float = 0.0  # user + system CPU of the workers that finished (start-up included)
    sync: dict | None = None
    shards: list = field(default_factory=list)

    @property
    def passages_per_second(self) -> float:
        return self.encoded / self.seconds if self.seconds > 0 else 0.0


def _why(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


def index_collection(collection: str, db: str | Path, model: str | None = None, backend: str = "onnx",
                     workers: int = 2, batch_size: int = 32, store: str = "auto", restarts: int = 2,
                     progress: bool = True, threads: int = 1) -> IndexingReport:
    """Index ``collection`` into ``db`` with ``workers`` processes, then sync ``store`` (module docstring)."""
    import multiprocessing as mp

    from tqdm.auto import tqdm

    from engine.index import DocumentIndex, read_documents

    if int(workers) < 1:
        raise UserError(f"--workers must be at least 1, got {workers}")
    total = sum(1 for _ in read_documents(collection))  # every input error surfaces before any work
    with DocumentIndex(db, create=True, store=store):
        pass
    start = time.perf_counter()
    context = mp.get_context("spawn")
    jobs = [WorkerJob(str(collection), str(db), shard, int(workers), model, backend, int(batch_size), int(threads))
            for shard in range(int(workers))]
    report = IndexingReport(workers=int(workers))
    running: dict[int, tuple] = {}  # shard -> (process, receiving end of its pipe)

    def launch(job: WorkerJob) -> None:
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=run_worker, args=(job, send), daemon=True)
        process.start()
        send.close()  # the child holds the only sending end: its death closes the pipe
        running[job.shard] = (process, receive)

    for job in jobs:
        launch(job)
    done: dict[int, dict] = {}
    started: set[int] = set()
    errors: list[str] = []
    bar = tqdm(total=total, desc=f"indexing with {workers} worker(s)", unit="doc", disable=None if progress else True)
    try:
        while running:
            ends = {receive: shard for shard, (_, receive) in running.items()}
            for receive in connection.wait(list(ends), timeout=1.0):
                shard = ends[receive]
                try:
                    kind, _, payload, *rest = receive.recv()
                except (EOFError, OSError):  # the worker has gone: finished, failed or killed
                    process = running.pop(shard)[0]
                    process.join()
                    receive.close()
                    if shard in done or process.exitcode == 0:
                        continue
                    if report.restarts < restarts * int(workers):
                        report.restarts += 1
                        bar.write(f"worker {shard + 1}/{workers} {_why(process.exitcode)}; restarting it (its "
                                  f"committed batches are kept)", file=sys.stderr)
                        launch(jobs[shard])
                    else:
                        errors.append(f"worker {shard + 1}/{workers} {_why(process.exitcode)} after "
                                      f"{report.restarts} restart(s); what the workers committed is kept: rerun the "
                                      f"same command to resume")
                    continue
                if kind == "start":
                    report.fingerprint = rest[0]
                    started.add(shard)
                    if len(started) == int(workers) and not report.startup_seconds:
                        report.startup_seconds = time.perf_counter() - start
                elif kind == "batch":
                    bar.update(payload)
                elif kind == "done":
                    done[shard] = payload
                elif kind == "error":
                    errors.append(payload)
    finally:
        bar.close()
        for process, _ in running.values():  # an error or Ctrl-C in the parent: stop the workers too
            process.terminate()
            process.join()
    if errors:
        raise UserError(errors[0])
    report.seconds = time.perf_counter() - start
    for shard in sorted(done):
        report.shards.append(done[shard])
        for name in SUM_FIELDS:
            setattr(report, name, getattr(report, name) + int(done[shard][name]))
        report.model = done[shard]["model"]
        report.cpu_seconds += float(done[shard].get("cpu_seconds", 0.0))
    if report.fingerprint and report.passages:
        with DocumentIndex(db, store=store) as index:
            sync = index.sync_vectors(report.fingerprint, progress=progress)
        report.sync = asdict(sync) if sync is not None else None
    return report
