"""A child process that runs a job's documents one at a time, and can be abandoned.

A document that hangs (a pathological file in pure-Python parsing, a read that never
returns) cannot be stopped from another thread, and an exception cannot be raised into
C code. So the documents are not examined in the worker itself: each worker (a thread of
the local pool, or a Dask worker) keeps one :class:`Sandbox`, a child interpreter that
loads the job once (trust anchors, register, trusted lists) and then examines documents
sent to it over a pipe. A document that takes longer than the timeout gets the child
killed (SIGKILL) and a ``Timeout`` result line; a document that crashes the child
(a segfault, an out-of-memory kill, ``os._exit``) gets a ``WorkerCrashed`` line. The next
document starts a fresh child.

The protocol is JSON Lines: the parent sends the job, then one path per line; the child
answers each with a :class:`~esig.bulk.results.ResultLine`.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import subprocess
import sys
import threading
import time
from typing import IO, Final

from pydantic import TypeAdapter

from esig.bulk.jobs import ExtendJob, Job, VerifyJob
from esig.bulk.results import ResultLine, Verdict

__all__ = ["Sandbox", "sandbox_for", "sandbox_main"]

_CHILD_CODE: Final = "from esig.bulk.sandbox import sandbox_main; sandbox_main()"
_JOB: TypeAdapter[VerifyJob | ExtendJob] = TypeAdapter(Job)
_START_TIMEOUT: Final = 300.0
"""How long a child may take to import esig and load the job (trusted lists included)."""


class Sandbox:
    """One child interpreter running ``job``, restarted after a timeout or a crash.

    Args:
        job: What to do to each document.
        timeout: Seconds one document may take; None: no limit.

    """

    def __init__(self, job: VerifyJob | ExtendJob, timeout: float | None) -> None:
        self.job = job
        self.timeout = timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self._ready: bytes | None = None

    @property
    def pid(self) -> int | None:
        """The child's process id (None: not running)."""
        return self._process.pid if self._process is not None else None

    def _start(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-c", _CHILD_CODE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # only esig's words reach stderr: results come back
            close_fds=True,
        )
        self._process, self._buffer = process, b""
        assert process.stdin is not None
        process.stdin.write(self.job.model_dump_json().encode("utf-8") + b"\n")
        process.stdin.flush()
        # The child answers once it has imported esig and loaded the job, so the
        # document's own timeout does not count the start-up.
        self._ready = self._read_line(process, _START_TIMEOUT)
        return process

    def run(self, source: str) -> ResultLine:
        """Examine ``source`` in the child; a line saying why when the child fails."""
        started = time.perf_counter()
        answer: bytes | None = None
        try:
            process = self._process if self._process is not None else self._start()
        except OSError as exc:  # no interpreter, no processes left: this document's line says so
            return ResultLine(
                path=source,
                verdict=Verdict.ERROR,
                error=f"No process could be started to examine this document: {exc}",
                error_type="WorkerCrashed",
            )
        try:
            if self._ready is not None:
                assert process.stdin is not None
                process.stdin.write(json.dumps(source).encode("utf-8") + b"\n")
                process.stdin.flush()
                answer = self._read_line(process, self.timeout)
        except OSError:
            answer = None
        if answer is not None:
            try:
                return ResultLine.model_validate_json(answer)
            except ValueError:
                pass  # a garbled answer: the child is out of step, treat it as crashed
        elapsed = time.perf_counter() - started
        timed_out = self._ready is not None and self.timeout is not None and process.poll() is None
        self.stop()
        if timed_out:
            return ResultLine(
                path=source,
                verdict=Verdict.ERROR,
                error=f"Timed out after {self.timeout:g} s; the worker's child process was "
                "killed and the next document starts a fresh one",
                error_type="Timeout",
                seconds=round(elapsed, 6),
            )
        code = process.returncode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        return ResultLine(
            path=source,
            verdict=Verdict.ERROR,
            error=f"The process examining this document ended unexpectedly ({how})",
            error_type="WorkerCrashed",
            seconds=round(elapsed, 6),
        )

    def _read_line(self, process: subprocess.Popen[bytes], limit: float | None) -> bytes | None:
        """The child's next line, or None when it hangs up or ``limit`` seconds pass."""
        assert process.stdout is not None
        fd = process.stdout.fileno()
        deadline = None if limit is None else time.monotonic() + limit
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                wait = None if deadline is None else deadline - time.monotonic()
                if wait is not None and wait <= 0:
                    return None
                if not selector.select(wait):
                    return None
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return None
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def stop(self) -> None:
        """Kill the child (if running); the next document starts a new one."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


_local = threading.local()


def sandbox_for(job: VerifyJob | ExtendJob, timeout: float | None) -> Sandbox:
    """The calling thread's sandbox for ``job`` (one per worker thread, kept between documents)."""
    kept: dict[str, Sandbox] | None = getattr(_local, "sandboxes", None)
    if kept is None:
        kept = _local.sandboxes = {}
    key = f"{job.model_dump_json()}|{timeout}"
    sandbox = kept.get(key)
    if sandbox is None:
        for old in kept.values():
            old.stop()  # a new job in this thread: the old child is of no more use
        kept.clear()
        sandbox = kept[key] = Sandbox(job, timeout)
    return sandbox


def sandbox_main() -> None:
    """Entry point of the child: read the job, then answer one line per document."""
    # The protocol owns the real stdout; stray prints go to stderr (discarded) instead.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    reader: IO[bytes] = sys.stdin.buffer
    first = reader.readline()
    if not first:
        return
    job = _JOB.validate_json(first)
    job.prepare()
    out.write(b"ready\n")
    out.flush()
    for raw in reader:
        source = json.loads(raw)
        out.write(job.run(source).model_dump_json().encode("utf-8") + b"\n")
        out.flush()
