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
from esig.signing.baseline import BaselineLevel, BaselineRequest
from esig.verification.report import VerificationReport

if TYPE_CHECKING:
    from esig.devices.base import SignatureCreationDevice
    from esig.signing.baseline import TimestampService, ValidationServices
    from esig.signing.batch import BatchResult
    from esig.signing.certification import DocPermission, FieldLock
    from esig.signing.fields import SignatureFieldSpec

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
    if verbose:
        # esig logs the libraries' warnings it caught at INFO; without -v the root
        # logger's WARNING threshold keeps them quiet (esig's logger is left as it is).
        logging.getLogger("esig").setLevel(logging.DEBUG)


class DemoKey(StrEnum):
    """Key types offered by ``esig demo``."""

    rsa = "rsa"
    ec = "ec"


class SignFormat(StrEnum):
    """Signature formats offered by ``esig sign --format``."""

    pades = "pades"
    cades = "cades"


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
    reason: Annotated[str | None, typer.Option(help="Reason for signing.")] = None,
    location: Annotated[str | None, typer.Option(help="Where the signature is made.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one result per document as JSON.")
    ] = False,
    sign_format: Annotated[
        SignFormat,
        typer.Option(
            "--format",
            help="pades: sign inside the PDF; cades: a detached signature FILE.p7s for any "
            "file (written beside it unless -o/--output-dir says otherwise).",
        ),
    ] = SignFormat.pades,
    level: Annotated[
        str | None,
        typer.Option(
            metavar="LEVEL",
            help="Baseline level: B-B, B-T, B-LT or B-LTA (CAdES: up to B-LT). "
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
            help="Trust anchor for collecting validation data (B-LT, B-LTA); repeatable. "
            "Default: the root certificate that comes with the signer's chain."
        ),
    ] = None,
) -> None:
    """Sign PDFs (PAdES baseline B-B) with one device: one login, one PIN entry.

    With --level/--tsa: PAdES B-T, B-LT or B-LTA. With --format cades: detached CAdES
    signatures of any files.

    Exit 0: all signed; 1: some not (each says why); 2: usage error or no device.
    """
    import contextlib  # noqa: PLC0415

    try:
        baseline = _baseline_request(level, tsa, service_timeout, trust, sign_format)
        extras = _pdf_extras(
            sign_format,
            field=field,
            visible=visible,
            image=image,
            font=font,
            certify=certify,
            lock=lock,
        )
        if sign_format is SignFormat.cades:
            pairs = _cades_pairs(documents, output, output_dir)
        else:
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
    if extras:
        options.update(extras)
    if sign_format is SignFormat.cades or baseline.level is not BaselineLevel.B_B or extras:
        raise typer.Exit(
            _sign_each(
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


_BOX_FORM = "X1,Y1,X2,Y2 (four numbers in points, lower left then upper right, e.g. 50,50,250,110)"
_LOCK_FORM = "all, include:F1,F2 or exclude:F1,F2"
_CERTIFY_FORM = "no-changes, form-filling or annotations"


def _parse_box(text: str, option: str) -> tuple[float, float, float, float]:
    parts = [p.strip() for p in text.split(",")]
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 4:
        raise InputError(f"{option} {text!r}: give the box as {_BOX_FORM}")
    x1, y1, x2, y2 = numbers
    return (x1, y1, x2, y2)


def _parse_page(text: str, option: str, form: str) -> int:
    try:
        page = int(text)
    except ValueError:
        raise InputError(f"{option}: the page {text!r} is not a number; give {form}") from None
    if page < 1:
        raise InputError(f"{option}: pages are counted from 1; give {form}")
    return page


def _parse_visible(text: str) -> tuple[int, tuple[float, float, float, float]]:
    """``PAGE:X1,Y1,X2,Y2`` → (page, box)."""
    form = "PAGE:X1,Y1,X2,Y2, e.g. 1:50,50,250,110"
    page_text, sep, box_text = text.partition(":")
    if not sep:
        raise InputError(f"--visible {text!r}: give {form}")
    return _parse_page(page_text.strip(), "--visible", form), _parse_box(box_text, "--visible")


def _parse_lock(text: str, option: str = "--lock") -> FieldLock:
    """``all`` | ``include:F1,F2`` | ``exclude:F1,F2`` → FieldLock."""
    from pydantic import ValidationError  # noqa: PLC0415

    from esig.signing.certification import FieldLock  # noqa: PLC0415

    scope, sep, rest = text.strip().partition(":")
    names = tuple(n.strip() for n in rest.split(",")) if sep else ()
    try:
        if scope == "all" and not sep:
            return FieldLock.all()
        if scope == "include" and sep and all(names):
            return FieldLock.include(*names)
        if scope == "exclude" and sep and all(names):
            return FieldLock.exclude(*names)
    except ValidationError:
        pass
    raise InputError(f"{option} {text!r}: give {_LOCK_FORM}")


def _parse_certify(text: str) -> DocPermission:
    from esig.signing.certification import DocPermission  # noqa: PLC0415

    try:
        return DocPermission(text.strip())
    except ValueError:
        raise InputError(f"--certify {text!r}: choose {_CERTIFY_FORM}") from None


def _validation_message(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(str(e.get("msg", "")).removeprefix("Value error, ") for e in errors())
    return str(exc)


def _pdf_extras(
    sign_format: SignFormat,
    *,
    field: str | None,
    visible: str | None,
    image: Path | None,
    font: Path | None,
    certify: str | None,
    lock: str | None,
) -> dict[str, Any]:
    """The appearance, certification and lock options of ``esig sign``, checked."""
    from pydantic import ValidationError  # noqa: PLC0415

    from esig.signing.appearance import VisibleSignature  # noqa: PLC0415

    given = [
        name
        for name, value in (
            ("--visible", visible),
            ("--image", image),
            ("--font", font),
            ("--certify", certify),
            ("--lock", lock),
        )
        if value is not None
    ]
    if not given:
        return {}
    if sign_format is SignFormat.cades:
        raise InputError(f"{', '.join(given)}: only for PDF signatures, not --format cades")
    extras: dict[str, Any] = {}
    if certify is not None:
        extras["certify"] = _parse_certify(certify)
    if lock is not None:
        extras["lock_fields"] = _parse_lock(lock)
    if visible is not None or image is not None or font is not None:
        if visible is None and field is None:
            raise InputError(
                "--image and --font need a place for the signature: --visible PAGE:X1,Y1,X2,Y2, "
                "or --field NAME of a visible field"
            )
        try:
            if visible is not None:
                page, box = _parse_visible(visible)
                appearance = VisibleSignature(
                    page=page, box=box, field=field, image=image, font=font
                )
            else:
                appearance = VisibleSignature(field=field, image=image, font=font)
        except ValidationError as exc:
            raise InputError(f"--visible: {_validation_message(exc)}") from None
        extras["appearance"] = appearance
    return extras


def _parse_field_spec(text: str) -> SignatureFieldSpec:
    """``NAME:PAGE:X1,Y1,X2,Y2`` (visible) or ``NAME`` (invisible) → SignatureFieldSpec."""
    from pydantic import ValidationError  # noqa: PLC0415

    from esig.signing.fields import SignatureFieldSpec  # noqa: PLC0415

    form = "NAME:PAGE:X1,Y1,X2,Y2 (e.g. Approval1:1:50,50,250,110), or NAME for an invisible field"
    parts = text.split(":")
    if len(parts) not in {1, 3} or not parts[0].strip():
        raise InputError(f"--field {text!r}: give {form}")
    try:
        if len(parts) == 1:
            return SignatureFieldSpec(name=parts[0].strip())
        page = _parse_page(parts[1].strip(), "--field", form)
        box = _parse_box(parts[2], "--field")
        return SignatureFieldSpec(name=parts[0].strip(), page=page, box=box)
    except ValidationError as exc:
        raise InputError(f"--field {text!r}: {_validation_message(exc)}") from None


def _field_specs(fields: list[str], locks: list[str]) -> list[SignatureFieldSpec]:
    specs = {spec.name: spec for spec in map(_parse_field_spec, fields)}
    if len(specs) != len(fields):
        raise InputError("--field: every field needs its own name")
    for text in locks:
        name, sep, rule = text.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InputError(f"--lock {text!r}: give NAME=LOCK, LOCK being {_LOCK_FORM}")
        if name not in specs:
            raise InputError(f"--lock {text!r}: no --field named {name!r} to lock")
        specs[name] = specs[name].model_copy(update={"lock": _parse_lock(rule, f"--lock {name}=")})
    return list(specs.values())


@app.command()
def prepare(
    document: Annotated[
        Path, typer.Argument(metavar="PDF", help="The PDF to prepare (only read).")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the prepared PDF.")
    ],
    fields: Annotated[
        list[str],
        typer.Option(
            "--field",
            metavar="NAME:PAGE:X1,Y1,X2,Y2",
            help="An empty signature field to add: its name, page (from 1) and box in points "
            "from the page's lower left (lower left corner, then upper right); NAME alone "
            "for an invisible field. Repeatable: one per signer.",
        ),
    ],
    locks: Annotated[
        list[str] | None,
        typer.Option(
            "--lock",
            metavar="NAME=LOCK",
            help="Once field NAME is signed, lock form fields: NAME=all, "
            "NAME=include:F1,F2 or NAME=exclude:F1,F2. Repeatable.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Add empty signature fields to a PDF, one per signer, for `esig sign --field NAME`.

    The fields are added in one incremental update; signatures already there stay valid.
    Exit 0: prepared; 2: a malformed option, or the document cannot be prepared.
    """
    from esig.signing.fields import prepare_document  # noqa: PLC0415

    try:
        specs = _field_specs(fields, locks or [])
        result = prepare_document(document, output, specs)
    except EsigError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    typer.echo(f"Prepared {document} -> {result.path}")
    for f in result.fields:
        where = (
            f"page {f.page}, box {','.join(f'{v:g}' for v in f.box)}"
            if f.box is not None
            else "invisible"
        )
        state = "signed" if f.signed else "empty"
        lock_text = f"; {f.lock.describe()} once signed" if f.lock is not None else ""
        typer.echo(f"  {f.name}: {where}, {state}{lock_text}")


def _parse_level(text: str) -> BaselineLevel:
    try:
        return BaselineLevel(text)
    except ValueError:
        raise InputError(f"--level {text!r}: choose B-B, B-T, B-LT or B-LTA") from None


def _services(
    tsa: str | None, timeout: float, trust: list[Path] | None
) -> tuple[TimestampService | None, ValidationServices]:
    from esig.signing.baseline import TimestampService, ValidationServices  # noqa: PLC0415

    if not 0 < timeout <= 600:
        raise InputError("--service-timeout must be more than 0 and at most 600 seconds")
    timestamp = TimestampService(url=tsa, timeout=timeout) if tsa else None
    return timestamp, ValidationServices(trust=tuple(trust or ()), timeout=timeout)


def _baseline_request(
    level: str | None,
    tsa: str | None,
    timeout: float,
    trust: list[Path] | None,
    sign_format: SignFormat,
) -> BaselineRequest:
    """The level and its services, checked before any device is opened."""
    chosen = _parse_level(level) if level else (BaselineLevel.B_T if tsa else BaselineLevel.B_B)
    if sign_format is SignFormat.cades and chosen is BaselineLevel.B_LTA:
        raise InputError("--format cades signs at B-B, B-T or B-LT, not B-LTA")
    if trust and not chosen.long_term:
        raise InputError("--trust is for collecting validation data: use it with B-LT or B-LTA")
    timestamp, validation = _services(tsa, timeout, trust)
    return BaselineRequest(
        level=chosen, timestamp=timestamp, validation=validation if chosen.long_term else None
    )


def _cades_pairs(
    documents: list[Path], output: Path | None, output_dir: Path | None
) -> list[tuple[Path, Path]]:
    from esig.signing.cades import default_signature_path  # noqa: PLC0415

    if output is None and output_dir is None:
        return [(doc, default_signature_path(doc)) for doc in documents]
    pairs = _batch_pairs(documents, output, output_dir)
    if output_dir is not None:
        pairs = [(doc, default_signature_path(dst)) for doc, dst in pairs]
    return pairs


def _sign_each(
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
    from esig.signing.cades import sign_detached  # noqa: PLC0415
    from esig.signing.pades import sign_pdf  # noqa: PLC0415

    failed = 0
    try:
        for source, target in pairs:
            try:
                if sign_format is SignFormat.cades:
                    made: Any = sign_detached(
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
    document: Annotated[
        Path, typer.Argument(help="The signed PDF, or a detached signature (FILE.p7s).")
    ],
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
    content: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="The signed file, when DOCUMENT is a detached CAdES signature (FILE.p7s).",
        ),
    ] = None,
    trusted_list: Annotated[
        list[Path] | None,
        typer.Option(
            metavar="TL.xml",
            help="An EU trusted list (ETSI TS 119 612) or a list of trusted lists; repeatable.",
        ),
    ] = None,
    tlso: Annotated[
        list[Path] | None,
        typer.Option(
            metavar="CERT", help="A certificate allowed to sign the trusted lists; repeatable."
        ),
    ] = None,
    allow_unsigned_lists: Annotated[
        bool, typer.Option(help="Use trusted lists whose signer cannot be authenticated.")
    ] = False,
) -> None:
    """Verify every signature in a PDF (or a detached FILE.p7s); exit 0 only when all pass."""
    from esig.trust.register import load_register  # noqa: PLC0415
    from esig.verification.verifier import verify_pdf  # noqa: PLC0415

    try:
        if content is not None and extract_signed is not None:
            raise InputError("--extract-signed is for PDFs; a detached signature's content is FILE")
        settings: dict[str, Any] = {
            "trust": trust or [],
            "allow_fetching": allow_fetching,
            "at": _moment(at),
            "register": load_register(register) if register is not None else None,
            "trusted_lists": _trusted_lists(trusted_list, tlso, allow_unsigned_lists),
        }
        if content is None:
            report = verify_pdf(document, **settings)
        else:
            from esig.verification.cades import verify_detached  # noqa: PLC0415

            report = verify_detached(document, content, **settings)
        if html is not None:
            _write_html(report, html)
        if extract_signed is not None:
            _extract_signed(document, report, field, extract_signed)
    except EsigError as exc:
        raise _fail(str(exc)) from None
    _emit(report, as_json)
    raise typer.Exit(EXIT_OK if report.passed else EXIT_FAILED)


@app.command()
def extend(  # noqa: PLR0917 - typer maps parameters to options
    document: Annotated[Path, typer.Argument(help="The signed PDF (only read).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the extended PDF.")
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
            help="Trust anchor for collecting validation data; repeatable. Default: the root "
            "certificates embedded in the signatures."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Add validation data (LT) and a document timestamp (LTA) to a signed PDF.

    Works on PDFs signed by anyone; earlier signatures stay valid. Run it again on an
    LTA document to renew its archive timestamp. Exit 0: extended; 2: it could not be.
    """
    from esig.signing.extend import extend_pdf  # noqa: PLC0415

    try:
        chosen = _parse_level(level)
        timestamp, validation = _services(tsa, service_timeout, trust)
        result = extend_pdf(
            document, output, level=chosen, timestamp=timestamp, validation=validation
        )
    except EsigError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        typer.echo(
            f"Extended {document} to {result.level.value} -> {result.path} "
            f"({result.signatures} signature(s) and timestamp(s) covered, "
            f"{result.document_timestamps} document timestamp(s))"
        )


def _trusted_lists(paths: list[Path] | None, tlso: list[Path] | None, allow_unsigned: bool) -> Any:
    if not paths:
        return None
    from esig.certificates import load_certificates_from_paths  # noqa: PLC0415
    from esig.trust.trusted_lists import TrustedListSource  # noqa: PLC0415

    signers = load_certificates_from_paths(tlso or [], what="trusted list signer certificate")
    return TrustedListSource.from_files(
        paths, tlso_certificates=signers or None, allow_unsigned=allow_unsigned
    )


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


tl_app = typer.Typer(
    help="Read EU trusted lists (ETSI TS 119 612): the registers of recognised providers.",
    no_args_is_help=True,
)
app.add_typer(tl_app, name="tl")


@tl_app.command("show")
def tl_show(
    trusted_list: Annotated[Path, typer.Argument(help="The trusted list (XML).")],
    tlso: Annotated[
        list[Path] | None,
        typer.Option(
            help="Certificate of the list's scheme operator (TLSO) to verify its signature "
            "with (PEM, DER or PKCS#7); repeatable."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """Show a trusted list's providers, services, status history and signature check.

    Exits 0 when the signature verified with a given TLSO certificate, 1 when it did not
    or could not be checked, 2 when the file cannot be read.
    """
    from esig.certificates import load_certificates_from_paths  # noqa: PLC0415
    from esig.trust.trusted_lists import SignatureStatus, read_trusted_list  # noqa: PLC0415

    try:
        certs = load_certificates_from_paths(tlso or [], what="TLSO certificate")
        result = read_trusted_list(trusted_list, tlso_certificates=certs)
    except EsigError as exc:
        raise _fail(str(exc)) from None
    typer.echo(result.model_dump_json(indent=2) if as_json else result.to_text().rstrip("\n"))
    raise typer.Exit(
        EXIT_OK if result.signature.status is SignatureStatus.VERIFIED else EXIT_FAILED
    )


evidence_app = typer.Typer(
    help="Read the evidence records sealed into documents (one-time codes, clicks, drawings).",
    no_args_is_help=True,
)
app.add_typer(evidence_app, name="evidence")


@evidence_app.command("show")
def evidence_show(
    document: Annotated[Path, typer.Argument(metavar="PDF", help="The sealed PDF.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the records as JSON.")] = False,
) -> None:
    """Show who agreed to what, when and how, from each evidence seal in a PDF.

    This reads the records; it does not verify the seals (`esig verify` does). Exit 0:
    records shown; 1: the document holds no evidence record; 2: it cannot be read.
    """
    from esig.evidence.seal import SealedEvidence, read_evidence_records  # noqa: PLC0415

    try:
        found = read_evidence_records(document)
    except EsigError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        from pydantic import TypeAdapter  # noqa: PLC0415

        typer.echo(TypeAdapter(list[SealedEvidence]).dump_json(list(found), indent=2).decode())
    elif not found:
        typer.echo(f"{document} holds no evidence record.")
    for item in () if as_json else found:
        record = item.record
        contact = ", ".join(c for c in (record.who.email, record.who.phone) if c)
        what = record.what
        typer.echo(
            "\n".join(
                (
                    f"Seal in field {item.field_name!r} (record {record.record_id})",
                    f"  Who:    {record.who.name}" + (f" ({contact})" if contact else ""),
                    f"  What:   SHA-256 {what.document_sha256}, {what.document_size} bytes, "
                    f"{what.pages_presented} of {what.page_count} page(s) shown at "
                    f"{what.presented_at.isoformat(timespec='seconds')}",
                    f"  When:   {record.when.isoformat(timespec='seconds')} "
                    f"(recorded by {record.platform}, its own clock)",
                    f"  How:    {record.method.value}: {record.summary}",
                    f"  Risks:  {record.disclosure.title!r} v{record.disclosure.version} "
                    f"acknowledged at "
                    f"{record.disclosure.acknowledged_at.isoformat(timespec='seconds')}",
                    "  Covers: "
                    + (
                        "the seal extends exactly the document shown"
                        if item.describes_signed_revision
                        else "NOT the document the seal signed"
                    ),
                )
            )
        )
    raise typer.Exit(EXIT_OK if found else EXIT_FAILED)


def main() -> None:
    """Entry point of the ``esig`` console script."""
    from esig._library_warnings import caught_library_warnings  # noqa: PLC0415

    # The last line of defence: whatever a command calls, only esig's words reach stderr.
    with caught_library_warnings("running the esig command"):
        app()
