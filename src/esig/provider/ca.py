"""The certification authority over its store: set up, log in, read, publish, audit.

:class:`CertificateAuthority` joins a :class:`~esig.provider.store.ProviderStore` and the
CA's signature creation device (a PKCS#11 token, or a software key for a quick start).
Reading (records, the CRL, OCSP answers, the repository of published certificates, the
audit) needs no operator; every write goes through an
:class:`~esig.provider.operations.OperatorSession`, which :meth:`CertificateAuthority.login`
opens with an operator's API key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select
from sqlalchemy.orm import Session

from esig.devices.base import SignatureCreationDevice
from esig.provider.ca_signing import CaSigner
from esig.provider.errors import AuthenticationError, ProviderStoreError
from esig.provider.issuing import ServiceUrls, pem_of
from esig.provider.log import append_event, audit_events, to_log_event
from esig.provider.models import (
    AuditFinding,
    AuditProblem,
    AuditReport,
    CertificateRecord,
    Clock,
    EventKind,
    LogEvent,
    Operator,
    Role,
    SystemClock,
    TermsVersion,
    to_utc_second,
)
from esig.provider.operations import OperatorSession
from esig.provider.records import (
    SYSTEM_OPERATOR,
    CaContext,
    add_operator_row,
    certificate_row,
    certificate_text,
    check_operator,
    new_api_key,
    operator_text,
    to_certificate_record,
    to_terms,
)
from esig.provider.revocation import build_crl, ocsp_response
from esig.provider.store import (
    CertificateRow,
    EventRow,
    OperatorRow,
    ProviderStore,
    SettingRow,
    TermsRow,
    parse_time,
)

__all__ = ["CertificateAuthority", "check_ca_certificate"]


def check_ca_certificate(certificate: x509.Certificate) -> None:
    """Refuse a certificate without basicConstraints cA and the keyCertSign usage."""
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        constraints, usage = None, None
    if constraints is None or usage is None or not constraints.ca or not usage.key_cert_sign:
        raise ProviderStoreError(
            f"The certificate of {certificate.subject.rfc4514_string()!r} is not a CA "
            "certificate (basicConstraints cA and the keyCertSign usage are required)"
        )


class CertificateAuthority:
    """A CA whose records are in ``store`` and whose key is in ``device``.

    Args:
        store: The provider's database, set up with :meth:`create`.
        device: The CA's signature creation device; its certificate must be the CA
            certificate recorded in the store.
        clock: Where every recorded time comes from (default: the system clock, UTC to
            the second).

    Raises:
        ProviderStoreError: No CA is set up in the store, or ``device`` holds another key.

    """

    def __init__(
        self,
        store: ProviderStore,
        device: SignatureCreationDevice,
        *,
        clock: Clock | None = None,
    ) -> None:
        if not store.is_set_up():
            raise ProviderStoreError(f"No CA is set up in {store.url}; run esig ca init first")
        with store.transaction() as session:
            stored = store.setting(session, "ca_certificate")
            urls = ServiceUrls(store.setting(session, "base_url"))
        if stored != pem_of(device.certificate):
            raise ProviderStoreError(
                "The device's certificate is not the CA certificate recorded in "
                f"{store.url}; open the CA's own key"
            )
        self.context = CaContext(store, CaSigner(device), clock or SystemClock(), urls)
        """The store, key, clock and URLs the CA's readers and writers share."""

    @property
    def store(self) -> ProviderStore:
        """The provider's database."""
        return self.context.store

    @property
    def signer(self) -> CaSigner:
        """The CA's key, through its device."""
        return self.context.signer

    @property
    def urls(self) -> ServiceUrls:
        """Where the CA publishes OCSP, its CRL and its certificate."""
        return self.context.urls

    @classmethod
    def create(
        cls,
        store: ProviderStore,
        device: SignatureCreationDevice,
        *,
        base_url: str,
        administrator: str,
        device_uri: str | None = None,
        clock: Clock | None = None,
        key_ceremony: Mapping[str, object] | None = None,
    ) -> tuple[CertificateAuthority, str]:
        """Set up a new CA in an empty store; returns it and the first administrator's API key.

        The API key is shown once: the store keeps only its SHA-256.

        Args:
            store: An empty database (tables are created).
            device: The CA's key and certificate (a CA certificate).
            base_url: Where ``esig ca serve`` will answer, e.g. ``http://ca.example.bq``;
                OCSP, CRL and CA certificate URLs in issued certificates are under it.
            administrator: The first administrator's name.
            device_uri: How the CLI reopens the device (``pkcs11:…`` or ``file:…``), kept
                in the store's settings; no secret may be in it.
            clock: The clock (default: the system clock).
            key_ceremony: What :func:`~esig.provider.ceremony.key_ceremony` made (the
                payload of the first record, a ``key-ceremony`` event by ``administrator``).

        Raises:
            ProviderStoreError: A CA is already set up there, or the certificate is not a
                CA certificate.

        """
        check_ca_certificate(device.certificate)
        urls = ServiceUrls(base_url)
        store.create_tables()
        if store.is_set_up():
            raise ProviderStoreError(f"A CA is already set up in {store.url}")
        clock = clock or SystemClock()
        signer = CaSigner(device)
        key, key_hash = new_api_key()
        now = to_utc_second(clock.now())
        with store.transaction() as session:
            settings = {
                "schema_version": "1",
                "ca_certificate": pem_of(device.certificate),
                "base_url": urls.base_url,
                "device_uri": device_uri or "",
            }
            session.add_all(SettingRow(key=k, value=v) for k, v in settings.items())
            fingerprint = device.certificate.fingerprint(signer.algorithm.hash()).hex()
            if key_ceremony is not None:
                append_event(
                    session,
                    signer,
                    time=now,
                    kind=EventKind.KEY_CEREMONY,
                    operator=administrator,
                    payload=dict(key_ceremony),
                )
            append_event(
                session,
                signer,
                time=now,
                kind=EventKind.CA_CREATED,
                operator=SYSTEM_OPERATOR,
                payload={"ca_certificate_fingerprint": fingerprint, "base_url": urls.base_url},
            )
            add_operator_row(
                session,
                signer,
                name=administrator,
                roles=(Role.ADMINISTRATOR,),
                key_hash=key_hash,
                now=now,
            )
            append_event(
                session,
                signer,
                time=now,
                kind=EventKind.OPERATOR_ADDED,
                operator=SYSTEM_OPERATOR,
                payload={"name": administrator, "roles": [Role.ADMINISTRATOR.value]},
            )
        return cls(store, device, clock=clock), key

    # -- who writes

    def login(self, api_key: str) -> OperatorSession:
        """The operator whose API key this is, ready to write.

        Raises:
            AuthenticationError: No operator has this key, it was disabled, or its record
                was changed outside esig.

        """
        key_hash = hashlib.sha256(api_key.encode()).hexdigest()
        with self.store.transaction() as session:
            row = session.scalars(
                select(OperatorRow).where(OperatorRow.key_hash == key_hash)
            ).one_or_none()
            if row is None:
                raise AuthenticationError("Unknown operator API key")
            check_operator(self.signer, row)
            return OperatorSession(self.context, row.name)

    # -- reading

    @property
    def certificate(self) -> x509.Certificate:
        """The CA's certificate."""
        return self.signer.certificate

    @property
    def certificate_der(self) -> bytes:
        """The CA's certificate, DER (what ``/ca.crt`` serves)."""
        return self.signer.certificate.public_bytes(Encoding.DER)

    def certificate_record(self, serial_number: int) -> CertificateRecord:
        """The stored record of a certificate.

        Raises:
            UnknownCertificateError: No certificate with this serial number was issued here.

        """
        with self.store.transaction() as session:
            return to_certificate_record(certificate_row(session, serial_number))

    def published_certificates(self) -> tuple[CertificateRecord, ...]:
        """The repository (art. 5(n)(3°)): certificates whose holder consented to publication.

        A record whose signature does not verify is left out (and :meth:`audit` names it).
        """
        with self.store.transaction() as session:
            rows = session.scalars(
                select(CertificateRow)
                .where(CertificateRow.publish.is_(True))
                .order_by(CertificateRow.issued_at)
            ).all()
            return tuple(
                to_certificate_record(row)
                for row in rows
                if self.signer.verify_text(certificate_text(row), row.signature)
            )

    def operators(self) -> tuple[Operator, ...]:
        """Every operator (names and roles; keys are never kept)."""
        with self.store.transaction() as session:
            return tuple(
                Operator(
                    name=row.name,
                    roles=tuple(Role(r) for r in row.roles.split(",") if r),
                    created_at=parse_time(row.created_at),
                    active=row.active,
                )
                for row in session.scalars(select(OperatorRow).order_by(OperatorRow.name))
            )

    def current_terms(self) -> TermsVersion | None:
        """The terms version now in force (the last published), or None."""
        with self.store.transaction() as session:
            row = session.scalars(select(TermsRow).order_by(TermsRow.id.desc())).first()
            return to_terms(row) if row is not None else None

    def events(self) -> tuple[LogEvent, ...]:
        """The whole event log, in order."""
        with self.store.transaction() as session:
            rows = session.scalars(select(EventRow).order_by(EventRow.sequence)).all()
            return tuple(to_log_event(row) for row in rows)

    # -- publishing revocation status

    def crl(self) -> bytes:
        """A fresh CRL (DER) listing every revoked certificate, signed by the CA."""
        now = self.context.now()
        with self.store.transaction() as session:
            crl = build_crl(session, self.signer, now)
        return crl.public_bytes(Encoding.DER)

    def ocsp(self, request: bytes) -> bytes:
        """The DER OCSP response to a DER OCSP request, from the store as it is now."""
        now = self.context.now()
        with self.store.transaction() as session:
            return ocsp_response(session, self.signer, request, now)

    def head_sequence(self) -> int:
        """The sequence number of the log's last record (0 for an empty log)."""
        with self.store.transaction() as session:
            last = session.scalars(select(EventRow.sequence).order_by(EventRow.sequence.desc()))
            return last.first() or 0

    # -- proving the records

    def audit(self) -> AuditReport:
        """Recompute the log's chain and every record's signature; name what is wrong."""
        with self.store.transaction() as session:
            rows, head, findings = audit_events(session, self.signer)
            certificates = session.scalars(
                select(CertificateRow).order_by(CertificateRow.event_sequence)
            ).all()
            extra = [*self._certificate_findings(certificates), *self._operator_findings(session)]
        extra += [
            AuditFinding(
                problem=AuditProblem.WEAKENED,
                detail=f"the append-only trigger {name} was removed from the database",
            )
            for name in self.store.missing_triggers()
        ]
        return AuditReport(
            records=len(rows),
            certificates=len(certificates),
            head_sequence=head,
            findings=(*findings, *extra),
        )

    def _certificate_findings(self, rows: Sequence[CertificateRow]) -> list[AuditFinding]:
        return [
            AuditFinding(
                problem=AuditProblem.CERTIFICATE_ALTERED,
                serial_number=int(row.serial, 16),
                sequence=row.event_sequence,
                detail="the stored record (status, times, consent or certificate) no longer "
                "matches the CA's signature",
            )
            for row in rows
            if not self.signer.verify_text(certificate_text(row), row.signature)
        ]

    def _operator_findings(self, session: Session) -> list[AuditFinding]:
        return [
            AuditFinding(
                problem=AuditProblem.WEAKENED,
                detail=f"operator {row.name!r}: roles, key or status changed outside esig",
            )
            for row in session.scalars(select(OperatorRow).order_by(OperatorRow.name))
            if not self.signer.verify_text(operator_text(row), row.signature)
        ]

    def __repr__(self) -> str:
        return (
            f"<CertificateAuthority {self.certificate.subject.rfc4514_string()!r} "
            f"in {self.store.url}>"
        )
