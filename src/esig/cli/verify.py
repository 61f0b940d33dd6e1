"""``esig verify``: verify every signature in a PDF, or a detached CAdES signature."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from esig.cli.asic import is_container, verify_container
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
from esig.cli.options import parse_moment
from esig.cli.output import EXIT_FAILED, EXIT_OK, emit_report, fail
from esig.cli.trust_options import (
    AllowUnsignedLists,
    LotlSignersOption,
    TlsoOption,
    TrustedListCache,
    TrustedListFiles,
)
from esig.errors import EsigError, InputError, OutputError

if TYPE_CHECKING:
    from esig.devices.base import SignatureCreationDevice
    from esig.verification.report import VerificationReport

_SEAL = "--etsi-report-seal-"
_SEAL_PANEL = "Sealing the ETSI report (as esig sign's device options)"

__all__ = ["is_xml", "verify"]


def verify(  # noqa: PLR0917 - typer maps parameters to options
    document: Annotated[
        Path,
        typer.Argument(
            help="The signed PDF, an ASiC container (.asice/.asics), a detached signature "
            "(FILE.p7s), or a XAdES-signed XML document or XAdES signature file (recognised "
            "by its content)."
        ),
    ],
    trust: Annotated[
        list[Path] | None,
        typer.Option(
            metavar="CERT", help="Trust anchor certificate file (PEM, DER or PKCS#7); repeatable."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    allow_fetching: Annotated[
        bool, typer.Option(help="Fetch revocation information (OCSP, CRL) over the network.")
    ] = False,
    html: Annotated[
        Path | None,
        typer.Option("--html", metavar="FILE", help="Also write the report as HTML to FILE."),
    ] = None,
    etsi_report: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Also write the ETSI TS 119 102-2 validation report (XML) to FILE; "
            "sealed (an enveloped XAdES signature) with the --etsi-report-seal-* device.",
        ),
    ] = None,
    seal_device: Annotated[
        str | None,
        typer.Option(
            f"{_SEAL}device", metavar="URI", help=DEVICE_HELP, rich_help_panel=_SEAL_PANEL
        ),
    ] = None,
    seal_p12: Annotated[
        Path | None,
        typer.Option(f"{_SEAL}p12", metavar="FILE", help=P12_HELP, rich_help_panel=_SEAL_PANEL),
    ] = None,
    seal_key: Annotated[
        Path | None,
        typer.Option(f"{_SEAL}key", metavar="FILE", help=KEY_HELP, rich_help_panel=_SEAL_PANEL),
    ] = None,
    seal_cert: Annotated[
        Path | None,
        typer.Option(f"{_SEAL}cert", metavar="FILE", help=CERT_HELP, rich_help_panel=_SEAL_PANEL),
    ] = None,
    seal_chain: Annotated[
        list[Path] | None,
        typer.Option(f"{_SEAL}chain", metavar="CERT", help=CHAIN_HELP, rich_help_panel=_SEAL_PANEL),
    ] = None,
    seal_passphrase_env: Annotated[
        str | None,
        typer.Option(
            f"{_SEAL}passphrase-env",
            metavar="VAR",
            help=PASSPHRASE_ENV_HELP,
            rich_help_panel=_SEAL_PANEL,
        ),
    ] = None,
    seal_passphrase_file: Annotated[
        Path | None,
        typer.Option(
            f"{_SEAL}passphrase-file",
            metavar="FILE",
            help=PASSPHRASE_FILE_HELP,
            rich_help_panel=_SEAL_PANEL,
        ),
    ] = None,
    seal_tsa: Annotated[
        str | None,
        typer.Option(
            f"{_SEAL}tsa",
            metavar="URL",
            help="RFC 3161 time-stamping service: the seal at XAdES B-T (default B-B).",
            rich_help_panel=_SEAL_PANEL,
        ),
    ] = None,
    extract_signed: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="Write the revision the signer signed to FILE (BES art. 3(c))."
        ),
    ] = None,
    field: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="The signature field for --extract-signed (needed when the "
            "document has several signatures).",
        ),
    ] = None,
    register: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="The register of recognised certification service "
            "providers (BES art. 4), YAML or JSON. Only an authenticated register "
            "(--register-authority or --register-sha256) can establish recognition.",
        ),
    ] = None,
    register_authority: Annotated[
        Path | None,
        typer.Option(
            metavar="CERT",
            help="The register authority's certificate: the register must carry a detached "
            "CAdES signature FILE.p7s by it (BES art. 4(6)).",
        ),
    ] = None,
    register_sha256: Annotated[
        str | None,
        typer.Option(
            metavar="HEX",
            help="The register's SHA-256 as published out of band (BES art. 4(6)).",
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            metavar="TIME",
            help="Validate as of this moment (ISO 8601, e.g. "
            "2031-01-01 or 2031-01-01T12:00:00+01:00; UTC when no zone is given).",
        ),
    ] = None,
    content: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="The signed file, when DOCUMENT is a detached CAdES or XAdES signature.",
        ),
    ] = None,
    trusted_list: TrustedListFiles = None,
    trusted_lists: TrustedListCache = None,
    lotl_signers: LotlSignersOption = None,
    tlso: TlsoOption = None,
    allow_unsigned_lists: AllowUnsignedLists = False,
    exempt: Annotated[
        list[str] | None,
        typer.Option(
            metavar="LETTER",
            help="An item of BES art. 6(1) (a-h) the issuing provider is exempted from "
            "(art. 6(2)); repeatable. An authenticated register adds its own.",
        ),
    ] = None,
) -> None:
    """Verify every signature in a PDF, an ASiC container or a detached FILE.p7s.

    Exit 0 only when all pass.
    """
    from esig.verification.verifier import verify_pdf

    try:
        if content is not None and extract_signed is not None:
            raise InputError("--extract-signed is for PDFs; a detached signature's content is FILE")
        seal_options = (seal_device, seal_p12, seal_key, seal_cert, seal_chain)
        sealing = any(seal_options) or seal_tsa is not None
        if sealing and etsi_report is None:
            raise InputError(f"{_SEAL}* options seal the report of --etsi-report FILE: give it")
        check_device_choice(*seal_options, prefix=_SEAL)
        if seal_tsa is not None and not any(seal_options):
            raise InputError(f"{_SEAL}tsa times a seal: give the seal's device too")
        from esig.trust.tl_loading import load_trusted_lists

        settings: dict[str, Any] = {
            "trust": trust or [],
            "allow_fetching": allow_fetching,
            "at": parse_moment(at),
            "register": _register(register, register_authority, register_sha256),
            "trusted_lists": load_trusted_lists(
                trusted_list or (),
                cache=trusted_lists,
                tlso=tlso or (),
                lotl_signers=lotl_signers,
                allow_unsigned=allow_unsigned_lists,
            ),
            "exemptions": exempt or (),
        }
        if content is None and is_container(document):
            if extract_signed is not None:
                raise InputError("--extract-signed is for PDFs; any ZIP tool extracts a container")
            report = verify_container(document, settings)
        elif is_xml(document):
            from esig.verification.xades import verify_xml

            report = verify_xml(document, detached_content=content, **settings)
        elif content is None:
            report = verify_pdf(document, **settings)
        else:
            from esig.verification.cades import verify_detached

            report = verify_detached(document, content, **settings)
        if html is not None:
            _write_html(report, html)
        if etsi_report is not None:
            seal = (
                open_signing_device(
                    *seal_options, seal_passphrase_env, seal_passphrase_file, prefix=_SEAL
                )
                if sealing
                else None
            )
            _write_etsi(report, etsi_report, seal, seal_tsa)
        if extract_signed is not None:
            _extract_signed(document, report, field, extract_signed)
    except EsigError as exc:
        raise fail(str(exc)) from None
    emit_report(report, as_json)
    raise typer.Exit(EXIT_OK if report.passed else EXIT_FAILED)


def is_xml(document: Path) -> bool:
    """The file's first bytes say XML (content sniffing: the name is not trusted)."""
    from esig._io import open_input
    from esig._xml.parsing import looks_like_xml

    with open_input(document, what="document") as handle:
        return looks_like_xml(handle.read(1024))


def _register(path: Path | None, authority: Path | None, sha256: str | None) -> Any:
    if path is None:
        if authority is not None or sha256 is not None:
            raise InputError("--register-authority and --register-sha256 need --register FILE")
        return None
    from esig.trust.register import load_register

    return load_register(path, authority=authority, expected_sha256=sha256)


def _extract_signed(
    document: Path, report: VerificationReport, field: str | None, target: Path
) -> None:
    from esig._io import atomic_output
    from esig.verification.verifier import signed_revision

    chosen = [s for s in report.signatures if field is None or s.field_name == field]
    if not chosen:
        raise InputError(
            f"No signature field named {field!r}" if field else "The document holds no signature"
        )
    if len(chosen) > 1:
        names = ", ".join(s.field_name for s in chosen)
        raise InputError(f"Several signatures ({names}): choose one with --field")
    data = signed_revision(document, chosen[0])
    if target.exists() and target.resolve() == document.resolve():
        raise InputError("--extract-signed must not overwrite the document")
    with atomic_output(target) as handle:
        handle.write(data)


def _write_etsi(
    report: VerificationReport, path: Path, seal: SignatureCreationDevice | None, tsa: str | None
) -> None:
    from esig.verification.etsi_report import write_etsi_report

    timestamp = None
    if tsa is not None:
        from esig.model.baseline import TimestampService

        timestamp = TimestampService(url=tsa)
    try:
        write_etsi_report(report, path, seal=seal, timestamp=timestamp)
    finally:
        close = getattr(seal, "close", None)
        if callable(close):
            close()


def _write_html(report: VerificationReport, path: Path) -> None:
    from esig._io import atomic_output

    try:
        with atomic_output(path) as handle:
            handle.write(report.to_html().encode("utf-8"))
    except OSError as exc:
        raise OutputError(f"The HTML report cannot be written: {exc.strerror}", path=path) from None
