"""Private keys on a token: what the token says about a key, and selecting one by label or id."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from pkcs11 import Attribute, ObjectClass
from pkcs11 import KeyType as P11KeyType

from esig.devices.pkcs11.errors import KeyNotFoundError
from esig.devices.pkcs11.session import find_objects, read_attribute

__all__ = ["KeyAlgorithm"]


class KeyAlgorithm(StrEnum):
    """The algorithm of a key on a token."""

    RSA = "rsa"
    EC = "ec"
    OTHER = "other"
    """A key type esig does not sign with (DSA, EdDSA, GOST, ...)."""


@dataclass(frozen=True)
class KeyFacts:
    """The attributes of a private key on the token that esig decides on, read once."""

    label: str
    id: bytes
    key_type: Any
    can_sign: bool
    extractable: bool | None
    sensitive: bool | None
    never_extractable: bool | None
    always_authenticate: bool
    allowed_mechanisms: tuple[int, ...]
    modulus: bytes | None
    ec_params: bytes | None

    @classmethod
    def read(cls, key: Any) -> KeyFacts:
        """Read the facts of ``key``, a python-pkcs11 private key object."""
        key_type = read_attribute(key, Attribute.KEY_TYPE)
        is_rsa, is_ec = key_type == P11KeyType.RSA, key_type == P11KeyType.EC
        return cls(
            label=str(read_attribute(key, Attribute.LABEL, "")),
            id=bytes(read_attribute(key, Attribute.ID, b"")),
            key_type=key_type,
            can_sign=bool(read_attribute(key, Attribute.SIGN, False)),
            extractable=read_attribute(key, Attribute.EXTRACTABLE),
            sensitive=read_attribute(key, Attribute.SENSITIVE),
            never_extractable=read_attribute(key, Attribute.NEVER_EXTRACTABLE),
            always_authenticate=bool(read_attribute(key, Attribute.ALWAYS_AUTHENTICATE, False)),
            allowed_mechanisms=tuple(read_attribute(key, Attribute.ALLOWED_MECHANISMS, None) or ()),
            modulus=read_attribute(key, Attribute.MODULUS) if is_rsa else None,
            ec_params=read_attribute(key, Attribute.EC_PARAMS) if is_ec else None,
        )

    @property
    def algorithm(self) -> KeyAlgorithm:
        """RSA, EC, or OTHER (which esig does not sign with)."""
        if self.key_type == P11KeyType.RSA:
            return KeyAlgorithm.RSA
        if self.key_type == P11KeyType.EC:
            return KeyAlgorithm.EC
        return KeyAlgorithm.OTHER

    @property
    def key_size(self) -> int | None:
        """The modulus length or the named curve's size in bits, if known."""
        if self.modulus:
            return int.from_bytes(self.modulus, "big").bit_length()
        if self.ec_params:
            try:
                params = asn1_keys.ECDomainParameters.load(self.ec_params)
                if params.name == "named":
                    curve = ec.get_curve_for_oid(x509.ObjectIdentifier(params.chosen.dotted))
                    return curve().key_size
            except (ValueError, LookupError):
                return None
        return None

    @property
    def key_extractable(self) -> bool | None:
        """Whether the key may leave the token (extractable or not sensitive); ``None``: unknown."""
        if self.extractable is None or self.sensitive is None:
            return None
        return bool(self.extractable) or not self.sensitive


def select_key(session: Any, token_label: str, key_label: str | None, key_id: str | None) -> Any:
    """The one private key with ``key_label`` and/or ``key_id`` (hex); KeyNotFoundError if not."""
    all_keys = find_objects(session, {Attribute.CLASS: ObjectClass.PRIVATE_KEY})
    labels = sorted({str(read_attribute(k, Attribute.LABEL, "")) for k in all_keys})
    template: dict[Attribute, Any] = {Attribute.CLASS: ObjectClass.PRIVATE_KEY}
    if key_label is not None:
        template[Attribute.LABEL] = key_label
    if key_id is not None:
        template[Attribute.ID] = bytes.fromhex(key_id)
    matches = find_objects(session, template) if len(template) > 1 else all_keys
    shown = ", ".join(repr(label) for label in labels) or "none"
    wanted = " and ".join(
        part
        for part in (
            f"label {key_label!r}" if key_label is not None else "",
            f"id {key_id}" if key_id is not None else "",
        )
        if part
    )
    if not matches:
        raise KeyNotFoundError(
            f"Token {token_label!r} holds no private key with {wanted or 'any label'} (keys on "
            f"the token: {shown}); check the label, or the PIN if the token hides its keys",
            token_label=token_label,
            key_label=key_label,
            key_id=key_id,
            available=labels,
        )
    if len(matches) > 1:
        raise KeyNotFoundError(
            f"Token {token_label!r} holds {len(matches)} private keys"
            + (f" with {wanted}" if wanted else "")
            + f" (keys: {shown}); choose one by label or id",
            token_label=token_label,
            key_label=key_label,
            key_id=key_id,
            available=labels,
        )
    return matches[0]
