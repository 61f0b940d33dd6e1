"""``extend_many``: bring a whole store to B-LTA (or renew its archive timestamps).

Each signed PDF (and ASiC-E container with CAdES) is extended as ``esig extend`` would,
in the same worker machinery as :func:`~esig.bulk.verify_many`: one JSON line per
document (verdict ``EXTENDED`` with the output's path, or ``ERROR`` and why), resume,
per-document timeouts, a local pool or a Dask cluster.

Outputs go next to their inputs (``contract.pdf`` → ``contract-lta.pdf``) or into
``output_dir`` (the inputs' folder structure below ``base`` kept); an input is replaced
(atomically) only with ``in_place=True``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from esig.bulk.jobs import ExtendJob
from esig.bulk.results import BulkSummary
from esig.bulk.runner import DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, ResultCallback, run_job
from esig.errors import InputError

__all__ = ["extend_many"]


def extend_many(
    sources: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    level: Literal["B-LT", "B-LTA"] = "B-LTA",
    tsa: str | None = None,
    service_timeout: float = 10.0,
    trust: Sequence[str | os.PathLike[str]] = (),
    output_dir: str | os.PathLike[str] | None = None,
    base: str | os.PathLike[str] | None = None,
    suffix: str = "-lta",
    in_place: bool = False,
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
    """Extend every document ``sources`` name; one JSON line per document in ``output``.

    Args:
        sources: Files, folders, globs and ``@manifest`` files, as for
            :func:`~esig.bulk.verify_many`.
        output: The JSON Lines results file.
        level: ``"B-LTA"`` (validation data and an archive timestamp) or ``"B-LT"``.
        tsa: The RFC 3161 time-stamping service's URL (needed for B-LTA).
        service_timeout: Seconds to wait for the TSA, OCSP responders and CRLs.
        trust: Trust anchors for collecting validation data (default: the signatures' roots).
        output_dir: Write the extended documents below this folder.
        base: With ``output_dir``: the folder whose structure is kept below it (default:
            the common folder of all documents).
        suffix: Added to each output's stem when it is written next to its input.
        in_place: Replace each input by its extended version (atomically).
        workers: Local worker processes (default: one per CPU core).
        client: A ``dask.distributed.Client`` to run the documents on.
        scheduler: A Dask scheduler address to connect to instead.
        timeout: Seconds one document may take (None: no limit).
        connect_timeout: Seconds to wait for the ``scheduler`` to answer before
            giving up (InputError).
        resume: Skip the documents ``output`` already holds (same path and SHA-256).
        parquet: Also write the results as a Parquet table.
        on_result: Called with each line as it is written.
        on_start: Called once with the number of documents to examine.

    Returns:
        The counts; ``summary.all_passed`` when every document was extended.

    Raises:
        InputError: Contradictory placement (``in_place`` with ``output_dir``), an
            empty ``suffix`` next to the inputs, or a level without its TSA.

    """
    if in_place and output_dir is not None:
        raise InputError("Extend in place or into an output folder, not both")
    if not in_place and output_dir is None and not suffix:
        raise InputError("Outputs next to their inputs need a suffix (or ask for in_place)")
    documents_base = base
    if output_dir is not None and base is None:
        from esig.bulk.sources import expand_sources  # noqa: PLC0415

        found = [d for d in expand_sources(sources) if not d.startswith(("http:", "https:"))]
        documents_base = os.path.commonpath([str(Path(d).parent) for d in found]) if found else None
    job = ExtendJob(
        level=level,
        tsa=tsa,
        service_timeout=service_timeout,
        trust=tuple(os.path.abspath(p) for p in trust),
        output_dir=None if output_dir is None else os.path.abspath(output_dir),
        base=None if documents_base is None else os.path.abspath(documents_base),
        suffix=suffix,
        in_place=in_place,
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
