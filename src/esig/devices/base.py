"""The interface every signature creation device implements."""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Iterable
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from esig._model import EsigModel
from esig.errors import KeyLoadError

__all__ = [
    "DeviceEvidence",
    "DeviceKind",
    "DigestAlgorithm",
    "SignatureCreationDevice",
    "SignatureScheme",
    "scheme_for_certificate",
]


class DigestAlgorithm(StrEnum):
    """Message digest algorithms esig signs with."""

    SHA256 = "sha256"
    SHA384 = "sha384"
    SHA512 = "sha512"

    @property
    def digest_size(self) -> int:
        """Length of a digest in bytes."""
        return self.hash().digest_size

    def hash(self) -> hashes.SHA256 | hashes.SHA384 | hashes.SHA512:
        """The matching :mod:`cryptography` hash object."""
        if self is DigestAlgorithm.SHA384:
            return hashes.SHA384()
        if self is DigestAlgorithm.SHA512:
            return hashes.SHA512()
        return hashes.SHA256()


class SignatureScheme(StrEnum):
    """How a digest is turned into a signature value."""

    RSA_PKCS1V15 = "rsassa_pkcs1v15"
    """RSA with PKCS#1 v1.5 padding (the most widely verified)."""
    ECDSA = "ecdsa"
    """ECDSA; the signature value is DER-encoded (r, s)."""


class DeviceKind(StrEnum):
    """What sort of device holds the key."""

    SOFTWARE = "software"
    """A key in a file or in memory: extractable, never a secure device."""
    PKCS11 = "pkcs11"
    """A token or smart card behind a PKCS#11 module."""
    REMOTE = "remote"
    """A remote signing service (Cloud Signature Consortium API)."""
    FAKE = "fake"
    """A deterministic stand-in for tests."""


class DeviceEvidence(EsigModel):
    """What a device can show about itself (BES art. 2(1)(a) 1°–3°).

    These are claims the device makes; a software key never claims to be secure.
    """

    kind: DeviceKind
    description: str
    """A short, human description, e.g. ``software key (PKCS#12 file)``."""
    key_extractable: bool | None
    """Whether the private key can leave the device (None: unknown)."""
    authentication_per_use: bool
    """Whether every signature needs the signer to authenticate (PIN, SAD)."""
    qscd_claimed: bool
    """Whether the device is declared a (qualified) secure signature creation device."""


def scheme_for_certificate(certificate: x509.Certificate) -> SignatureScheme:
    """The signature scheme for the certificate's key: RSA PKCS#1 v1.5, or ECDSA.

    Raises:
        KeyLoadError: The key is neither RSA nor EC.

    """
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return SignatureScheme.RSA_PKCS1V15
    if isinstance(key, ec.EllipticCurvePublicKey):
        return SignatureScheme.ECDSA
    raise KeyLoadError(
        f"The certificate's key is {type(key).__name__}; esig signs with RSA or EC keys"
    )


class SignatureCreationDevice(abc.ABC):
    """A place where a private key signs digests on behalf of one certificate.

    Subclasses call ``super().__init__(certificate, chain)`` and implement
    :meth:`sign_digest` (overriding :meth:`async_sign_digest` when the device does I/O)
    and :attr:`evidence`.

    Args:
        certificate: The signer's certificate.
        chain: Issuer certificates to embed with the signature.

    Raises:
        KeyLoadError: The certificate's key is neither RSA nor EC.

    """

    def __init__(
        self, certificate: x509.Certificate, chain: Iterable[x509.Certificate] = ()
    ) -> None:
        self._certificate = certificate
        self._chain = tuple(c for c in chain if c != certificate)
        self._scheme = scheme_for_certificate(certificate)

    @property
    def certificate(self) -> x509.Certificate:
        """The signer's certificate."""
        return self._certificate

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """Issuer certificates to embed with the signature (signer's excluded)."""
        return self._chain

    @property
    def scheme(self) -> SignatureScheme:
        """The signature scheme this device's key uses."""
        return self._scheme

    @property
    @abc.abstractmethod
    def evidence(self) -> DeviceEvidence:
        """What the device can show about itself."""

    @property
    def max_signature_size(self) -> int:
        """An upper bound on the size of one signature value, in bytes."""
        key = self.certificate.public_key()
        key_size: int = getattr(key, "key_size", 4096)
        key_bytes = (key_size + 7) // 8
        if self.scheme is SignatureScheme.ECDSA:
            return 2 * (key_bytes + 3) + 4
        return key_bytes

    @abc.abstractmethod
    def sign_digest(self, digest: bytes, algorithm: DigestAlgorithm) -> bytes:
        """Sign a precomputed digest.

        Args:
            digest: The digest of the data to be signed (for CMS: of the signed attributes).
            algorithm: The algorithm that produced ``digest``.

        Returns:
            The signature value, encoded as CMS expects for :attr:`scheme`.

        """

    async def async_sign_digest(self, digest: bytes, algorithm: DigestAlgorithm) -> bytes:
        """Async twin of :meth:`sign_digest`; blocking devices run in a worker thread."""
        return await asyncio.to_thread(self.sign_digest, digest, algorithm)

    def __repr__(self) -> str:
        subject = self.certificate.subject.rfc4514_string()
        return f"<{type(self).__name__} {self.evidence.kind.value} for {subject!r}>"
