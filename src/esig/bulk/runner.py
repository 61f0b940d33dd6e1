"""Run a job over many documents: a local pool of worker processes, or a Dask cluster.

Every document gets exactly one result line, written as soon as it is done:

* locally, ``workers`` threads each drive one :class:`~esig.bulk.sandbox.Sandbox` (a
  child interpreter that loaded the job once), so ``workers`` documents are examined at
  once on as many cores;
* with a ``dask.distributed`` ``Client`` (or a scheduler address), the documents go out
  as tasks of up to 16 documents each (a task costs the cluster a few milliseconds, a
  small document about as much); a Dask worker keeps one sandbox per thread between
  tasks.
  When a worker dies, Dask gives its unfinished documents to another worker; a task
  that still fails (``distributed.scheduler.allowed-failures`` deaths) gets a
  ``WorkerLost`` line.

A document that hangs or crashes its sandbox gets a ``Timeout`` or ``WorkerCrashed``
line; the job itself never raises for a document. Dask is imported only here, and only
when a cluster is asked for.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import copy
import functools
import hashlib
import logging
import os
import queue
import uuid
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import Any

from esig._io import CHUNK_SIZE
from esig._library_warnings import caught_library_warnings
from esig.bulk.jobs import ExtendJob, VerifyJob
from esig.bulk.results import (
    BulkSummary,
    ResultLine,
    ResultWriter,
    Verdict,
    read_results,
    summarize,
    write_parquet,
)
from esig.bulk.sandbox import Sandbox, sandbox_for
from esig.bulk.sources import expand_sources
from esig.errors import InputError

__all__ = ["ResultCallback", "check_documents", "local_cluster", "run_job"]

ResultCallback = Callable[[ResultLine], object]
"""Called once per document with its result line, in the caller's thread."""

DEFAULT_TIMEOUT = 300.0
"""Seconds one document may take before its worker's child process is killed."""
DEFAULT_CONNECT_TIMEOUT = 5.0
"""Seconds to wait for a Dask scheduler given by its address before giving up."""

_DASK_LOGGERS = ("distributed", "dask")
_MAX_CHUNK = 16
"""At most this many documents per Dask task: a task costs the cluster a few milliseconds
of CPU (scheduler, worker, client), a small document about as much to verify."""
_CHUNKS_PER_THREAD = 8
"""Tasks per worker thread at least, so the work stays balanced and a lost worker's
share is small."""
_QUIET_CLUSTER: dict[str, object] = {
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.worker.profile.enabled": False,
}
"""What :func:`local_cluster` changes from Dask's defaults. An idle LocalCluster of two
workers otherwise spends ~85 ms of CPU per second (event-loop ticks every 20 ms, system
and memory monitors, the statistical profiler every 10 ms): ~4 % of a 2-core machine
taken from the documents. With these, ~15 ms/s. The nannies are given them for the
worker processes they start, and restart after a worker dies."""


@functools.lru_cache(maxsize=4)
def _job_from(job_json: str) -> VerifyJob | ExtendJob:
    from pydantic import TypeAdapter  # noqa: PLC0415

    from esig.bulk.jobs import Job  # noqa: PLC0415

    return TypeAdapter(Job).validate_json(job_json)


def check_documents(sources: list[str], job_json: str, timeout: float | None) -> list[ResultLine]:
    """Examine a few documents in the calling thread's sandbox (the task a Dask worker runs)."""
    sandbox = sandbox_for(_job_from(job_json), timeout)
    return [sandbox.run(source) for source in sources]


def _auto_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _digest(path: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK_SIZE):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _unchanged(line: ResultLine, document: str) -> bool:
    """Whether ``line`` still says what ``document`` is: its bytes, and its content's."""
    if line.sha256 is None or line.sha256 != _digest(document):
        return False
    if line.content_path is None:
        return True
    return line.content_sha256 is not None and line.content_sha256 == _digest(line.content_path)


def _latest(path: Path) -> dict[str, ResultLine]:
    """The last line of each document in a results file (a re-run replaces a line)."""
    latest: dict[str, ResultLine] = {}
    if path.is_file():
        for line in read_results(path):
            latest[line.path] = line
    return latest


def run_job(
    job: VerifyJob | ExtendJob,
    sources: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    workers: int | None = None,
    client: Any = None,
    scheduler: str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    resume: bool = False,
    parquet: str | os.PathLike[str] | None = None,
    on_result: ResultCallback | None = None,
    on_start: Callable[[int], object] | None = None,
) -> BulkSummary:
    """Run ``job`` over every document of ``sources``; see :func:`esig.bulk.verify_many`."""
    if workers is not None and workers < 1:
        raise InputError("workers must be at least 1")
    if timeout is not None and timeout <= 0:
        raise InputError("The per-document timeout must be positive")
    if connect_timeout <= 0:
        raise InputError("The scheduler connection timeout must be positive")
    if client is not None and scheduler is not None:
        raise InputError("Give a Dask client or a scheduler address, not both")
    job.prepare()  # bad trust settings are the user's error, said once, before any work
    out = Path(output)
    documents = expand_sources(sources, exclude=[out, *([parquet] if parquet else [])])
    earlier = _latest(out) if resume else {}
    todo: list[str] = []
    kept: list[ResultLine] = []
    for document in documents:
        line = earlier.get(document)
        if line is not None and _unchanged(line, document):
            kept.append(line)
        else:
            todo.append(document)
    if on_start is not None:
        on_start(len(todo))
    done: list[ResultLine] = []
    on_cluster = client is not None or scheduler is not None
    with contextlib.ExitStack() as stack:
        # connected before --out is opened: an unreachable scheduler leaves it as it was
        connected = (
            stack.enter_context(_connected(client, scheduler, connect_timeout))
            if on_cluster and todo
            else None
        )
        writer = stack.enter_context(ResultWriter(out, append=resume))
        results = (
            _dask_results(job, todo, connected, timeout)
            if on_cluster
            else _local_results(job, todo, workers or _auto_workers(), timeout)
        )
        with contextlib.closing(results):
            for line in results:
                writer.write(line)
                done.append(line)
                if on_result is not None:
                    on_result(line)
    if parquet is not None:
        write_parquet(_latest(out).values(), parquet)
    return summarize([*kept, *done], skipped=len(kept))


# --------------------------------------------------------------------------- local pool


def _local_results(
    job: VerifyJob | ExtendJob, todo: list[str], workers: int, timeout: float | None
) -> Generator[ResultLine]:
    """Each document's line as it is done: ``workers`` threads, one sandbox each."""
    if not todo:
        return
    count = min(workers, len(todo))
    sandboxes: queue.SimpleQueue[Sandbox] = queue.SimpleQueue()
    every = [Sandbox(job, timeout) for _ in range(count)]
    for sandbox in every:
        sandboxes.put(sandbox)

    def one(source: str) -> ResultLine:
        sandbox = sandboxes.get()
        try:
            return sandbox.run(source)
        finally:
            sandboxes.put(sandbox)

    pool = concurrent.futures.ThreadPoolExecutor(count, thread_name_prefix="esig-bulk")
    try:
        futures = {pool.submit(one, source): source for source in todo}
        for future in concurrent.futures.as_completed(futures):
            yield future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        for sandbox in every:
            sandbox.stop()  # a thread still waiting on it gets a crash line nobody reads
        pool.shutdown(wait=True)


# --------------------------------------------------------------------------- Dask


def _import_distributed() -> Any:
    try:
        with caught_library_warnings("importing dask.distributed"):
            import distributed  # noqa: PLC0415 - the bulk extra, only for a cluster
    except ImportError:
        raise InputError(
            "Running on a Dask cluster needs dask.distributed: pip install 'esig[bulk]'"
        ) from None
    for name in _DASK_LOGGERS:  # only esig's words on stderr
        logging.getLogger(name).setLevel(logging.ERROR)
    return distributed


def local_cluster(workers: int = 2) -> Any:
    """A quiet ``dask.distributed.LocalCluster`` on this machine: ``workers`` processes.

    One thread per worker (each thread drives one worker process of its own), no
    dashboard (nothing listens on port 8787), the cluster's logs kept off stderr, and
    Dask's own housekeeping slowed down (event-loop ticks, system monitor, profiler)
    so that it does not compete with the documents for the cores. Use it as a context
    manager, with a ``Client`` over it.

    Raises:
        InputError: The ``bulk`` extra (dask.distributed) is not installed.

    """
    distributed = _import_distributed()
    import dask  # noqa: PLC0415 - comes with distributed

    with caught_library_warnings("starting a Dask LocalCluster"), dask.config.set(_QUIET_CLUSTER):
        return distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
            # a deep copy for the nannies: they keep the config they were given for the
            # workers they restart, and the global one is restored when this block ends
            config=copy.deepcopy(dask.config.config),
        )


@contextlib.contextmanager
def _connected(client: Any, scheduler: str | None, connect_timeout: float) -> Iterator[Any]:
    if client is not None:
        yield client
        return
    distributed = _import_distributed()
    try:  # checked before a Client exists: a half-made one complains when collected
        distributed.comm.get_address_host_port(scheduler)  # the scheme, host and port
    except (ValueError, TypeError) as exc:
        raise InputError(f"{scheduler!r} is not a Dask scheduler address: {exc}") from None
    try:
        with caught_library_warnings("connecting to the Dask scheduler"):
            made = distributed.Client(scheduler, timeout=connect_timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise InputError(
            f"The Dask scheduler at {scheduler} cannot be reached: no answer within "
            f"{connect_timeout:g} s (is it running, and is the address right? A slow "
            "network needs a longer connect timeout, --connect-timeout)"
            if "Timed out" in str(exc) or isinstance(exc, TimeoutError)
            else f"The Dask scheduler at {scheduler} cannot be reached: {exc}"
        ) from None
    try:
        yield made
    finally:
        with caught_library_warnings("closing the Dask client"):
            made.close()


def _lost(source: str, exc: BaseException | None) -> ResultLine:
    name = type(exc).__name__ if exc is not None else "unknown"
    return ResultLine(
        path=source,
        verdict=Verdict.ERROR,
        error=f"The Dask task for this document failed ({name}: {exc}); a worker that "
        "died while examining it too often, or the cluster went away",
        error_type="WorkerLost" if name == "KilledWorker" else name,
    )


def _dask_results(
    job: VerifyJob | ExtendJob, todo: list[str], connected: Any, timeout: float | None
) -> Generator[ResultLine]:
    """Each document's line as its task finishes on the cluster ``connected`` (a Client)."""
    if not todo:
        return
    distributed = _import_distributed()
    run = uuid.uuid4().hex[:12]
    with caught_library_warnings("submitting to the Dask cluster"):
        threads = max(1, sum(connected.nthreads().values()))
        size = max(1, min(_MAX_CHUNK, len(todo) // (threads * _CHUNKS_PER_THREAD)))
        chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
        futures = connected.map(
            check_documents,
            chunks,
            job_json=job.model_dump_json(),
            timeout=timeout,
            key=[f"esig-bulk-{run}-{i}" for i in range(len(chunks))],
            pure=False,
        )
    remaining = {f.key: (f, chunk) for f, chunk in zip(futures, chunks, strict=True)}
    pending = distributed.as_completed(futures)
    del futures
    try:
        for future in pending:
            _, chunk = remaining.pop(future.key)
            try:
                with caught_library_warnings("gathering a result from Dask"):
                    lines = future.result()
            except Exception as exc:  # a task the cluster gave up on: still one line each
                lines = [_lost(source, exc) for source in chunk]
            future.release()
            yield from lines
    finally:
        with caught_library_warnings("cancelling Dask tasks"):
            for future, _ in remaining.values():
                future.cancel()
