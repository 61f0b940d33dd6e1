"""A private key held in memory, loaded from PEM or PKCS#12 (encrypted or not).

A software key is honest about what it is: the key can be copied, so it is never a
secure signature creation device (BES art. 2, eIDAS art. 29).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import pkcs12

from esig.certificates import load_certificate, load_certificates
from esig.devices.base import (
    DeviceEvidence,
    DeviceKind,
    DigestAlgorithm,
    SignatureCreationDevice,
)
from esig.errors import KeyCertificateMismatchError, KeyLoadError, WrongPassphraseError

__all__ = ["SoftwareKey"]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
Source = bytes | str | os.PathLike[str]

_MAX_KEY_FILE = 1024 * 1024


class SoftwareKey(SignatureCreationDevice):
    """A signing key in memory, with its certificate and issuer chain.

    The parsed key object is kept, so signing costs one private-key operation and no
    parsing. Build one with :meth:`from_pkcs12` or :meth:`from_pem`, or directly from
    :mod:`cryptography` objects.

    Args:
        private_key: An RSA or EC private key.
        certificate: The certificate for that key.
        chain: Issuer certificates to embed (intermediates, optionally the root).
        description: How the key was obtained, for the device evidence.

    Raises:
        KeyCertificateMismatchError: ``certificate`` does not certify ``private_key``.
        KeyLoadError: The key type is not supported.

    """

    def __init__(
        self,
        private_key: PrivateKey,
        certificate: x509.Certificate,
        chain: tuple[x509.Certificate, ...] | list[x509.Certificate] = (),
        *,
        description: str = "software key (in memory)",
    ) -> None:
        if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise KeyLoadError(
                f"Unsupported key type {type(private_key).__name__}: esig signs with RSA or EC"
            )
        _check_pair(private_key, certificate)
        super().__init__(certificate, chain)
        self._key = private_key
        self._description = description

    @classmethod
    def from_pkcs12(cls, source: Source, passphrase: str | bytes | None = None) -> SoftwareKey:
        """Load a key, its certificate and chain from a PKCS#12 (``.p12``/``.pfx``) file.

        Args:
            source: Path to the file, or its content.
            passphrase: The container's passphrase, if it has one. It is used once and
                not kept.

        Raises:
            WrongPassphraseError: The passphrase does not open the container.
            KeyLoadError: The data is not PKCS#12 or holds no key or certificate.

        """
        data, path = _read(source, "PKCS#12 file")
        secret = _secret(passphrase)
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, secret)
        except ValueError:
            if _looks_like_pkcs12(data):
                raise WrongPassphraseError(
                    "The passphrase does not open this PKCS#12 file"
                    if secret
                    else "This PKCS#12 file is protected by a passphrase; none was given",
                    path=path,
                ) from None
            raise KeyLoadError("This is not a PKCS#12 file", path=path) from None
        if key is None or cert is None:
            raise KeyLoadError("The PKCS#12 file holds no private key and certificate", path=path)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise KeyLoadError(
                f"Unsupported key type {type(key).__name__}: esig signs with RSA or EC", path=path
            )
        return cls(key, cert, list(extra), description="software key (PKCS#12 file)")

    @classmethod
    def from_pem(
        cls,
        key: Source,
        certificate: Source,
        chain: Sequence[Source] = (),
        passphrase: str | bytes | None = None,
    ) -> SoftwareKey:
        """Load a PEM (or DER) private key and its certificate.

        Args:
            key: Path to the private key file (PKCS#8 or traditional), or its content.
            certificate: Path to the certificate, or its content.
            chain: Paths (or contents) of issuer certificates to embed.
            passphrase: The key's passphrase, if it is encrypted. Used once, not kept.

        Raises:
            WrongPassphraseError: The key is encrypted and the passphrase is wrong or missing.
            KeyLoadError: The file is not a private key.
            KeyCertificateMismatchError: The certificate is not for this key.

        """
        data, path = _read(key, "private key file")
        secret = _secret(passphrase)
        private_key = _load_private_key(data, secret, path)
        cert = load_certificate(certificate, what="signer certificate")
        issuers = [c for src in chain for c in load_certificates(src, what="chain certificate")]
        return cls(private_key, cert, issuers, description="software key (PEM file)")

    @property
    def evidence(self) -> DeviceEvidence:
        """A software key: extractable, no authentication per use, never a QSCD."""
        return DeviceEvidence(
            kind=DeviceKind.SOFTWARE,
            description=self._description,
            key_extractable=True,
            authentication_per_use=False,
            qscd_claimed=False,
        )

    def sign_digest(self, digest: bytes, algorithm: DigestAlgorithm) -> bytes:
        """Sign a digest with the in-memory key."""
        if len(digest) != algorithm.digest_size:
            raise ValueError(
                f"A {algorithm.value} digest has {algorithm.digest_size} bytes, got {len(digest)}"
            )
        prehashed = Prehashed(algorithm.hash())
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(digest, padding.PKCS1v15(), prehashed)
        return self._key.sign(digest, ec.ECDSA(prehashed))

    async def async_sign_digest(self, digest: bytes, algorithm: DigestAlgorithm) -> bytes:
        """Sign in the calling thread: a software signature takes well under a millisecond."""
        return self.sign_digest(digest, algorithm)


def _read(source: Source, what: str) -> tuple[bytes, Path | None]:
    if isinstance(source, bytes):
        return source, None
    path = Path(source)
    try:
        if path.stat().st_size > _MAX_KEY_FILE:
            raise KeyLoadError(f"The {what} is too large to be a key container", path=path)
        return path.read_bytes(), path
    except FileNotFoundError:
        raise KeyLoadError(f"The {what} does not exist", path=path) from None
    except IsADirectoryError:
        raise KeyLoadError(f"Expected a {what}, got a folder", path=path) from None
    except OSError as exc:
        raise KeyLoadError(f"The {what} cannot be read: {exc.strerror}", path=path) from None


def _secret(passphrase: str | bytes | None) -> bytes | None:
    if passphrase is None or passphrase in ("", b""):
        return None
    return passphrase.encode("utf-8") if isinstance(passphrase, str) else passphrase


def _looks_like_pkcs12(data: bytes) -> bool:
    try:
        pfx = asn1_pkcs12.Pfx.load(data)
        pfx.native  # noqa: B018 - forces a full parse
    except (ValueError, TypeError):
        return False
    return True


def _load_private_key(data: bytes, secret: bytes | None, path: Path | None) -> PrivateKey:
    loader = (
        serialization.load_pem_private_key
        if b"-----BEGIN" in data
        else serialization.load_der_private_key
    )
    try:
        key = loader(data, password=secret)
    except TypeError:
        if secret is None:
            raise WrongPassphraseError(
                "This private key is encrypted; no passphrase was given", path=path
            ) from None
        raise KeyLoadError(
            "This private key is not encrypted; drop the passphrase", path=path
        ) from None
    except ValueError:
        if secret is not None and b"ENCRYPTED" in data:
            raise WrongPassphraseError(
                "The passphrase does not open this private key", path=path
            ) from None
        raise KeyLoadError("This is not a readable private key (PEM or DER)", path=path) from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyLoadError(
            f"Unsupported key type {type(key).__name__}: esig signs with RSA or EC", path=path
        )
    return key


def _check_pair(private_key: PrivateKey, certificate: x509.Certificate) -> None:
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if private_key.public_key().public_bytes(*spki) != certificate.public_key().public_bytes(*spki):
        raise KeyCertificateMismatchError(
            "The certificate does not match the private key (certificate for "
            f"{certificate.subject.rfc4514_string()!r})"
        )
