"""``esig extend``: add validation data (LT) and a document timestamp (LTA) to a signed PDF.

An ASiC-E container (recognised by its content) is brought to B-LTA, or renewed, with
:func:`esig.signing.asic_archive.extend_asic` instead; an XML document (or detached XAdES
signature, with ``--content``) to B-LT or B-LTA with
:func:`esig.signing.xades_extend.extend_xml`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from esig.cli.options import parse_level, services
from esig.cli.output import fail
from esig.errors import EsigError

if TYPE_CHECKING:  # the models load with the command, not with --help
    from esig._model import EsigModel

__all__ = ["extend"]


def extend(  # noqa: PLR0917 - typer maps parameters to options
    document: Annotated[
        Path,
        typer.Argument(help="The signed PDF, XML document or ASiC-E container (only read)."),
    ],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", metavar="FILE", help="Where to write the extended PDF."),
    ],
    level: Annotated[
        str, typer.Option(metavar="LEVEL", help="LT (validation data) or LTA (plus a timestamp).")
    ] = "B-LTA",
    tsa: Annotated[
        str | None,
        typer.Option(metavar="URL", help="RFC 3161 time-stamping service (needed for LTA)."),
    ] = None,
    service_timeout: Annotated[
        float,
        typer.Option(
            metavar="SECONDS", help="How long to wait for the TSA, OCSP responders and CRLs."
        ),
    ] = 10.0,
    trust: Annotated[
        list[Path] | None,
        typer.Option(
            metavar="CERT",
            help="Trust anchor for collecting validation data; repeatable. Default: the root "
            "certificates embedded in the signatures.",
        ),
    ] = None,
    content: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="XAdES detached: the signed file the signature covers."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Add validation data (LT) and a document timestamp (LTA) to a signed PDF.

    Works on PDFs signed by anyone; earlier signatures stay valid. Run it again on an
    LTA document to renew its archive timestamp. An ASiC-E container with CAdES gets an
    archive manifest and archive timestamp (LTA only); XAdES in a container is
    extended inside its signatures*.xml (LT or LTA). An XML document's XAdES signatures
    get their validation data (LT) and an archive timestamp (LTA). Exit 0: extended; 2: it
    could not be.
    """
    from esig.asic.container import container_form
    from esig.cli.verify import is_xml

    if container_form(document) is not None:
        _extend_container(document, output, level, tsa, service_timeout, trust, as_json)
        return
    try:
        xml = is_xml(document)
    except EsigError as exc:
        raise fail(str(exc)) from None
    if xml:
        _extend_xml(document, output, level, tsa, service_timeout, trust, content, as_json)
        return
    if content is not None:
        raise fail("--content is for a detached XAdES signature, not for a PDF")
    from esig.signing.extend import extend_pdf

    try:
        chosen = parse_level(level)
        timestamp, validation = services(tsa, service_timeout, trust)
        result = extend_pdf(
            document, output, level=chosen, timestamp=timestamp, validation=validation
        )
    except EsigError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        typer.echo(
            f"Extended {document} to {result.level.value} -> {result.path} "
            f"({result.signatures} signature(s) and timestamp(s) covered, "
            f"{result.document_timestamps} document timestamp(s))"
        )


def _extend_container(  # noqa: PLR0917 - the command's options, passed on
    document: Path,
    output: Path,
    level: str,
    tsa: str | None,
    service_timeout: float,
    trust: list[Path] | None,
    as_json: bool,
) -> None:
    from esig.signing.asic_archive import extend_asic

    try:
        chosen = parse_level(level)
        timestamp, validation = services(tsa, service_timeout, trust)
        result = extend_asic(
            document, output, timestamp=timestamp, validation=validation, level=chosen
        )
    except EsigError as exc:
        raise fail(str(exc)) from None
    _echo(
        result,
        as_json,
        f"{document} to {result.level.value} -> {result.path} ("
        + (
            f"{result.archive_manifest} over {len(result.covered)} file(s), timestamp "
            f"{result.timestamp_file}"
            if result.archive_manifest
            else f"XAdES in {', '.join(result.extended_signatures)}"
            if result.extended_signatures and result.timestamp_file.endswith(".xml")
            else f"archive-time-stamp-v3 in {result.timestamp_file}"
        )
        + ")",
        renewed=result.renewed,
    )


def _extend_xml(  # noqa: PLR0917 - the command's options, passed on
    document: Path,
    output: Path,
    level: str,
    tsa: str | None,
    service_timeout: float,
    trust: list[Path] | None,
    content: Path | None,
    as_json: bool,
) -> None:
    from esig.signing.xades_extend import extend_xml

    try:
        chosen = parse_level(level)
        timestamp, validation = services(tsa, service_timeout, trust)
        result = extend_xml(
            document,
            output,
            level=chosen,
            timestamp=timestamp,
            validation=validation,
            detached_content=content,
        )
    except EsigError as exc:
        raise fail(str(exc)) from None
    _echo(
        result,
        as_json,
        f"{document} to {result.level.value} -> {result.path} ({result.signatures} XAdES "
        f"signature(s), {result.archive_timestamps} archive timestamp(s))",
        renewed=result.renewed,
    )


def _echo(result: EsigModel, as_json: bool, what: str, *, renewed: bool) -> None:
    """The result as JSON, or one line: what was extended (or renewed) into what."""
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        typer.echo(f"{'Renewed the archive timestamp of' if renewed else 'Extended'} {what}")
