"""Sign many PDF documents with one device: one session, one login, one PIN entry.

:func:`sign_many` takes ``(source, output)`` pairs lazily and signs each at a PAdES
baseline level (B-B by default), exactly as :func:`~esig.signing.pades.sign_pdf` does: every output
appears atomically, and a document that cannot be signed does not stop the others (its
:class:`BatchResult` carries the error message).

Building a PAdES signature is CPU work in pure Python (PDF parsing and CMS encoding)
that one interpreter runs on one core. For larger batches esig therefore starts a few
worker processes that parse, hash and write the documents, while the device stays in
this process: workers send the digest of each document's signed attributes back over a
pipe and get the signature value, so the key, the token session and the PIN never leave
the process that opened the device. Small batches (or ``workers=1``) are signed in this
process, one document after the other. Only the pairs being signed and one small result
per document are held in memory.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Final

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pydantic import computed_field, model_validator

from esig._model import EsigModel
from esig.devices.base import (
    DeviceEvidence,
    DigestAlgorithm,
    SignatureCreationDevice,
)
from esig.errors import EsigError, OutputError, SigningError
from esig.signing.baseline import (
    BaselineLevel,
    BaselineRequest,
    TimestampService,
    ValidationServices,
)
from esig.signing.pades import SignedDocument, sign_pdf

__all__ = ["BatchResult", "ProgressCallback", "async_sign_many", "sign_many"]

ProgressCallback = Callable[["BatchResult"], object]
"""Called once per document when it is done (signed or failed), in the caller's thread."""

_PARALLEL_FROM: Final = 16
"""With ``workers=None``, batches of fewer documents are signed in this process: starting
a worker costs about as much as signing a dozen small documents."""
_MAX_AUTO_WORKERS: Final = 4
_MAX_FRAME: Final = 16 * 1024 * 1024
_WORKER_CODE: Final = "from esig.signing.batch import _worker_main; _worker_main()"


class BatchResult(EsigModel):
    """The outcome for one document of a batch: the signed document, or why not."""

    source: Path
    """The document that was to be signed."""
    output: Path
    """Where the signed document was (to be) written."""
    document: SignedDocument | None = None
    """What was written, when signing succeeded."""
    error: str | None = None
    """Why signing failed: the :class:`~esig.errors.EsigError` message."""
    error_type: str | None = None
    """The class name of the error, e.g. ``NotAPdfError``."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        """Whether the document was signed."""
        return self.document is not None

    @model_validator(mode="after")
    def _one_outcome(self) -> BatchResult:
        if (self.document is None) == (self.error is None):
            raise ValueError("a batch result holds either a signed document or an error")
        return self


class _Options(EsigModel):
    """What :func:`sign_pdf` gets for every document of the batch."""

    field_name: str | None = None
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256
    reason: str | None = None
    location: str | None = None
    contact_info: str | None = None
    baseline: BaselineRequest | None = None
    """B-T and above; such batches are signed in this process (never sent to workers)."""


def sign_many(
    pairs: Iterable[tuple[str | os.PathLike[str], str | os.PathLike[str]]],
    device: SignatureCreationDevice,
    *,
    on_progress: ProgressCallback | None = None,
    workers: int | None = None,
    field_name: str | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
    reason: str | None = None,
    location: str | None = None,
    contact_info: str | None = None,
    level: BaselineLevel = BaselineLevel.B_B,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
) -> list[BatchResult]:
    """Sign every ``(source, output)`` pair with one device; return one result per pair.

    The device is used as it is: open it once (one login, one PIN entry) and close it
    afterwards. Each output is written atomically; an input that fails (not a PDF,
    encrypted, unwritable output, a device error) is reported in its result and the
    batch goes on. Two pairs with the same output are refused (the second fails).

    Args:
        pairs: ``(source, output)`` paths, read lazily (a generator is fine).
        device: The signature creation device, already open.
        on_progress: Called with each result as its document is done, in the calling
            thread (documents may finish out of order).
        workers: Processes that build the signatures (the device stays here). ``1``
            signs in this process; ``None`` chooses: this process for fewer than 16
            documents, else one worker per CPU core (at most 4).
        field_name: The signature field to fill or create in every document.
        digest_algorithm: The message digest algorithm.
        reason: The reason for signing, recorded in each signature.
        location: Where the signatures were made.
        contact_info: How to reach the signer.
        level: The PAdES baseline level of every signature (see
            :func:`~esig.signing.pades.sign_pdf`). Batches above B-B are signed in this
            process, one document after the other: the time-stamping and revocation
            services are called from here.
        timestamp: The time-stamping service; required from B-T on.
        validation: How to collect validation data for B-LT and B-LTA.

    Returns:
        One :class:`BatchResult` per pair, in the order of ``pairs``.

    Raises:
        ValueError: ``workers`` is less than 1.
        InputError: The level needs a service that was not given, or a service was
            given that it does not use (checked before any document is read).

    """
    options = _Options(
        field_name=field_name,
        digest_algorithm=digest_algorithm,
        reason=reason,
        location=location,
        contact_info=contact_info,
        baseline=_baseline(level, timestamp, validation),
    )
    return _Batch(pairs, device, options, on_progress, threading.Event()).run(workers)


async def async_sign_many(
    pairs: Iterable[tuple[str | os.PathLike[str], str | os.PathLike[str]]],
    device: SignatureCreationDevice,
    *,
    on_progress: ProgressCallback | None = None,
    workers: int | None = None,
    field_name: str | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
    reason: str | None = None,
    location: str | None = None,
    contact_info: str | None = None,
    level: BaselineLevel = BaselineLevel.B_B,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
) -> list[BatchResult]:
    """Async twin of :func:`sign_many`, with the same arguments; it never blocks the loop.

    The batch runs in a worker thread; ``on_progress`` is called on the event loop. If
    the awaiting task is cancelled, no new document is started and the documents being
    signed are finished (their outputs stay atomic).
    """
    options = _Options(
        field_name=field_name,
        digest_algorithm=digest_algorithm,
        reason=reason,
        location=location,
        contact_info=contact_info,
        baseline=_baseline(level, timestamp, validation),
    )
    loop = asyncio.get_running_loop()
    report: ProgressCallback | None = None
    if on_progress is not None:
        callback = on_progress

        def report(result: BatchResult) -> None:
            loop.call_soon_threadsafe(callback, result)

    stop = threading.Event()
    batch = _Batch(pairs, device, options, report, stop)
    try:
        return await asyncio.to_thread(batch.run, workers)
    except asyncio.CancelledError:
        stop.set()
        raise


def _baseline(
    level: BaselineLevel,
    timestamp: TimestampService | None,
    validation: ValidationServices | None,
) -> BaselineRequest | None:
    """The checked request, or None for plain B-B (the path the workers can take)."""
    request = BaselineRequest(level=level, timestamp=timestamp, validation=validation)
    return None if request.level is BaselineLevel.B_B else request


# --------------------------------------------------------------------------- one document


def _sign_one(
    source: Path, output: Path, device: SignatureCreationDevice, options: _Options
) -> BatchResult:
    try:
        document = sign_pdf(
            source,
            output,
            device,
            field_name=options.field_name,
            digest_algorithm=options.digest_algorithm,
            reason=options.reason,
            location=options.location,
            contact_info=options.contact_info,
            **_baseline_arguments(options.baseline),
        )
    except EsigError as exc:
        return _failed(source, output, exc)
    except Exception as exc:  # one bad document must not stop the batch
        return BatchResult(
            source=source,
            output=output,
            error=f"Unexpected error while signing: {type(exc).__name__}: {exc}",
            error_type=type(exc).__name__,
        )
    return BatchResult(source=source, output=output, document=document)


def _baseline_arguments(baseline: BaselineRequest | None) -> dict[str, Any]:
    if baseline is None:
        return {}
    return {
        "level": baseline.level,
        "timestamp": baseline.timestamp,
        "validation": baseline.validation,
    }


def _failed(source: Path, output: Path, exc: BaseException) -> BatchResult:
    return BatchResult(
        source=source,
        output=output,
        error=str(exc) or type(exc).__name__,
        error_type=type(exc).__name__,
    )


# --------------------------------------------------------------------------- the batch


class _Batch:
    """Hands out pairs (lazily, once each) and gathers the results."""

    def __init__(
        self,
        pairs: Iterable[tuple[str | os.PathLike[str], str | os.PathLike[str]]],
        device: SignatureCreationDevice,
        options: _Options,
        on_progress: ProgressCallback | None,
        stop: threading.Event,
    ) -> None:
        self._pairs: Iterator[tuple[str | os.PathLike[str], str | os.PathLike[str]]] = iter(pairs)
        self._device = device
        self._options = options
        self._on_progress = on_progress
        self._stop = stop
        self._lock = threading.Lock()
        self._index = 0
        self._outputs: set[Path] = set()
        self._results: dict[int, BatchResult] = {}
        self._broken: BaseException | None = None

    def run(self, workers: int | None) -> list[BatchResult]:
        if workers is not None and workers < 1:
            raise ValueError("workers must be at least 1")
        count = _auto_workers() if workers is None else workers
        if self._options.baseline is not None:
            count = 1  # timestamps and validation data are fetched from this process
        if count > 1:
            ahead = self._peek(_PARALLEL_FROM if workers is None else count)
            if workers is None and len(ahead) < _PARALLEL_FROM:
                count = 1
            count = min(count, max(len(ahead), 1))
        if count > 1:
            self._run_parallel(count)
        self._run_here()  # everything left: all of it, or what dead workers left behind
        if self._broken is not None:
            raise self._broken
        return [self._results[i] for i in sorted(self._results)]

    def _peek(self, count: int) -> list[tuple[str | os.PathLike[str], str | os.PathLike[str]]]:
        """Take up to ``count`` pairs ahead (to size the pool), and put them back in front."""
        ahead = []
        try:
            for pair in self._pairs:
                ahead.append(pair)
                if len(ahead) >= count:
                    break
        except Exception as exc:  # the caller's iterable broke: sign what came, then raise
            self._broken = exc
        self._pairs = itertools.chain(ahead, self._pairs)
        return ahead

    def next_pair(self) -> tuple[int, Path, Path] | BatchResult | None:
        """The next pair to sign, a result for a refused pair, or None at the end."""
        with self._lock:
            if self._stop.is_set():
                return None
            try:
                source, output = next(self._pairs)
            except StopIteration:
                return None
            except Exception as exc:  # the caller's iterable broke: raised after clean-up
                self._broken = exc
                return None
            index = self._index
            self._index += 1
            src, dst = Path(source), Path(output)
            key = Path(os.path.abspath(dst))
            if key in self._outputs:
                result = _failed(
                    src,
                    dst,
                    OutputError("Another document of this batch is written to the same output"),
                )
                self._results[index] = result
                return result
            self._outputs.add(key)
            return index, src, dst

    def record(self, index: int, result: BatchResult) -> None:
        with self._lock:
            self._results[index] = result

    def _progress(self, result: BatchResult) -> None:
        if self._on_progress is not None:
            self._on_progress(result)

    def _run_here(self) -> None:
        while True:
            item = self.next_pair()
            if item is None:
                return
            if isinstance(item, BatchResult):
                self._progress(item)
                continue
            index, src, dst = item
            result = _sign_one(src, dst, self._device, self._options)
            self.record(index, result)
            self._progress(result)

    def _serve_here(self, done: queue.Queue[BatchResult | None], until: threading.Event) -> None:
        """Sign in this process while the workers start up (an import takes most of a second)."""
        try:
            while not until.is_set():
                item = self.next_pair()
                if item is None:
                    return
                if isinstance(item, BatchResult):
                    done.put(item)
                    continue
                index, src, dst = item
                result = _sign_one(src, dst, self._device, self._options)
                self.record(index, result)
                done.put(result)
        finally:
            done.put(None)

    def _run_parallel(self, count: int) -> None:
        done: queue.Queue[BatchResult | None] = queue.Queue()
        pool: list[_Worker] = []
        threads: list[threading.Thread] = []
        all_ready = threading.Event()
        try:
            for _ in range(count):
                try:
                    pool.append(_Worker(self._device, self._options))
                except OSError:
                    break  # no worker could start: what is left is signed here
            waiting = [len(pool)]

            def settled() -> None:  # a worker is ready to sign, or is gone
                with self._lock:
                    waiting[0] -= 1
                    if waiting[0] <= 0:
                        all_ready.set()

            for worker in pool:
                threads.append(
                    threading.Thread(target=worker.serve, args=(self, done, settled), daemon=True)
                )
            if pool:
                threads.append(
                    threading.Thread(target=self._serve_here, args=(done, all_ready), daemon=True)
                )
            for thread in threads:
                thread.start()
            running = len(threads)
            while running:
                item = done.get()
                if item is None:
                    running -= 1
                else:
                    self._progress(item)
        except BaseException:
            self._stop.set()  # interrupted: start no new document
            raise
        finally:
            all_ready.set()
            for worker in pool:
                worker.stop()
            for thread in threads:
                thread.join(timeout=10)


def _auto_workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, _MAX_AUTO_WORKERS))


# --------------------------------------------------------------------------- the pipe


class _Channel:
    """Length-prefixed JSON messages over a pair of byte streams."""

    def __init__(self, reader: IO[bytes], writer: IO[bytes]) -> None:
        self._reader = reader
        self._writer = writer

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message, separators=(",", ":")).encode("utf-8")
        self._writer.write(struct.pack(">I", len(data)) + data)
        self._writer.flush()

    def recv(self) -> dict[str, Any]:
        head = self._reader.read(4)
        if len(head) < 4:
            raise EOFError("the other side closed the pipe")
        (size,) = struct.unpack(">I", head)
        if size > _MAX_FRAME:
            raise EOFError("a message on the pipe is too large")
        data = self._reader.read(size)
        if len(data) < size:
            raise EOFError("the other side closed the pipe")
        message: dict[str, Any] = json.loads(data)
        return message


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _der(certificate: x509.Certificate) -> str:
    return _b64(certificate.public_bytes(Encoding.DER))


class _Worker:
    """One worker process, and the parent-side loop that serves its signing requests."""

    def __init__(self, device: SignatureCreationDevice, options: _Options) -> None:
        if not sys.executable:
            raise OSError("no Python interpreter to start a worker with")
        self._device = device
        self._alive = True
        self._busy = False
        self._process = subprocess.Popen(
            [sys.executable, "-c", _WORKER_CODE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._channel = _Channel(self._process.stdout, self._process.stdin)
        try:
            self._send_init(device, options)
        except OSError:
            self._process.kill()
            self._process.wait()
            raise

    def _send_init(self, device: SignatureCreationDevice, options: _Options) -> None:
        self._channel.send(
            {
                "op": "init",
                "certificate": _der(device.certificate),
                "chain": [_der(c) for c in device.chain],
                "evidence": device.evidence.model_dump(mode="json"),
                "max_signature_size": device.max_signature_size,
                "options": options.model_dump(mode="json"),
            }
        )

    def serve(
        self,
        batch: _Batch,
        done: queue.Queue[BatchResult | None],
        settled: Callable[[], None],
    ) -> None:
        """Feed documents to the worker until the batch or the worker ends."""
        try:
            try:
                ready = self._channel.recv()
            except (EOFError, OSError, ValueError):
                ready = {}
            finally:
                settled()
            if ready.get("op") != "ready":
                self._alive = False
                return
            while True:
                item = batch.next_pair()
                if item is None:
                    return
                if isinstance(item, BatchResult):
                    done.put(item)
                    continue
                index, src, dst = item
                result = self._sign(src, dst)
                batch.record(index, result)
                done.put(result)
                if not self._alive:
                    return
        finally:
            done.put(None)

    def _sign(self, src: Path, dst: Path) -> BatchResult:
        self._busy = True
        try:
            return self._exchange(src, dst)
        finally:
            self._busy = False

    def _exchange(self, src: Path, dst: Path) -> BatchResult:
        device_error: BaseException | None = None
        try:
            self._channel.send({"op": "sign", "source": str(src), "output": str(dst)})
            while True:
                message = self._channel.recv()
                if message["op"] == "digest":
                    try:
                        value = self._device.sign_digest(
                            base64.b64decode(message["digest"]),
                            DigestAlgorithm(message["algorithm"]),
                        )
                    except Exception as exc:  # reported with the document
                        device_error = exc
                        self._channel.send({"op": "error", "message": str(exc)})
                    else:
                        self._channel.send({"op": "signature", "value": _b64(value)})
                elif message["op"] == "done":
                    result = BatchResult.model_validate(message["result"])
                    if device_error is not None and not result.ok:
                        result = _failed(src, dst, device_error)
                    return result
                else:
                    raise EOFError(f"unexpected message {message['op']!r}")
        except (EOFError, OSError, ValueError, KeyError) as exc:
            self._alive = False  # the conversation is out of step: use this worker no more
            if device_error is not None:
                return _failed(src, dst, device_error)
            code = self._process.poll()
            what = (
                f"ended unexpectedly (exit code {code})"
                if isinstance(exc, EOFError | OSError)
                else f"sent an answer esig cannot read ({type(exc).__name__}: {exc})"
            )
            return _failed(
                src,
                dst,
                SigningError(
                    f"The worker process signing this document {what}; no output was written"
                ),
            )

    def stop(self) -> None:
        """End the worker: at once when it is idle, else after its document (atomic anyway)."""
        process = self._process
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()  # an idle worker reads EOF and leaves
        if not self._busy:
            process.terminate()  # spares the interpreter's slow clean-up; nothing in flight
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


# --------------------------------------------------------------------------- worker side


class _RelayDevice(SignatureCreationDevice):
    """The worker's stand-in for the device: it relays each digest to the parent."""

    def __init__(self, init: dict[str, Any], channel: _Channel) -> None:
        certificate = x509.load_der_x509_certificate(base64.b64decode(init["certificate"]))
        chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in init["chain"]]
        super().__init__(certificate, chain)
        self._evidence = DeviceEvidence.model_validate(init["evidence"])
        self._max_size = int(init["max_signature_size"])
        self._channel = channel

    @property
    def evidence(self) -> DeviceEvidence:
        """The real device's evidence."""
        return self._evidence

    @property
    def max_signature_size(self) -> int:
        """The real device's bound."""
        return self._max_size

    def sign_digest(self, digest: bytes, algorithm: DigestAlgorithm) -> bytes:
        """Have the parent's device sign ``digest``."""
        self._channel.send({"op": "digest", "digest": _b64(digest), "algorithm": algorithm.value})
        reply = self._channel.recv()
        if reply["op"] == "signature":
            return base64.b64decode(reply["value"])
        raise SigningError(str(reply.get("message", "The device could not sign")))

    async def async_sign_digest(self, digest: bytes, algorithm: DigestAlgorithm) -> bytes:
        """Relay in the calling thread: a worker signs one document at a time."""
        return self.sign_digest(digest, algorithm)


def _worker_main() -> None:
    """Entry point of a worker process: sign what the parent sends until it hangs up."""
    # The protocol owns the real stdout; stray prints go to stderr instead.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    channel = _Channel(sys.stdin.buffer, out)
    try:
        init = channel.recv()
        device = _RelayDevice(init, channel)
        options = _Options.model_validate(init["options"])
        channel.send({"op": "ready"})
        while True:
            message = channel.recv()
            if message["op"] != "sign":
                return
            result = _sign_one(Path(message["source"]), Path(message["output"]), device, options)
            channel.send({"op": "done", "result": result.model_dump(mode="json")})
    except (EOFError, BrokenPipeError):
        return
