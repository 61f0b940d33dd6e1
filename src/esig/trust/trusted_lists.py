"""EU trusted lists (ETSI TS 119 612): load, authenticate, and ask them about a certificate.

A *trusted list* (TL) is the machine-readable register of a supervisory body: which
trust service providers it supervises, which services they run (a qualified CA, a
qualified time-stamping authority, …), and the **status history** of every service
(granted since …, withdrawn since …). It is the standard form of the register that
BES art. 4(6) asks the Minister to keep, and the form the EU member states publish
under eIDAS art. 22. The *list of trusted lists* (LOTL) points to each member state's
list and names the certificates allowed to sign it.

Three doors:

* :func:`read_trusted_list` reads one list for inspection (``esig tl show``). It never
  refuses a list for its signature; it records what the signature check found in
  :attr:`TrustedList.signature`.
* :meth:`TrustedListSource.from_files` loads lists to *rely on*. A list whose signature
  does not verify is **refused** with a :class:`TrustedListError` (an
  :class:`~esig.errors.InputError`): an unauthenticated register must not make a
  certificate qualified. See "What is refused" below.
* :meth:`TrustedListSource.qualification_at` answers, for a certificate chain and a
  moment (the signing time): was the certificate qualified, of which type (e-signature,
  e-seal, website), with its key in a QSCD — according to the lists — and why.

How the answer is computed
--------------------------
pyHanko's ``QualificationAssessor`` (``pyhanko.sign.validation.qualified``) applies the
``Qualifications`` extension (TS 119 612 clause 5.5.9.2) of the service definitions it
is given; esig decides which definitions it sees and combines its answers the way the
EU's reference validator (DSS) does (ETSI TS 119 615):

* only a ``CA/QC`` status entry that counts is used: ``granted`` for an entry starting on
  or after 1 July 2016, ``undersupervision`` / ``supervisionincessation`` /
  ``accredited`` for an entry starting before (DSS's ``GrantedServiceFilter``);
* the certificate's own qcStatements (before 1 July 2016 also its QCP / QCP+ policy)
  give the starting point; qualifiers whose criteria match the certificate override it:
  ``NotQualified`` and ``QCForLegalPerson`` make it not qualified, ``QCStatement`` makes
  it qualified, ``QCForESig`` / ``QCForESeal`` / ``QCForWSA`` set the type, ``QCNoQSCD``
  / ``QCNoSSCD`` remove the QSCD, ``QCWithQSCD`` / ``QCWithSSCD`` add it,
  ``QCQSCDManagedOnBehalf`` adds it as managed by the provider on the signatory's
  behalf, and ``QCQSCDStatusAsInCert`` keeps what the certificate says;
* criteria (policy sets, key usage bits, extended key usage, subject name attributes,
  nested lists) are read from every ``Qualifications`` extension by esig;
* a service restricted to other certificate types (``ForeSeals`` …) does not apply;
  service definitions that apply and contradict each other leave the answer
  undetermined (``qualified`` is None), as in DSS;
* the certificate is judged at the moment *and* at its issuance (notBefore): it is
  qualified only if it was both times, its type is the common one (else unknown), its
  QSCD the one at the moment.

esig finds the service by the certificate's *issuer*: a certificate of a service's
digital identity whose subject is the certificate's issuer name and whose key verifies
the certificate's signature (so a leaf certificate alone is enough when the list holds
its issuing CA). History entries that identify the service by SKI and subject name only
(as real lists do) are given the service's certificate with that key. An entry that
cannot be interpreted (a critical extension nobody understands, an unknown criterion)
is recorded in :attr:`TrustedList.problems`, and a certificate it would judge is reported
as not assessable (``qualified`` None) rather than as not qualified.

Path validation (validity periods, revocation, basic constraints) is **not** done here:
the verifier does it. ``qualification_at`` only checks that each certificate in the
chain up to the listed CA was signed by the next one.

What is refused
---------------
``TrustedListSource.from_files`` checks each list's enveloped XAdES signature with
signxml (through pyHanko), against the TLSO certificates given explicitly and, when a
LOTL is given, those its pointer names for the list's territory. Then:

* signature verifies with such a certificate → :attr:`SignatureStatus.VERIFIED`, used;
* TLSO certificates were available but none verifies the signature → refused, always;
* no TLSO certificate was available: the signature is checked against the certificate
  embedded in the list itself. That proves *integrity* only — anyone can embed their
  own certificate — so the list is :attr:`SignatureStatus.NOT_CHECKED` and refused
  unless ``allow_unsigned=True``; a list that carries no signature is refused likewise;
* a signature that does not verify even with its own embedded certificate (a list
  changed after signing) → refused, always, whatever ``allow_unsigned`` says;
* a list with more than one XML signature → refused, always;
* a signature whose algorithm or key type cannot be checked (signxml) is
  :attr:`SignatureStatus.NOT_VERIFIED` with ``integrity`` None: refused when TLSO
  certificates were available, treated like an unsigned list otherwise. A ``KeyValue``
  that signxml cannot cross-check (RSA-PSS, brainpool) is set aside first when the
  ``KeyInfo`` is unsigned, and the signature is verified against the certificate.

A byte order mark or whitespace before the XML declaration is ignored (it is outside
the signed content).

A LOTL that does not verify (by default against pyHanko's bundled EU LOTL signer
certificates) is refused too.

Expired lists
-------------
A list past its ``NextUpdate`` is still used: pyHanko's assessor does not look at
``NextUpdate``, and esig keeps its answer. It is flagged instead:
:attr:`TrustedListQualification.list_expired` is set and the explanation warns that a
newer list may say otherwise. ``esig tl show`` marks the list EXPIRED.

Known limits
------------
* Only the signer's certificate is judged (CA/QC services); qualified time-stamping
  (TSA/QTST) services are read and shown but not assessed here.
* A certificate with several QcType values is reported as not assessable (pyHanko
  handles exactly one); mutual recognition agreements (third-country lists) are not
  applied.
* Lists are read from files; fetching them over HTTP is left to the caller.
* The TLSO certificates' own validity is checked (signxml checks it at the current time),
  their revocation is not.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from cryptography import x509
from pydantic import computed_field, model_validator

from esig._model import EsigModel
from esig.errors import InputError
from esig.law import BES, EIDAS, Citation

if TYPE_CHECKING:
    from esig._pyhanko.trusted_lists import LoadedList, RawAssessment, RegistryHandle

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
    "TrustedListQualification",
    "TrustedListSignature",
    "TrustedListSource",
    "read_trusted_list",
]

_TRSTSVC = "http://uri.etsi.org/TrstSvc"
_TL = f"{_TRSTSVC}/TrustedList"
_MAX_LIST_SIZE = 64 * 1024 * 1024
"""Refuse files larger than this (the whole EU LOTL with all lists is far smaller)."""


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
        moment = _aware(moment)
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
        at = _aware(at) if at is not None else dt.datetime.now(dt.UTC)
        return self.next_update is None or self.next_update < at

    def to_text(self, *, now: dt.datetime | None = None) -> str:
        """The list as text: scheme, signature, providers, services and status history."""
        return "\n".join(_render_list(self, now)) + "\n"


class TrustedListQualification(EsigModel):
    """What the trusted lists say about one certificate at one moment, and why."""

    kind: Literal["trusted-list-qualification"] = "trusted-list-qualification"
    moment: dt.datetime
    """The moment asked about (normally the signing time)."""
    qualified: bool | None
    """The certificate was qualified at the moment (None: no listed service issued it)."""
    certificate_type: CertificateType = CertificateType.UNKNOWN
    qscd: bool | None = None
    """The private key was in a QSCD (None when ``qualified`` is None)."""
    qscd_managed_on_behalf: bool = False
    """The QSCD is managed by the provider on the signatory's behalf (remote signing)."""
    service_name: str | None = None
    provider_name: str | None = None
    territory: str | None = None
    status: TrustServiceStatus | None = None
    """The service's status at the moment (None: the service was not listed then)."""
    status_since: dt.datetime | None = None
    qualifiers: tuple[Qualifier, ...] = ()
    """The qualifiers whose criteria match the certificate, in the service definition used."""
    list_sequence_number: int | None = None
    list_signature: SignatureStatus | None = None
    """How the list that answered was authenticated."""
    list_expired: bool = False
    """That list's ``NextUpdate`` had passed when the question was asked."""
    issued: dt.datetime | None = None
    """The certificate's notBefore, the second moment judged (TS 119 615 "at issuance")."""
    qualified_at_issuance: bool | None = None
    """The lists made the certificate qualified when it was issued (None: not judged)."""
    conflicting_services: tuple[str, ...] = ()
    """Service definitions that applied at the moment and contradicted each other; the
    answer is then not determined (``qualified`` is None), as in DSS."""
    explanation: str
    citations: tuple[Citation, ...] = (BES.ART_4, EIDAS.ART_22, EIDAS.ART_3_12)

    @model_validator(mode="after")
    def _consistent(self) -> TrustedListQualification:
        if self.qualified is None and self.qscd is not None:
            raise ValueError("the QSCD is not established when qualification is not")
        if self.qualified and (self.service_name is None or self.qscd is None):
            raise ValueError("a qualified answer names its service and says whether QSCD")
        if self.qscd_managed_on_behalf and not self.qscd:
            raise ValueError("a QSCD managed on behalf is a QSCD")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def source_text(self) -> str:
        """Where the answer comes from, for a report (``trusted list BE #81, service …``)."""
        if self.territory is None:
            return "trusted lists (no listed service issued the certificate)"
        text = f"trusted list {self.territory}"
        if self.list_sequence_number is not None:
            text += f" #{self.list_sequence_number}"
        if self.service_name:
            text += f", service {self.service_name!r}"
        if self.provider_name:
            text += f" of {self.provider_name}"
        if self.list_signature is not SignatureStatus.VERIFIED:
            text += " (list not authenticated)"
        if self.list_expired:
            text += " (list expired)"
        return text


class TrustedListSource:
    """Trusted lists that passed the signature rules, ready to answer qualification questions.

    Build it with :meth:`from_files`. It holds the lists as read (:attr:`lists`, each
    with its :class:`TrustedListSignature`) and pyHanko's registry of the qualified
    services in them. It is immutable.
    """

    __slots__ = ("_handle", "_lists", "_lotl")

    def __init__(
        self, lists: tuple[TrustedList, ...], lotl: TrustedList | None, handle: RegistryHandle
    ) -> None:
        self._lists = lists
        self._lotl = lotl
        self._handle = handle

    def __repr__(self) -> str:
        names = ", ".join(f"{tl.territory} #{tl.sequence_number}" for tl in self._lists)
        return f"<TrustedListSource {names or 'empty'}>"

    @property
    def lists(self) -> tuple[TrustedList, ...]:
        """The member-state (or test) lists loaded, in the order given."""
        return self._lists

    @property
    def lotl(self) -> TrustedList | None:
        """The list of trusted lists used to authenticate them, when one was given."""
        return self._lotl

    @classmethod
    def from_files(
        cls,
        paths: Sequence[str | os.PathLike[str]],
        *,
        tlso_certificates: Sequence[x509.Certificate] | None = None,
        lotl: str | os.PathLike[str] | None = None,
        lotl_certificates: Sequence[x509.Certificate] | None = None,
        allow_unsigned: bool = False,
    ) -> TrustedListSource:
        """Load trusted lists from files, verify their signatures, refuse the ones that fail.

        Args:
            paths: The trusted lists (ETSI TS 119 612 XML).
            tlso_certificates: Certificates of scheme operators (TLSO) allowed to sign
                any of the lists.
            lotl: A list of trusted lists; each list's signature is then also checked
                against the TLSO certificates the LOTL's pointer names for its territory.
            lotl_certificates: Certificates allowed to sign the LOTL (default: the EU
                LOTL signer certificates bundled with pyHanko).
            allow_unsigned: Accept lists whose origin cannot be checked because no TLSO
                certificate was available (unsigned, or checked against their embedded
                certificate only). Never accepts a broken signature.

        Raises:
            TrustedListError: A file cannot be read, is not a trusted list, or is
                refused for its signature (see the module documentation).

        """
        from esig._pyhanko import trusted_lists as adapter  # noqa: PLC0415 - pyHanko is heavy

        lotl_list: TrustedList | None = None
        pointers: dict[str, tuple[x509.Certificate, ...]] = {}
        if lotl is not None:
            lotl_list, pointers = adapter.load_lotl(
                _read(lotl), source=str(lotl), certificates=lotl_certificates
            )
        explicit = tuple(tlso_certificates or ())
        loaded: list[LoadedList] = []
        for path in paths:
            data = _read(path)
            territory = adapter.peek_territory(data, source=str(path))
            candidates = explicit + pointers.get(territory.upper(), ())
            one = adapter.load_list(data, source=str(path), candidates=candidates)
            _accept_or_refuse(one.trusted_list, path, bool(candidates), allow_unsigned)
            loaded.append(one)
        handle = adapter.build_registry(loaded)
        return cls(tuple(item.trusted_list for item in loaded), lotl_list, handle)

    def qualification_at(
        self,
        chain: Sequence[x509.Certificate],
        moment: dt.datetime,
        *,
        now: dt.datetime | None = None,
    ) -> TrustedListQualification:
        """What the lists say about ``chain[0]`` at ``moment`` (TS 119 615, through pyHanko).

        Args:
            chain: The certificate first, then its issuers as far as known (the issuing
                CA may be missing when a list holds it).
            moment: The moment to judge, normally the signing time (naive = UTC).
            now: When the question is asked, to tell whether a list has expired
                (default: the current time).

        """
        if not chain:
            raise InputError("qualification_at needs at least the certificate to judge")
        from esig._pyhanko import trusted_lists as adapter  # noqa: PLC0415

        moment = _aware(moment)
        asked = _aware(now) if now is not None else dt.datetime.now(dt.UTC)
        raw = adapter.assess(self._handle, chain, moment)
        return _qualification(raw, moment, asked, self._lists)


def read_trusted_list(
    path: str | os.PathLike[str],
    *,
    tlso_certificates: Sequence[x509.Certificate] | None = None,
) -> TrustedList:
    """Read one trusted list for inspection, with what its signature check found.

    Unlike :meth:`TrustedListSource.from_files` this never refuses a list for its
    signature: :attr:`TrustedList.signature` says whether it verified. A list of trusted
    lists is checked against ``tlso_certificates`` or, without them, against the EU LOTL
    signer certificates bundled with pyHanko.

    Raises:
        TrustedListError: The file cannot be read or is not a trusted list.

    """
    from esig._pyhanko import trusted_lists as adapter  # noqa: PLC0415

    data = _read(path)
    if adapter.is_list_of_lists(data, source=str(path)):
        lotl, _ = adapter.load_lotl(
            data, source=str(path), certificates=tlso_certificates, refuse=False
        )
        return lotl
    return adapter.load_list(
        data, source=str(path), candidates=tuple(tlso_certificates or ())
    ).trusted_list


def _read(path: str | os.PathLike[str]) -> bytes:
    target = Path(path)
    try:
        size = target.stat().st_size
        if size > _MAX_LIST_SIZE:
            raise TrustedListError(
                f"The trusted list is too large ({size} bytes; the limit is {_MAX_LIST_SIZE})",
                path=target,
            )
        return target.read_bytes()
    except FileNotFoundError:
        raise TrustedListError("The trusted list does not exist", path=target) from None
    except IsADirectoryError:
        raise TrustedListError("The trusted list is a directory, not a file", path=target) from None
    except OSError as exc:
        raise TrustedListError(
            f"The trusted list cannot be read: {exc.strerror}", path=target
        ) from None


def _accept_or_refuse(
    tl: TrustedList, path: str | os.PathLike[str], had_candidates: bool, allow_unsigned: bool
) -> None:
    sig = tl.signature
    if sig.status is SignatureStatus.VERIFIED:
        return
    name = f"The trusted list {tl.territory} #{tl.sequence_number}"
    if sig.extra_signatures:
        message = f"{name} is refused: {sig.reason}"
    elif had_candidates:
        message = f"{name} is refused: {sig.reason}"
        if sig.integrity is False:
            message += (
                "; it does not verify with its own embedded certificate either, so it was "
                "changed after signing"
            )
    elif sig.signature_present and sig.integrity is False:
        message = f"{name} is refused: its signature is broken ({sig.reason})"
    elif allow_unsigned:
        return
    else:
        message = (
            f"{name} is refused: its origin cannot be authenticated ({sig.reason}). "
            "Give the scheme operator's certificate (or the LOTL that names it), or "
            "allow unauthenticated lists explicitly"
        )
    raise TrustedListError(message, path=Path(path), signature=sig, territory=tl.territory)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _day(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


# --- building the answer ----------------------------------------------------------------

_TYPE_WORDS = {
    CertificateType.ESIG: "a qualified certificate for electronic signatures",
    CertificateType.ESEAL: "a qualified certificate for electronic seals",
    CertificateType.WEB: "a qualified certificate for website authentication",
    CertificateType.UNKNOWN: "a qualified certificate",
}


def _qualification(
    raw: RawAssessment,
    moment: dt.datetime,
    asked: dt.datetime,
    lists: tuple[TrustedList, ...],
) -> TrustedListQualification:
    when = _day(moment)
    if raw.match is None:
        text = (
            f"Not assessed: {raw.problem}."
            if raw.problem
            else "No service in the trusted lists consulted has issued this certificate or "
            "its chain: the lists do not say whether it is qualified."
        )
        return TrustedListQualification(moment=moment, qualified=None, explanation=text)
    match = raw.match
    tl = lists[match.list_index]
    status = match.status_at_moment
    expired = tl.is_expired(asked)
    where = f"{match.service_name!r} of {match.provider_name} (trusted list {tl.territory})"
    warnings = _warnings(tl, expired, asked)
    listed = TrustedListQualification(
        moment=moment,
        qualified=None,
        service_name=match.service_name,
        provider_name=match.provider_name,
        territory=tl.territory,
        status=status.status if status else None,
        status_since=status.since if status else None,
        list_sequence_number=tl.sequence_number,
        list_signature=tl.signature.status,
        list_expired=expired,
        issued=raw.issued,
        qualified_at_issuance=raw.qualified_at_issuance,
        conflicting_services=raw.conflicting_services,
        explanation="",
    )
    if raw.problem is not None:
        text = f"The certificate was issued under {where}, but is not assessed: {raw.problem}."
        return listed.model_copy(update={"explanation": " ".join([text, *warnings])})
    verdict = raw.verdict
    if verdict is None and raw.conflicting_services:
        text = (
            f"The certificate was issued under {where}; on {when} the service definitions "
            f"{', '.join(repr(n) for n in raw.conflicting_services)} all apply to it and give "
            "different answers, so whether it was qualified cannot be determined (TS 119 615; "
            "DSS reports such a conflict as not determinable too)."
        )
        return listed.model_copy(update={"explanation": " ".join([text, *warnings])})
    if verdict is None:
        if raw.applicable_services:
            text = (
                f"The certificate was issued under {where}; the service definitions valid "
                f"on {when} ({', '.join(raw.applicable_services)}) do not apply to a "
                "certificate of this type, or contradict each other, so it is not qualified "
                "(TS 119 615 as pyHanko's QualificationAssessor applies it)."
            )
        else:
            state = (
                f"had the status {status.status.value} on {when} (since {_day(status.since)})"
                if status
                else f"was not yet listed on {when}"
            )
            text = (
                f"The certificate was issued under {where}, which {state}: no granted "
                "qualified service vouched for it then, so it is not qualified."
            )
        return TrustedListQualification.model_validate(
            {
                **listed.model_dump(exclude={"source_text"}),
                "qualified": False,
                "qscd": False,
                "explanation": " ".join([text, *warnings]),
            }
        )
    ctype = CertificateType(verdict.certificate_type)
    qualified = verdict.qualified
    at_issuance: list[str] = []
    if qualified and raw.issued is not None and raw.qualified_at_issuance is False:
        # TS 119 615 (and DSS): a certificate is qualified only if it was qualified both
        # when it was issued and at the moment judged (eIDAS art. 32(1)(a)-(b))
        qualified = False
        at_issuance.append(
            f"But when it was issued ({_day(raw.issued)}) no granted qualified service of the "
            "lists vouched for it, so it is not a qualified certificate (TS 119 615 judges "
            "the certificate at its issuance and at the moment of use)."
        )
    elif qualified and raw.type_at_issuance not in {None, verdict.certificate_type}:
        ctype = CertificateType.UNKNOWN
        at_issuance.append(
            f"Its type when issued ({raw.type_at_issuance}) differs from its type on {when} "
            f"({verdict.certificate_type}), so its type is not established."
        )
    qualifiers = tuple(Qualifier(q) for q in verdict.qualifiers)
    since = f" (since {_day(status.since)})" if status else ""
    parts = [f"The certificate was issued under {where}, granted on {when}{since}."]
    claims = verdict.certificate_claims
    parts.append(
        f"The certificate itself declares {', '.join(claims)}."
        if claims
        else "The certificate itself declares no qcStatement."
    )
    parts.append(
        f"The list's qualifiers matching it: {', '.join(q.value for q in qualifiers)}."
        if qualifiers
        else "No qualifier of the list matches it."
    )
    parts += at_issuance
    qscd = qualified and verdict.key_management != "none"
    if qualified:
        device = _DEVICE_WORDS.get(verdict.key_management, "no QSCD for its private key")
        parts.append(f"Result (TS 119 615, pyHanko): {_TYPE_WORDS[ctype]}, {device}.")
    else:
        parts.append("Result (TS 119 615, pyHanko): not a qualified certificate.")
    return TrustedListQualification.model_validate(
        {
            **listed.model_dump(exclude={"source_text"}),
            "qualified": qualified,
            "certificate_type": ctype,
            "qscd": qscd,
            "qscd_managed_on_behalf": qscd and verdict.key_management == "qscd_delegated",
            "service_name": verdict.service_name,
            "status": status.status if status else TrustServiceStatus.GRANTED,
            "qualifiers": qualifiers,
            "explanation": " ".join([*parts, *warnings]),
        }
    )


_DEVICE_WORDS = {
    "qscd": "its private key in a QSCD",
    "qscd_delegated": "its private key in a QSCD managed on the signatory's behalf",
    "qscd_by_policy": "its private key in a QSCD (by its pre-eIDAS QCP+ policy)",
}


def _warnings(tl: TrustedList, expired: bool, asked: dt.datetime) -> list[str]:
    found = []
    if expired:
        due = _day(tl.next_update) if tl.next_update else "never (the scheme was closed)"
        found.append(
            f"Warning: the list (sequence {tl.sequence_number}) was due for its next update "
            f"{due} and had expired on {_day(asked)}; a newer list may say otherwise."
        )
    if tl.signature.status is not SignatureStatus.VERIFIED:
        found.append(f"Warning: the list was not authenticated ({tl.signature.reason}).")
    return found


# --- text rendering -----------------------------------------------------------------------


def _render_list(tl: TrustedList, now: dt.datetime | None) -> list[str]:
    now = _aware(now) if now is not None else dt.datetime.now(dt.UTC)
    kind = "List of trusted lists" if tl.is_list_of_lists else "Trusted list"
    nxt = _day(tl.next_update) if tl.next_update else "none (closed)"
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
        f"Issued:      {_day(tl.issued)}",
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
    period = f"from {_day(entry.since)}" + (f" to {_day(entry.until)}" if entry.until else "")
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
