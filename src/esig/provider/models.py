"""The provider's records as esig models, and the one clock they are all stamped by.

Every time the provider records (an identity check, an acknowledgement, an issuance, a
revocation, a log entry) comes from one :class:`Clock`, in UTC and truncated to the
second (BES art. 5(d)): the value in the store, in the certificate's notBefore, in the
CRL and in the OCSP response is the same value.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal, Protocol

from pydantic import Field, field_validator

from esig._model import EsigModel

__all__ = [
    "Acknowledgement",
    "AuditFinding",
    "AuditProblem",
    "AuditReport",
    "CertificateRecord",
    "CertificateStatus",
    "Clock",
    "DocumentKind",
    "EventKind",
    "FixedClock",
    "IdentityEvidence",
    "IdentityRecord",
    "LogEvent",
    "Operator",
    "RevocationReason",
    "Role",
    "SystemClock",
    "TermsVersion",
    "VerificationMethod",
    "to_utc_second",
]


def to_utc_second(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC, truncated to the second; a naive datetime is refused."""
    if moment.tzinfo is None:
        raise ValueError("a provider's times must be timezone-aware (UTC)")
    return moment.astimezone(dt.UTC).replace(microsecond=0)


class Clock(Protocol):
    """Where every time the provider records comes from (BES art. 5(d))."""

    def now(self) -> dt.datetime:
        """The current time, timezone-aware; the provider truncates it to the second."""
        ...


class SystemClock:
    """The system's clock, in UTC to the second."""

    def now(self) -> dt.datetime:
        """The current UTC time, truncated to the second."""
        return to_utc_second(dt.datetime.now(dt.UTC))

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A clock that says what it is told (tests, replays); :meth:`advance` moves it."""

    def __init__(self, moment: dt.datetime) -> None:
        self._moment = to_utc_second(moment)

    def now(self) -> dt.datetime:
        """The time this clock was set to."""
        return self._moment

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        self._moment = to_utc_second(self._moment + dt.timedelta(seconds=seconds))

    def __repr__(self) -> str:
        return f"FixedClock({self._moment.isoformat()})"


class Role(StrEnum):
    """What an operator may write. Every write checks the operator's roles (art. 5(n))."""

    ADMINISTRATOR = "administrator"
    """Adds operators and publishes new terms and conditions."""
    REGISTRATION = "registration"
    """Records identity checks and acknowledgements of the terms (art. 5(e), (m))."""
    ISSUANCE = "issuance"
    """Issues certificates from a subscriber's CSR (art. 5(c), (i))."""
    REVOCATION = "revocation"
    """Revokes certificates (art. 5(b))."""


class Operator(EsigModel):
    """An operator of the provider: a named person with roles. Its API key is never kept."""

    name: str
    """Who the operator is (e.g. a staff member's name and number)."""
    roles: tuple[Role, ...]
    """What the operator may write."""
    created_at: dt.datetime
    """When the operator was added (UTC, to the second)."""
    active: bool = True
    """False once the operator was disabled."""


class DocumentKind(StrEnum):
    """The identity document an applicant showed; it also names the semantics identifier."""

    PASSPORT = "passport"
    """A passport (serialNumber ``PAS`` + country + ``-`` + number, EN 319 412-1)."""
    IDENTITY_CARD = "identity-card"
    """A national identity card (``IDC``)."""
    PERSONAL_NUMBER = "personal-number"
    """A national personal number checked in a register (``PNO``)."""

    @property
    def semantics_prefix(self) -> str:
        """The EN 319 412-1 natural-person identifier type for this document."""
        return {"passport": "PAS", "identity-card": "IDC", "personal-number": "PNO"}[self.value]


class VerificationMethod(StrEnum):
    """How the applicant's identity was checked (BES art. 5(e))."""

    IN_PERSON = "in-person"
    """Physical presence at the registration desk, document inspected."""
    VIDEO = "video"
    """Remote identification by video with a document check."""
    EXISTING_QUALIFIED_CERTIFICATE = "existing-qualified-certificate"
    """A signature with a valid qualified certificate obtained after an in-person check."""


class IdentityEvidence(EsigModel):
    """What a registration officer checked about an applicant, before any issuance."""

    subscriber_id: str = Field(min_length=1, max_length=200)
    """The provider's own identifier for the subscriber (customer number)."""
    given_name: str = Field(min_length=1, max_length=200)
    """The given name(s) as in the document."""
    surname: str = Field(min_length=1, max_length=200)
    """The surname as in the document."""
    country: str = Field(pattern=r"^[A-Z]{2}$")
    """The document's issuing country (ISO 3166-1 alpha-2, e.g. ``BQ``, ``NL``)."""
    document_kind: DocumentKind
    """The document shown."""
    document_number: str = Field(pattern=r"^[A-Za-z0-9-]{1,64}$")
    """The document's number (letters, digits, hyphens)."""
    method: VerificationMethod
    """How the check was made."""
    note: str = Field(default="", max_length=2000)
    """Anything the officer noted (e.g. the desk, the document's expiry date)."""

    @field_validator("given_name", "surname")
    @classmethod
    def _no_control(cls, value: str) -> str:
        if any(ord(ch) < 32 for ch in value):
            raise ValueError("names may not contain control characters")
        return value

    @property
    def semantics_identifier(self) -> str:
        """The subject serialNumber, e.g. ``PASBQ-NX1234567`` (EN 319 412-1 5.1.3)."""
        return f"{self.document_kind.semantics_prefix}{self.country}-{self.document_number}"


class IdentityRecord(EsigModel):
    """An identity check as the store keeps it: who checked, what, how and when."""

    evidence: IdentityEvidence
    """What was checked."""
    verified_by: str
    """The registration officer (operator name)."""
    verified_at: dt.datetime
    """When (UTC, to the second)."""
    event_sequence: int
    """The log entry that records it."""


class TermsVersion(EsigModel):
    """A version of the PKI disclosure statement / terms of use (BES art. 5(m))."""

    version: str
    """The provider's version label, e.g. ``2026-1``."""
    url: str
    """Where it is published: the URL put in the certificates' QcPDS."""
    language: str = Field(pattern=r"^[a-z]{2}$")
    """Its language (ISO 639-1)."""
    sha256: str
    """SHA-256 of its content, hex: what a subscriber acknowledges."""
    published_at: dt.datetime
    """When it became the current version."""


class Acknowledgement(EsigModel):
    """A subscriber's acknowledgement of a terms version, by its content hash."""

    subscriber_id: str
    """Who acknowledged."""
    terms_version: str
    """Which version."""
    sha256: str
    """The content hash the subscriber was shown and accepted."""
    acknowledged_at: dt.datetime
    """When (UTC, to the second); before any issuance under these terms."""
    recorded_by: str
    """The operator who recorded it."""


class CertificateStatus(StrEnum):
    """A certificate's status in the store."""

    GOOD = "good"
    """Issued and not revoked."""
    REVOKED = "revoked"
    """Revoked; the revocation time and reason are recorded."""


class RevocationReason(StrEnum):
    """RFC 5280 reason codes a provider may give."""

    UNSPECIFIED = "unspecified"
    """No reason given."""
    KEY_COMPROMISE = "key_compromise"
    """The subscriber's key was compromised."""
    AFFILIATION_CHANGED = "affiliation_changed"
    """The subject's attributes changed."""
    SUPERSEDED = "superseded"
    """Replaced by another certificate."""
    CESSATION_OF_OPERATION = "cessation_of_operation"
    """No longer needed."""
    PRIVILEGE_WITHDRAWN = "privilege_withdrawn"
    """The subscriber's right to the certificate was withdrawn."""


class CertificateRecord(EsigModel):
    """A certificate in the provider's store."""

    serial_number: int
    """The certificate's serial number."""
    subscriber_id: str
    """Whose it is."""
    subject: str
    """The subject DN (RFC 4514)."""
    pem: str
    """The certificate, PEM."""
    issued_at: dt.datetime
    """Issuance time = notBefore (UTC, to the second)."""
    not_after: dt.datetime
    """End of validity."""
    status: CertificateStatus
    """Good or revoked."""
    revoked_at: dt.datetime | None = None
    """Revocation time, as in the CRL and OCSP."""
    reason: RevocationReason | None = None
    """Revocation reason."""
    publish: bool
    """The holder consented to publication in the repository (art. 5(n)(3°))."""
    terms_version: str
    """The terms the subscriber acknowledged before issuance."""


class EventKind(StrEnum):
    """The kinds of event the log records (BES art. 5(k))."""

    KEY_CEREMONY = "key-ceremony"
    """The CA's key pair was generated on its token and certified (who, when, which key)."""
    CA_CREATED = "ca-created"
    """The CA was set up in this store."""
    OPERATOR_ADDED = "operator-added"
    """An operator was added (name and roles)."""
    OPERATOR_DISABLED = "operator-disabled"
    """An operator was disabled."""
    TERMS_PUBLISHED = "terms-published"
    """A terms version became current."""
    IDENTITY_VERIFIED = "identity-verified"
    """An applicant's identity was checked."""
    TERMS_ACKNOWLEDGED = "terms-acknowledged"
    """A subscriber acknowledged the current terms."""
    CERTIFICATE_ISSUED = "certificate-issued"
    """A certificate was issued."""
    CERTIFICATE_REVOKED = "certificate-revoked"
    """A certificate was revoked."""
    WRITE_REFUSED = "write-refused"
    """An authenticated operator tried a write its roles do not allow."""


class LogEvent(EsigModel):
    """One record of the hash-chained event log."""

    sequence: int
    """Position in the log, from 1, without gaps."""
    time: dt.datetime
    """When (UTC, to the second)."""
    kind: EventKind
    """What happened."""
    operator: str
    """Who did it (operator name; ``system`` for the CA's own entries)."""
    payload: str
    """The event's details, canonical JSON."""
    previous_hash: str
    """The hash of the record before (64 zeros for the first)."""
    record_hash: str
    """SHA-256 over this record's fields and ``previous_hash``."""
    signature: str
    """The CA key's signature over ``record_hash``, base64."""


class AuditProblem(StrEnum):
    """What an audit can find wrong with the records."""

    MISSING = "missing"
    """A record was deleted: the sequence has a gap, or the log ends before its head."""
    ALTERED = "altered"
    """A record's content no longer matches its hash."""
    REORDERED = "reordered"
    """A record does not point to the hash of the record before it."""
    FORGED = "forged"
    """A record's (or the head's) signature is not the CA's."""
    CERTIFICATE_ALTERED = "certificate-altered"
    """A stored certificate record no longer matches its signature."""
    WEAKENED = "weakened"
    """A protection of the store was weakened (an operator's roles or key changed outside
    esig, publication without consent)."""


class AuditFinding(EsigModel):
    """One problem an audit found."""

    kind: Literal["audit-finding"] = "audit-finding"
    """The finding's type tag."""
    problem: AuditProblem
    """What is wrong."""
    sequence: int | None = None
    """The first log record concerned, where there is one."""
    serial_number: int | None = None
    """The certificate concerned, where there is one."""
    detail: str
    """What esig saw, in a sentence."""


class AuditReport(EsigModel):
    """The result of :meth:`~esig.provider.CertificateAuthority.audit`."""

    version: Literal[1] = 1
    """The report's schema version."""
    records: int
    """How many log records were read."""
    certificates: int
    """How many certificate records were checked."""
    head_sequence: int
    """The sequence number the signed head says the log reaches."""
    findings: tuple[AuditFinding, ...] = ()
    """Every problem found, the first in log order first."""

    @property
    def intact(self) -> bool:
        """True when nothing was found: the records are complete, unaltered and signed."""
        return not self.findings

    def to_text(self) -> str:
        """A few lines for a person: the verdict, then one line per finding."""
        verdict = "INTACT" if self.intact else "BROKEN"
        lines = [
            f"Audit: {verdict} ({self.records} log records up to {self.head_sequence}, "
            f"{self.certificates} certificates)"
        ]
        for finding in self.findings:
            where = f"record {finding.sequence}: " if finding.sequence is not None else ""
            if finding.serial_number is not None:
                where = f"certificate {finding.serial_number:x}: "
            lines.append(f"  {finding.problem.value}: {where}{finding.detail}")
        return "\n".join(lines) + "\n"
