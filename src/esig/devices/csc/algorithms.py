"""Signature algorithms of the CSC API: which ``signAlgo`` to ask for, and the value's check.

Pure functions: :func:`select_sign_algorithm` picks the OID among those a credential's
key offers; :func:`check_signature_value` verifies what the service returned against the
certificate (and re-encodes a raw ECDSA ``r || s`` as DER). :class:`HashAlgorithmOID`
names the digest algorithms as ``hashAlgo`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.x509 import ObjectIdentifier
from cryptography.x509.oid import PublicKeyAlgorithmOID, SignatureAlgorithmOID

from esig.devices.base import DigestAlgorithm, SignatureScheme
from esig.devices.csc.errors import MalformedResponseError, describe_service
from esig.devices.csc.models import CscEndpoint
from esig.errors import KeyLoadError, SigningError

__all__ = [
    "HashAlgorithmOID",
    "check_signature_value",
    "select_sign_algorithm",
]


class HashAlgorithmOID:
    """Digest algorithm OIDs (NIST, RFC 5754) as the CSC ``hashAlgo`` parameter names them."""

    SHA256: Final = ObjectIdentifier("2.16.840.1.101.3.4.2.1")
    """``id-sha256``."""
    SHA384: Final = ObjectIdentifier("2.16.840.1.101.3.4.2.2")
    """``id-sha384``."""
    SHA512: Final = ObjectIdentifier("2.16.840.1.101.3.4.2.3")
    """``id-sha512``."""

    @classmethod
    def of(cls, algorithm: DigestAlgorithm) -> ObjectIdentifier:
        """The OID of ``algorithm``."""
        return {
            DigestAlgorithm.SHA256: cls.SHA256,
            DigestAlgorithm.SHA384: cls.SHA384,
            DigestAlgorithm.SHA512: cls.SHA512,
        }[algorithm]


_COMBINED_SIGN_ALGORITHMS: Final[
    dict[tuple[SignatureScheme, DigestAlgorithm], ObjectIdentifier]
] = {
    (SignatureScheme.RSA_PKCS1V15, DigestAlgorithm.SHA256): SignatureAlgorithmOID.RSA_WITH_SHA256,
    (SignatureScheme.RSA_PKCS1V15, DigestAlgorithm.SHA384): SignatureAlgorithmOID.RSA_WITH_SHA384,
    (SignatureScheme.RSA_PKCS1V15, DigestAlgorithm.SHA512): SignatureAlgorithmOID.RSA_WITH_SHA512,
    (SignatureScheme.ECDSA, DigestAlgorithm.SHA256): SignatureAlgorithmOID.ECDSA_WITH_SHA256,
    (SignatureScheme.ECDSA, DigestAlgorithm.SHA384): SignatureAlgorithmOID.ECDSA_WITH_SHA384,
    (SignatureScheme.ECDSA, DigestAlgorithm.SHA512): SignatureAlgorithmOID.ECDSA_WITH_SHA512,
}
"""signAlgo OIDs that name the digest too (``sha256WithRSAEncryption`` and so on)."""

_BARE_SIGN_ALGORITHMS: Final[dict[SignatureScheme, ObjectIdentifier]] = {
    SignatureScheme.RSA_PKCS1V15: PublicKeyAlgorithmOID.RSAES_PKCS1_v1_5,
}
"""signAlgo OIDs that need ``hashAlgo`` beside them (``rsaEncryption``: PKCS#1 v1.5)."""


def select_sign_algorithm(
    key_algorithms: Sequence[str], scheme: SignatureScheme, digest_algorithm: DigestAlgorithm
) -> ObjectIdentifier:
    """The ``signAlgo`` OID to ask for, among those the credential's key supports.

    A combined OID (``sha256WithRSAEncryption``, ``ecdsa-with-SHA256``) is preferred;
    for RSA, bare ``rsaEncryption`` with ``hashAlgo`` will do. An empty list (a
    service that does not say) gets the combined OID.

    Raises:
        SigningError: The key supports neither for this digest algorithm.

    """
    combined = _COMBINED_SIGN_ALGORITHMS[(scheme, digest_algorithm)]
    offered = set(key_algorithms)
    if not offered or combined.dotted_string in offered:
        return combined
    bare = _BARE_SIGN_ALGORITHMS.get(scheme)
    if bare is not None and bare.dotted_string in offered:
        return bare
    raise SigningError(
        f"The credential cannot sign {digest_algorithm.value} digests with {scheme.value} "
        f"(it offers {', '.join(sorted(offered))}); choose another digest algorithm"
    )


def check_signature_value(
    certificate: x509.Certificate,
    signature: bytes,
    digest: bytes,
    digest_algorithm: DigestAlgorithm,
    *,
    service: str = "",
) -> bytes:
    """Check a returned signature value against the certificate; return it as CMS wants.

    An ECDSA value given as raw ``r || s`` (as some services do) is re-encoded as DER.

    Raises:
        MalformedResponseError: The value does not verify with the certificate's key:
            the service signed with another key or something else.

    """
    key = certificate.public_key()
    prehashed = Prehashed(digest_algorithm.hash())
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, digest, padding.PKCS1v15(), prehashed)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            signature = _ecdsa_der(signature, key.curve.key_size)
            key.verify(signature, digest, ec.ECDSA(prehashed))
        else:  # pragma: no cover - the device refuses other keys first
            raise KeyLoadError(f"Unsupported key type {type(key).__name__}")
    except InvalidSignature:
        raise MalformedResponseError(
            f"{describe_service(service)} returned a signature value that does not verify "
            "with the credential's certificate; nothing was signed. Report it to the "
            "service operator.",
            service=service,
            endpoint=CscEndpoint.SIGNATURES_SIGN_HASH.value,
        ) from None
    return signature


def _ecdsa_der(signature: bytes, curve_bits: int) -> bytes:
    size = (curve_bits + 7) // 8
    try:
        decode_dss_signature(signature)
    except ValueError:
        if len(signature) == 2 * size:
            r = int.from_bytes(signature[:size], "big")
            s = int.from_bytes(signature[size:], "big")
            return encode_dss_signature(r, s)
    return signature
