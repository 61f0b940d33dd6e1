"""The typer application behind the ``esig`` command."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from esig.devices.software import SoftwareKey
from esig.errors import EsigError, InputError, OutputError, WrongPassphraseError
from esig.issuance import KeyType
from esig.verification.report import VerificationReport

if TYPE_CHECKING:
    from esig.devices.base import SignatureCreationDevice
    from esig.signing.batch import BatchResult

__all__ = ["app", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

app = typer.Typer(
    name="esig",
    help="Sign and verify documents, and say which level (SES/AES/QES) a signature "
    "reaches under the BES decree and eIDAS, and why.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


_NOISY_LOGGERS = ("pyhanko", "pyhanko_certvalidator")


@app.callback()
def _options(
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Show the log messages of the libraries underneath."),
    ] = False,
) -> None:
    """Sign and verify documents, and say which level a signature reaches, and why."""
    level = logging.DEBUG if verbose else logging.CRITICAL
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(level)


class DemoKey(StrEnum):
    """Key types offered by ``esig demo``."""

    rsa = "rsa"
    ec = "ec"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"esig: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


_STYLES = (
    ("TOTAL-PASSED", "bold green"),
    ("TOTAL-FAILED", "bold red"),
    ("INDETERMINATE", "bold yellow"),
    ("    PASS ", "green"),
    ("    FAIL ", "red"),
    ("    INDET ", "yellow"),
    ("    met ", "green"),
    ("    not met ", "red"),
    ("    unknown ", "yellow"),
    ("(pseudonym)", "bold magenta"),
    ("Recognised: ", "bold red"),
)


def _emit(report: VerificationReport, as_json: bool) -> None:
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    text = report.to_text()
    if not sys.stdout.isatty():
        typer.echo(text, nl=False)
        return
    from rich.console import Console  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    styled = Text(text)
    for needle, style in _STYLES:
        styled.highlight_words([needle], style=style)
    Console(highlight=False, soft_wrap=True).print(styled, end="")


@app.command()
def demo(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the results.")] = Path(
        "esig-demo"
    ),
    key: Annotated[DemoKey, typer.Option(help="Key type: RSA-2048 or EC P-256.")] = DemoKey.rsa,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Sign and verify a sample document on a throwaway local test PKI."""
    from esig.demo import run_demo  # noqa: PLC0415 - keeps `esig --help` fast

    key_type = KeyType.RSA_2048 if key is DemoKey.rsa else KeyType.EC_P256
    try:
        result = run_demo(output, key_type=key_type)
    except EsigError as exc:
        raise _fail(str(exc)) from None
    _emit(result.report, as_json)
    if not as_json:
        typer.echo(
            f"\nSigned document: {result.signed_pdf}"
            f"\nReport (JSON):   {result.report_json}"
            f"\nTrust anchor:    {result.trust_anchor}"
            f"\nVerify again:    esig verify {result.signed_pdf} --trust {result.trust_anchor}"
        )
    raise typer.Exit(EXIT_OK if result.report.passed else EXIT_FAILED)


def _passphrase(env_var: str | None, passphrase_file: Path | None) -> str | None:
    if passphrase_file is not None:
        try:
            return passphrase_file.read_text().rstrip("\r\n")
        except OSError as exc:
            raise InputError(
                f"The passphrase file cannot be read: {exc.strerror}", path=passphrase_file
            ) from None
    if env_var:
        value = os.environ.get(env_var)
        if value is None:
            raise InputError(f"The environment variable {env_var} is not set")
        return value
    return None


def _load_device(
    p12: Path | None, key: Path | None, cert: Path | None, chain: list[Path], secret: str | None
) -> SoftwareKey:
    if p12 is not None:
        if key is not None or cert is not None:
            raise InputError("Give either --p12, or --key with --cert, not both")
        return SoftwareKey.from_pkcs12(p12, secret)
    if key is None or cert is None:
        raise InputError("Give a signing key: --p12 FILE, or --key FILE with --cert FILE")
    return SoftwareKey.from_pem(key, cert, chain, secret)


def _device_from_uri(
    uri: str, passphrase_env: str | None, passphrase_file: Path | None
) -> SignatureCreationDevice:
    from esig.devices.factory import env_secret_provider, open_device  # noqa: PLC0415

    given = (
        _passphrase(passphrase_env, passphrase_file) if passphrase_env or passphrase_file else None
    )
    return open_device(uri, secret_provider=env_secret_provider(passphrase=given))


def _batch_pairs(
    documents: list[Path], output: Path | None, output_dir: Path | None
) -> list[tuple[Path, Path]]:
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


def _sign_with_progress(
    pairs: list[tuple[Path, Path]], device: SignatureCreationDevice, show: bool, **options: Any
) -> list[BatchResult]:
    from esig.signing.batch import sign_many  # noqa: PLC0415

    if not show:
        return sign_many(pairs, device, **options)
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import (  # noqa: PLC0415
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


@app.command()
def sign(  # noqa: PLR0917 - typer maps parameters to options
    documents: Annotated[
        list[Path], typer.Argument(metavar="PDF...", help="The PDFs to sign (only read).")
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write the signed PDF (one document)."),
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            help="Write each signed PDF, under its own name, into this folder (created if missing)."
        ),
    ] = None,
    device: Annotated[
        str | None,
        typer.Option(
            "--device",
            metavar="URI",
            help="The signing device: file:/path/signer.p12, "
            "pkcs11:token=LABEL;object=KEY?module-path=/path/module.so, or "
            "csc+https://host?credential=ID. PIN from ESIG_PIN, passphrase from "
            "ESIG_PASSPHRASE, or a prompt. See `esig devices list`.",
        ),
    ] = None,
    p12: Annotated[Path | None, typer.Option(help="PKCS#12 file with key and certificate.")] = None,
    key: Annotated[Path | None, typer.Option(help="PEM private key file.")] = None,
    cert: Annotated[Path | None, typer.Option(help="PEM certificate for --key.")] = None,
    chain: Annotated[list[Path] | None, typer.Option(help="Issuer certificates to embed.")] = None,
    passphrase_env: Annotated[
        str | None,
        typer.Option(
            help="Read the key's passphrase from this environment variable "
            "(default: ESIG_PASSPHRASE when it is set)."
        ),
    ] = None,
    passphrase_file: Annotated[
        Path | None, typer.Option(help="Read the key's passphrase from this file.")
    ] = None,
    field: Annotated[str | None, typer.Option(help="Signature field name.")] = None,
    reason: Annotated[str | None, typer.Option(help="Reason for signing.")] = None,
    location: Annotated[str | None, typer.Option(help="Where the signature is made.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one result per document as JSON.")
    ] = False,
) -> None:
    """Sign PDFs (PAdES baseline B-B) with one device: one login, one PIN entry.

    Exit 0: all signed; 1: some not (each says why); 2: usage error or no device.
    """
    import contextlib  # noqa: PLC0415

    try:
        pairs = _batch_pairs(documents, output, output_dir)
        if device is not None and (p12 or key or cert or chain):
            raise InputError("Give either --device URI, or --p12 / --key with --cert, not both")
        if output_dir is not None and not output_dir.exists():
            try:
                output_dir.mkdir(parents=True)
            except OSError as exc:
                raise OutputError(
                    f"The output folder cannot be made: {exc.strerror}", path=output_dir
                ) from None
        if device is not None:
            signer = _device_from_uri(device, passphrase_env, passphrase_file)
        else:
            signer = _software_device(
                p12=p12,
                key=key,
                cert=cert,
                chain=chain or [],
                passphrase_env=passphrase_env,
                passphrase_file=passphrase_file,
            )
    except EsigError as exc:
        raise _fail(str(exc)) from None
    options: dict[str, Any] = {"field_name": field, "reason": reason, "location": location}
    show = not as_json and len(pairs) > 1 and sys.stderr.isatty()
    with contextlib.ExitStack() as cleanup:
        close = getattr(signer, "close", None)
        if callable(close):
            cleanup.callback(close)
        results = _sign_with_progress(pairs, signer, show, **options)
    failed = [r for r in results if not r.ok]
    if as_json:
        from pydantic import TypeAdapter  # noqa: PLC0415

        from esig.signing.batch import BatchResult  # noqa: PLC0415

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


def _software_device(
    *,
    p12: Path | None,
    key: Path | None,
    cert: Path | None,
    chain: list[Path],
    passphrase_env: str | None,
    passphrase_file: Path | None,
) -> SoftwareKey:
    env = passphrase_env or ("ESIG_PASSPHRASE" if "ESIG_PASSPHRASE" in os.environ else None)
    secret = _passphrase(env, passphrase_file)
    try:
        return _load_device(p12, key, cert, chain, secret)
    except WrongPassphraseError:
        if secret is not None or not sys.stdin.isatty():
            raise
        secret = typer.prompt("Passphrase", hide_input=True)
        return _load_device(p12, key, cert, chain, secret)


devices_app = typer.Typer(
    help="Find signing devices: PKCS#11 tokens and keys, remote CSC credentials.",
    no_args_is_help=True,
)
app.add_typer(devices_app, name="devices")


@devices_app.command("list")
def devices_list(
    uri: Annotated[
        str,
        typer.Argument(
            metavar="URI",
            help="What to list: pkcs11:?module-path=/path/module.so (tokens), "
            "pkcs11:token=LABEL?module-path=... (keys; PIN from ESIG_PIN or a prompt), "
            "csc+https://host (credentials), or file:/path/signer.p12.",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the entries as JSON.")] = False,
) -> None:
    """List the tokens, keys or credentials a device URI leads to, each with its URI."""
    from esig.devices.factory import DeviceEntry, env_secret_provider, list_devices  # noqa: PLC0415

    try:
        entries = list_devices(uri, secret_provider=env_secret_provider())
    except EsigError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        from pydantic import TypeAdapter  # noqa: PLC0415

        typer.echo(TypeAdapter(list[DeviceEntry]).dump_json(entries, indent=2).decode("utf-8"))
        return
    if not entries:
        typer.echo("Nothing found.")
    for entry in entries:
        facts = [
            entry.entry,
            *(f for f in (entry.algorithm, entry.subject, entry.note) if f),
            "usable" if entry.usable else "NOT usable",
        ]
        typer.echo(f"{entry.uri}\n    {'; '.join(facts)}")


@app.command()
def verify(  # noqa: PLR0917 - typer maps parameters to options
    document: Annotated[Path, typer.Argument(help="The signed PDF.")],
    trust: Annotated[
        list[Path] | None,
        typer.Option(help="Trust anchor certificate file (PEM, DER or PKCS#7); repeatable."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    allow_fetching: Annotated[
        bool, typer.Option(help="Fetch revocation information (OCSP, CRL) over the network.")
    ] = False,
    html: Annotated[
        Path | None,
        typer.Option("--html", metavar="FILE", help="Also write the report as HTML to FILE."),
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
            help="The signature field for --extract-signed (needed when the "
            "document has several signatures)."
        ),
    ] = None,
    register: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="The register of recognised certification service "
            "providers (BES art. 4), YAML or JSON.",
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
) -> None:
    """Verify every signature in a PDF; exit 0 only when all pass."""
    from esig.trust.register import load_register  # noqa: PLC0415
    from esig.verification.verifier import verify_pdf  # noqa: PLC0415

    try:
        report = verify_pdf(
            document,
            trust=trust or [],
            allow_fetching=allow_fetching,
            at=_moment(at),
            register=load_register(register) if register is not None else None,
        )
        if html is not None:
            _write_html(report, html)
        if extract_signed is not None:
            _extract_signed(document, report, field, extract_signed)
    except EsigError as exc:
        raise _fail(str(exc)) from None
    _emit(report, as_json)
    raise typer.Exit(EXIT_OK if report.passed else EXIT_FAILED)


def _moment(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"--at {text!r} is not an ISO 8601 date or time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _extract_signed(
    document: Path, report: VerificationReport, field: str | None, target: Path
) -> None:
    from esig._io import atomic_output  # noqa: PLC0415
    from esig.verification.verifier import signed_revision  # noqa: PLC0415

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


def _write_html(report: VerificationReport, path: Path) -> None:
    from esig._io import atomic_output  # noqa: PLC0415

    try:
        with atomic_output(path) as handle:
            handle.write(report.to_html().encode("utf-8"))
    except OSError as exc:
        raise OutputError(f"The HTML report cannot be written: {exc.strerror}", path=path) from None


schema_app = typer.Typer(help="Print the JSON Schemas of esig's JSON output.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")


@schema_app.command("report")
def schema_report() -> None:
    """Print the JSON Schema of the verification report (`esig verify --json`)."""
    import json  # noqa: PLC0415

    from esig.verification.report import report_json_schema  # noqa: PLC0415

    typer.echo(json.dumps(report_json_schema(), indent=2, ensure_ascii=False))


cert_app = typer.Typer(
    help="Read certificates as the decree sees them (BES art. 6).", no_args_is_help=True
)
app.add_typer(cert_app, name="cert")


@cert_app.command("show")
def cert_show(
    certificate: Annotated[Path, typer.Argument(help="Certificate file (PEM, DER or PKCS#7).")],
    issuer: Annotated[
        Path | None,
        typer.Option(
            help="The issuer's certificate, to verify the issuer's signature (art. 6(1)(g))."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the profile as JSON.")] = False,
) -> None:
    """Show a certificate's BES art. 6 profile: who, issued by whom, limits, qualified markers."""
    from esig.certificates import load_certificates  # noqa: PLC0415
    from esig.profiles import CertificateProfile  # noqa: PLC0415

    try:
        certs = load_certificates(certificate)
        issuer_cert = load_certificates(issuer, what="issuer certificate")[0] if issuer else None
    except EsigError as exc:
        raise _fail(str(exc)) from None
    profiles = [CertificateProfile.from_certificate(c, issuer=issuer_cert) for c in certs]
    if as_json:
        body = ",\n".join(p.model_dump_json(indent=2) for p in profiles)
        typer.echo(body if len(profiles) == 1 else f"[\n{body}\n]")
    else:
        typer.echo("\n\n".join(p.to_text().rstrip("\n") for p in profiles))


def main() -> None:
    """Entry point of the ``esig`` console script."""
    app()
