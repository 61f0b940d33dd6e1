"""``esig sign``: sign PDFs (PAdES) or any files (detached CAdES) with one device.

One document or many (``--output-dir``), at baseline B-B to B-LTA, with an appearance,
a certification and field locks. The options are checked before the device is opened.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from esig.cli.asic import add_container_signature, check_container_output, sign_container
from esig.cli.keys import (
    CERT_HELP,
    CHAIN_HELP,
    DEVICE_HELP,
    KEY_HELP,
    P12_HELP,
    PASSPHRASE_ENV_HELP,
    PASSPHRASE_FILE_HELP,
    check_device_choice,
    open_signing_device,
)
from esig.cli.options import SignFormat, baseline_request, pdf_extras
from esig.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail
from esig.errors import EsigError, InputError, OutputError

if TYPE_CHECKING:
    from esig.devices.base import SignatureCreationDevice
    from esig.signing.baseline import BaselineRequest
    from esig.signing.batch import BatchResult

__all__ = ["batch_pairs", "cades_pairs", "sign", "sign_each", "sign_with_progress"]


def batch_pairs(
    documents: list[Path], output: Path | None, output_dir: Path | None
) -> list[tuple[Path, Path]]:
    """(document, signed PDF) pairs from ``-o FILE`` (one document) or ``--output-dir DIR``."""
    if output is not None and output_dir is not None:
        raise InputError("Give either -o/--output (one document) or --output-dir, not both")
    if output is not None:
        if len(documents) > 1:
            raise InputError(
                f"-o/--output takes one document; for {len(documents)} give --output-dir DIR"
            )
        return [(documents[0], output)]
    if output_dir is None:
        raise InputError("Say where to write: -o FILE (one document) or --output-dir DIR")
    if output_dir.exists() and not output_dir.is_dir():
        raise InputError("--output-dir is a file, not a folder", path=output_dir)
    pairs = [(doc, output_dir / doc.name) for doc in documents]
    seen: dict[str, Path] = {}
    for doc, _ in pairs:
        if doc.name in seen:
            raise InputError(
                f"{seen[doc.name]} and {doc} would both be written to "
                f"{output_dir / doc.name}; sign them into different folders"
            )
        seen[doc.name] = doc
    return pairs


def sign_with_progress(
    pairs: list[tuple[Path, Path]], device: SignatureCreationDevice, show: bool, **options: Any
) -> list[BatchResult]:
    """``sign_many`` the pairs; with ``show``, a progress bar on stderr."""
    from esig.signing.batch import sign_many

    if not show:
        return sign_many(pairs, device, **options)
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("Signing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("sign", total=len(pairs))
        return sign_many(pairs, device, on_progress=lambda _: progress.advance(task), **options)


def cades_pairs(
    documents: list[Path], output: Path | None, output_dir: Path | None
) -> list[tuple[Path, Path]]:
    """(file, FILE.p7s) pairs: beside each file, or as ``-o`` / ``--output-dir`` say."""
    from esig.signing.cades import default_signature_path

    if output is None and output_dir is None:
        return [(doc, default_signature_path(doc)) for doc in documents]
    pairs = batch_pairs(documents, output, output_dir)
    if output_dir is not None:
        pairs = [(doc, default_signature_path(dst)) for doc, dst in pairs]
    return pairs


def sign_each(
    pairs: list[tuple[Path, Path]],
    device: SignatureCreationDevice,
    *,
    sign_format: SignFormat,
    baseline: BaselineRequest,
    options: dict[str, Any],
    as_json: bool,
    single: Path | None,
) -> int:
    """Sign one document after the other at ``baseline``; return the exit code."""
    from esig.signing.cades import sign_detached
    from esig.signing.pades import sign_pdf

    failed = 0
    try:
        for source, target in pairs:
            try:
                if sign_format.value.startswith("xades"):
                    from esig.signing.xades import sign_xml

                    made: Any = sign_xml(
                        source,
                        target,
                        device,
                        packaging="detached"
                        if sign_format is SignFormat.xades_detached
                        else "enveloped",
                        level=baseline.level,
                        timestamp=baseline.timestamp,
                        validation=baseline.validation,
                    )
                elif sign_format is SignFormat.cades:
                    made = sign_detached(
                        source,
                        target,
                        device,
                        level=baseline.level,
                        timestamp=baseline.timestamp,
                        validation=baseline.validation,
                    )
                else:
                    made = sign_pdf(
                        source,
                        target,
                        device,
                        level=baseline.level,
                        timestamp=baseline.timestamp,
                        validation=baseline.validation,
                        **options,
                    )
            except EsigError as exc:
                failed += 1
                typer.echo(f"esig: error: {source}: {exc}", err=True)
                continue
            if as_json:
                typer.echo(made.model_dump_json(indent=2))
            else:
                field_text = f" (field {made.field_name})" if hasattr(made, "field_name") else ""
                typer.echo(
                    f"Signed {source} as {made.signer.display} "
                    f"({sign_format.value.upper()} {baseline.level.value}) -> {made.path}"
                    f"{field_text}"
                )
    finally:
        close = getattr(device, "close", None)
        if callable(close):
            close()
    if failed and single is not None:
        return EXIT_USAGE
    return EXIT_FAILED if failed else EXIT_OK


def _added_format(documents: list[Path], sign_format: SignFormat) -> SignFormat:
    """``--add-signature``: one container, whose format the new signature takes."""
    if len(documents) != 1:
        raise InputError(
            f"--add-signature adds a signer to one container; got {len(documents)} documents"
        )
    if sign_format not in {SignFormat.pades, SignFormat.asice, SignFormat.asice_xades}:
        raise InputError(
            f"--add-signature adds to an ASiC-E container, not --format {sign_format.value} "
            "(the new signature takes the container's format)"
        )
    # the checks of an ASiC-E container's options; the container says CAdES or XAdES
    return SignFormat.asice_xades if sign_format is SignFormat.asice_xades else SignFormat.asice


def sign(  # noqa: PLR0917 - typer maps parameters to options
    documents: Annotated[
        list[Path], typer.Argument(metavar="PDF...", help="The PDFs to sign (only read).")
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Where to write the signed PDF (one document)."
        ),
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Write each signed PDF, under its own name, into this folder "
            "(created if missing).",
        ),
    ] = None,
    device: Annotated[str | None, typer.Option("--device", metavar="URI", help=DEVICE_HELP)] = None,
    p12: Annotated[Path | None, typer.Option(metavar="FILE", help=P12_HELP)] = None,
    key: Annotated[Path | None, typer.Option(metavar="FILE", help=KEY_HELP)] = None,
    cert: Annotated[Path | None, typer.Option(metavar="FILE", help=CERT_HELP)] = None,
    chain: Annotated[list[Path] | None, typer.Option(metavar="CERT", help=CHAIN_HELP)] = None,
    passphrase_env: Annotated[
        str | None, typer.Option(metavar="VAR", help=PASSPHRASE_ENV_HELP)
    ] = None,
    passphrase_file: Annotated[
        Path | None, typer.Option(metavar="FILE", help=PASSPHRASE_FILE_HELP)
    ] = None,
    field: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="The signature field to sign: an existing (e.g. prepared) field, or the "
            "name of the new one.",
        ),
    ] = None,
    visible: Annotated[
        str | None,
        typer.Option(
            metavar="PAGE:X1,Y1,X2,Y2",
            help="Show the signature in a new field on PAGE (from 1), in the box from "
            "X1,Y1 (lower left) to X2,Y2 (upper right), in points from the page's lower left.",
        ),
    ] = None,
    image: Annotated[
        Path | None,
        typer.Option(
            metavar="PNG",
            help="An image (PNG or JPEG) to show in the signature, e.g. a drawn signature "
            "or a logo; with --visible, or --field naming a visible field.",
        ),
    ] = None,
    font: Annotated[
        Path | None,
        typer.Option(
            metavar="PATH",
            help="A TrueType/OpenType font for the signature's text (default: DejaVu Sans).",
        ),
    ] = None,
    certify: Annotated[
        str | None,
        typer.Option(
            metavar="PERMISSION",
            help="Certify the document (the first signature) and allow after it: "
            "no-changes, form-filling (and signing) or annotations.",
        ),
    ] = None,
    lock: Annotated[
        str | None,
        typer.Option(
            metavar="LOCK",
            help="Once signed, lock form fields: all, include:F1,F2 or exclude:F1,F2.",
        ),
    ] = None,
    reason: Annotated[str | None, typer.Option(metavar="TEXT", help="Reason for signing.")] = None,
    location: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Where the signature is made.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one result per document as JSON.")
    ] = False,
    sign_format: Annotated[
        SignFormat,
        typer.Option(
            "--format",
            help="pades: sign inside the PDF; cades: a detached signature FILE.p7s for any "
            "file (written beside it unless -o/--output-dir says otherwise); xades: a XAdES "
            "signature inside an XML document; xades-detached: a XAdES signature file (-o) "
            "that names the signed file; asice: all the files in one ASiC-E container (-o "
            "FILE), with a CAdES signature; asics: one file in an ASiC-S container; asice-xades, "
            "asics-xades: the same with a XAdES signature (META-INF/signatures.xml).",
        ),
    ] = SignFormat.pades,
    level: Annotated[
        str | None,
        typer.Option(
            metavar="LEVEL",
            help="Baseline level: B-B, B-T, B-LT or B-LTA (CAdES: up to B-LT; ASiC with "
            "XAdES: up to B-T). "
            "Default: B-T with --tsa, else B-B.",
        ),
    ] = None,
    tsa: Annotated[
        str | None,
        typer.Option(metavar="URL", help="RFC 3161 time-stamping service (needed from B-T on)."),
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
            help="Trust anchor for collecting validation data (B-LT, B-LTA); repeatable. "
            "Default: the root certificate that comes with the signer's chain.",
        ),
    ] = None,
    add_signature: Annotated[
        bool,
        typer.Option(
            "--add-signature",
            help="Add a signer to an existing ASiC-E container (the one document), written "
            "to -o FILE, in the container's format (CAdES or XAdES); the signatures already "
            "there stay valid.",
        ),
    ] = False,
) -> None:
    """Sign PDFs (PAdES baseline B-B) with one device: one login, one PIN entry.

    With --level/--tsa: PAdES B-T, B-LT or B-LTA. With --format cades: detached CAdES
    signatures of any files; --format asice/asics: the files in one ASiC container;
    --add-signature: one more signer for an ASiC-E container.

    Exit 0: all signed; 1: some not (each says why); 2: usage error or no device.
    """
    from esig.signing.baseline import BaselineLevel

    try:
        if add_signature:
            sign_format = _added_format(documents, sign_format)
        baseline = baseline_request(level, tsa, service_timeout, trust, sign_format)
        extras = pdf_extras(
            sign_format,
            field=field,
            visible=visible,
            image=image,
            font=font,
            certify=certify,
            lock=lock,
        )
        container = None
        if sign_format.is_container:
            container, pairs = check_container_output(documents, output, output_dir), []
        elif sign_format is SignFormat.cades:
            pairs = cades_pairs(documents, output, output_dir)
        else:
            pairs = batch_pairs(documents, output, output_dir)
        check_device_choice(device, p12, key, cert, chain)
        if output_dir is not None and not output_dir.exists():
            try:
                output_dir.mkdir(parents=True)
            except OSError as exc:
                raise OutputError(
                    f"The output folder cannot be made: {exc.strerror}", path=output_dir
                ) from None
        signer = open_signing_device(device, p12, key, cert, chain, passphrase_env, passphrase_file)
    except EsigError as exc:
        raise fail(str(exc)) from None
    if container is not None and add_signature:
        raise typer.Exit(
            add_container_signature(
                documents, container, signer, baseline=baseline, as_json=as_json
            )
        )
    if container is not None:
        raise typer.Exit(
            sign_container(
                documents,
                container,
                signer,
                sign_format=sign_format,
                baseline=baseline,
                as_json=as_json,
            )
        )
    options: dict[str, Any] = {"field_name": field, "reason": reason, "location": location}
    if extras:
        options.update(extras)
    if sign_format is not SignFormat.pades or baseline.level is not BaselineLevel.B_B or extras:
        raise typer.Exit(
            sign_each(
                pairs,
                signer,
                sign_format=sign_format,
                baseline=baseline,
                options=options,
                as_json=as_json,
                single=output,
            )
        )
    show = not as_json and len(pairs) > 1 and sys.stderr.isatty()
    with contextlib.ExitStack() as cleanup:
        close = getattr(signer, "close", None)
        if callable(close):
            cleanup.callback(close)
        results = sign_with_progress(pairs, signer, show, **options)
    failed = [r for r in results if not r.ok]
    if as_json:
        from pydantic import TypeAdapter

        from esig.signing.batch import BatchResult

        typer.echo(TypeAdapter(list[BatchResult]).dump_json(results, indent=2).decode("utf-8"))
    else:
        for result in results:
            if result.document is not None:
                typer.echo(
                    f"Signed {result.source} as {result.document.signer.display} -> "
                    f"{result.document.path} (field {result.document.field_name})"
                )
            elif output is None:
                typer.echo(f"esig: error: {result.source}: {result.error}", err=True)
        if output is None and len(results) > 1:
            typer.echo(f"{len(results) - len(failed)} of {len(results)} documents signed.")
    if failed and output is not None:
        # The single-document form (-o) keeps its contract: an error is exit code 2.
        if not as_json:
            typer.echo(f"esig: error: {failed[0].error}", err=True)
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(EXIT_FAILED if failed else EXIT_OK)
