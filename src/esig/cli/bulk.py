"""``esig verify-many`` and ``esig extend-many``: whole archives, one JSON line per document.

Both run :mod:`esig.bulk` locally (``--workers N`` processes) or on a Dask cluster
(``--scheduler tcp://HOST:8786``). A progress bar (rate, ETA) appears on stderr only
when stderr is a terminal; the summary table (documents per verdict, signatures per
level) is printed at the end. Exit 0: every document passed (or was extended); 1: any
failed, was indeterminate or could not be examined; 2: a usage or input error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from esig.cli.options import parse_moment
from esig.cli.output import EXIT_FAILED, EXIT_OK, fail
from esig.cli.trust_options import (
    AllowUnsignedLists,
    LotlSignersOption,
    TlsoOption,
    TrustedListCache,
    TrustedListFiles,
)
from esig.errors import EsigError, InputError

if TYPE_CHECKING:
    from esig.bulk.results import BulkSummary, ResultLine

__all__ = ["extend_many", "verify_many"]

_SOURCES_HELP = (
    "Files, folders, globs (quote them: 'archive/**/*.pdf') or @LIST (one path or URL per line)."
)

Sources = Annotated[
    list[str], typer.Argument(metavar="SOURCE", help=_SOURCES_HELP, show_default=False)
]
Out = Annotated[
    Path,
    typer.Option("--out", "-o", metavar="FILE", help="The results, one JSON line per document."),
]
Workers = Annotated[
    int | None,
    typer.Option(metavar="N", help="Local worker processes (default: one per CPU core)."),
]
Scheduler = Annotated[
    str | None,
    typer.Option(metavar="ADDRESS", help="Run on this Dask cluster (e.g. tcp://host:8786)."),
]
Timeout = Annotated[
    float,
    typer.Option(metavar="SECONDS", help="How long one document may take; 0: no limit."),
]
ConnectTimeout = Annotated[
    float,
    typer.Option(metavar="SECONDS", help="How long to wait for --scheduler to answer."),
]
Resume = Annotated[
    bool,
    typer.Option(
        help="Keep --out and skip the documents it holds (same path and SHA-256; "
        "a detached signature's content unchanged too)."
    ),
]
Parquet = Annotated[
    Path | None,
    typer.Option(metavar="FILE", help="Also write the results as a Parquet table (pyarrow)."),
]


def verify_many(  # noqa: PLR0917 - typer maps parameters to options
    sources: Sources,
    out: Out,
    trust: Annotated[
        list[Path] | None,
        typer.Option(metavar="CERT", help="Trust anchor certificate file; repeatable."),
    ] = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    timeout: Timeout = 300.0,
    connect_timeout: ConnectTimeout = 5.0,
    resume: Resume = False,
    parquet: Parquet = None,
    allow_fetching: Annotated[
        bool, typer.Option(help="Fetch revocation information (OCSP, CRL) over the network.")
    ] = False,
    at: Annotated[
        str | None,
        typer.Option(metavar="TIME", help="Validate as of this moment (ISO 8601; UTC default)."),
    ] = None,
    register: Annotated[
        Path | None, typer.Option(metavar="FILE", help="The BES art. 4 register (YAML, JSON).")
    ] = None,
    register_authority: Annotated[
        Path | None,
        typer.Option(metavar="CERT", help="The authority whose FILE.p7s signs the register."),
    ] = None,
    register_sha256: Annotated[
        str | None, typer.Option(metavar="HEX", help="The register's published SHA-256.")
    ] = None,
    trusted_lists: TrustedListCache = None,
    trusted_list: TrustedListFiles = None,
    tlso: TlsoOption = None,
    lotl_signers: LotlSignersOption = None,
    allow_unsigned_lists: AllowUnsignedLists = False,
    exempt: Annotated[
        list[str] | None,
        typer.Option(metavar="LETTER", help="A BES art. 6(1) item exempted (art. 6(2))."),
    ] = None,
) -> None:
    """Verify every document of an archive; one JSON line per document in --out.

    PDF, detached CAdES (FILE.p7s beside FILE), XAdES and ASiC, recognised by content.
    Exit 0 only when every document passes.
    """
    from esig.bulk.verify import verify_many as run

    try:
        moment = parse_moment(at)
    except EsigError as exc:
        raise fail(str(exc)) from None
    _run(
        lambda progress: run(
            sources,
            out,
            trust=trust or [],
            allow_fetching=allow_fetching,
            at=moment,
            register=register,
            register_authority=register_authority,
            register_sha256=register_sha256,
            trusted_lists=trusted_lists,
            trusted_list_files=trusted_list or [],
            tlso=tlso or [],
            lotl_signers=lotl_signers,
            allow_unsigned_lists=allow_unsigned_lists,
            exemptions=exempt or (),
            workers=workers,
            scheduler=scheduler,
            timeout=timeout or None,
            connect_timeout=connect_timeout,
            resume=resume,
            parquet=parquet,
            on_result=progress.done,
            on_start=progress.start,
        )
    )


def extend_many(  # noqa: PLR0917 - typer maps parameters to options
    sources: Sources,
    out: Out,
    tsa: Annotated[
        str | None,
        typer.Option(metavar="URL", help="RFC 3161 time-stamping service (needed for LTA)."),
    ] = None,
    level: Annotated[str, typer.Option(metavar="LEVEL", help="B-LTA (default) or B-LT.")] = "B-LTA",
    output_dir: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="Write the extended documents below DIR."),
    ] = None,
    suffix: Annotated[
        str, typer.Option(metavar="TEXT", help="Stem suffix of outputs written beside inputs.")
    ] = "-lta",
    in_place: Annotated[
        bool, typer.Option(help="Replace each input by its extended version (atomically).")
    ] = False,
    trust: Annotated[
        list[Path] | None,
        typer.Option(metavar="CERT", help="Trust anchor for collecting validation data."),
    ] = None,
    service_timeout: Annotated[
        float, typer.Option(metavar="SECONDS", help="How long to wait for TSA, OCSP and CRLs.")
    ] = 10.0,
    workers: Workers = None,
    scheduler: Scheduler = None,
    timeout: Timeout = 300.0,
    connect_timeout: ConnectTimeout = 5.0,
    resume: Resume = False,
    parquet: Parquet = None,
) -> None:
    """Extend every signed PDF or ASiC-E container of a store to B-LTA (archive renewal).

    Outputs go beside the inputs (NAME-lta.pdf) or below --output-dir; inputs are never
    touched unless --in-place. Exit 0 only when every document was extended.
    """
    from esig.bulk.extend import extend_many as run

    chosen = level.upper()
    chosen = chosen if chosen.startswith("B-") else f"B-{chosen}"
    if chosen not in ("B-LT", "B-LTA"):
        raise fail(f"--level is B-LT or B-LTA, not {level}")
    _run(
        lambda progress: run(
            sources,
            out,
            level=chosen,  # type: ignore[arg-type]
            tsa=tsa,
            service_timeout=service_timeout,
            trust=trust or [],
            output_dir=output_dir,
            suffix=suffix,
            in_place=in_place,
            workers=workers,
            scheduler=scheduler,
            timeout=timeout or None,
            connect_timeout=connect_timeout,
            resume=resume,
            parquet=parquet,
            on_result=progress.done,
            on_start=progress.start,
        )
    )


def _run(start: Callable[[_Progress], BulkSummary]) -> None:
    with _progress() as progress:
        try:
            summary = start(progress)
        except EsigError as exc:
            raise fail(str(exc)) from None
        except ValueError as exc:  # e.g. a bad --level, refused by the job's model
            raise fail(str(InputError(str(exc)))) from None
    typer.echo(summary.to_text(), nl=False)
    raise typer.Exit(EXIT_OK if summary.all_passed else EXIT_FAILED)


class _Progress:
    """What the run reports: the number of documents, then each one done."""

    def start(self, total: int) -> None:
        """The run examines ``total`` documents."""

    def done(self, line: ResultLine) -> None:
        """One document is done."""


@contextmanager
def _progress() -> Iterator[_Progress]:
    """A rich progress bar on stderr (rate, ETA) when stderr is a terminal; else nothing."""
    if not sys.stderr.isatty():
        yield _Progress()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    columns: list[Any] = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("documents", total=None, rate="")

        class _Bar(_Progress):
            def start(self, total: int) -> None:
                progress.update(task, total=total)

            def done(self, line: ResultLine) -> None:
                progress.advance(task)
                speed = progress.tasks[0].speed
                progress.update(task, rate=f"{speed:.1f} doc/s" if speed else "")

        yield _Bar()
