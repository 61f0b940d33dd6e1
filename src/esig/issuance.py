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

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from esig.devices.software import SoftwareKey

__all__ = ["IssuedCertificate", "KeyType", "TestPKI"]

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
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(_ORGANIZATION_IDENTIFIER, organization_identifier),
        ]
        root_key = key_type.generate()
        root_name = x509.Name(
            [*self._provider, x509.NameAttribute(NameOID.COMMON_NAME, f"{organization} Root CA")]
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
                x509.NameAttribute(NameOID.COMMON_NAME, f"{organization} Qualified Signing CA"),
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
        title: str | None = None,
        email: str | None = None,
        policies: tuple[ObjectIdentifier, ...] = (),
        key_type: KeyType | None = None,
        years: int = 2,
    ) -> IssuedCertificate:
        """Issue a signing certificate for a natural person.

        With ``organization`` (and ``title``), the certificate says the person acts
        for that company in that function (BES art. 6(1)(c)).
        """
        attrs = [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.GIVEN_NAME, given_name),
            x509.NameAttribute(NameOID.SURNAME, surname),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{given_name} {surname}"),
        ]
        if serial_number:
            attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
        if organization:
            attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
        if title:
            attrs.append(x509.NameAttribute(NameOID.TITLE, title))
        if email:
            attrs.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
        return self._issue_end_entity(x509.Name(attrs), policies, key_type, years)

    def issue_pseudonym(
        self,
        pseudonym: str,
        *,
        country: str = "BQ",
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
        return self._issue_end_entity(name, policies, key_type, years)

    def _issue_end_entity(
        self,
        name: x509.Name,
        policies: tuple[ObjectIdentifier, ...],
        key_type: KeyType | None,
        years: int,
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
            policies=policies,
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
        policies: tuple[ObjectIdentifier, ...] = (),
    ) -> x509.Certificate:
        is_ca = ca_path_length is not None
        not_before = self.now - dt.timedelta(days=1)
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
            .add_extension(_key_usage(is_ca), critical=True)
        )
        if issuer_cert is not None:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()),  # type: ignore[arg-type]
                critical=False,
            )
        if not is_ca:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            )
        if policies:
            builder = builder.add_extension(
                x509.CertificatePolicies([x509.PolicyInformation(p, None) for p in policies]),
                critical=False,
            )
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


def _key_usage(is_ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not is_ca,
        content_commitment=not is_ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=is_ca,
        crl_sign=is_ca,
        encipher_only=False,
        decipher_only=False,
    )
