"""What the CA puts in a certificate: a subscriber's (art. 6 profile) or its own.

A subscriber's certificate is built from three records and nothing else: the CSR (its
public key, with the CSR's self-signature as proof of possession), the identity check
(the subject name, EN 319 412-1 semantics identifier) and the current terms (their URL
in QcPDS, BES art. 5(m)). The CSR's own subject is not trusted. A private key is refused
wherever a CSR is expected (BES art. 5(l)): esig never takes a subscriber's key.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID, ObjectIdentifier
from pydantic import Field

from esig._io import atomic_output
from esig._model import EsigModel
from esig.devices.software import SoftwareKey
from esig.errors import InputError
from esig.issuance import KeyType, Qualification, qualified_extensions
from esig.provider.ca_signing import CaSigner
from esig.provider.errors import IssuanceRefusedError
from esig.provider.models import IdentityEvidence, TermsVersion, to_utc_second

__all__ = [
    "ORGANIZATION_IDENTIFIER",
    "ProviderName",
    "ServiceUrls",
    "ca_certificate_builder",
    "pem_of",
    "read_csr",
    "software_ca",
    "subscriber_certificate",
    "write_software_ca",
]

ORGANIZATION_IDENTIFIER: Final = ObjectIdentifier("2.5.4.97")
"""The organizationIdentifier attribute (EN 319 412-1), e.g. ``NTRBQ-12345678``."""

_PRIVATE_KEY_MARKERS: Final = (b"PRIVATE KEY-----", b"ENCRYPTED PRIVATE KEY")
_MIN_RSA_BITS: Final = 2048
_CURVES: Final = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)


class ServiceUrls:
    """Where the CA publishes: its OCSP responder, CRL and certificate, under one base URL."""

    def __init__(self, base_url: str) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"The CA's base URL must be http(s): {base_url!r}")
        self.base_url = base_url.rstrip("/")
        """The base URL, without a trailing slash."""

    @property
    def ocsp(self) -> str:
        """The OCSP responder (RFC 6960), in the certificates' authority information access."""
        return f"{self.base_url}/ocsp"

    @property
    def crl(self) -> str:
        """The CRL (RFC 5280), in the certificates' CRL distribution points."""
        return f"{self.base_url}/crl"

    @property
    def ca_certificate(self) -> str:
        """The CA certificate (DER), in the authority information access (caIssuers)."""
        return f"{self.base_url}/ca.crt"


def read_csr(data: bytes) -> x509.CertificateSigningRequest:
    """A PKCS#10 request (PEM or DER) whose signature proves possession of its key.

    Raises:
        IssuanceRefusedError: ``data`` is a private key (never accepted: art. 5(l)), not a
            CSR, signed wrongly, or for a key esig does not certify (RSA under 2048 bits,
            an unnamed curve, DSA, Ed25519).

    """
    if any(marker in data for marker in _PRIVATE_KEY_MARKERS):
        raise IssuanceRefusedError(
            "This is a private key, not a certificate request. The provider never takes a "
            "subscriber's signing key (BES art. 5(l)): make the key on the subscriber's "
            "device and send only its CSR"
        )
    try:
        csr = (
            x509.load_pem_x509_csr(data)
            if data.lstrip().startswith(b"-----")
            else x509.load_der_x509_csr(data)
        )
    except ValueError:
        raise IssuanceRefusedError("Not a PKCS#10 certificate request (PEM or DER)") from None
    if not csr.is_signature_valid:
        raise IssuanceRefusedError(
            "The request's signature does not verify with its public key: it does not prove "
            "possession of the key"
        )
    key = csr.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < _MIN_RSA_BITS:
            raise IssuanceRefusedError(f"An RSA key of {key.key_size} bits is too weak (2048+)")
    elif not (isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, _CURVES)):
        raise IssuanceRefusedError(
            "The request's key must be RSA (2048 bits or more) or EC on P-256, P-384 or P-521"
        )
    return csr


def _subject(evidence: IdentityEvidence) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, evidence.country),
            x509.NameAttribute(NameOID.GIVEN_NAME, evidence.given_name),
            x509.NameAttribute(NameOID.SURNAME, evidence.surname),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, evidence.semantics_identifier),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{evidence.given_name} {evidence.surname}"),
        ]
    )


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def subscriber_certificate(
    signer: CaSigner,
    csr: x509.CertificateSigningRequest,
    evidence: IdentityEvidence,
    terms: TermsVersion,
    *,
    issued_at: dt.datetime,
    validity: dt.timedelta,
    qscd: bool,
    urls: ServiceUrls,
) -> x509.Certificate:
    """A qualified certificate for a natural person (art. 6(1) a–h, EN 319 412-5).

    notBefore is ``issued_at`` (the provider's clock, to the second); the issuer name is
    the CA's; QcPDS is the terms' URL; QcSSCD is claimed only with ``qscd``.

    Raises:
        IssuanceRefusedError: The validity would outlast the CA's certificate.

    """
    ca = signer.certificate
    not_after = issued_at + validity
    if not_after > ca.not_valid_after_utc:
        raise IssuanceRefusedError(
            f"The certificate would be valid until {not_after:%Y-%m-%d}, after the CA's own "
            f"certificate expires ({ca.not_valid_after_utc:%Y-%m-%d}); issue a shorter one"
        )
    key = csr.public_key()
    assert isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey)  # read_csr checked
    builder = (
        x509.CertificateBuilder()
        .subject_name(_subject(evidence))
        .issuer_name(ca.subject)
        .public_key(key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(issued_at)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(ca=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key), critical=False)
        .add_extension(_authority_key_id(ca), critical=False)
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(urls.crl)], None, None, None
                    )
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(urls.ocsp),
                    ),
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(urls.ca_certificate),
                    ),
                ]
            ),
            critical=False,
        )
    )
    qualification = Qualification(qscd=qscd, disclosure_statements=((terms.url, terms.language),))
    for extension in qualified_extensions(qualification):
        builder = builder.add_extension(extension.value, critical=extension.critical)
    return signer.sign_certificate(builder)


def _authority_key_id(ca: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    try:
        ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        public = ca.public_key()
        assert isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey)
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(public)
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


class ProviderName(EsigModel):
    """The provider's name in its CA certificate (BES art. 6(1)(a))."""

    organization: str = Field(min_length=1)
    """The provider's legal name."""
    country: str = Field(pattern=r"^[A-Z]{2}$")
    """Its country (ISO 3166-1), e.g. ``BQ``."""
    organization_identifier: str = Field(min_length=1)
    """Its organizationIdentifier (EN 319 412-1), e.g. ``NTRBQ-12345678``."""
    common_name: str | None = None
    """The CA's common name (default: the organisation + `` CA``)."""

    def to_x509(self) -> x509.Name:
        """The X.509 name: C, O, organizationIdentifier, CN."""
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, self.country),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.organization),
                x509.NameAttribute(ORGANIZATION_IDENTIFIER, self.organization_identifier),
                x509.NameAttribute(
                    NameOID.COMMON_NAME, self.common_name or f"{self.organization} CA"
                ),
            ]
        )


def software_ca(
    name: ProviderName,
    *,
    key_type: KeyType = KeyType.EC_P256,
    years: int = 10,
    now: dt.datetime | None = None,
) -> SoftwareKey:
    """A new self-signed CA with a software key, for a quick start or a test.

    A recognised provider keeps its CA key in a hardware token: use a
    :class:`~esig.devices.pkcs11.Pkcs11Device` whose token holds the key and the CA
    certificate instead (see ``docs/provider.md``).
    """
    private_key, certificate = _new_ca(name, key_type, years, now)
    return SoftwareKey(private_key, certificate, (), description="software CA key")


def ca_certificate_builder(
    subject: x509.Name,
    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
    issuer: x509.Certificate | None = None,
) -> x509.CertificateBuilder:
    """The unsigned certificate of a CA: self-issued, or under ``issuer`` (a root).

    basicConstraints cA with pathLen 0 (it certifies subscribers only), keyCertSign and
    cRLSign, the subject key identifier, and under an issuer its authority key identifier.
    """
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if issuer is None else issuer.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(_authority_key_id(issuer), critical=False)
    return builder


def _new_ca(
    provider: ProviderName, key_type: KeyType, years: int, now: dt.datetime | None
) -> tuple[rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, x509.Certificate]:
    start = to_utc_second(now or dt.datetime.now(dt.UTC))
    private_key = key_type.generate()
    builder = ca_certificate_builder(
        provider.to_x509(),
        private_key.public_key(),
        not_before=start,
        not_after=start + dt.timedelta(days=365 * years),
    )
    algorithm = hashes.SHA384() if key_type is KeyType.EC_P384 else hashes.SHA256()
    return private_key, builder.sign(private_key, algorithm)


def write_software_ca(
    path: str | os.PathLike[str],
    passphrase: str,
    name: ProviderName,
    *,
    key_type: KeyType = KeyType.EC_P256,
) -> SoftwareKey:
    """A :func:`software_ca`, also written to an encrypted PKCS#12 file, atomically.

    Raises:
        InputError: The passphrase is empty.
        OutputError: The file cannot be written.

    """
    if not passphrase:
        raise InputError("A software CA key is written encrypted: give a passphrase")
    private_key, certificate = _new_ca(name, key_type, 10, None)
    data = pkcs12.serialize_key_and_certificates(
        b"esig-ca",
        private_key,
        certificate,
        None,
        serialization.BestAvailableEncryption(passphrase.encode()),
    )
    with atomic_output(path) as handle:
        handle.write(data)
    return SoftwareKey(private_key, certificate, (), description="software CA key (PKCS#12)")


def pem_of(certificate: x509.Certificate) -> str:
    """A certificate as PEM text."""
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
