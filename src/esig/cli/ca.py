"""``esig ca …``: run a certification service provider's CA (BES art. 5) from the shell.

The database comes from ``--db URL`` or ``ESIG_CA_DB`` (``sqlite:///ca.db``,
``postgresql+psycopg://…``). The CA's key is reopened from the device URI stored at
``esig ca init`` (PIN from ``ESIG_PIN``, passphrase from ``ESIG_PASSPHRASE``, else a
prompt on a terminal). A write needs an operator's API key: ``ESIG_CA_API_KEY``, or the
file named by ``--api-key-file``. New API keys are written to a file (mode 0600), never
printed.
"""

from __future__ import annotations

import contextlib
import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from esig.cli.output import EXIT_FAILED, EXIT_OK, fail
from esig.errors import EsigError, InputError

if TYPE_CHECKING:
    from esig.devices.base import SignatureCreationDevice
    from esig.provider import CertificateAuthority, OperatorSession, ProviderStore

__all__ = [
    "ca_audit",
    "ca_export",
    "ca_identity_record",
    "ca_init",
    "ca_issue",
    "ca_operator_add",
    "ca_revoke",
    "ca_serve",
    "ca_terms_ack",
    "ca_terms_add",
    "ca_verify_bundle",
]

_API_KEY_ENV = "ESIG_CA_API_KEY"
_E = TypeVar("_E", bound=StrEnum)

Db = Annotated[
    str,
    typer.Option(
        "--db", envvar="ESIG_CA_DB", metavar="URL", help="The CA's database (SQLAlchemy URL)."
    ),
]
Subscriber = Annotated[str, typer.Argument(help="The subscriber's id.")]
ApiKeyFile = Annotated[
    Path | None,
    typer.Option(
        metavar="FILE", help=f"The operator's API key (default: the {_API_KEY_ENV} variable)."
    ),
]


def _set_up_store(db: str) -> ProviderStore:
    """The store at ``db``, refused when no CA was set up in it."""
    from esig.provider import ProviderStore, ProviderStoreError

    store = ProviderStore(db)
    if not store.is_set_up():
        raise ProviderStoreError(f"No CA is set up in {store.url}; run esig ca init first")
    return store


def _open_ca(db: str) -> CertificateAuthority:
    from esig.devices.factory import env_secret_provider, open_device
    from esig.provider import CertificateAuthority

    store = _set_up_store(db)
    with store.transaction() as session:
        uri = store.setting(session, "device_uri")
    if not uri:
        raise InputError("The store names no device for the CA's key; it was set up in Python")
    device = open_device(uri, secret_provider=env_secret_provider())
    return CertificateAuthority(store, device)


def _api_key(api_key_file: Path | None) -> str:
    if api_key_file is not None:
        try:
            return api_key_file.read_text().strip()
        except OSError as exc:
            raise InputError(
                f"The API key file cannot be read: {exc.strerror}", path=api_key_file
            ) from None
    key = os.environ.get(_API_KEY_ENV)
    if not key:
        raise InputError(f"Give the operator's API key: --api-key-file FILE or {_API_KEY_ENV}")
    return key


def _operator(db: str, api_key_file: Path | None) -> OperatorSession:
    return _open_ca(db).login(_api_key(api_key_file))


def _write_secret(path: Path, secret: str) -> None:
    """Write an API key to a new file only its owner can read."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError("The API key file exists already; give a new path", path=path) from None
    except OSError as exc:
        raise InputError(f"Cannot write the API key file: {exc.strerror}", path=path) from None
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")


def ca_init(  # noqa: PLR0917 - typer maps parameters to options
    db: Db,
    base_url: Annotated[
        str, typer.Option(metavar="URL", help="Where esig ca serve answers (OCSP, CRL).")
    ],
    admin: Annotated[str, typer.Option(metavar="NAME", help="The first administrator.")],
    api_key_out: Annotated[
        Path, typer.Option(metavar="FILE", help="Where to write the administrator's API key.")
    ],
    device: Annotated[
        str | None,
        typer.Option(
            metavar="URI",
            help="The CA's key and CA certificate on a token (pkcs11:…); PIN from ESIG_PIN. "
            "With --generate-key: the token and the new key's label.",
        ),
    ] = None,
    generate_key: Annotated[
        bool,
        typer.Option(
            "--generate-key",
            help="Key ceremony: generate the CA's key pair on the token named by --device, "
            "certify it (self-signed, or by --issuer-device) and record the ceremony.",
        ),
    ] = False,
    subject: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="With --generate-key: the CA's name, 'CN=…,O=…,C=BQ'."),
    ] = None,
    validity_days: Annotated[
        int | None,
        typer.Option(metavar="DAYS", help="With --generate-key: the CA certificate's validity."),
    ] = None,
    key_type: Annotated[
        str, typer.Option(help="With --generate-key: ec-p256, ec-p384, rsa-2048 or rsa-3072.")
    ] = "ec-p256",
    issuer_device: Annotated[
        str | None,
        typer.Option(
            metavar="URI",
            help="With --generate-key: the root CA's key that certifies the new CA "
            "(default: self-signed).",
        ),
    ] = None,
    witness: Annotated[
        list[str] | None,
        typer.Option(metavar="NAME", help="With --generate-key: a witness; repeatable."),
    ] = None,
    software_key: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Quick start: make a software CA key, written as PKCS#12 encrypted with "
            "ESIG_PASSPHRASE.",
        ),
    ] = None,
    organization: Annotated[
        str | None, typer.Option(help="With --software-key: the provider's name.")
    ] = None,
    country: Annotated[str, typer.Option(help="With --software-key: its country.")] = "BQ",
    organization_identifier: Annotated[
        str | None, typer.Option(help="With --software-key: e.g. NTRBQ-12345678.")
    ] = None,
) -> None:
    """Set up a CA in an empty database, with its key on a token or in a software file."""
    from esig.devices.factory import env_secret_provider, open_device
    from esig.provider import CertificateAuthority, ProviderStore
    from esig.provider.issuing import ProviderName, write_software_ca

    try:
        if (device is None) == (software_key is None):
            raise InputError("Give the CA's key: --device URI or --software-key FILE")
        if generate_key and device is None:
            raise InputError("--generate-key makes the key on a token: give --device pkcs11:…")
        if api_key_out.exists():
            raise InputError("The API key file exists already; give a new path", path=api_key_out)
        store = ProviderStore(db)
        if generate_key and device is not None:
            ca, key = _key_ceremony(
                store,
                device,
                subject=subject,
                validity_days=validity_days,
                key_type=key_type,
                issuer_device=issuer_device,
                base_url=base_url,
                admin=admin,
                witnesses=witness or [],
            )
        else:
            if software_key is not None:
                if not organization or not organization_identifier:
                    raise InputError(
                        "--software-key needs --organization and --organization-identifier"
                    )
                name = ProviderName(
                    organization=organization,
                    country=country,
                    organization_identifier=organization_identifier,
                )
                ca_device: SignatureCreationDevice = write_software_ca(
                    software_key, os.environ.get("ESIG_PASSPHRASE", ""), name
                )
                uri = f"file:{software_key.resolve()}"
            else:
                assert device is not None
                ca_device = open_device(device, secret_provider=env_secret_provider())
                uri = device
            ca, key = CertificateAuthority.create(
                store, ca_device, base_url=base_url, administrator=admin, device_uri=uri
            )
        _write_secret(api_key_out, key)
    except EsigError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"CA {ca.certificate.subject.rfc4514_string()} set up in {store.url}")
    typer.echo(f"Administrator {admin!r}: API key written to {api_key_out}")


def _key_ceremony(
    store: ProviderStore,
    device: str,
    *,
    subject: str | None,
    validity_days: int | None,
    key_type: str,
    issuer_device: str | None,
    base_url: str,
    admin: str,
    witnesses: list[str],
) -> tuple[CertificateAuthority, str]:
    """``esig ca init --generate-key``: the key ceremony, from the command line's options."""
    from esig.devices.factory import env_secret_provider, open_device
    from esig.devices.uri import Pkcs11DeviceUri, describe_uri
    from esig.issuance import KeyType
    from esig.provider.ceremony import key_ceremony

    if subject is None or validity_days is None:
        raise InputError("--generate-key needs --subject 'CN=…,O=…,C=BQ' and --validity-days N")
    parsed = describe_uri(device)
    if not isinstance(parsed, Pkcs11DeviceUri) or not parsed.token or not parsed.key_label:
        raise InputError(
            "--generate-key needs --device pkcs11:token=LABEL;object=NEW-KEY-LABEL?module-path=…"
        )
    secrets = env_secret_provider()
    issuer = None if issuer_device is None else open_device(issuer_device, secret_provider=secrets)
    pin = (
        parsed.pin_value.get_secret_value()
        if parsed.pin_value is not None
        else secrets(f"PIN for token {parsed.token!r}")
    )
    ca, key, _ = key_ceremony(
        store,
        module_path=parsed.module,
        token_label=parsed.token,
        key_label=parsed.key_label,
        pin=pin or None,
        subject=subject,
        validity_days=validity_days,
        base_url=base_url,
        administrator=admin,
        key_type=_choice(KeyType, key_type, "key type"),
        issuer=issuer,
        witnesses=witnesses,
        device_uri=device,
    )
    return ca, key


def ca_operator_add(
    db: Db,
    name: Annotated[str, typer.Argument(help="The operator's name.")],
    role: Annotated[
        list[str],
        typer.Option(
            metavar="ROLE", help="administrator, registration, issuance or revocation; repeatable."
        ),
    ],
    api_key_out: Annotated[
        Path, typer.Option(metavar="FILE", help="Where to write the new operator's API key.")
    ],
    api_key_file: ApiKeyFile = None,
) -> None:
    """Add an operator (administrators only); its API key goes to a new file."""
    from esig.provider import Role

    try:
        roles = [_choice(Role, value, "role") for value in role]
        if api_key_out.exists():
            raise InputError("The API key file exists already; give a new path", path=api_key_out)
        key = _operator(db, api_key_file).add_operator(name, roles)
        _write_secret(api_key_out, key)
    except EsigError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"Operator {name!r} ({', '.join(r.value for r in roles)}): API key in {api_key_out}")


def _choice(enum: type[_E], value: str, what: str) -> _E:
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise InputError(f"Unknown {what} {value!r}; choose one of {choices}") from None


def ca_terms_add(  # noqa: PLR0917 - typer maps parameters to options
    db: Db,
    version: Annotated[str, typer.Argument(help="The version label, e.g. 2026-1.")],
    url: Annotated[str, typer.Option(metavar="URL", help="Where the text is published (QcPDS).")],
    text: Annotated[Path, typer.Option("--file", metavar="FILE", help="The text as published.")],
    language: Annotated[str, typer.Option(help="Its language (ISO 639-1).")] = "en",
    api_key_file: ApiKeyFile = None,
) -> None:
    """Publish a new version of the PKI disclosure statement / terms (art. 5(m))."""
    from esig._io import read_input

    try:
        content = read_input(text, "terms")
        terms = _operator(db, api_key_file).publish_terms(version, url, content, language=language)
    except EsigError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"Terms {terms.version} current: SHA-256 {terms.sha256}")


def ca_terms_ack(
    db: Db,
    subscriber: Subscriber,
    sha256: Annotated[str, typer.Option(help="SHA-256 of the text the subscriber accepted.")],
    api_key_file: ApiKeyFile = None,
) -> None:
    """Record a subscriber's acknowledgement of the current terms, by content hash."""
    try:
        ack = _operator(db, api_key_file).acknowledge_terms(subscriber, sha256)
    except EsigError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{subscriber} acknowledged terms {ack.terms_version} at {ack.acknowledged_at}")


def ca_identity_record(  # noqa: PLR0917 - typer maps parameters to options
    db: Db,
    subscriber: Subscriber,
    given_name: Annotated[str, typer.Option(help="Given name(s), as in the document.")],
    surname: Annotated[str, typer.Option(help="Surname, as in the document.")],
    document: Annotated[str, typer.Option(help="passport, identity-card or personal-number.")],
    number: Annotated[str, typer.Option(help="The document's number.")],
    country: Annotated[str, typer.Option(help="The document's country (ISO 3166-1).")] = "BQ",
    method: Annotated[
        str, typer.Option(help="in-person, video or existing-qualified-certificate.")
    ] = "in-person",
    note: Annotated[str, typer.Option(help="What the officer noted.")] = "",
    api_key_file: ApiKeyFile = None,
) -> None:
    """Record an identity check (art. 5(e)): who checked, which document, how."""
    from pydantic import ValidationError

    from esig.provider import DocumentKind, IdentityEvidence, VerificationMethod

    try:
        try:
            evidence = IdentityEvidence(
                subscriber_id=subscriber,
                given_name=given_name,
                surname=surname,
                country=country,
                document_kind=_choice(DocumentKind, document, "document"),
                document_number=number,
                method=_choice(VerificationMethod, method, "method"),
                note=note,
            )
        except ValidationError as exc:
            problem = exc.errors()[0]
            field = ".".join(str(part) for part in problem["loc"])
            raise InputError(f"Identity record: {field}: {problem['msg']}") from None
        record = _operator(db, api_key_file).record_identity(evidence)
    except EsigError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"Identity of {subscriber} recorded by {record.verified_by} at {record.verified_at}")


def ca_issue(  # noqa: PLR0917 - typer maps parameters to options
    db: Db,
    subscriber: Subscriber,
    csr: Annotated[Path, typer.Argument(help="The subscriber's CSR (PEM or DER).")],
    out: Annotated[Path, typer.Option(metavar="FILE", help="Where to write the certificate.")],
    publish: Annotated[
        bool, typer.Option(help="The holder consented to publication (art. 5(n)).")
    ] = False,
    days: Annotated[int, typer.Option(help="Validity in days.")] = 730,
    qscd: Annotated[bool, typer.Option(help="Claim the key is in a QSCD (QcSSCD).")] = True,
    api_key_file: ApiKeyFile = None,
) -> None:
    """Issue a qualified certificate from a CSR, after the identity check and the terms."""
    import datetime as dt

    from esig._io import atomic_output, read_input

    try:
        if days <= 0:
            raise InputError("--days must be at least 1")
        request = read_input(csr, "certificate request")
        record = _operator(db, api_key_file).issue(
            subscriber, request, publish=publish, validity=dt.timedelta(days=days), qscd=qscd
        )
        with atomic_output(out) as handle:
            handle.write(record.pem.encode())
    except EsigError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"Issued {record.serial_number:x} to {record.subject} (written to {out})")


def ca_revoke(
    db: Db,
    serial: Annotated[str, typer.Argument(help="The certificate's serial number (hex).")],
    reason: Annotated[
        str,
        typer.Option(
            help="unspecified, key_compromise, affiliation_changed, superseded, "
            "cessation_of_operation or privilege_withdrawn."
        ),
    ] = "unspecified",
    api_key_file: ApiKeyFile = None,
) -> None:
    """Revoke a certificate: OCSP says so at once, the next CRL lists it (art. 5(b))."""
    from esig.provider import RevocationReason

    try:
        try:
            number = int(serial.removeprefix("0x"), 16)
        except ValueError:
            raise InputError(f"Not a hex serial number: {serial!r}") from None
        record = _operator(db, api_key_file).revoke(
            number, _choice(RevocationReason, reason, "reason")
        )
    except EsigError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"Revoked {record.serial_number:x} at {record.revoked_at} ({reason})")


def ca_serve(
    db: Db,
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on.")] = 8080,
) -> None:
    """Answer OCSP requests and serve the CRL and CA certificate over HTTP."""
    from esig.provider.service import CaService

    try:
        service = CaService(_open_ca(db), host=host, port=port)
    except EsigError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"Serving OCSP at {service.url}/ocsp and the CRL at {service.url}/crl", err=True)
    with contextlib.suppress(KeyboardInterrupt):
        service.serve_forever()


def ca_certificate(
    db: Db,
    out: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Write the PEM to FILE (default: standard output)."),
    ] = None,
) -> None:
    """Print the CA's certificate (PEM): what relying parties trust. Needs no PIN."""
    from esig._io import atomic_output

    try:
        store = _set_up_store(db)
        with store.transaction() as session:
            pem = store.setting(session, "ca_certificate")
        store.dispose()
        if out is None:
            typer.echo(pem.rstrip("\n"))
            return
        with atomic_output(out) as handle:
            handle.write(pem.encode())
    except EsigError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"CA certificate written to {out}")


def ca_audit(
    db: Db,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check the event log's chain and every record's signature. Exits 1 when broken."""
    try:
        report = _open_ca(db).audit()
    except EsigError as exc:
        raise fail(str(exc)) from None
    typer.echo(report.model_dump_json(indent=2) if as_json else report.to_text().rstrip("\n"))
    raise typer.Exit(EXIT_OK if report.intact else EXIT_FAILED)


def ca_export(
    db: Db,
    out: Annotated[Path, typer.Argument(help="The ZIP to write.")],
) -> None:
    """Export the records for a court: log, certificates, audit, signed manifest (ZIP)."""
    from esig.provider.export import export_evidence

    try:
        bundle = export_evidence(_open_ca(db), out)
    except EsigError as exc:
        raise fail(str(exc)) from None
    verdict = "intact" if bundle.audit.intact else "BROKEN"
    typer.echo(f"{bundle.records} records, {bundle.certificates} certificates ({verdict}) in {out}")
    raise typer.Exit(EXIT_OK if bundle.audit.intact else EXIT_FAILED)


def ca_verify_bundle(
    bundle: Annotated[Path, typer.Argument(help="The ZIP esig ca export wrote.")],
    ca_cert: Annotated[
        Path | None,
        typer.Option(
            metavar="PEM", help="The CA certificate you trust (default: the bundle's ca.pem)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check an exported bundle without the database: signature, digests, the log's audit."""
    from esig.certificates import load_certificate
    from esig.provider.bundle_check import verify_bundle

    try:
        trusted = None if ca_cert is None else load_certificate(ca_cert, what="CA certificate")
        report = verify_bundle(bundle, ca_certificate=trusted)
    except EsigError as exc:
        raise fail(str(exc)) from None
    typer.echo(report.model_dump_json(indent=2) if as_json else report.to_text().rstrip("\n"))
    raise typer.Exit(EXIT_OK if report.intact else EXIT_FAILED)
