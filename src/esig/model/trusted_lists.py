"""The models of ETSI TS 119 612 trusted lists as esig reads them, and their text form.

Statuses, service types, qualifiers; a list's signature finding; providers, services
and their status history; :class:`TrustedList` and its ``to_text()``. Loading lists,
authenticating them and assessing certificates is :mod:`esig.trust.trusted_lists`,
which documents these models and re-exports them; the pyHanko adapter
(:mod:`esig._pyhanko.trusted_lists`) builds them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import model_validator

from esig._model import EsigModel
from esig.errors import InputError

__all__ = [
    "CertificateType",
    "CriteriaAssertion",
    "QualificationRule",
    "Qualifier",
    "ServiceCertificate",
    "ServiceIdentity",
    "ServiceType",
    "SignatureStatus",
    "StatusEntry",
    "TrustService",
    "TrustServiceProvider",
    "TrustServiceStatus",
    "TrustedList",
    "TrustedListError",
    "TrustedListSignature",
    "as_aware",
    "day_text",
]

_TRSTSVC = "http://uri.etsi.org/TrstSvc"
_TL = f"{_TRSTSVC}/TrustedList"


class TrustServiceStatus(StrEnum):
    """A service's status in a trusted list (TS 119 612 clause 5.5.4), by its URI's last part."""

    GRANTED = "granted"
    """Qualified status granted (eIDAS)."""
    WITHDRAWN = "withdrawn"
    """Qualified status withdrawn (eIDAS)."""
    RECOGNISED_AT_NATIONAL_LEVEL = "recognisedatnationallevel"
    """Approved under national law, not qualified under eIDAS."""
    DEPRECATED_AT_NATIONAL_LEVEL = "deprecatedatnationallevel"
    """National approval ended."""
    UNDER_SUPERVISION = "undersupervision"
    """Supervised under Directive 1999/93/EC (before 1 July 2016)."""
    SUPERVISION_IN_CESSATION = "supervisionincessation"
    """Directive 1999/93/EC: supervision in cessation."""
    SUPERVISION_CEASED = "supervisionceased"
    """Directive 1999/93/EC: supervision ceased."""
    SUPERVISION_REVOKED = "supervisionrevoked"
    """Directive 1999/93/EC: supervision revoked."""
    ACCREDITED = "accredited"
    """Directive 1999/93/EC: accredited."""
    ACCREDITATION_CEASED = "accreditationceased"
    """Directive 1999/93/EC: accreditation ceased."""
    ACCREDITATION_REVOKED = "accreditationrevoked"
    """Directive 1999/93/EC: accreditation revoked."""
    SET_BY_NATIONAL_LAW = "setbynationallaw"
    """Status set by national law."""
    DEPRECATED_BY_NATIONAL_LAW = "deprecatedbynationallaw"
    """Status deprecated by national law."""
    OTHER = "other"
    """A status URI esig does not know; the URI is kept beside it."""

    @property
    def uri(self) -> str:
        """The TS 119 612 URI of this status (empty for :attr:`OTHER`)."""
        return "" if self is TrustServiceStatus.OTHER else f"{_TL}/Svcstatus/{self.value}"

    @classmethod
    def from_uri(cls, uri: str) -> TrustServiceStatus:
        """The status a URI names, or :attr:`OTHER`."""
        for status in cls:
            if status is not cls.OTHER and status.uri == uri:
                return status
        return cls.OTHER


class ServiceType(StrEnum):
    """A service type identifier (TS 119 612 clause 5.5.1), by its URI's last parts."""

    CA_QC = "CA/QC"
    """A CA issuing qualified certificates."""
    CA_PKC = "CA/PKC"
    """A CA issuing non-qualified certificates."""
    OCSP_QC = "Certstatus/OCSP/QC"
    """An OCSP responder for qualified certificates."""
    CRL_QC = "Certstatus/CRL/QC"
    """A CRL issuer for qualified certificates."""
    TSA_QTST = "TSA/QTST"
    """A qualified time-stamping authority."""
    TSA = "TSA"
    """A time-stamping authority (not qualified)."""
    EDS_Q = "EDS/Q"
    """A qualified electronic delivery service."""
    EDS_REM_Q = "EDS/REM/Q"
    """A qualified registered electronic mail service."""
    PSES_Q = "PSES/Q"
    """Qualified preservation of signatures and seals."""
    QES_VALIDATION_Q = "QESValidation/Q"
    """Qualified validation of qualified signatures and seals."""
    REMOTE_QSIGCD_Q = "RemoteQSigCDManagement/Q"
    """Qualified remote management of signature creation devices."""
    REMOTE_QSEALCD_Q = "RemoteQSealCDManagement/Q"
    """Qualified remote management of seal creation devices."""
    OTHER = "other"
    """A service type esig does not name; the URI is kept beside it."""

    @property
    def uri(self) -> str:
        """The TS 119 612 URI of this type (empty for :attr:`OTHER`)."""
        return "" if self is ServiceType.OTHER else f"{_TRSTSVC}/Svctype/{self.value}"

    @classmethod
    def from_uri(cls, uri: str) -> ServiceType:
        """The type a URI names, or :attr:`OTHER`."""
        for kind in cls:
            if kind is not cls.OTHER and kind.uri == uri:
                return kind
        return cls.OTHER


class Qualifier(StrEnum):
    """A qualifier of a ``Qualifications`` extension (TS 119 612 clause 5.5.9.2)."""

    QC_WITH_SSCD = "QCWithSSCD"
    """The key is in an SSCD (Directive 1999/93/EC)."""
    QC_NO_SSCD = "QCNoSSCD"
    """The key is not in an SSCD."""
    QC_SSCD_STATUS_AS_IN_CERT = "QCSSCDStatusAsInCert"
    """The certificate's own SSCD statement holds."""
    QC_WITH_QSCD = "QCWithQSCD"
    """The key is in a QSCD (eIDAS)."""
    QC_NO_QSCD = "QCNoQSCD"
    """The key is not in a QSCD."""
    QC_QSCD_STATUS_AS_IN_CERT = "QCQSCDStatusAsInCert"
    """The certificate's own QcSSCD statement holds."""
    QC_QSCD_MANAGED_ON_BEHALF = "QCQSCDManagedOnBehalf"
    """The key is in a QSCD managed by the provider on the subject's behalf."""
    QC_FOR_LEGAL_PERSON = "QCForLegalPerson"
    """Directive 1999/93/EC: issued to a legal person (so not qualified)."""
    QC_FOR_ESIG = "QCForESig"
    """A qualified certificate for electronic signatures."""
    QC_FOR_ESEAL = "QCForESeal"
    """A qualified certificate for electronic seals."""
    QC_FOR_WSA = "QCForWSA"
    """A qualified certificate for website authentication."""
    NOT_QUALIFIED = "NotQualified"
    """Not a qualified certificate, whatever it says."""
    QC_STATEMENT = "QCStatement"
    """A qualified certificate, even without QcCompliance."""

    @property
    def uri(self) -> str:
        """The TS 119 612 URI of this qualifier."""
        return f"{_TL}/SvcInfoExt/{self.value}"

    @classmethod
    def from_uri(cls, uri: str) -> Qualifier | None:
        """The qualifier a URI names, or None for a URI esig does not know."""
        for qualifier in cls:
            if qualifier.uri == uri:
                return qualifier
        return None


class CertificateType(StrEnum):
    """What a qualified certificate is for (eIDAS annexes I, III, IV)."""

    ESIG = "esig"
    """Electronic signatures (natural persons)."""
    ESEAL = "eseal"
    """Electronic seals (legal persons)."""
    WEB = "web"
    """Website authentication."""
    UNKNOWN = "unknown"
    """Not established."""


class CriteriaAssertion(StrEnum):
    """How the criteria of a qualification combine (TS 119 612 clause 5.5.9.2)."""

    ALL = "all"
    """Every criterion must match."""
    AT_LEAST_ONE = "atLeastOne"
    """One criterion is enough."""
    NONE = "none"
    """No criterion may match."""


class SignatureStatus(StrEnum):
    """What the check of a trusted list's signature found."""

    VERIFIED = "verified"
    """The signature verifies with a TLSO certificate the caller trusts (given or from the LOTL)."""
    NOT_VERIFIED = "not verified"
    """The list is unsigned, or its signature does not verify (see the reason)."""
    NOT_CHECKED = "not checked"
    """No TLSO certificate was given, so the list's origin is unknown (see the reason)."""


class TrustedListError(InputError):
    """A trusted list (or LOTL) cannot be read, or is refused because of its signature.

    Attributes:
        signature: What the signature check found, when the list was refused for it.
        territory: The list's territory, when it could be read.

    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        signature: TrustedListSignature | None = None,
        territory: str | None = None,
    ) -> None:
        super().__init__(message, path=path)
        self.signature = signature
        self.territory = territory


class TrustedListSignature(EsigModel):
    """What the check of a list's XML signature found, and against which certificate."""

    status: SignatureStatus
    reason: str | None = None
    """Why the signature is not verified or not checked (required then)."""
    signature_present: bool
    """The list carries an XML signature at all."""
    integrity: bool | None = None
    """The signature matches the certificate embedded in the list (None: not tried).

    This proves the list was not changed since that certificate's holder signed it — not
    who that holder is.
    """
    signer: str | None = None
    """Subject of the certificate the signature verified with (RFC 4514)."""
    signer_sha256: str | None = None
    """SHA-256 fingerprint (hex) of that certificate."""
    extra_signatures: int = 0
    """XML signatures beyond the first. A list with more than one is never relied on."""

    @model_validator(mode="after")
    def _consistent(self) -> TrustedListSignature:
        if self.extra_signatures < 0:
            raise ValueError("extra_signatures cannot be negative")
        if self.extra_signatures and self.status is SignatureStatus.VERIFIED:
            raise ValueError("a list with several signatures is not verified")
        if self.status is SignatureStatus.VERIFIED:
            if self.signer is None or not self.signature_present:
                raise ValueError("a verified signature names its signer")
        elif not self.reason:
            raise ValueError(f"a signature that is {self.status.value} needs a reason")
        return self


class ServiceCertificate(EsigModel):
    """A certificate in a service's digital identity."""

    subject: str
    """Subject name (RFC 4514)."""
    issuer: str
    """Issuer name (RFC 4514)."""
    sha256: str
    """SHA-256 fingerprint of the DER encoding (hex)."""
    key_identifier: str | None = None
    """Subject key identifier (hex), when the certificate has one."""
    not_before: dt.datetime
    not_after: dt.datetime


class ServiceIdentity(EsigModel):
    """A service digital identity (TS 119 612 clause 5.5.3): certificates, names, key ids."""

    certificates: tuple[ServiceCertificate, ...] = ()
    subject_names: tuple[str, ...] = ()
    """``X509SubjectName`` values, as written in the list."""
    key_identifiers: tuple[str, ...] = ()
    """``X509SKI`` values (hex)."""


class QualificationRule(EsigModel):
    """One ``QualificationElement``: qualifiers applied to the certificates matching criteria."""

    qualifiers: tuple[Qualifier, ...]
    unknown_qualifiers: tuple[str, ...] = ()
    """Qualifier URIs esig (and pyHanko) do not know; they are ignored."""
    criteria: str
    """The criteria in words, e.g. ``all of: policies {0.4.0.194112.1.2}``."""


class StatusEntry(EsigModel):
    """A service's status over one period: the current status or a history entry."""

    status: TrustServiceStatus
    status_uri: str
    since: dt.datetime
    """``StatusStartingTime``."""
    until: dt.datetime | None = None
    """When the next status took over (None for the current status)."""
    service_name: str
    service_type: ServiceType
    service_type_uri: str
    certificate_types: tuple[CertificateType, ...] = ()
    """The additional service information narrowing a CA/QC (``ForeSignatures`` …)."""
    qualifications: tuple[QualificationRule, ...] = ()
    expired_certs_revocation_info: dt.datetime | None = None
    """``ExpiredCertsRevocationInfo``: revocation data is kept for expired certificates issued
    since then."""
    taken_over_by: str | None = None
    """``TakenOverBy``: the provider that took the service over (informational)."""

    @model_validator(mode="after")
    def _consistent(self) -> StatusEntry:
        if self.status is not TrustServiceStatus.OTHER and self.status.uri != self.status_uri:
            raise ValueError("status and status_uri disagree")
        if self.until is not None and self.until < self.since:
            raise ValueError("a status cannot end before it starts")
        return self

    def covers(self, moment: dt.datetime) -> bool:
        """The status held at ``moment``."""
        return self.since <= moment and (self.until is None or moment < self.until)


class TrustService(EsigModel):
    """A trust service with its digital identity and status history (newest first)."""

    name: str
    service_type: ServiceType
    service_type_uri: str
    identity: ServiceIdentity
    history: tuple[StatusEntry, ...]
    """The current status first, then the history entries, newest first."""

    @model_validator(mode="after")
    def _has_current(self) -> TrustService:
        if not self.history:
            raise ValueError("a service has at least its current status")
        return self

    @property
    def current(self) -> StatusEntry:
        """The current status."""
        return self.history[0]

    def status_at(self, moment: dt.datetime) -> StatusEntry | None:
        """The status that held at ``moment`` (None before the service was first listed)."""
        moment = as_aware(moment)
        for entry in self.history:
            if entry.covers(moment):
                return entry
        return None


class TrustServiceProvider(EsigModel):
    """A trust service provider and its services."""

    name: str
    trade_names: tuple[str, ...] = ()
    services: tuple[TrustService, ...] = ()


class TrustedList(EsigModel):
    """One trusted list (or LOTL) as read: scheme information, signature, providers."""

    schema_version: Literal[1] = 1
    source: str | None = None
    """The file it was read from."""
    territory: str
    """``SchemeTerritory`` (e.g. ``BE``; ``EU`` for the LOTL)."""
    sequence_number: int
    """``TSLSequenceNumber``: grows by one with every new issue."""
    version: int
    """``TSLVersionIdentifier`` (5 or 6)."""
    list_type: str
    """``TSLType`` URI."""
    operator: str
    """``SchemeOperatorName`` (English when available)."""
    issued: dt.datetime
    """``ListIssueDateTime``."""
    next_update: dt.datetime | None
    """``NextUpdate`` (None: the scheme was closed)."""
    signature: TrustedListSignature
    providers: tuple[TrustServiceProvider, ...] = ()
    pointers: tuple[str, ...] = ()
    """For a LOTL: the territories of the lists it points to."""
    problems: tuple[str, ...] = ()
    """Parts of the list that could not be interpreted (they are left out of assessments)."""

    @property
    def is_list_of_lists(self) -> bool:
        """The list is a list of trusted lists (LOTL)."""
        return self.list_type.endswith("listofthelists")

    @property
    def services(self) -> Iterator[tuple[TrustServiceProvider, TrustService]]:
        """Every service with its provider."""
        for provider in self.providers:
            for service in provider.services:
                yield provider, service

    def is_expired(self, at: dt.datetime | None = None) -> bool:
        """The list's ``NextUpdate`` has passed at ``at`` (default: now), or it has none."""
        at = as_aware(at) if at is not None else dt.datetime.now(dt.UTC)
        return self.next_update is None or self.next_update < at

    def to_text(self, *, now: dt.datetime | None = None) -> str:
        """The list as text: scheme, signature, providers, services and status history."""
        return "\n".join(_render_list(self, now)) + "\n"


def as_aware(moment: dt.datetime) -> dt.datetime:
    """``moment`` with a time zone: a naive moment is taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def day_text(moment: dt.datetime) -> str:
    """``moment`` in UTC, to the minute (``2024-05-01 12:00 UTC``)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


# --- text rendering -----------------------------------------------------------------------


def _render_list(tl: TrustedList, now: dt.datetime | None) -> list[str]:
    now = as_aware(now) if now is not None else dt.datetime.now(dt.UTC)
    kind = "List of trusted lists" if tl.is_list_of_lists else "Trusted list"
    nxt = day_text(tl.next_update) if tl.next_update else "none (closed)"
    if tl.is_expired(now):
        nxt += "  EXPIRED"
    sig = tl.signature
    sig_line = sig.status.value.upper()
    if sig.signer and sig.status is SignatureStatus.VERIFIED:
        sig_line += f" — signed by {sig.signer}"
    elif sig.signer:
        sig_line += f" — certificate embedded in the list: {sig.signer}"
    if sig.reason:
        sig_line += f" — {sig.reason}"
    lines = [
        f"{kind} {tl.territory}, sequence {tl.sequence_number} "
        f"(TS 119 612 v{tl.version}, {tl.list_type.rsplit('/', 1)[-1]})",
        f"Operator:    {tl.operator}",
        f"Issued:      {day_text(tl.issued)}",
        f"Next update: {nxt}",
        f"Signature:   {sig_line}",
    ]
    if tl.source:
        lines.append(f"File:        {tl.source}")
    if tl.pointers:
        lines.append(f"Points to:   {', '.join(tl.pointers)}")
    count = sum(len(p.services) for p in tl.providers)
    lines.append(f"Providers:   {len(tl.providers)}, services: {count}")
    for problem in tl.problems:
        lines.append(f"Problem:     {problem}")
    for provider in tl.providers:
        lines += ["", f"Provider: {provider.name}"]
        for service in provider.services:
            lines.append(f"  Service: {service.name}  [{_type_label(service)}]")
            for cert in service.identity.certificates:
                lines.append(f"    certificate: {cert.subject} (SHA-256 {cert.sha256[:16]}…)")
            for entry in service.history:
                lines += _render_entry(entry)
    return lines


def _type_label(service: TrustService | StatusEntry) -> str:
    kind = service.service_type
    return service.service_type_uri if kind is ServiceType.OTHER else kind.value


def _render_entry(entry: StatusEntry) -> list[str]:
    status = entry.status_uri if entry.status is TrustServiceStatus.OTHER else entry.status.value
    period = f"from {day_text(entry.since)}" + (
        f" to {day_text(entry.until)}" if entry.until else ""
    )
    extra = ""
    if entry.certificate_types:
        extra = f"  for {', '.join(t.value for t in entry.certificate_types)}"
    if entry.taken_over_by:
        extra += f"  taken over by {entry.taken_over_by}"
    lines = [f"    {status:<12} {period}{extra}"]
    for rule in entry.qualifications:
        names = [q.value for q in rule.qualifiers] + list(rule.unknown_qualifiers)
        lines.append(f"      qualifiers {', '.join(names)} when {rule.criteria}")
    return lines
