"""Named object identifiers: qcStatements, qualified policies, semantics identifiers.

Like cryptography's :class:`~cryptography.x509.oid.NameOID`, each namespace groups the
OIDs of one standard as :class:`~cryptography.x509.ObjectIdentifier` constants, so esig
code writes ``QcStatementOID.QC_COMPLIANCE`` and never a dotted string:

* :class:`QcStatementOID` — qcStatements (ETSI EN 319 412-5, RFC 3739);
* :class:`QcTypeOID` — the certificate types inside ``QcType``;
* :class:`SemanticsIdOID` — semantics identifiers (ETSI EN 319 412-1);
* :class:`PolicyOID` — certificate policies (ETSI EN 319 411-1 and -2);
* :class:`ExtendedKeyUsageOID` — key purposes used for signing that cryptography
  does not name;
* :class:`CertificateExtensionOID` — certificate extensions that cryptography does not
  name;
* :class:`EsigAttributeOID` — esig's own CMS attributes (UUID-based OIDs, ITU-T X.667).

:func:`oid_name` gives the readable name of a known OID; an unknown OID keeps its dotted
form. :class:`NamedOID` carries both in reports, the way
:class:`~cryptography.x509.UnrecognizedExtension` keeps an extension esig does not know::

    >>> from esig.oids import QcStatementOID, oid_name
    >>> oid_name(QcStatementOID.QC_SSCD)
    'QcSSCD'
    >>> oid_name("1.2.3.4")
    '1.2.3.4'
"""

from __future__ import annotations

from typing import Final

from cryptography.x509 import ObjectIdentifier
from cryptography.x509.oid import ExtendedKeyUsageOID as _CryptographyEkuOID
from cryptography.x509.oid import PublicKeyAlgorithmOID, SignatureAlgorithmOID
from pydantic import computed_field

from esig._model import EsigModel

__all__ = [
    "CertificateExtensionOID",
    "EsigAttributeOID",
    "ExtendedKeyUsageOID",
    "NamedOID",
    "PolicyOID",
    "QcStatementOID",
    "QcTypeOID",
    "SemanticsIdOID",
    "oid_name",
]


class CertificateExtensionOID:
    """Certificate extensions that cryptography's ``ExtensionOID`` does not name."""

    QC_STATEMENTS: Final = ObjectIdentifier("1.3.6.1.5.5.7.1.3")
    """``id-pe-qcStatements`` (RFC 3739): the qualified certificate statements."""


class QcStatementOID:
    """Statement identifiers of the qcStatements extension (ETSI EN 319 412-5, RFC 3739)."""

    QC_COMPLIANCE: Final = ObjectIdentifier("0.4.0.1862.1.1")
    """``esi4-qcStatement-1``: the certificate is an EU qualified certificate."""

    QC_LIMIT_VALUE: Final = ObjectIdentifier("0.4.0.1862.1.2")
    """``esi4-qcStatement-2``: limit on the value of transactions (BES art. 6(1)(h))."""

    QC_RETENTION_PERIOD: Final = ObjectIdentifier("0.4.0.1862.1.3")
    """``esi4-qcStatement-3``: years the registration information is kept after expiry."""

    QC_SSCD: Final = ObjectIdentifier("0.4.0.1862.1.4")
    """``esi4-qcStatement-4``: the private key resides in a QSCD."""

    QC_PDS: Final = ObjectIdentifier("0.4.0.1862.1.5")
    """``esi4-qcStatement-5``: where the PKI disclosure statements are (BES art. 5(m))."""

    QC_TYPE: Final = ObjectIdentifier("0.4.0.1862.1.6")
    """``esi4-qcStatement-6``: the type of qualified certificate (see :class:`QcTypeOID`)."""

    QC_CC_LEGISLATION: Final = ObjectIdentifier("0.4.0.1862.1.7")
    """``esi4-qcStatement-7``: countries whose legislation the certificate is issued under."""

    PKIX_QC_SYNTAX_V1: Final = ObjectIdentifier("1.3.6.1.5.5.7.11.1")
    """``id-qcs-pkixQCSyntax-v1`` (RFC 3039): semantics information, old syntax."""

    PKIX_QC_SYNTAX_V2: Final = ObjectIdentifier("1.3.6.1.5.5.7.11.2")
    """``id-qcs-pkixQCSyntax-v2`` (RFC 3739): semantics information (see
    :class:`SemanticsIdOID`)."""


class QcTypeOID:
    """Qualified certificate types inside the ``QcType`` statement (ETSI EN 319 412-5)."""

    ESIGN: Final = ObjectIdentifier("0.4.0.1862.1.6.1")
    """``id-etsi-qct-esign``: certificate for electronic signatures."""

    ESEAL: Final = ObjectIdentifier("0.4.0.1862.1.6.2")
    """``id-etsi-qct-eseal``: certificate for electronic seals."""

    WEB: Final = ObjectIdentifier("0.4.0.1862.1.6.3")
    """``id-etsi-qct-web``: certificate for website authentication."""


class SemanticsIdOID:
    """Semantics identifiers of the subject's serialNumber / organizationIdentifier.

    Defined in ETSI EN 319 412-1, carried in the ``pkixQCSyntax-v2`` statement.
    """

    NATURAL: Final = ObjectIdentifier("0.4.0.194121.1.1")
    """``id-etsi-qcs-semanticsId-Natural``: a natural person's identifier."""

    LEGAL: Final = ObjectIdentifier("0.4.0.194121.1.2")
    """``id-etsi-qcs-SemanticsId-Legal``: a legal person's identifier."""

    EIDAS_NATURAL: Final = ObjectIdentifier("0.4.0.194121.1.3")
    """``id-etsi-qcs-semanticsId-eIDASNatural``: an eIDAS natural person identifier."""

    EIDAS_LEGAL: Final = ObjectIdentifier("0.4.0.194121.1.4")
    """``id-etsi-qcs-SemanticsId-eIDASLegal``: an eIDAS legal person identifier."""


class PolicyOID:
    """Certificate policies of ETSI EN 319 411-2 (qualified) and EN 319 411-1 (others)."""

    QCP_N: Final = ObjectIdentifier("0.4.0.194112.1.0")
    """QCP-n: qualified certificate issued to a natural person."""

    QCP_L: Final = ObjectIdentifier("0.4.0.194112.1.1")
    """QCP-l: qualified certificate issued to a legal person."""

    QCP_N_QSCD: Final = ObjectIdentifier("0.4.0.194112.1.2")
    """QCP-n-qscd: qualified certificate for a natural person, key in a QSCD."""

    QCP_L_QSCD: Final = ObjectIdentifier("0.4.0.194112.1.3")
    """QCP-l-qscd: qualified certificate for a legal person, key in a QSCD."""

    QCP_W: Final = ObjectIdentifier("0.4.0.194112.1.4")
    """QCP-w: qualified certificate for website authentication."""

    NCP: Final = ObjectIdentifier("0.4.0.2042.1.1")
    """NCP: normalized certificate policy."""

    NCP_PLUS: Final = ObjectIdentifier("0.4.0.2042.1.2")
    """NCP+: normalized certificate policy requiring a secure device."""

    LCP: Final = ObjectIdentifier("0.4.0.2042.1.3")
    """LCP: lightweight certificate policy."""


class ExtendedKeyUsageOID:
    """Key purposes for document signing that cryptography's namespace does not name.

    The common purposes (``serverAuth``, ``timeStamping``, …) are cryptography's
    :class:`~cryptography.x509.oid.ExtendedKeyUsageOID`; :func:`oid_name` knows both.
    """

    DOCUMENT_SIGNING: Final = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
    """``id-kp-documentSigning`` (RFC 9336)."""

    MS_DOCUMENT_SIGNING: Final = ObjectIdentifier("1.3.6.1.4.1.311.10.3.12")
    """Microsoft ``szOID_KP_DOCUMENT_SIGNING``."""

    ADOBE_AUTHENTIC_DOCUMENTS_TRUST: Final = ObjectIdentifier("1.2.840.113583.1.1.5")
    """Adobe Authentic Documents Trust (PDF signing)."""


class EsigAttributeOID:
    """esig's own CMS attributes, under ``2.25`` (UUID-based OIDs, ITU-T X.667).

    Nobody has to register a UUID-based OID: the UUID makes it unique.
    """

    EVIDENCE_RECORD: Final = ObjectIdentifier("2.25.33309853945158728132057518411715212424")
    """The evidence record of a signature made with a one-time code, a click or a drawn
    signature, as a signed attribute of the platform's seal (UUID
    ``190f3e98-9348-4841-9a3b-b52b3ee47488``); the value is the record's canonical JSON
    in an OCTET STRING."""


_NAMES: Final[dict[ObjectIdentifier, str]] = {
    CertificateExtensionOID.QC_STATEMENTS: "qcStatements",
    EsigAttributeOID.EVIDENCE_RECORD: "esig-evidenceRecord",
    # qcStatements
    QcStatementOID.QC_COMPLIANCE: "QcCompliance",
    QcStatementOID.QC_LIMIT_VALUE: "QcLimitValue",
    QcStatementOID.QC_RETENTION_PERIOD: "QcRetentionPeriod",
    QcStatementOID.QC_SSCD: "QcSSCD",
    QcStatementOID.QC_PDS: "QcPDS",
    QcStatementOID.QC_TYPE: "QcType",
    QcStatementOID.QC_CC_LEGISLATION: "QcCClegislation",
    QcStatementOID.PKIX_QC_SYNTAX_V1: "pkixQCSyntax-v1",
    QcStatementOID.PKIX_QC_SYNTAX_V2: "pkixQCSyntax-v2",
    # QcType
    QcTypeOID.ESIGN: "QcType esign",
    QcTypeOID.ESEAL: "QcType eseal",
    QcTypeOID.WEB: "QcType web",
    # semantics identifiers
    SemanticsIdOID.NATURAL: "semanticsId-Natural",
    SemanticsIdOID.LEGAL: "semanticsId-Legal",
    SemanticsIdOID.EIDAS_NATURAL: "semanticsId-eIDASNatural",
    SemanticsIdOID.EIDAS_LEGAL: "semanticsId-eIDASLegal",
    # policies
    PolicyOID.QCP_N: "QCP-n",
    PolicyOID.QCP_L: "QCP-l",
    PolicyOID.QCP_N_QSCD: "QCP-n-qscd",
    PolicyOID.QCP_L_QSCD: "QCP-l-qscd",
    PolicyOID.QCP_W: "QCP-w",
    PolicyOID.NCP: "NCP",
    PolicyOID.NCP_PLUS: "NCP+",
    PolicyOID.LCP: "LCP",
    # extended key usage
    _CryptographyEkuOID.SERVER_AUTH: "serverAuth",
    _CryptographyEkuOID.CLIENT_AUTH: "clientAuth",
    _CryptographyEkuOID.CODE_SIGNING: "codeSigning",
    _CryptographyEkuOID.EMAIL_PROTECTION: "emailProtection",
    _CryptographyEkuOID.TIME_STAMPING: "timeStamping",
    _CryptographyEkuOID.OCSP_SIGNING: "OCSPSigning",
    _CryptographyEkuOID.ANY_EXTENDED_KEY_USAGE: "anyExtendedKeyUsage",
    _CryptographyEkuOID.SMARTCARD_LOGON: "smartcardLogon",
    ExtendedKeyUsageOID.DOCUMENT_SIGNING: "documentSigning",
    ExtendedKeyUsageOID.MS_DOCUMENT_SIGNING: "msDocumentSigning",
    ExtendedKeyUsageOID.ADOBE_AUTHENTIC_DOCUMENTS_TRUST: "adobeAuthenticDocumentsTrust",
    # signature algorithms
    SignatureAlgorithmOID.RSA_WITH_SHA1: "sha1WithRSAEncryption",
    SignatureAlgorithmOID.RSA_WITH_SHA224: "sha224WithRSAEncryption",
    SignatureAlgorithmOID.RSA_WITH_SHA256: "sha256WithRSAEncryption",
    SignatureAlgorithmOID.RSA_WITH_SHA384: "sha384WithRSAEncryption",
    SignatureAlgorithmOID.RSA_WITH_SHA512: "sha512WithRSAEncryption",
    SignatureAlgorithmOID.RSASSA_PSS: "RSASSA-PSS",
    SignatureAlgorithmOID.ECDSA_WITH_SHA1: "ecdsa-with-SHA1",
    SignatureAlgorithmOID.ECDSA_WITH_SHA224: "ecdsa-with-SHA224",
    SignatureAlgorithmOID.ECDSA_WITH_SHA256: "ecdsa-with-SHA256",
    SignatureAlgorithmOID.ECDSA_WITH_SHA384: "ecdsa-with-SHA384",
    SignatureAlgorithmOID.ECDSA_WITH_SHA512: "ecdsa-with-SHA512",
    SignatureAlgorithmOID.ED25519: "Ed25519",
    SignatureAlgorithmOID.ED448: "Ed448",
    SignatureAlgorithmOID.DSA_WITH_SHA256: "dsa-with-SHA256",
    # public key algorithms (Ed25519, Ed448 and RSASSA-PSS share their OID with the above)
    PublicKeyAlgorithmOID.RSAES_PKCS1_v1_5: "rsaEncryption",
    PublicKeyAlgorithmOID.EC_PUBLIC_KEY: "id-ecPublicKey",
    PublicKeyAlgorithmOID.DSA: "id-dsa",
    PublicKeyAlgorithmOID.X25519: "X25519",
    PublicKeyAlgorithmOID.X448: "X448",
    PublicKeyAlgorithmOID.ML_DSA_44: "ML-DSA-44",
    PublicKeyAlgorithmOID.ML_DSA_65: "ML-DSA-65",
    PublicKeyAlgorithmOID.ML_DSA_87: "ML-DSA-87",
}
"""Readable names of the OIDs esig reports; anything else stays dotted."""


def _as_oid(oid: ObjectIdentifier | str) -> ObjectIdentifier:
    return oid if isinstance(oid, ObjectIdentifier) else ObjectIdentifier(oid)


def oid_name(oid: ObjectIdentifier | str) -> str:
    """Name a known OID readably; an OID esig does not know stays in dotted form.

    Raises:
        ValueError: ``oid`` is a string that is not a dotted OID.

    """
    known = _as_oid(oid)
    return _NAMES.get(known, known.dotted_string)


class NamedOID(EsigModel):
    """An OID as reported: always its dotted form, and its name when esig knows it.

    Unknown OIDs are an explicit variant (``name is None``), never dropped.
    """

    dotted: str
    """The OID in dotted notation, e.g. ``0.4.0.1862.1.1``."""

    name: str | None = None
    """Readable name (e.g. ``QcCompliance``), or ``None`` for an OID esig does not know."""

    @classmethod
    def of(cls, oid: ObjectIdentifier | str) -> NamedOID:
        """Describe ``oid``, with its name when it is known."""
        known = _as_oid(oid)
        return cls(dotted=known.dotted_string, name=_NAMES.get(known))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def known(self) -> bool:
        """Whether esig knows this OID by name."""
        return self.name is not None

    @property
    def oid(self) -> ObjectIdentifier:
        """The OID as a :class:`~cryptography.x509.ObjectIdentifier`."""
        return ObjectIdentifier(self.dotted)

    def __str__(self) -> str:
        return self.name if self.name is not None else self.dotted
