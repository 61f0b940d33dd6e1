"""The data of a certificate profile: the enums and the pydantic models it is made of.

The whole profile, :class:`~esig.profiles.CertificateProfile`, is in
:mod:`esig.profiles.profile`.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, computed_field, model_validator

from esig._model import EsigModel
from esig.law import BES, Citation
from esig.oids import NamedOID

__all__ = [
    "Art6Field",
    "Art6FieldResult",
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

_QSCD_POLICIES = frozenset({QualifiedPolicy.QCP_N_QSCD, QualifiedPolicy.QCP_L_QSCD})
