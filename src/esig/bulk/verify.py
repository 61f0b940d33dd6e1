"""``verify_many``: verify every document of an archive, one JSON line per document.

The recipes::

    from esig.bulk import verify_many

    summary = verify_many(["archive/"], "results.jsonl", trust=["root.pem"], workers=2)
    print(summary.to_text())

    from distributed import Client  # pip install 'esig[bulk]'
    with Client("tcp://scheduler:8786") as client:
        verify_many(["@contracts.txt"], "results.jsonl", trust=["root.pem"], client=client)

The archive page of the documentation describes the fields of a line, resume and timeouts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from esig.bulk.jobs import VerifyJob
from esig.bulk.results import BulkSummary
from esig.bulk.runner import DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, ResultCallback, run_job

__all__ = ["async_verify_many", "verify_many"]


def _job(
    *,
    trust: Sequence[str | os.PathLike[str]],
    allow_fetching: bool,
    at: dt.datetime | None,
    register: str | os.PathLike[str] | None,
    register_authority: str | os.PathLike[str] | None,
    register_sha256: str | None,
    trusted_lists: str | os.PathLike[str] | None,
    trusted_list_files: Sequence[str | os.PathLike[str]],
    tlso: Sequence[str | os.PathLike[str]],
    lotl_signers: str | os.PathLike[str] | None,
    allow_unsigned_lists: bool,
    exemptions: Iterable[str],
) -> VerifyJob:
    def path(value: str | os.PathLike[str] | None) -> str | None:
        return None if value is None else os.path.abspath(value)

    return VerifyJob(
        trust=tuple(os.path.abspath(p) for p in trust),
        allow_fetching=allow_fetching,
        at=at,
        register_file=path(register),
        register_authority=path(register_authority),
        register_sha256=register_sha256,
        trusted_lists=path(trusted_lists),
        trusted_list_files=tuple(os.path.abspath(p) for p in trusted_list_files),
        tlso=tuple(os.path.abspath(p) for p in tlso),
        lotl_signers=path(lotl_signers),
        allow_unsigned_lists=allow_unsigned_lists,
        exemptions=tuple(exemptions),
    )


def verify_many(
    sources: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    trust: Sequence[str | os.PathLike[str]] = (),
    allow_fetching: bool = False,
    at: dt.datetime | None = None,
    register: str | os.PathLike[str] | None = None,
    register_authority: str | os.PathLike[str] | None = None,
    register_sha256: str | None = None,
    trusted_lists: str | os.PathLike[str] | None = None,
    trusted_list_files: Sequence[str | os.PathLike[str]] = (),
    tlso: Sequence[str | os.PathLike[str]] = (),
    lotl_signers: str | os.PathLike[str] | None = None,
    allow_unsigned_lists: bool = False,
    exemptions: Iterable[str] = (),
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
    """Verify every document ``sources`` name; write one JSON line per document to ``output``.

    Each document is verified as ``esig verify`` would (PDF, detached CAdES ``FILE.p7s``,
    XAdES, ASiC; recognised by content), in a worker process that loaded the trust
    settings once. Inputs are only read.

    Args:
        sources: Files, folders, globs and ``@manifest`` files (one path or http(s) URL
            per line); see :func:`esig.bulk.expand_sources`.
        output: The JSON Lines file (:class:`~esig.bulk.ResultLine` per line), appended
            one whole line at a time as documents finish (in any order).
        trust: Trust anchor files (PEM, DER, PKCS#7).
        allow_fetching: Fetch revocation information over the network.
        at: Validate as of this moment instead of now.
        register: The BES art. 4 register file (YAML or JSON).
        register_authority: The certificate whose detached CAdES signature
            ``REGISTER.p7s`` authenticates the register.
        register_sha256: The register's published SHA-256 (the other way to authenticate it).
        trusted_lists: A trusted-list cache folder (``esig tl sync``).
        trusted_list_files: EU trusted list files (ETSI TS 119 612), as ``esig verify
            --trusted-list``; one of them may be a LOTL that authenticates the others.
            Not with ``trusted_lists``.
        tlso: Certificates allowed to sign ``trusted_list_files`` (``--tlso``).
        lotl_signers: The LOTL signer certificates (default: for the cache the set esig
            ships, for ``trusted_list_files`` pyHanko's).
        allow_unsigned_lists: Use lists whose signer cannot be authenticated.
        exemptions: BES art. 6(2) exemptions (letters of art. 6(1)).
        workers: Local worker processes (default: one per CPU core). Ignored with a
            Dask cluster, which has its own.
        client: A ``dask.distributed.Client``: the documents become tasks on its cluster.
            Paths (documents and trust files) must be readable by its workers.
        scheduler: A Dask scheduler address (``tcp://host:8786``) to connect to instead.
        timeout: Seconds one document may take (None: no limit); after it, the
            document's process is killed and its line says ``Timeout``.
        connect_timeout: Seconds to wait for the ``scheduler`` to answer before
            giving up (InputError).
        resume: Keep ``output`` and skip the documents it already holds with the same
            path and SHA-256, and for a detached signature the same content SHA-256
            (without it, ``output`` is started afresh).
        parquet: Also write the results as a Parquet table here, at the end (pyarrow).
        on_result: Called with each line as it is written, in the calling thread.
        on_start: Called once with the number of documents to examine (after resume).

    Returns:
        The counts: documents per verdict, signatures per level, errors per kind.
        ``summary.all_passed`` is the CLI's exit code 0.

    Raises:
        DocumentNotFoundError: A source does not exist or a glob matches nothing.
        CertificateLoadError: A trust anchor file cannot be read.
        InputError: Bad settings, the ``bulk`` extra missing, the scheduler unreachable.
        OutputError: ``output`` cannot be written.

    """
    job = _job(
        trust=trust,
        allow_fetching=allow_fetching,
        at=at,
        register=register,
        register_authority=register_authority,
        register_sha256=register_sha256,
        trusted_lists=trusted_lists,
        trusted_list_files=trusted_list_files,
        tlso=tlso,
        lotl_signers=lotl_signers,
        allow_unsigned_lists=allow_unsigned_lists,
        exemptions=exemptions,
    )
    return run_job(
        job,
        sources,
        output,
        workers=workers,
        client=client,
        scheduler=scheduler,
        timeout=timeout,
        connect_timeout=connect_timeout,
        resume=resume,
        parquet=parquet,
        on_result=on_result,
        on_start=on_start,
    )


async def async_verify_many(
    sources: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    trust: Sequence[str | os.PathLike[str]] = (),
    allow_fetching: bool = False,
    at: dt.datetime | None = None,
    register: str | os.PathLike[str] | None = None,
    register_authority: str | os.PathLike[str] | None = None,
    register_sha256: str | None = None,
    trusted_lists: str | os.PathLike[str] | None = None,
    trusted_list_files: Sequence[str | os.PathLike[str]] = (),
    tlso: Sequence[str | os.PathLike[str]] = (),
    lotl_signers: str | os.PathLike[str] | None = None,
    allow_unsigned_lists: bool = False,
    exemptions: Iterable[str] = (),
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
    """Async twin of :func:`verify_many`: the run goes on a thread; ``on_result`` on the loop."""
    loop = asyncio.get_running_loop()
    report: ResultCallback | None = None
    if on_result is not None:
        callback = on_result

        def report(line: Any) -> None:
            loop.call_soon_threadsafe(callback, line)

    return await asyncio.to_thread(
        verify_many,
        sources,
        output,
        trust=trust,
        allow_fetching=allow_fetching,
        at=at,
        register=register,
        register_authority=register_authority,
        register_sha256=register_sha256,
        trusted_lists=trusted_lists,
        trusted_list_files=trusted_list_files,
        tlso=tlso,
        lotl_signers=lotl_signers,
        allow_unsigned_lists=allow_unsigned_lists,
        exemptions=exemptions,
        workers=workers,
        client=client,
        scheduler=scheduler,
        timeout=timeout,
        connect_timeout=connect_timeout,
        resume=resume,
        parquet=parquet,
        on_result=report,
        on_start=on_start,
    )
