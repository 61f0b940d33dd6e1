"""What a certificate holds under BES art. 6: the :class:`CertificateProfile`.

Art. 6(1) of the decree lists what a certificate must contain (letters a–h). For each
letter, :class:`CertificateProfile` says where the item lives in an X.509 certificate
(ETSI EN 319 412 profiles), whether it is there, and cites the provision::

    >>> profile = certificate_profile("signer.cer")                  # doctest: +SKIP
    >>> profile.field(Art6Field.B).status                            # doctest: +SKIP
    <FieldStatus.PRESENT: 'present'>
    >>> profile.complete, profile.qualified.claims_qualified         # doctest: +SKIP
    (True, True)

Besides the letters, the profile reads the qualified-certificate markers of
ETSI EN 319 412-5 (:class:`QualifiedMarkers`) and decides which kind of subject the
certificate is for (:class:`PersonKind`). A *claim* is what the certificate says about
itself; whether the issuer was recognised to make it is a question for the trust
register (BES art. 4), not for this module.

Art. 6(2) lets the Minister exempt a provider from fields: declared exemptions turn a
missing field into :attr:`FieldStatus.EXEMPTED`.

A certificate with odd content never makes the profile fail: unknown extensions and
qcStatements are listed by OID, and unreadable qcStatements become
:class:`ProfileFinding` entries.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

from asn1crypto import core as asn1_core
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID
from pydantic import Field, computed_field, model_validator

from esig._model import EsigModel
from esig._qc_asn1 import (
    CountryCodes as _CountryCodes,
)
from esig._qc_asn1 import (
    MonetaryValue as _MonetaryValue,
)
from esig._qc_asn1 import (
    PdsLocations as _PdsLocations,
)
from esig._qc_asn1 import (
    QcStatements as _QcStatements,
)
from esig._qc_asn1 import (
    QcTypeIds as _QcTypeIds,
)
from esig._qc_asn1 import (
    SemanticsInformation as _SemanticsInformation,
)
from esig.certificates import load_certificate
from esig.identity import NameIdentity
from esig.law import BES, Citation
from esig.oids import (
    CertificateExtensionOID,
    NamedOID,
    PolicyOID,
    QcStatementOID,
    QcTypeOID,
    SemanticsIdOID,
)

__all__ = [
    "Art6Field",
    "Art6FieldResult",
    "CertificateProfile",
    "DisclosureStatement",
    "FieldStatus",
    "IssuerSignature",
    "KeyAlgorithm",
    "KeyUsageFlag",
    "MonetaryLimit",
    "PersonKind",
    "ProfileFinding",
    "ProfileFindingCode",
    "PublicKeyInfo",
    "QcType",
    "QualifiedMarkers",
    "QualifiedPolicy",
    "UnknownExtension",
    "UsageLimits",
    "certificate_profile",
]


# --------------------------------------------------------------------------- enums


class Art6Field(StrEnum):
    """The lettered items of BES art. 6(1): what a certificate must contain."""

    A = "a"
    """Identification and country of the issuing provider."""
    B = "b"
    """Name of the signatory, or a pseudonym identified as such."""
    C = "c"
    """A specific attribute of the signatory, where relevant."""
    D = "d"
    """Signature verification data (the public key)."""
    E = "e"
    """Start and end of the validity period."""
    F = "f"
    """Identity code of the certificate (serial number with the issuer)."""
    G = "g"
    """The issuing provider's advanced electronic signature."""
    H = "h"
    """Limits on use, including a limit on transaction value, where applicable."""

    @property
    def citation(self) -> Citation:
        """The provision this letter stands for, e.g. ``BES art. 6(1)(b)``."""
        return _CITATIONS[self]


class FieldStatus(StrEnum):
    """How an art. 6(1) item stands in a certificate."""

    PRESENT = "present"
    """The item is there (and, where it can be checked, sound)."""
    MISSING = "missing"
    """The item is required and absent."""
    EXEMPTED = "exempted"
    """The item is absent, and the provider declared an exemption (BES art. 6(2))."""
    NOT_APPLICABLE = "not_applicable"
    """The item is absent, and the decree only asks for it where relevant/applicable."""
    INVALID = "invalid"
    """The item is there but wrong (e.g. the issuer's signature does not verify)."""


class PersonKind(StrEnum):
    """Whom or what the certificate is issued to."""

    NATURAL_PERSON = "natural_person"
    """A human signatory (electronic signature, eIDAS art. 3(10))."""
    LEGAL_PERSON = "legal_person"
    """An organisation (electronic seal, eIDAS art. 3(25))."""
    WEBSITE = "website"
    """A website (TLS server authentication)."""
    TIMESTAMPING_UNIT = "timestamping_unit"
    """A time-stamping unit of a time-stamping authority."""
    UNKNOWN = "unknown"
    """The certificate gives no evidence either way."""


class QcType(StrEnum):
    """The known certificate types of the ``QcType`` statement (EN 319 412-5)."""

    ESIGN = "esign"
    """For electronic signatures."""
    ESEAL = "eseal"
    """For electronic seals."""
    WEB = "web"
    """For website authentication."""


_QcTypeValue = Annotated[QcType | str, Field(union_mode="left_to_right")]
"""A known ``QcType``, or the dotted OID of an unknown one."""


class QualifiedPolicy(StrEnum):
    """The qualified certificate policies of ETSI EN 319 411-2."""

    QCP_N = "QCP-n"
    """Natural person."""
    QCP_L = "QCP-l"
    """Legal person."""
    QCP_N_QSCD = "QCP-n-qscd"
    """Natural person, key in a QSCD."""
    QCP_L_QSCD = "QCP-l-qscd"
    """Legal person, key in a QSCD."""
    QCP_W = "QCP-w"
    """Website authentication."""


class KeyAlgorithm(StrEnum):
    """The algorithm family of a subject public key."""

    RSA = "RSA"
    """RSA."""
    EC = "EC"
    """Elliptic curve (ECDSA / ECDH) on a named curve."""
    ED25519 = "Ed25519"
    """EdDSA on edwards25519."""
    ED448 = "Ed448"
    """EdDSA on edwards448."""
    DSA = "DSA"
    """DSA."""
    X25519 = "X25519"
    """Key agreement on curve25519 (cannot sign)."""
    X448 = "X448"
    """Key agreement on curve448 (cannot sign)."""
    UNKNOWN = "unknown"
    """An algorithm esig cannot read; see :attr:`PublicKeyInfo.algorithm_oid`."""


class KeyUsageFlag(StrEnum):
    """The keyUsage bits, by cryptography's current names (RFC 5280 §4.2.1.3)."""

    DIGITAL_SIGNATURE = "digital_signature"
    """digitalSignature."""
    CONTENT_COMMITMENT = "content_commitment"
    """contentCommitment (formerly nonRepudiation)."""
    KEY_ENCIPHERMENT = "key_encipherment"
    """keyEncipherment."""
    DATA_ENCIPHERMENT = "data_encipherment"
    """dataEncipherment."""
    KEY_AGREEMENT = "key_agreement"
    """keyAgreement."""
    KEY_CERT_SIGN = "key_cert_sign"
    """keyCertSign."""
    CRL_SIGN = "crl_sign"
    """cRLSign."""
    ENCIPHER_ONLY = "encipher_only"
    """encipherOnly (with keyAgreement)."""
    DECIPHER_ONLY = "decipher_only"
    """decipherOnly (with keyAgreement)."""


class ProfileFindingCode(StrEnum):
    """What a :class:`ProfileFinding` is about."""

    MALFORMED_EXTENSIONS = "malformed_extensions"
    """The extensions cannot be read at all (e.g. one is encoded twice)."""
    MALFORMED_QC_STATEMENTS = "malformed_qc_statements"
    """The qcStatements extension is not a readable list of statements."""
    MALFORMED_QC_STATEMENT = "malformed_qc_statement"
    """One known qcStatement has content that does not match its definition."""
    UNKNOWN_QC_STATEMENT = "unknown_qc_statement"
    """A qcStatement esig does not know; listed, not interpreted."""
    UNKNOWN_CRITICAL_EXTENSION = "unknown_critical_extension"
    """A critical extension esig does not know (RFC 5280 asks verifiers to reject it)."""
    UNREADABLE_PUBLIC_KEY = "unreadable_public_key"
    """The subject public key cannot be read."""


# --------------------------------------------------------------------------- models


class ProfileFinding(EsigModel):
    """Something noteworthy about the certificate's encoding or content."""

    kind: Literal["certificate_profile"] = "certificate_profile"
    """Tag of this finding type."""
    code: ProfileFindingCode
    """What the finding is about."""
    message: str
    """One sentence for people."""
    citation: Citation | None = None
    """The provision concerned, where there is one."""


class PublicKeyInfo(EsigModel):
    """The subject public key: the signature verification data of BES art. 6(1)(d)."""

    algorithm: KeyAlgorithm
    """Algorithm family."""
    algorithm_oid: NamedOID
    """The subjectPublicKeyInfo algorithm identifier."""
    key_size: int | None = None
    """Size in bits: modulus (RSA, DSA), field size (EC), encoded key (EdDSA, X25519/X448)."""
    curve: str | None = None
    """Named curve of an EC key, e.g. ``secp256r1``."""
    problem: str | None = None
    """Why the key could not be read, when it could not."""

    def describe(self) -> str:
        """Describe the key in a few words, e.g. ``EC 256-bit (secp256r1)``."""
        text = (
            self.algorithm.value
            if self.algorithm is not KeyAlgorithm.UNKNOWN
            else (f"unknown key algorithm {self.algorithm_oid}")
        )
        if self.key_size is not None:
            text += f" {self.key_size}-bit"
        if self.curve is not None:
            text += f" ({self.curve})"
        return text


class IssuerSignature(EsigModel):
    """The issuing provider's signature on the certificate (BES art. 6(1)(g))."""

    algorithm: NamedOID
    """The signatureAlgorithm, e.g. ``sha256WithRSAEncryption``."""
    verified: bool | None
    """``True`` verified, ``False`` failed, ``None`` not checked (no issuer given)."""
    reason: str
    """What was checked and with which result."""


class MonetaryLimit(EsigModel):
    """The ``QcLimitValue`` statement: a limit on transaction value (BES art. 6(1)(h))."""

    currency: str
    """ISO 4217 currency, alphabetic (``EUR``) or numeric (``978``)."""
    amount: int
    """The amount before scaling."""
    exponent: int
    """The power of ten the amount is multiplied by."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def value(self) -> Decimal:
        """The limit: ``amount × 10^exponent``."""
        return Decimal(self.amount).scaleb(self.exponent)

    def __str__(self) -> str:
        return f"{self.value:,f} {self.currency}"


class DisclosureStatement(EsigModel):
    """One ``QcPDS`` entry: where the PKI disclosure statement is (BES art. 5(m))."""

    url: str
    """Where the statement can be read."""
    language: str
    """Its language (ISO 639-1), e.g. ``en``."""


class UsageLimits(EsigModel):
    """Limits on the certificate's use (BES art. 6(1)(h))."""

    key_usage: tuple[KeyUsageFlag, ...] | None = None
    """The keyUsage bits, or ``None`` when the extension is absent."""
    extended_key_usage: tuple[NamedOID, ...] = ()
    """extendedKeyUsage key purposes."""
    policies: tuple[NamedOID, ...] = ()
    """certificatePolicies identifiers."""
    limit_value: MonetaryLimit | None = None
    """``QcLimitValue``: a limit on transaction value."""
    retention_period_years: int | None = None
    """``QcRetentionPeriod``: years the registration data are kept after expiry."""
    disclosure_statements: tuple[DisclosureStatement, ...] = ()
    """``QcPDS``: the PKI disclosure statements."""
    unreadable: tuple[NamedOID, ...] = ()
    """Statements that may hold limits but could not be read."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_limits(self) -> bool:
        """Whether the certificate states any limit on its use."""
        return bool(
            self.key_usage
            or self.extended_key_usage
            or self.policies
            or self.limit_value
            or self.retention_period_years is not None
            or self.disclosure_statements
        )


class QualifiedMarkers(EsigModel):
    """What the certificate claims about qualified status (ETSI EN 319 412-5).

    These are claims made by the issuer in the certificate; they do not prove that the
    issuer was recognised to make them (BES art. 4, eIDAS art. 3(15)).
    """

    qc_compliance: bool = False
    """``QcCompliance``: an EU qualified certificate."""
    qc_sscd: bool = False
    """``QcSSCD``: the private key is held in a QSCD."""
    qc_types: tuple[_QcTypeValue, ...] = ()
    """``QcType`` values; unknown types are kept as dotted OID strings."""
    qc_cc_legislation: tuple[str, ...] = ()
    """``QcCClegislation`` country codes."""
    qc_policies: tuple[QualifiedPolicy, ...] = ()
    """The qualified policies (QCP-*) among the certificate policies."""
    semantics_identifiers: tuple[NamedOID, ...] = ()
    """Semantics identifiers of the pkixQCSyntax statements."""
    pkix_qc_syntax_v2: bool = False
    """Whether the ``pkixQCSyntax-v2`` statement is present."""
    statements: tuple[NamedOID, ...] = ()
    """Every qcStatement, in certificate order; unknown ones have no name."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def claims_qualified(self) -> bool:
        """Whether the certificate claims to be qualified (QcCompliance or a QCP policy)."""
        return self.qc_compliance or bool(self.qc_policies)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def claims_qscd(self) -> bool:
        """Whether the certificate claims its key is in a QSCD (QcSSCD or a *-qscd policy)."""
        return self.qc_sscd or any(p in _QSCD_POLICIES for p in self.qc_policies)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unknown_statements(self) -> tuple[str, ...]:
        """Dotted OIDs of the qcStatements esig does not know."""
        return tuple(s.dotted for s in self.statements if not s.known)


class UnknownExtension(EsigModel):
    """A certificate extension that esig does not interpret."""

    oid: str
    """The extension's dotted OID."""
    critical: bool
    """Whether the issuer marked it critical."""


class Art6FieldResult(EsigModel):
    """How one letter of BES art. 6(1) stands in the certificate."""

    field: Art6Field
    """The letter."""
    citation: Citation
    """The provision, e.g. ``BES art. 6(1)(a)``; always the letter's own."""
    status: FieldStatus
    """Present, missing, exempted, not applicable or invalid."""
    location: str
    """Where the item lives in an X.509 certificate, e.g. ``issuer DN: O, C``."""
    detail: str
    """What was found, or what is missing."""
    exempted_by: Citation | None = None
    """``BES art. 6(2)`` when the item is exempted; ``None`` otherwise."""

    @model_validator(mode="after")
    def _consistent(self) -> Art6FieldResult:
        if self.citation != self.field.citation:
            raise ValueError(f"art. 6(1)({self.field}) must cite {self.field.citation}")
        if (self.status is FieldStatus.EXEMPTED) != (self.exempted_by is not None):
            raise ValueError("exempted_by is set exactly when the status is EXEMPTED")
        return self


class CertificateProfile(EsigModel):
    """A certificate read against BES art. 6: the items a–h, qualified markers, subject kind.

    Build it with :meth:`from_certificate` or :func:`certificate_profile`.
    """

    schema_version: Literal[1] = 1
    """Version of this model's shape."""
    subject: NameIdentity
    """The signatory (or seal creator) named in the subject DN."""
    issuer: NameIdentity
    """The issuing provider named in the issuer DN."""
    serial_number: str
    """The serial number, lowercase hexadecimal."""
    sha256_fingerprint: str
    """SHA-256 of the DER certificate, lowercase hexadecimal."""
    not_before: datetime
    """Start of validity (UTC)."""
    not_after: datetime
    """End of validity (UTC)."""
    public_key: PublicKeyInfo
    """The subject public key."""
    issuer_signature: IssuerSignature
    """The issuer's signature on the certificate."""
    limits: UsageLimits
    """Limits on use."""
    qualified: QualifiedMarkers
    """Qualified-certificate claims."""
    person_kind: PersonKind
    """Whom or what the certificate is for."""
    person_kind_reason: str
    """The evidence :attr:`person_kind` was decided from."""
    is_ca: bool
    """Whether basicConstraints marks the certificate as a CA."""
    unknown_extensions: tuple[UnknownExtension, ...] = ()
    """Extensions esig does not interpret, listed by OID."""
    exemptions: tuple[Art6Field, ...] = ()
    """The exemptions (BES art. 6(2)) declared when the profile was made."""
    fields: tuple[Art6FieldResult, ...]
    """One result per letter of art. 6(1), a to h."""
    findings: tuple[ProfileFinding, ...] = ()
    """Noteworthy encoding or content problems."""

    @model_validator(mode="after")
    def _one_result_per_letter(self) -> CertificateProfile:
        if tuple(result.field for result in self.fields) != tuple(Art6Field):
            raise ValueError("fields must hold one result per letter of art. 6(1), a to h")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def missing(self) -> tuple[Art6Field, ...]:
        """The letters that are MISSING or INVALID."""
        bad = (FieldStatus.MISSING, FieldStatus.INVALID)
        return tuple(result.field for result in self.fields if result.status in bad)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def complete(self) -> bool:
        """Whether every letter is present, exempted or not applicable."""
        return not self.missing

    def field(self, letter: Art6Field) -> Art6FieldResult:
        """Return the result for one letter of art. 6(1)."""
        return self.fields[tuple(Art6Field).index(letter)]

    @classmethod
    def from_certificate(
        cls,
        cert: x509.Certificate,
        *,
        issuer: x509.Certificate | None = None,
        exemptions: frozenset[Art6Field] = frozenset(),
    ) -> CertificateProfile:
        """Read ``cert`` against BES art. 6.

        Args:
            cert: The certificate to profile.
            issuer: The issuer's certificate; when given, the issuer's signature
                (art. 6(1)(g)) is verified with its public key.
            exemptions: Letters the provider is exempted from (art. 6(2)); a missing
                letter listed here is reported as EXEMPTED.

        """
        return _build_profile(cert, issuer, exemptions)

    def to_text(self) -> str:
        """Render the profile for people, over several lines; a pseudonym is always marked."""
        return "\n".join(_render(self))


def certificate_profile(
    source: bytes | str | os.PathLike[str],
    *,
    issuer: x509.Certificate | None = None,
    exemptions: frozenset[Art6Field] = frozenset(),
) -> CertificateProfile:
    """Load one certificate (PEM, DER or PKCS#7) and read it against BES art. 6.

    Raises:
        CertificateLoadError: The source holds no readable certificate, or more than one.

    """
    return CertificateProfile.from_certificate(
        load_certificate(source), issuer=issuer, exemptions=exemptions
    )


# --------------------------------------------------------------------------- tables

_CITATIONS: dict[Art6Field, Citation] = {
    Art6Field.A: BES.ART_6_1_A,
    Art6Field.B: BES.ART_6_1_B,
    Art6Field.C: BES.ART_6_1_C,
    Art6Field.D: BES.ART_6_1_D,
    Art6Field.E: BES.ART_6_1_E,
    Art6Field.F: BES.ART_6_1_F,
    Art6Field.G: BES.ART_6_1_G,
    Art6Field.H: BES.ART_6_1_H,
}

_LOCATIONS: dict[Art6Field, str] = {
    Art6Field.A: "issuer DN: O, C, organizationIdentifier",
    Art6Field.B: "subject DN: CN, givenName + surname, pseudonym (2.5.4.65), O",
    Art6Field.C: "subject DN: title, O, OU, organizationIdentifier",
    Art6Field.D: "subjectPublicKeyInfo",
    Art6Field.E: "validity: notBefore, notAfter",
    Art6Field.F: "serialNumber, with the issuer DN",
    Art6Field.G: "signatureAlgorithm, signatureValue",
    Art6Field.H: (
        "keyUsage, extendedKeyUsage, certificatePolicies, "
        "qcStatements: QcLimitValue, QcRetentionPeriod, QcPDS"
    ),
}

_QC_TYPES: dict[x509.ObjectIdentifier, QcType] = {
    QcTypeOID.ESIGN: QcType.ESIGN,
    QcTypeOID.ESEAL: QcType.ESEAL,
    QcTypeOID.WEB: QcType.WEB,
}
_QC_TYPE_OIDS: dict[QcType, x509.ObjectIdentifier] = {v: k for k, v in _QC_TYPES.items()}

_QUALIFIED_POLICIES: dict[x509.ObjectIdentifier, QualifiedPolicy] = {
    PolicyOID.QCP_N: QualifiedPolicy.QCP_N,
    PolicyOID.QCP_L: QualifiedPolicy.QCP_L,
    PolicyOID.QCP_N_QSCD: QualifiedPolicy.QCP_N_QSCD,
    PolicyOID.QCP_L_QSCD: QualifiedPolicy.QCP_L_QSCD,
    PolicyOID.QCP_W: QualifiedPolicy.QCP_W,
}
_QSCD_POLICIES = frozenset({QualifiedPolicy.QCP_N_QSCD, QualifiedPolicy.QCP_L_QSCD})

_KIND_BY_OID: dict[x509.ObjectIdentifier, PersonKind] = {
    QcTypeOID.ESIGN: PersonKind.NATURAL_PERSON,
    QcTypeOID.ESEAL: PersonKind.LEGAL_PERSON,
    QcTypeOID.WEB: PersonKind.WEBSITE,
    SemanticsIdOID.NATURAL: PersonKind.NATURAL_PERSON,
    SemanticsIdOID.EIDAS_NATURAL: PersonKind.NATURAL_PERSON,
    SemanticsIdOID.LEGAL: PersonKind.LEGAL_PERSON,
    SemanticsIdOID.EIDAS_LEGAL: PersonKind.LEGAL_PERSON,
    PolicyOID.QCP_N: PersonKind.NATURAL_PERSON,
    PolicyOID.QCP_N_QSCD: PersonKind.NATURAL_PERSON,
    PolicyOID.QCP_L: PersonKind.LEGAL_PERSON,
    PolicyOID.QCP_L_QSCD: PersonKind.LEGAL_PERSON,
    PolicyOID.QCP_W: PersonKind.WEBSITE,
    ExtendedKeyUsageOID.TIME_STAMPING: PersonKind.TIMESTAMPING_UNIT,
    ExtendedKeyUsageOID.SERVER_AUTH: PersonKind.WEBSITE,
}
"""Evidence of the subject's kind, by OID (QcType, semantics id, policy, key purpose)."""


# --------------------------------------------------------------------------- ASN.1
# Definitions from ETSI EN 319 412-5 and RFC 3739, for asn1crypto. Private: no
# asn1crypto type leaves this module.


_ASN1_ERRORS = (ValueError, TypeError, KeyError, OverflowError)
"""What asn1crypto raises on content that does not match its definition."""


# --------------------------------------------------------------------------- qcStatements


@dataclass
class _QcContent:
    """What the qcStatements say, collected while reading them."""

    statements: list[NamedOID] = field(default_factory=list)
    qc_compliance: bool = False
    qc_sscd: bool = False
    qc_types: list[QcType | str] = field(default_factory=list)
    cc_legislation: list[str] = field(default_factory=list)
    semantics: list[NamedOID] = field(default_factory=list)
    pkix_v2: bool = False
    limit_value: MonetaryLimit | None = None
    retention_years: int | None = None
    pds: list[DisclosureStatement] = field(default_factory=list)
    unreadable: list[NamedOID] = field(default_factory=list)


def _parse_info(info: Any, spec: Any) -> Any:
    """Parse a statementInfo with ``spec``, completely (asn1crypto parses lazily)."""
    if info is None:
        raise ValueError("the statementInfo is missing")
    parsed = info.parse(spec)
    _ = parsed.native
    return parsed


def _on_compliance(acc: _QcContent, _info: Any) -> None:
    acc.qc_compliance = True


def _on_sscd(acc: _QcContent, _info: Any) -> None:
    acc.qc_sscd = True


def _on_limit_value(acc: _QcContent, info: Any) -> None:
    value = _parse_info(info, _MonetaryValue)
    acc.limit_value = MonetaryLimit(
        currency=str(value["currency"].native),
        amount=value["amount"].native,
        exponent=value["exponent"].native,
    )


def _on_retention_period(acc: _QcContent, info: Any) -> None:
    acc.retention_years = int(_parse_info(info, asn1_core.Integer).native)


def _on_pds(acc: _QcContent, info: Any) -> None:
    acc.pds = [
        DisclosureStatement(url=item["url"].native, language=item["language"].native)
        for item in _parse_info(info, _PdsLocations)
    ]


def _on_qc_type(acc: _QcContent, info: Any) -> None:
    for type_id in _parse_info(info, _QcTypeIds):
        oid = x509.ObjectIdentifier(type_id.dotted)
        acc.qc_types.append(_QC_TYPES.get(oid, oid.dotted_string))


def _on_cc_legislation(acc: _QcContent, info: Any) -> None:
    acc.cc_legislation = [code.native for code in _parse_info(info, _CountryCodes)]


def _read_semantics(acc: _QcContent, info: Any) -> None:
    if info is None:  # SemanticsInformation is optional in pkixQCSyntax
        return
    identifier = _parse_info(info, _SemanticsInformation)["semantics_identifier"]
    if identifier.native is not None:
        acc.semantics.append(NamedOID.of(identifier.dotted))


def _on_pkix_v1(acc: _QcContent, info: Any) -> None:
    _read_semantics(acc, info)


def _on_pkix_v2(acc: _QcContent, info: Any) -> None:
    acc.pkix_v2 = True
    _read_semantics(acc, info)


_QC_HANDLERS: dict[x509.ObjectIdentifier, Callable[[_QcContent, Any], None]] = {
    QcStatementOID.QC_COMPLIANCE: _on_compliance,
    QcStatementOID.QC_LIMIT_VALUE: _on_limit_value,
    QcStatementOID.QC_RETENTION_PERIOD: _on_retention_period,
    QcStatementOID.QC_SSCD: _on_sscd,
    QcStatementOID.QC_PDS: _on_pds,
    QcStatementOID.QC_TYPE: _on_qc_type,
    QcStatementOID.QC_CC_LEGISLATION: _on_cc_legislation,
    QcStatementOID.PKIX_QC_SYNTAX_V1: _on_pkix_v1,
    QcStatementOID.PKIX_QC_SYNTAX_V2: _on_pkix_v2,
}

_LIMIT_STATEMENTS = frozenset(
    {QcStatementOID.QC_LIMIT_VALUE, QcStatementOID.QC_RETENTION_PERIOD, QcStatementOID.QC_PDS}
)
"""The statements that state limits on use (BES art. 6(1)(h))."""


def _read_qc_statements(der: bytes | None, findings: list[ProfileFinding]) -> _QcContent:
    acc = _QcContent()
    if der is None:
        return acc
    try:
        statements = [
            (x509.ObjectIdentifier(item["statement_id"].dotted), item["statement_info"])
            for item in _QcStatements.load(der, strict=True)
        ]
    except _ASN1_ERRORS as exc:
        findings.append(
            ProfileFinding(
                code=ProfileFindingCode.MALFORMED_QC_STATEMENTS,
                message=f"The qcStatements extension cannot be read: {exc}",
            )
        )
        acc.unreadable.append(NamedOID.of(CertificateExtensionOID.QC_STATEMENTS))
        return acc
    for oid, info in statements:
        _read_statement(acc, oid, None if isinstance(info, asn1_core.Void) else info, findings)
    return acc


def _read_statement(
    acc: _QcContent, oid: x509.ObjectIdentifier, info: Any, findings: list[ProfileFinding]
) -> None:
    named = NamedOID.of(oid)
    acc.statements.append(named)
    handler = _QC_HANDLERS.get(oid)
    if handler is None:
        findings.append(
            ProfileFinding(
                code=ProfileFindingCode.UNKNOWN_QC_STATEMENT,
                message=f"Unknown qcStatement {oid.dotted_string}: listed, not interpreted",
            )
        )
        return
    try:
        handler(acc, info)
    except _ASN1_ERRORS as exc:
        if oid in _LIMIT_STATEMENTS:
            acc.unreadable.append(named)
        findings.append(
            ProfileFinding(
                code=ProfileFindingCode.MALFORMED_QC_STATEMENT,
                message=f"The {named} statement cannot be read: {exc}",
                citation=BES.ART_6_1_H if oid in _LIMIT_STATEMENTS else None,
            )
        )


# --------------------------------------------------------------------------- extensions

_E = TypeVar("_E", bound=x509.ExtensionType)


def _read_extensions(cert: x509.Certificate, findings: list[ProfileFinding]) -> x509.Extensions:
    try:
        return cert.extensions
    except ValueError as exc:
        findings.append(
            ProfileFinding(
                code=ProfileFindingCode.MALFORMED_EXTENSIONS,
                message=f"The certificate's extensions cannot be read: {exc}",
            )
        )
        return x509.Extensions([])


def _extension(extensions: x509.Extensions, kind: type[_E]) -> _E | None:
    try:
        return extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _qc_statements_der(extensions: x509.Extensions) -> bytes | None:
    try:
        ext = extensions.get_extension_for_oid(CertificateExtensionOID.QC_STATEMENTS)
    except x509.ExtensionNotFound:
        return None
    return ext.value.public_bytes()


def _unknown_extensions(
    extensions: x509.Extensions, findings: list[ProfileFinding]
) -> tuple[UnknownExtension, ...]:
    unknown = tuple(
        UnknownExtension(oid=ext.oid.dotted_string, critical=ext.critical)
        for ext in extensions
        if isinstance(ext.value, x509.UnrecognizedExtension)
        and ext.oid != CertificateExtensionOID.QC_STATEMENTS
    )
    findings.extend(
        ProfileFinding(
            code=ProfileFindingCode.UNKNOWN_CRITICAL_EXTENSION,
            message=f"Critical extension {ext.oid} is unknown to esig",
        )
        for ext in unknown
        if ext.critical
    )
    return unknown


def _key_usage_flags(usage: x509.KeyUsage) -> tuple[KeyUsageFlag, ...]:
    return tuple(flag for flag in KeyUsageFlag if _flag_is_set(usage, flag))


def _flag_is_set(usage: x509.KeyUsage, flag: KeyUsageFlag) -> bool:
    try:
        return bool(getattr(usage, flag.value))
    except ValueError:  # encipher_only / decipher_only are undefined without key_agreement
        return False


def _read_limits(extensions: x509.Extensions, qc: _QcContent) -> UsageLimits:
    usage = _extension(extensions, x509.KeyUsage)
    purposes = _extension(extensions, x509.ExtendedKeyUsage)
    policies = _extension(extensions, x509.CertificatePolicies)
    return UsageLimits(
        key_usage=None if usage is None else _key_usage_flags(usage),
        extended_key_usage=tuple(NamedOID.of(oid) for oid in purposes or ()),
        policies=tuple(NamedOID.of(p.policy_identifier) for p in policies or ()),
        limit_value=qc.limit_value,
        retention_period_years=qc.retention_years,
        disclosure_statements=tuple(qc.pds),
        unreadable=tuple(qc.unreadable),
    )


def _qualified_markers(qc: _QcContent, limits: UsageLimits) -> QualifiedMarkers:
    qc_policies = tuple(
        _QUALIFIED_POLICIES[p.oid] for p in limits.policies if p.oid in _QUALIFIED_POLICIES
    )
    return QualifiedMarkers(
        qc_compliance=qc.qc_compliance,
        qc_sscd=qc.qc_sscd,
        qc_types=tuple(qc.qc_types),
        qc_cc_legislation=tuple(qc.cc_legislation),
        qc_policies=qc_policies,
        semantics_identifiers=tuple(qc.semantics),
        pkix_qc_syntax_v2=qc.pkix_v2,
        statements=tuple(qc.statements),
    )


# --------------------------------------------------------------------------- key, signature


def _describe_key(key: CertificatePublicKeyTypes) -> tuple[KeyAlgorithm, int | None, str | None]:
    match key:
        case rsa.RSAPublicKey():
            return KeyAlgorithm.RSA, key.key_size, None
        case dsa.DSAPublicKey():
            return KeyAlgorithm.DSA, key.key_size, None
        case ec.EllipticCurvePublicKey():
            return KeyAlgorithm.EC, key.curve.key_size, key.curve.name
        case ed25519.Ed25519PublicKey():
            return KeyAlgorithm.ED25519, len(key.public_bytes_raw()) * 8, None
        case ed448.Ed448PublicKey():
            return KeyAlgorithm.ED448, len(key.public_bytes_raw()) * 8, None
        case x25519.X25519PublicKey():
            return KeyAlgorithm.X25519, len(key.public_bytes_raw()) * 8, None
        case x448.X448PublicKey():
            return KeyAlgorithm.X448, len(key.public_bytes_raw()) * 8, None
    return KeyAlgorithm.UNKNOWN, None, None


def _read_public_key(cert: x509.Certificate) -> tuple[PublicKeyInfo, bool]:
    """Describe the key, and say whether it is malformed (not merely unsupported)."""
    algorithm_oid = NamedOID.of(cert.public_key_algorithm_oid)
    try:
        algorithm, size, curve = _describe_key(cert.public_key())
    except UnsupportedAlgorithm as exc:
        problem = f"key algorithm not supported: {exc}"
        info = PublicKeyInfo(
            algorithm=KeyAlgorithm.UNKNOWN, algorithm_oid=algorithm_oid, problem=problem
        )
        return info, False
    except ValueError as exc:
        problem = f"the public key cannot be decoded: {exc}"
        info = PublicKeyInfo(
            algorithm=KeyAlgorithm.UNKNOWN, algorithm_oid=algorithm_oid, problem=problem
        )
        return info, True
    info = PublicKeyInfo(
        algorithm=algorithm, algorithm_oid=algorithm_oid, key_size=size, curve=curve
    )
    return info, False


def _check_issuer_signature(
    cert: x509.Certificate, issuer: x509.Certificate | None
) -> IssuerSignature:
    algorithm = NamedOID.of(cert.signature_algorithm_oid)
    if issuer is None:
        reason = "not checked: no issuer certificate was given"
        return IssuerSignature(algorithm=algorithm, verified=None, reason=reason)
    issuer_name = NameIdentity.from_name(issuer.subject).display
    try:
        cert.verify_directly_issued_by(issuer)
    except InvalidSignature:
        reason = f"the signature does not verify with the public key of {issuer_name}"
    except ValueError as exc:
        reason = f"not issued by {issuer_name}: {exc}"
    except (TypeError, UnsupportedAlgorithm) as exc:
        reason = f"the key of {issuer_name} cannot verify this signature: {exc}"
    else:
        reason = f"verified with the public key of {issuer_name}"
        return IssuerSignature(algorithm=algorithm, verified=True, reason=reason)
    return IssuerSignature(algorithm=algorithm, verified=False, reason=reason)


# --------------------------------------------------------------------------- person kind


def _person_kind(
    qualified: QualifiedMarkers, limits: UsageLimits, subject: NameIdentity
) -> tuple[PersonKind, str]:
    qc_type_oids = tuple(
        NamedOID.of(_QC_TYPE_OIDS[t] if isinstance(t, QcType) else t) for t in qualified.qc_types
    )
    evidence: tuple[tuple[str, tuple[NamedOID, ...]], ...] = (
        ("qcStatement", qc_type_oids),
        ("semantics identifier", qualified.semantics_identifiers),
        ("certificate policy", limits.policies),
        ("extended key usage", limits.extended_key_usage),
    )
    for source, oids in evidence:
        for named in oids:
            kind = _KIND_BY_OID.get(named.oid)
            if kind is not None:
                return kind, f"{source} {named}"
    return _kind_from_subject(subject)


def _kind_from_subject(subject: NameIdentity) -> tuple[PersonKind, str]:
    if subject.given_name or subject.surname or subject.pseudonym:
        return PersonKind.NATURAL_PERSON, "subject DN has a personal name or pseudonym"
    if subject.organization and subject.common_name in (None, subject.organization):
        return PersonKind.LEGAL_PERSON, "subject DN names only an organization"
    if subject.organization:
        return (
            PersonKind.UNKNOWN,
            "subject DN names an organization and a common name; "
            "no marker says whether a person or the organization is the subject",
        )
    return PersonKind.UNKNOWN, "no evidence of the subject's kind"


# --------------------------------------------------------------------------- art. 6(1)


@dataclass(frozen=True)
class _Facts:
    """Everything the art. 6(1) checks look at."""

    cert: x509.Certificate
    subject: NameIdentity
    issuer: NameIdentity
    public_key: PublicKeyInfo
    key_malformed: bool
    signature: IssuerSignature
    limits: UsageLimits


_Verdict = tuple[FieldStatus, str]


def _check_a(facts: _Facts) -> _Verdict:
    issuer = facts.issuer
    absent = [
        label for label, value in (("O", issuer.organization), ("C", issuer.country)) if not value
    ]
    if absent:
        name = issuer.rfc4514 or "(empty name)"
        return FieldStatus.MISSING, f"issuer DN has no {' and no '.join(absent)}: {name}"
    detail = f"{issuer.organization} ({issuer.country})"
    if issuer.organization_identifier:
        detail += f", organizationIdentifier {issuer.organization_identifier}"
    return FieldStatus.PRESENT, detail


def _check_b(facts: _Facts) -> _Verdict:
    subject = facts.subject
    named = (
        subject.common_name
        or (subject.given_name and subject.surname)
        or subject.pseudonym
        or subject.organization
    )
    if not named:
        return FieldStatus.MISSING, (
            "subject DN names no one: no CN, givenName + surname, pseudonym or O"
        )
    marker = subject.pseudonym_marker
    if marker is not None:
        return FieldStatus.PRESENT, (
            f"pseudonym, identified as such ({marker.source}: {marker.value}): {subject.display}"
        )
    return FieldStatus.PRESENT, subject.display


def _check_c(facts: _Facts) -> _Verdict:
    subject = facts.subject
    attributes = (
        ("title", subject.title),
        ("O", subject.organization),
        ("OU", subject.organizational_unit),
        ("organizationIdentifier", subject.organization_identifier),
    )
    found = [f"{label} {value}" for label, value in attributes if value]
    if not found:
        return FieldStatus.NOT_APPLICABLE, (
            "no specific attribute (title, organization); asked for only where relevant"
        )
    return FieldStatus.PRESENT, "; ".join(found)


def _check_d(facts: _Facts) -> _Verdict:
    key = facts.public_key
    if facts.key_malformed:
        return FieldStatus.INVALID, key.problem or "the public key cannot be decoded"
    if key.problem is not None:
        return FieldStatus.PRESENT, f"{key.algorithm_oid} key ({key.problem})"
    return FieldStatus.PRESENT, key.describe()


def _check_e(facts: _Facts) -> _Verdict:
    start, end = facts.cert.not_valid_before_utc, facts.cert.not_valid_after_utc
    period = f"{start.isoformat()} to {end.isoformat()}"
    if end < start:
        return FieldStatus.INVALID, f"the validity period ends before it starts: {period}"
    return FieldStatus.PRESENT, period


def _check_f(facts: _Facts) -> _Verdict:
    serial = facts.cert.serial_number
    if serial <= 0:
        return FieldStatus.INVALID, f"serial number {serial} is not positive (RFC 5280 §4.1.2.2)"
    if not facts.issuer.rfc4514:
        return FieldStatus.INVALID, (
            f"serial number {serial:x} identifies a certificate only with its issuer's "
            "name, and the issuer DN is empty"
        )
    return FieldStatus.PRESENT, f"serial number {serial:x}, issuer {facts.issuer.rfc4514}"


def _check_g(facts: _Facts) -> _Verdict:
    signature = facts.signature
    detail = f"{signature.algorithm}; {signature.reason}"
    if signature.verified is False:
        return FieldStatus.INVALID, detail
    return FieldStatus.PRESENT, detail


def _check_h(facts: _Facts) -> _Verdict:
    limits = facts.limits
    if limits.unreadable:
        names = ", ".join(str(n) for n in limits.unreadable)
        return FieldStatus.INVALID, f"limits on use cannot be read from {names}"
    if not limits.has_limits:
        return FieldStatus.NOT_APPLICABLE, "no limits on use stated"
    return FieldStatus.PRESENT, "; ".join(_limit_lines(limits))


_CHECKS: dict[Art6Field, Callable[[_Facts], _Verdict]] = {
    Art6Field.A: _check_a,
    Art6Field.B: _check_b,
    Art6Field.C: _check_c,
    Art6Field.D: _check_d,
    Art6Field.E: _check_e,
    Art6Field.F: _check_f,
    Art6Field.G: _check_g,
    Art6Field.H: _check_h,
}


def _field_result(
    letter: Art6Field, verdict: _Verdict, exemptions: frozenset[Art6Field]
) -> Art6FieldResult:
    status, detail = verdict
    exempted_by: Citation | None = None
    if status is FieldStatus.MISSING and letter in exemptions:
        status, exempted_by = FieldStatus.EXEMPTED, BES.ART_6_2
        detail = f"{detail}; exempted under {BES.ART_6_2}"
    return Art6FieldResult(
        field=letter,
        citation=letter.citation,
        status=status,
        location=_LOCATIONS[letter],
        detail=detail,
        exempted_by=exempted_by,
    )


def _build_profile(
    cert: x509.Certificate,
    issuer: x509.Certificate | None,
    exemptions: frozenset[Art6Field],
) -> CertificateProfile:
    findings: list[ProfileFinding] = []
    extensions = _read_extensions(cert, findings)
    unknown = _unknown_extensions(extensions, findings)
    qc = _read_qc_statements(_qc_statements_der(extensions), findings)
    limits = _read_limits(extensions, qc)
    qualified = _qualified_markers(qc, limits)
    public_key, key_malformed = _read_public_key(cert)
    if public_key.problem is not None:
        findings.append(
            ProfileFinding(
                code=ProfileFindingCode.UNREADABLE_PUBLIC_KEY,
                message=public_key.problem,
                citation=BES.ART_6_1_D,
            )
        )
    facts = _Facts(
        cert=cert,
        subject=NameIdentity.from_name(cert.subject),
        issuer=NameIdentity.from_name(cert.issuer),
        public_key=public_key,
        key_malformed=key_malformed,
        signature=_check_issuer_signature(cert, issuer),
        limits=limits,
    )
    kind, kind_reason = _person_kind(qualified, limits, facts.subject)
    constraints = _extension(extensions, x509.BasicConstraints)
    return CertificateProfile(
        subject=facts.subject,
        issuer=facts.issuer,
        serial_number=f"{cert.serial_number:x}",
        sha256_fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        public_key=public_key,
        issuer_signature=facts.signature,
        limits=limits,
        qualified=qualified,
        person_kind=kind,
        person_kind_reason=kind_reason,
        is_ca=constraints is not None and constraints.ca,
        unknown_extensions=unknown,
        exemptions=tuple(sorted(exemptions)),
        fields=tuple(
            _field_result(letter, check(facts), exemptions) for letter, check in _CHECKS.items()
        ),
        findings=tuple(findings),
    )


# --------------------------------------------------------------------------- text


def _limit_lines(limits: UsageLimits) -> list[str]:
    lines: list[str] = []
    if limits.key_usage is not None:
        lines.append("keyUsage " + (", ".join(limits.key_usage) or "(none set)"))
    if limits.extended_key_usage:
        lines.append("extendedKeyUsage " + _joined(limits.extended_key_usage))
    if limits.policies:
        lines.append("policies " + _joined(limits.policies))
    if limits.limit_value is not None:
        lines.append(f"QcLimitValue {limits.limit_value}")
    if limits.retention_period_years is not None:
        lines.append(f"QcRetentionPeriod {limits.retention_period_years} years")
    if limits.disclosure_statements:
        pds = ", ".join(f"{s.url} ({s.language})" for s in limits.disclosure_statements)
        lines.append(f"QcPDS {pds}")
    return lines


def _joined(items: Iterable[object]) -> str:
    return ", ".join(str(item) for item in items)


def _identity_lines(label: str, identity: NameIdentity) -> list[str]:
    lines = [f"{label:<12} {identity.display}"]
    marker = identity.pseudonym_marker
    if marker is not None:
        lines.append(
            f"{'':<12} PSEUDONYM - not a real name ({marker.source}: {marker.value}) "
            f"[{BES.ART_3_F}]"
        )
    return lines


def _qualified_line(qualified: QualifiedMarkers) -> str:
    if not qualified.claims_qualified:
        return "does not claim to be qualified"
    claims = [
        name
        for name, on in (("QcCompliance", qualified.qc_compliance), ("QcSSCD", qualified.qc_sscd))
        if on
    ]
    claims += [str(p) for p in qualified.qc_policies]
    claims += [f"QcType {t}" for t in qualified.qc_types]
    qscd = "key in a QSCD claimed" if qualified.claims_qscd else "no QSCD claim"
    return f"claims qualified ({', '.join(claims)}); {qscd}"


def _render(profile: CertificateProfile) -> list[str]:
    lines = [f"Certificate profile ({BES.ART_6})"]
    lines += _identity_lines("Subject:", profile.subject)
    lines += _identity_lines("Issuer:", profile.issuer)
    lines += [
        f"{'Serial:':<12} {profile.serial_number}",
        f"{'Valid:':<12} {profile.not_before.isoformat()} to {profile.not_after.isoformat()}",
        f"{'Kind:':<12} {profile.person_kind.value.replace('_', ' ')} "
        f"({profile.person_kind_reason})",
        f"{'CA:':<12} {'yes' if profile.is_ca else 'no'}",
        f"{'Qualified:':<12} {_qualified_line(profile.qualified)}",
    ]
    if profile.qualified.statements:
        lines.append(f"{'qcStatements:':<12} {_joined(profile.qualified.statements)}")
    lines.append(f"Art. 6(1): {'complete' if profile.complete else 'incomplete'}")
    for result in profile.fields:
        lines.append(
            f"  {result.field}  {result.status.value:<14} {result.citation}  [{result.location}]"
        )
        lines.append(f"     {result.detail}")
    if profile.unknown_extensions:
        unknown = ", ".join(
            f"{e.oid}{' (critical)' if e.critical else ''}" for e in profile.unknown_extensions
        )
        lines.append(f"Unknown extensions: {unknown}")
    lines += [f"Finding: {f.message}" for f in profile.findings]
    return lines
