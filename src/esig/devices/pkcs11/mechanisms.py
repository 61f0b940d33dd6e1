"""The signing mechanics: the raw mechanisms esig signs digests with, and whether a key may.

RSA keys sign with ``CKM_RSA_PKCS`` over a DER ``DigestInfo``; EC keys with
``CKM_ECDSA`` over the digest.
"""

from __future__ import annotations

from typing import Any, Final

from asn1crypto import algos as asn1_algos
from asn1crypto import core as asn1_core
from pkcs11 import KeyType as P11KeyType
from pkcs11 import Mechanism
from pkcs11 import exceptions as p11

from esig.devices.base import DigestAlgorithm
from esig.devices.pkcs11.errors import KeyUsageError, MechanismNotSupportedError, translate_error
from esig.devices.pkcs11.keys import KeyAlgorithm, KeyFacts
from esig.errors import KeyLoadError

_NEEDED_MECHANISM: Final = {P11KeyType.RSA: Mechanism.RSA_PKCS, P11KeyType.EC: Mechanism.ECDSA}
_SIGNING_NAMES: Final = ("RSA", "ECDSA", "DSA", "EDDSA", "SHA", "PSS")


def mechanism_name(value: int) -> str:
    """The CKM_ name of a mechanism number (without the prefix), or its hex value."""
    try:
        return Mechanism(value).name
    except ValueError:
        return f"0x{value:08X}"


def allows_raw_signing(facts: KeyFacts) -> bool:
    """Whether the key's CKA_ALLOWED_MECHANISMS (if any) permit esig's raw mechanism."""
    needed = _NEEDED_MECHANISM.get(facts.key_type)
    if needed is None:
        return False
    return not facts.allowed_mechanisms or int(needed) in facts.allowed_mechanisms


def check_key(token: Any, facts: KeyFacts, token_label: str) -> None:
    """Refuse a key esig cannot sign with: not RSA/EC, not for signing, mechanism missing."""
    if facts.algorithm is KeyAlgorithm.OTHER:
        raise KeyLoadError(
            f"Key {facts.label!r} on token {token_label!r} is neither RSA nor EC; esig signs "
            "with RSA or EC keys"
        )
    if not facts.can_sign:
        raise KeyUsageError(
            f"Key {facts.label!r} on token {token_label!r} may not sign (CKA_SIGN is false); "
            "choose a signing key",
            token_label=token_label,
            key_label=facts.label,
        )
    needed = _NEEDED_MECHANISM[facts.key_type]
    try:
        offered = {int(m) for m in token.slot.get_mechanisms()}
    except p11.PKCS11Error as exc:
        raise translate_error(exc, token_label=token_label, token=token) from None
    if int(needed) not in offered:
        names = sorted(
            n for n in map(mechanism_name, offered) if any(s in n for s in _SIGNING_NAMES)
        )
        raise MechanismNotSupportedError(
            f"Token {token_label!r} does not offer the raw {needed.name} mechanism esig needs "
            f"to sign a precomputed digest (it offers: {', '.join(names) or 'none'}); use "
            "another token or module",
            token_label=token_label,
            mechanism=needed.name,
            offered=names,
        )
    if facts.allowed_mechanisms and int(needed) not in facts.allowed_mechanisms:
        names = [mechanism_name(m) for m in facts.allowed_mechanisms]
        raise MechanismNotSupportedError(
            f"Key {facts.label!r} on token {token_label!r} is restricted to "
            f"{', '.join(names)} (CKA_ALLOWED_MECHANISMS), but esig signs precomputed digests "
            f"with {needed.name}; use a key that allows {needed.name}",
            token_label=token_label,
            mechanism=needed.name,
            offered=names,
        )


def digest_info(digest: bytes, algorithm: DigestAlgorithm) -> bytes:
    """The DER DigestInfo that PKCS#1 v1.5 signs (RFC 8017 §9.2), parameters NULL."""
    return bytes(
        asn1_algos.DigestInfo(
            {
                "digest_algorithm": {"algorithm": algorithm.value, "parameters": asn1_core.Null()},
                "digest": digest,
            }
        ).dump()
    )
