"""Every write to the provider's records, by an authenticated operator with the right role.

An :class:`OperatorSession` comes from :meth:`CertificateAuthority.login
<esig.provider.CertificateAuthority.login>`. Each write re-reads the operator's signed
record in the same transaction and checks the role it needs (BES art. 5(n)(1°)); a
refused write is itself logged. Each write appends to the event log in the same
transaction as the record it makes, with the one clock's time (art. 5(d), (k)).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final

from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select
from sqlalchemy.orm import Session

from esig.provider.errors import (
    AuthenticationError,
    IssuanceRefusedError,
    PermissionDeniedError,
    ProviderError,
)
from esig.provider.issuing import pem_of, read_csr, subscriber_certificate
from esig.provider.log import append_event
from esig.provider.models import (
    Acknowledgement,
    CertificateRecord,
    CertificateStatus,
    EventKind,
    IdentityEvidence,
    IdentityRecord,
    RevocationReason,
    Role,
    TermsVersion,
)
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
from esig.provider.store import (
    AcknowledgementRow,
    CertificateRow,
    IdentityRow,
    OperatorRow,
    TermsRow,
    format_time,
)

__all__ = ["DEFAULT_VALIDITY", "OperatorSession"]

DEFAULT_VALIDITY: Final = dt.timedelta(days=730)
"""How long an issued certificate is valid unless told otherwise (two years)."""

_NAME: Final = re.compile(r"^[\w .@-]{1,200}$")
_SHA256_HEX: Final = re.compile(r"^[0-9a-f]{64}$")


class OperatorSession:
    """An authenticated operator's writes. Made by ``CertificateAuthority.login``."""

    def __init__(self, context: CaContext, operator: str) -> None:
        self._ca = context
        self.operator = operator
        """The operator's name, recorded with every write."""

    # -- authorisation

    def _authorise(self, session: Session, role: Role) -> None:
        row = session.get(OperatorRow, self.operator)
        if row is None:
            raise AuthenticationError(f"Operator {self.operator!r} no longer exists")
        check_operator(self._ca.signer, row)
        if role.value not in row.roles.split(","):
            raise PermissionDeniedError(
                f"Operator {self.operator!r} may not do this: it needs the {role.value!r} role",
                operator=self.operator,
                role=role.value,
            )

    @contextmanager
    def _write(self, role: Role, action: str) -> Iterator[tuple[Session, dt.datetime]]:
        try:
            with self._ca.store.transaction() as session:
                self._authorise(session, role)
                yield session, self._ca.now()
        except PermissionDeniedError:
            with self._ca.store.transaction() as session:
                self._log(
                    session,
                    self._ca.now(),
                    EventKind.WRITE_REFUSED,
                    {"action": action, "missing_role": role.value},
                    operator=SYSTEM_OPERATOR,
                    subject=self.operator,
                )
            raise

    def _log(
        self,
        session: Session,
        now: dt.datetime,
        kind: EventKind,
        payload: dict[str, object],
        *,
        operator: str | None = None,
        subject: str | None = None,
    ) -> int:
        if subject is not None:
            payload = {**payload, "operator": subject}
        row = append_event(
            session,
            self._ca.signer,
            time=now,
            kind=kind,
            operator=operator or self.operator,
            payload=payload,
        )
        return row.sequence

    # -- administration

    def add_operator(self, name: str, roles: Sequence[Role]) -> str:
        """Add an operator with ``roles``; returns its API key (shown once, never stored).

        Raises:
            PermissionDeniedError: This operator is not an administrator.
            ProviderError: The name is taken or not a plain name, or no role was given.

        """
        if not _NAME.fullmatch(name) or name == SYSTEM_OPERATOR:
            raise ProviderError(f"Not a usable operator name: {name!r}")
        if not roles:
            raise ProviderError("Give the operator at least one role")
        key, key_hash = new_api_key()
        with self._write(Role.ADMINISTRATOR, "add operator") as (session, now):
            if session.get(OperatorRow, name) is not None:
                raise ProviderError(f"An operator named {name!r} exists already")
            add_operator_row(
                session, self._ca.signer, name=name, roles=roles, key_hash=key_hash, now=now
            )
            self._log(
                session,
                now,
                EventKind.OPERATOR_ADDED,
                {"name": name, "roles": sorted(r.value for r in roles)},
            )
        return key

    def disable_operator(self, name: str) -> None:
        """Disable an operator: its API key is refused from now on."""
        with self._write(Role.ADMINISTRATOR, "disable operator") as (session, now):
            row = session.get(OperatorRow, name)
            if row is None:
                raise ProviderError(f"No operator named {name!r}")
            row.active = False
            row.signature = self._ca.signer.sign_text(operator_text(row))
            self._log(session, now, EventKind.OPERATOR_DISABLED, {"name": name})

    def publish_terms(
        self, version: str, url: str, content: bytes, *, language: str = "en"
    ) -> TermsVersion:
        """Make a new version of the PKI disclosure statement / terms current (art. 5(m)).

        ``url`` is where the text is published; it goes into the QcPDS of every
        certificate issued under this version. Subscribers must acknowledge its SHA-256.
        """
        if not url.startswith("https://") and not url.startswith("http://"):
            raise ProviderError(f"The terms' URL must be http(s): {url!r}")
        if not content:
            raise ProviderError("The terms' text is empty")
        digest = hashlib.sha256(content).hexdigest()
        with self._write(Role.ADMINISTRATOR, "publish terms") as (session, now):
            if session.scalars(select(TermsRow).where(TermsRow.version == version)).first():
                raise ProviderError(f"Terms version {version!r} exists already; versions are kept")
            row = TermsRow(
                version=version,
                url=url,
                language=language,
                sha256=digest,
                content=content,
                published_at=format_time(now),
            )
            session.add(row)
            self._log(
                session,
                now,
                EventKind.TERMS_PUBLISHED,
                {"version": version, "url": url, "language": language, "sha256": digest},
            )
            session.flush()
            return to_terms(row)

    # -- registration

    def record_identity(self, evidence: IdentityEvidence) -> IdentityRecord:
        """Record an identity check of an applicant (art. 5(e)): who checked, what, how."""
        with self._write(Role.REGISTRATION, "record identity") as (session, now):
            details = evidence.model_dump(mode="json")
            sequence = self._log(session, now, EventKind.IDENTITY_VERIFIED, details)
            session.add(
                IdentityRow(
                    subscriber_id=evidence.subscriber_id,
                    evidence=evidence.model_dump_json(),
                    verified_by=self.operator,
                    verified_at=format_time(now),
                    event_sequence=sequence,
                )
            )
            return IdentityRecord(
                evidence=evidence,
                verified_by=self.operator,
                verified_at=now,
                event_sequence=sequence,
            )

    def acknowledge_terms(self, subscriber_id: str, sha256: str) -> Acknowledgement:
        """Record that the subscriber accepted the current terms, shown with this SHA-256.

        Raises:
            ProviderError: No terms are published, or ``sha256`` is not the current
                version's (the subscriber saw another text).

        """
        sha256 = sha256.lower()
        if not _SHA256_HEX.fullmatch(sha256):
            raise ProviderError("Give the SHA-256 of the terms as 64 hex digits")
        with self._write(Role.REGISTRATION, "acknowledge terms") as (session, now):
            current = _current_terms(session)
            if current.sha256 != sha256:
                raise ProviderError(
                    f"The acknowledged text is not the current terms ({current.version}, "
                    f"SHA-256 {current.sha256}); show the subscriber the current version"
                )
            sequence = self._log(
                session,
                now,
                EventKind.TERMS_ACKNOWLEDGED,
                {"subscriber_id": subscriber_id, "version": current.version, "sha256": sha256},
            )
            session.add(
                AcknowledgementRow(
                    subscriber_id=subscriber_id,
                    terms_version=current.version,
                    sha256=sha256,
                    acknowledged_at=format_time(now),
                    recorded_by=self.operator,
                    event_sequence=sequence,
                )
            )
            return Acknowledgement(
                subscriber_id=subscriber_id,
                terms_version=current.version,
                sha256=sha256,
                acknowledged_at=now,
                recorded_by=self.operator,
            )

    # -- issuance and revocation

    def issue(
        self,
        subscriber_id: str,
        csr: bytes,
        *,
        publish: bool = False,
        validity: dt.timedelta = DEFAULT_VALIDITY,
        qscd: bool = True,
    ) -> CertificateRecord:
        """Issue a qualified certificate for the key in ``csr`` (PKCS#10, PEM or DER).

        Only a CSR is accepted: the subscriber's key is made and stays on their device
        (art. 5(l)). The subject comes from the subscriber's latest identity record,
        not from the CSR.

        Args:
            subscriber_id: Whose certificate it is.
            csr: The subscriber's certificate signing request.
            publish: The holder consented to publication in the repository (art. 5(n)(3°)).
            validity: How long the certificate is valid, from now.
            qscd: Claim QcSSCD: the key is in a qualified signature creation device.

        Raises:
            IssuanceRefusedError: No identity record (art. 5(e)); the current terms were
                not acknowledged (art. 5(m)); the CSR is a private key, not a CSR, fails
                its proof of possession, or has a weak key.
            PermissionDeniedError: The operator lacks the ``issuance`` role.

        """
        request = read_csr(csr)
        with self._write(Role.ISSUANCE, "issue") as (session, now):
            identity = session.scalars(
                select(IdentityRow)
                .where(IdentityRow.subscriber_id == subscriber_id)
                .order_by(IdentityRow.id.desc())
            ).first()
            if identity is None:
                raise IssuanceRefusedError(
                    f"No identity check is recorded for subscriber {subscriber_id!r}; a "
                    "registration officer must verify the identity first (BES art. 5(e))"
                )
            terms = _current_terms(session)
            acknowledgement = session.scalars(
                select(AcknowledgementRow).where(
                    AcknowledgementRow.subscriber_id == subscriber_id,
                    AcknowledgementRow.terms_version == terms.version,
                    AcknowledgementRow.sha256 == terms.sha256,
                )
            ).first()
            if acknowledgement is None:
                raise IssuanceRefusedError(
                    f"Subscriber {subscriber_id!r} has not acknowledged the current terms "
                    f"({terms.version}); record the acknowledgement first (BES art. 5(m))"
                )
            evidence = IdentityEvidence.model_validate_json(identity.evidence)
            certificate = subscriber_certificate(
                self._ca.signer,
                request,
                evidence,
                terms,
                issued_at=now,
                validity=validity,
                qscd=qscd,
                urls=self._ca.urls,
            )
            der = certificate.public_bytes(Encoding.DER)
            sequence = self._log(
                session,
                now,
                EventKind.CERTIFICATE_ISSUED,
                {
                    "serial": format(certificate.serial_number, "x"),
                    "subscriber_id": subscriber_id,
                    "subject": certificate.subject.rfc4514_string(),
                    "not_before": format_time(certificate.not_valid_before_utc),
                    "not_after": format_time(certificate.not_valid_after_utc),
                    "certificate_sha256": hashlib.sha256(der).hexdigest(),
                    "identity_record": identity.event_sequence,
                    "terms_acknowledgement": acknowledgement.event_sequence,
                    "terms_version": terms.version,
                    "publish": publish,
                },
            )
            row = CertificateRow(
                serial=format(certificate.serial_number, "x"),
                subscriber_id=subscriber_id,
                subject=certificate.subject.rfc4514_string(),
                pem=pem_of(certificate),
                issued_at=format_time(now),
                not_after=format_time(certificate.not_valid_after_utc),
                status=CertificateStatus.GOOD.value,
                revoked_at=None,
                reason=None,
                publish=publish,
                terms_version=terms.version,
                event_sequence=sequence,
            )
            row.signature = self._ca.signer.sign_text(certificate_text(row))
            session.add(row)
            return to_certificate_record(row)

    def revoke(
        self, serial_number: int, reason: RevocationReason = RevocationReason.UNSPECIFIED
    ) -> CertificateRecord:
        """Revoke a certificate now: the next OCSP answer and the next CRL say so (art. 5(b)).

        Raises:
            UnknownCertificateError: No such certificate was issued here.
            ProviderError: It is already revoked.
            PermissionDeniedError: The operator lacks the ``revocation`` role.

        """
        with self._write(Role.REVOCATION, "revoke") as (session, now):
            row = certificate_row(session, serial_number)
            if row.status == CertificateStatus.REVOKED.value:
                raise ProviderError(
                    f"Certificate {serial_number:x} was already revoked at {row.revoked_at}"
                )
            row.status = CertificateStatus.REVOKED.value
            row.revoked_at = format_time(now)
            row.reason = reason.value
            self._log(
                session,
                now,
                EventKind.CERTIFICATE_REVOKED,
                {"serial": row.serial, "revoked_at": row.revoked_at, "reason": reason.value},
            )
            row.signature = self._ca.signer.sign_text(certificate_text(row))
            return to_certificate_record(row)

    def __repr__(self) -> str:
        return f"<OperatorSession {self.operator!r}>"


def _current_terms(session: Session) -> TermsVersion:
    row = session.scalars(select(TermsRow).order_by(TermsRow.id.desc())).first()
    if row is None:
        raise IssuanceRefusedError(
            "No terms and conditions are published; an administrator must publish them "
            "before subscribers can acknowledge them (BES art. 5(m))"
        )
    return to_terms(row)
