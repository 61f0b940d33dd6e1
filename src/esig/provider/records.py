"""The provider's records in and out of the store: conversions and what the CA signs.

Shared by :mod:`esig.provider.ca` (reading, auditing) and
:mod:`esig.provider.operations` (writing); :class:`CaContext` is what both need of a CA.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from esig.provider.ca_signing import CaSigner
from esig.provider.errors import AuthenticationError, UnknownCertificateError
from esig.provider.issuing import ServiceUrls
from esig.provider.log import canonical_json
from esig.provider.models import (
    CertificateRecord,
    CertificateStatus,
    Clock,
    RevocationReason,
    Role,
    TermsVersion,
    to_utc_second,
)
from esig.provider.store import (
    CertificateRow,
    OperatorRow,
    ProviderStore,
    TermsRow,
    format_time,
    parse_time,
)

__all__ = [
    "SYSTEM_OPERATOR",
    "CaContext",
    "add_operator_row",
    "certificate_row",
    "certificate_text",
    "check_operator",
    "new_api_key",
    "operator_text",
    "to_certificate_record",
    "to_terms",
]

SYSTEM_OPERATOR = "system"
"""The operator name of the CA's own log entries (set-up, refusals)."""


@dataclass(frozen=True)
class CaContext:
    """What reading and writing need of a CA: its store, its key, its clock, its URLs."""

    store: ProviderStore
    """The provider's database."""
    signer: CaSigner
    """The CA's key (through its device)."""
    clock: Clock
    """The one clock of every recorded time."""
    urls: ServiceUrls
    """Where the CA publishes OCSP, its CRL and its certificate."""

    def now(self) -> dt.datetime:
        """The clock's time, in UTC to the second."""
        return to_utc_second(self.clock.now())


def new_api_key() -> tuple[str, str]:
    """A fresh operator API key and its SHA-256 (hex), the only form the store keeps."""
    key = "esig-op-" + secrets.token_urlsafe(32)
    return key, hashlib.sha256(key.encode()).hexdigest()


def operator_text(row: OperatorRow) -> str:
    """What the CA signs for an operator: name, roles, key hash, status, creation time."""
    return canonical_json(
        {
            "name": row.name,
            "roles": row.roles,
            "key_hash": row.key_hash,
            "active": row.active,
            "created_at": row.created_at,
        }
    )


def certificate_text(row: CertificateRow) -> str:
    """What the CA signs for a stored certificate: every column but the signature."""
    return canonical_json(
        {
            "serial": row.serial,
            "subscriber_id": row.subscriber_id,
            "subject": row.subject,
            "pem": row.pem,
            "issued_at": row.issued_at,
            "not_after": row.not_after,
            "status": row.status,
            "revoked_at": row.revoked_at,
            "reason": row.reason,
            "publish": row.publish,
            "terms_version": row.terms_version,
            "event_sequence": row.event_sequence,
        }
    )


def to_certificate_record(row: CertificateRow) -> CertificateRecord:
    """A stored certificate as a :class:`CertificateRecord`."""
    return CertificateRecord(
        serial_number=int(row.serial, 16),
        subscriber_id=row.subscriber_id,
        subject=row.subject,
        pem=row.pem,
        issued_at=parse_time(row.issued_at),
        not_after=parse_time(row.not_after),
        status=CertificateStatus(row.status),
        revoked_at=parse_time(row.revoked_at) if row.revoked_at else None,
        reason=RevocationReason(row.reason) if row.reason else None,
        publish=row.publish,
        terms_version=row.terms_version,
    )


def to_terms(row: TermsRow) -> TermsVersion:
    """A stored terms version as a :class:`TermsVersion`."""
    return TermsVersion(
        version=row.version,
        url=row.url,
        language=row.language,
        sha256=row.sha256,
        published_at=parse_time(row.published_at),
    )


def certificate_row(session: Session, serial_number: int) -> CertificateRow:
    """The stored row of a certificate.

    Raises:
        UnknownCertificateError: No certificate with this serial number was issued here.

    """
    row = session.get(CertificateRow, format(serial_number, "x"))
    if row is None:
        raise UnknownCertificateError(
            f"No certificate with serial number {serial_number:x} was issued by this CA"
        )
    return row


def check_operator(signer: CaSigner, row: OperatorRow) -> None:
    """Refuse a disabled operator, or one whose record is not the CA's signed one."""
    if not signer.verify_text(operator_text(row), row.signature):
        raise AuthenticationError(
            f"The record of operator {row.name!r} was changed outside esig; it is refused"
        )
    if not row.active:
        raise AuthenticationError(f"Operator {row.name!r} is disabled")


def add_operator_row(
    session: Session,
    signer: CaSigner,
    *,
    name: str,
    roles: Sequence[Role],
    key_hash: str,
    now: dt.datetime,
) -> OperatorRow:
    """Insert an operator, signed by the CA."""
    row = OperatorRow(
        name=name,
        roles=",".join(sorted(role.value for role in roles)),
        key_hash=key_hash,
        active=True,
        created_at=format_time(now),
    )
    row.signature = signer.sign_text(operator_text(row))
    session.add(row)
    return row
