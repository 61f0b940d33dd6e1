"""The subject public key (BES art. 6(1)(d)) and the issuer's signature (art. 6(1)(g))."""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa, x448, x25519
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes

from esig._library_warnings import dsa_public_key_class
from esig.identity import NameIdentity
from esig.oids import NamedOID
from esig.profiles.model import IssuerSignature, KeyAlgorithm, PublicKeyInfo


def _describe_key(key: CertificatePublicKeyTypes) -> tuple[KeyAlgorithm, int | None, str | None]:
    match key:
        case rsa.RSAPublicKey():
            return KeyAlgorithm.RSA, key.key_size, None
        case _ if isinstance(key, dsa_public_key_class()):
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


def read_public_key(cert: x509.Certificate) -> tuple[PublicKeyInfo, bool]:
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


def check_issuer_signature(
    cert: x509.Certificate, issuer: x509.Certificate | None
) -> IssuerSignature:
    """Verify the issuer's signature on ``cert`` (art. 6(1)(g)); unchecked without ``issuer``."""
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
