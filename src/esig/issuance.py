"""Issue certificates whose content follows BES art. 6 — for test PKIs and internal CAs.

:class:`TestPKI` builds a root and an intermediate certification authority and issues
end-entity certificates that fill every art. 6(1) field the decree lists:

=====  =====================================================================
a      issuer organisation, country and organizationIdentifier (the CA's DN)
b      the signatory's name (given name, surname, common name) or a pseudonym
c      a specific attribute where relevant (organisation, title)
d      the subject public key
e      validity period
f      a unique serial number
g      the issuing CA's signature
h      key usage, and certificate policies when given
=====  =====================================================================

Real X.509 made with :mod:`cryptography`'s builders; real keys. Private keys live in
memory only, unless :meth:`TestPKI.write` is asked to write them (as an encrypted
PKCS#12 file).
"""

from __future__ import annotations

import datetime as dt
import os
from enum import StrEnum
from pathlib import Path

from asn1crypto import core as asn1_core
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from esig import _qc_asn1
from esig._model import EsigModel
from esig.devices.software import SoftwareKey
from esig.oids import CertificateExtensionOID, PolicyOID, QcStatementOID, QcTypeOID, SemanticsIdOID

__all__ = ["IssuedCertificate", "KeyType", "Qualification", "TestPKI", "qualified_extensions"]

_ORGANIZATION_IDENTIFIER = ObjectIdentifier("2.5.4.97")
_PSEUDONYM = ObjectIdentifier("2.5.4.65")

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class KeyType(StrEnum):
    """Key types a test PKI can generate."""

    RSA_2048 = "rsa-2048"
    RSA_3072 = "rsa-3072"
    EC_P256 = "ec-p256"
    EC_P384 = "ec-p384"

    def generate(self) -> PrivateKey:
        """Generate a fresh private key of this type."""
        if self is KeyType.RSA_2048:
            return rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if self is KeyType.RSA_3072:
            return rsa.generate_private_key(public_exponent=65537, key_size=3072)
        if self is KeyType.EC_P256:
            return ec.generate_private_key(ec.SECP256R1())
        return ec.generate_private_key(ec.SECP384R1())


class Qualification(EsigModel):
    """Ask for a *qualified* certificate: the EN 319 412-5 qcStatements and the matching policy.

    The issued certificate carries QcCompliance, QcType (esign for natural persons, eseal
    for legal persons), the semantics identifier, QcSSCD when ``qscd`` is set, and the
    optional limits of BES art. 6(1)(h): QcLimitValue, QcRetentionPeriod and QcPDS. Its
    certificate policy is QCP-n / QCP-l, or QCP-n-qscd / QCP-l-qscd with ``qscd``.
    """

    qscd: bool = True
    """The key is declared to be in a qualified signature creation device (QcSSCD)."""
    disclosure_statements: tuple[tuple[str, str], ...] = (
        ("https://pki.example.org/pds/en.pdf", "en"),
    )
    """QcPDS entries as (URL, ISO 639-1 language) pairs (BES art. 5(m))."""
    limit_value: tuple[str, int, int] | None = None
    """QcLimitValue as (ISO 4217 currency, amount, exponent): value = amount × 10^exponent."""
    retention_years: int | None = None
    """QcRetentionPeriod, in years."""
    legislation: tuple[str, ...] = ()
    """QcCClegislation country codes (for qualified certificates outside the EU)."""


def _qc_statements_extension(
    qualification: Qualification, *, legal: bool
) -> x509.Extension[x509.UnrecognizedExtension]:
    def statement(oid: ObjectIdentifier, info: object = None) -> _qc_asn1.QcStatement:
        fields: dict[str, object] = {"statement_id": oid.dotted_string}
        if info is not None:
            fields["statement_info"] = info
        return _qc_asn1.QcStatement(fields)

    semantics = SemanticsIdOID.EIDAS_LEGAL if legal else SemanticsIdOID.EIDAS_NATURAL
    statements = [
        statement(QcStatementOID.QC_COMPLIANCE),
        statement(
            QcStatementOID.QC_TYPE,
            _qc_asn1.QcTypeIds([(QcTypeOID.ESEAL if legal else QcTypeOID.ESIGN).dotted_string]),
        ),
        statement(
            QcStatementOID.PKIX_QC_SYNTAX_V2,
            _qc_asn1.SemanticsInformation({"semantics_identifier": semantics.dotted_string}),
        ),
    ]
    if qualification.qscd:
        statements.append(statement(QcStatementOID.QC_SSCD))
    if qualification.limit_value is not None:
        currency, amount, exponent = qualification.limit_value
        statements.append(
            statement(
                QcStatementOID.QC_LIMIT_VALUE,
                _qc_asn1.MonetaryValue(
                    {
                        "currency": _qc_asn1.Iso4217CurrencyCode(name="alphabetic", value=currency),
                        "amount": amount,
                        "exponent": exponent,
                    }
                ),
            )
        )
    if qualification.retention_years is not None:
        statements.append(
            statement(
                QcStatementOID.QC_RETENTION_PERIOD, asn1_core.Integer(qualification.retention_years)
            )
        )
    if qualification.disclosure_statements:
        statements.append(
            statement(
                QcStatementOID.QC_PDS,
                _qc_asn1.PdsLocations(
                    [
                        {"url": url, "language": lang}
                        for url, lang in qualification.disclosure_statements
                    ]
                ),
            )
        )
    if qualification.legislation:
        statements.append(
            statement(
                QcStatementOID.QC_CC_LEGISLATION,
                _qc_asn1.CountryCodes(list(qualification.legislation)),
            )
        )
    der = _qc_asn1.QcStatements(statements).dump()
    value = x509.UnrecognizedExtension(CertificateExtensionOID.QC_STATEMENTS, der)
    return x509.Extension(CertificateExtensionOID.QC_STATEMENTS, False, value)


def _qualified_policy(qualification: Qualification, *, legal: bool) -> ObjectIdentifier:
    if legal:
        return PolicyOID.QCP_L_QSCD if qualification.qscd else PolicyOID.QCP_L
    return PolicyOID.QCP_N_QSCD if qualification.qscd else PolicyOID.QCP_N


def qualified_extensions(
    qualification: Qualification, *, legal: bool = False
) -> tuple[x509.Extension[x509.ExtensionType], ...]:
    """The certificate policy and qcStatements extensions that make a certificate qualified.

    For certificates issued outside :class:`TestPKI` (e.g. for a key generated on a
    token): QCP-n(-qscd) or QCP-l(-qscd), and the EN 319 412-5 statements of
    ``qualification``. ``legal`` selects the seal variants (QcType eseal, QCP-l).
    """
    policy = x509.CertificatePolicies(
        [x509.PolicyInformation(_qualified_policy(qualification, legal=legal), None)]
    )
    return (
        x509.Extension(x509.CertificatePolicies.oid, False, policy),
        _qc_statements_extension(qualification, legal=legal),
    )


class IssuedCertificate:
    """A certificate with its private key. The key never shows in ``repr``."""

    def __init__(
        self,
        certificate: x509.Certificate,
        private_key: PrivateKey,
        chain: tuple[x509.Certificate, ...],
    ) -> None:
        self.certificate = certificate
        """The issued certificate."""
        self.private_key = private_key
        """Its private key (in memory)."""
        self.chain = chain
        """Issuer certificates from the direct issuer up to the root."""

    def device(self) -> SoftwareKey:
        """A software signing device for this certificate and its chain."""
        return SoftwareKey(
            self.private_key, self.certificate, self.chain, description="software key (test PKI)"
        )

    def __repr__(self) -> str:
        return f"<IssuedCertificate {self.certificate.subject.rfc4514_string()!r}>"


def _hash_for(key: PrivateKey) -> hashes.SHA256 | hashes.SHA384:
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size > 256:
        return hashes.SHA384()
    return hashes.SHA256()


class TestPKI:
    """A throwaway PKI: a root CA, an intermediate CA, and end entities on request.

    Args:
        key_type: Key type for the CAs and, by default, for end entities.
        organization: The certification service provider's name (BES art. 6(1)(a)).
        country: The provider's country code (BES art. 6(1)(a)); ``BQ`` is the
            Caribbean Netherlands.
        organization_identifier: The provider's organizationIdentifier.
        now: The time the PKI is made at (default: the current time).

    An empty ``organization``, ``country`` or ``organization_identifier`` leaves that
    attribute out of the CAs' names: a provider that art. 6(1)(a) finds incomplete.

    """

    __test__ = False  # not a pytest test class, despite the name

    def __init__(
        self,
        key_type: KeyType = KeyType.RSA_2048,
        *,
        organization: str = "esig Test Trust Services",
        country: str = "BQ",
        organization_identifier: str = "NTRBQ-00000000",
        now: dt.datetime | None = None,
    ) -> None:
        self.key_type = key_type
        self.now = now or dt.datetime.now(dt.UTC)
        self._provider = [
            x509.NameAttribute(oid, value)
            for oid, value in (
                (NameOID.COUNTRY_NAME, country),
                (NameOID.ORGANIZATION_NAME, organization),
                (_ORGANIZATION_IDENTIFIER, organization_identifier),
            )
            if value
        ]
        name = organization or "Test"
        root_key = key_type.generate()
        root_name = x509.Name(
            [*self._provider, x509.NameAttribute(NameOID.COMMON_NAME, f"{name} Root CA")]
        )
        root_cert = self._build(
            root_name, root_key.public_key(), root_name, root_key, years=20, ca_path_length=1
        )
        self.root = IssuedCertificate(root_cert, root_key, ())
        """The self-signed root CA (the trust anchor)."""
        inter_key = key_type.generate()
        inter_name = x509.Name(
            [
                *self._provider,
                x509.NameAttribute(NameOID.COMMON_NAME, f"{name} Qualified Signing CA"),
            ]
        )
        inter_cert = self._build(
            inter_name,
            inter_key.public_key(),
            root_name,
            root_key,
            years=10,
            ca_path_length=0,
            issuer_cert=root_cert,
        )
        self.intermediate = IssuedCertificate(inter_cert, inter_key, (root_cert,))
        """The intermediate CA that issues end-entity certificates."""

    def issue_person(
        self,
        given_name: str,
        surname: str,
        *,
        country: str = "BQ",
        serial_number: str | None = None,
        organization: str | None = None,
        organization_identifier: str | None = None,
        title: str | None = None,
        email: str | None = None,
        qualified: Qualification | None = None,
        policies: tuple[ObjectIdentifier, ...] = (),
        key_type: KeyType | None = None,
        years: int = 2,
    ) -> IssuedCertificate:
        """Issue a signing certificate for a natural person.

        With ``organization`` (and ``title``, ``organization_identifier``), the
        certificate says the person acts for that company in that function — the
        FAQ's "sign on behalf of the company" (BES art. 6(1)(c)). With ``qualified``,
        it is a qualified certificate for electronic signatures.
        """
        attrs = [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.GIVEN_NAME, given_name),
            x509.NameAttribute(NameOID.SURNAME, surname),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{given_name} {surname}"),
        ]
        optional = (
            (NameOID.SERIAL_NUMBER, serial_number),
            (NameOID.ORGANIZATION_NAME, organization),
            (_ORGANIZATION_IDENTIFIER, organization_identifier),
            (NameOID.TITLE, title),
            (NameOID.EMAIL_ADDRESS, email),
        )
        attrs += [x509.NameAttribute(oid, value) for oid, value in optional if value]
        profile = _Profile.signer(qualified, policies, legal=False)
        return self._issue_end_entity(x509.Name(attrs), profile, key_type, years)

    def issue_pseudonym(
        self,
        pseudonym: str,
        *,
        country: str = "BQ",
        qualified: Qualification | None = None,
        policies: tuple[ObjectIdentifier, ...] = (),
        key_type: KeyType | None = None,
        years: int = 2,
    ) -> IssuedCertificate:
        """Issue a signing certificate under a pseudonym, identified as such (2.5.4.65)."""
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, country),
                x509.NameAttribute(_PSEUDONYM, pseudonym),
                x509.NameAttribute(NameOID.COMMON_NAME, pseudonym),
            ]
        )
        profile = _Profile.signer(qualified, policies, legal=False)
        return self._issue_end_entity(name, profile, key_type, years)

    def issue_legal_person(
        self,
        organization: str,
        organization_identifier: str,
        *,
        country: str = "BQ",
        qualified: Qualification | None = None,
        policies: tuple[ObjectIdentifier, ...] = (),
        key_type: KeyType | None = None,
        years: int = 2,
    ) -> IssuedCertificate:
        """Issue a certificate for an electronic seal of a legal person (eIDAS art. 3(25))."""
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, country),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                x509.NameAttribute(_ORGANIZATION_IDENTIFIER, organization_identifier),
                x509.NameAttribute(NameOID.COMMON_NAME, organization),
            ]
        )
        profile = _Profile.signer(qualified, policies, legal=True)
        return self._issue_end_entity(name, profile, key_type, years)

    def issue_tsa(
        self,
        name: str = "esig Test Time-Stamping Unit",
        *,
        key_type: KeyType | None = None,
        years: int = 5,
    ) -> IssuedCertificate:
        """Issue a time-stamping unit certificate (critical EKU timeStamping, RFC 3161)."""
        subject = x509.Name([*self._provider, x509.NameAttribute(NameOID.COMMON_NAME, name)])
        profile = _Profile(eku=(ExtendedKeyUsageOID.TIME_STAMPING,), eku_critical=True)
        return self._issue_end_entity(subject, profile, key_type, years)

    def issue_ocsp_responder(
        self,
        name: str = "esig Test OCSP Responder",
        *,
        key_type: KeyType | None = None,
        years: int = 1,
    ) -> IssuedCertificate:
        """Issue a delegated OCSP responder certificate (EKU OCSPSigning, ocsp-nocheck)."""
        subject = x509.Name([*self._provider, x509.NameAttribute(NameOID.COMMON_NAME, name)])
        nocheck = x509.Extension(x509.OCSPNoCheck.oid, False, x509.OCSPNoCheck())
        profile = _Profile(eku=(ExtendedKeyUsageOID.OCSP_SIGNING,), extensions=(nocheck,))
        return self._issue_end_entity(subject, profile, key_type, years)

    def _issue_end_entity(
        self, name: x509.Name, profile: _Profile, key_type: KeyType | None, years: int
    ) -> IssuedCertificate:
        key = (key_type or self.key_type).generate()
        issuer = self.intermediate
        cert = self._build(
            name,
            key.public_key(),
            issuer.certificate.subject,
            issuer.private_key,
            years=years,
            ca_path_length=None,
            issuer_cert=issuer.certificate,
            profile=profile,
        )
        return IssuedCertificate(cert, key, (issuer.certificate, *issuer.chain))

    def _build(
        self,
        subject: x509.Name,
        public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
        issuer: x509.Name,
        issuer_key: PrivateKey,
        *,
        years: int,
        ca_path_length: int | None,
        issuer_cert: x509.Certificate | None = None,
        profile: _Profile | None = None,
    ) -> x509.Certificate:
        is_ca = ca_path_length is not None
        not_before = self.now - dt.timedelta(days=1)
        commitment = profile is not None and profile.content_commitment
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_before + dt.timedelta(days=365 * years))
            .add_extension(
                x509.BasicConstraints(ca=is_ca, path_length=ca_path_length), critical=True
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(_key_usage(is_ca, content_commitment=commitment), critical=True)
        )
        if issuer_cert is not None:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()),  # type: ignore[arg-type]
                critical=False,
            )
        for extension in profile.all_extensions() if profile is not None else ():
            builder = builder.add_extension(extension.value, critical=extension.critical)
        return builder.sign(issuer_key, _hash_for(issuer_key))

    def write(
        self, folder: str | os.PathLike[str], signer: IssuedCertificate, passphrase: bytes
    ) -> dict[str, Path]:
        """Write the CA certificates (PEM) and ``signer`` as an encrypted PKCS#12 file.

        Returns the written paths by role: ``root``, ``intermediate``, ``signer_cert``,
        ``signer_p12``. The passphrase is used to encrypt and is not written anywhere.
        """
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        pem = serialization.Encoding.PEM
        paths = {
            "root": out / "root.pem",
            "intermediate": out / "intermediate.pem",
            "signer_cert": out / "signer.pem",
            "signer_p12": out / "signer.p12",
        }
        paths["root"].write_bytes(self.root.certificate.public_bytes(pem))
        paths["intermediate"].write_bytes(self.intermediate.certificate.public_bytes(pem))
        paths["signer_cert"].write_bytes(signer.certificate.public_bytes(pem))
        paths["signer_p12"].write_bytes(
            pkcs12.serialize_key_and_certificates(
                b"signer",
                signer.private_key,
                signer.certificate,
                list(signer.chain),
                serialization.BestAvailableEncryption(passphrase),
            )
        )
        return paths


class _Profile:
    """What distinguishes one kind of end-entity certificate from another."""

    def __init__(
        self,
        *,
        eku: tuple[ObjectIdentifier, ...],
        eku_critical: bool = False,
        policies: tuple[ObjectIdentifier, ...] = (),
        extensions: tuple[x509.Extension[x509.ExtensionType], ...] = (),
        content_commitment: bool = False,
    ) -> None:
        self.eku = eku
        self.eku_critical = eku_critical
        self.policies = policies
        self.extensions = extensions
        self.content_commitment = content_commitment

    @classmethod
    def signer(
        cls,
        qualified: Qualification | None,
        policies: tuple[ObjectIdentifier, ...],
        *,
        legal: bool,
    ) -> _Profile:
        """A signing (or sealing) certificate, qualified when asked."""
        extra: tuple[x509.Extension[x509.ExtensionType], ...] = ()
        if qualified is not None:
            policies = (_qualified_policy(qualified, legal=legal), *policies)
            extra = (_qc_statements_extension(qualified, legal=legal),)
        return cls(
            eku=(ExtendedKeyUsageOID.EMAIL_PROTECTION,),
            policies=policies,
            extensions=extra,
            content_commitment=True,
        )

    def all_extensions(self) -> list[x509.Extension[x509.ExtensionType]]:
        """The extensions this profile adds to the common ones."""
        found: list[x509.Extension[x509.ExtensionType]] = [
            x509.Extension(
                x509.ExtendedKeyUsage.oid, self.eku_critical, x509.ExtendedKeyUsage(list(self.eku))
            ),
        ]
        if self.policies:
            info = [x509.PolicyInformation(p, None) for p in self.policies]
            found.append(
                x509.Extension(x509.CertificatePolicies.oid, False, x509.CertificatePolicies(info))
            )
        return found + list(self.extensions)


def _key_usage(is_ca: bool, *, content_commitment: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not is_ca,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=is_ca,
        crl_sign=is_ca,
        encipher_only=False,
        decipher_only=False,
    )
