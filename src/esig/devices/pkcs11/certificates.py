"""The key's certificate and its issuers, as found on the token.

A key's certificate is the certificate object with the same id (or, failing that,
the same label) whose public key is the key's.
"""

from __future__ import annotations

from typing import Any

from asn1crypto import core as asn1_core
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pkcs11 import Attribute, ObjectClass
from pkcs11 import KeyType as P11KeyType

from esig.certificates import UNREADABLE_CERTIFICATE
from esig.devices.pkcs11.errors import CertificateNotOnTokenError
from esig.devices.pkcs11.keys import KeyFacts
from esig.devices.pkcs11.session import find_objects, read_attribute
from esig.errors import KeyCertificateMismatchError


def _ec_point(data: bytes) -> bytes:
    """An EC point from CKA_EC_POINT, which tokens give DER-wrapped (as they should) or raw."""
    try:
        parsed = asn1_core.OctetString.load(data)
        inner = bytes(parsed.native)
        if inner[:1] == b"\x04":
            return inner
    except (ValueError, TypeError):
        pass
    return data


def _matches(session: Any, facts: KeyFacts, cert: x509.Certificate) -> bool | None:
    """Whether ``cert`` certifies the token key (None: the token does not let us tell)."""
    public = cert.public_key()
    if facts.key_type == P11KeyType.RSA:
        if not isinstance(public, rsa.RSAPublicKey):
            return False
        if facts.modulus is None:
            return None
        return public.public_numbers().n == int.from_bytes(facts.modulus, "big")
    if facts.key_type == P11KeyType.EC:
        if not isinstance(public, ec.EllipticCurvePublicKey):
            return False
        template: dict[Attribute, Any] = {Attribute.CLASS: ObjectClass.PUBLIC_KEY}
        if facts.id:
            template[Attribute.ID] = facts.id
        else:
            template[Attribute.LABEL] = facts.label
        point = public.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        candidates = [
            read_attribute(obj, Attribute.EC_POINT) for obj in find_objects(session, template)
        ]
        known = [_ec_point(bytes(c)) for c in candidates if c]
        if not known:
            return None
        return point in known
    return None


def _certificates(session: Any, template: dict[Attribute, Any]) -> list[x509.Certificate]:
    template = {Attribute.CLASS: ObjectClass.CERTIFICATE, **template}
    found = []
    for obj in find_objects(session, template):
        value = read_attribute(obj, Attribute.VALUE)
        if not value:
            continue
        try:
            found.append(x509.load_der_x509_certificate(bytes(value)))
        except UNREADABLE_CERTIFICATE:
            continue
    return found


def certificate_for(session: Any, facts: KeyFacts) -> tuple[x509.Certificate | None, bool]:
    """The key's certificate, and whether a certificate was found that does not match."""
    candidates = _certificates(session, {Attribute.ID: facts.id}) if facts.id else []
    if not candidates and facts.label:
        candidates = _certificates(session, {Attribute.LABEL: facts.label})
    mismatch = False
    unsure: x509.Certificate | None = None
    for cert in candidates:
        verdict = _matches(session, facts, cert)
        if verdict is True:
            return cert, False
        if verdict is None and unsure is None:
            unsure = cert
        mismatch = mismatch or verdict is False
    return unsure, mismatch and unsure is None


def checked_certificate(session: Any, facts: KeyFacts, token_label: str) -> x509.Certificate:
    """The key's certificate; CertificateNotOnTokenError if none (or none that matches)."""
    certificate, mismatch = certificate_for(session, facts)
    if certificate is not None:
        return certificate
    if mismatch:
        raise KeyCertificateMismatchError(
            f"The certificate stored with key {facts.label!r} on token {token_label!r} is for "
            "another key; import the right certificate with the key's id"
        )
    raise CertificateNotOnTokenError(
        f"Key {facts.label!r} (id {facts.id.hex()}) on token {token_label!r} has no "
        "certificate on the token; import it as DER with the same id and label (e.g. "
        "pkcs11-tool --write-object cert.der --type cert --id ID --label LABEL)",
        token_label=token_label,
        key_label=facts.label,
        key_id=facts.id.hex(),
    )


def issuers_on_token(session: Any, cert: x509.Certificate) -> tuple[x509.Certificate, ...]:
    """Issuer certificates of ``cert`` found on the token (a Belgian eID holds CA and Root)."""
    pool = _certificates(session, {})
    chain: list[x509.Certificate] = []
    current = cert
    while current.issuer != current.subject and len(chain) < 8:
        issuer = next(
            (c for c in pool if c.subject == current.issuer and c != current and c not in chain),
            None,
        )
        if issuer is None:
            break
        chain.append(issuer)
        current = issuer
    return tuple(chain)


def has_content_commitment(cert: x509.Certificate) -> bool:
    """Whether the certificate's keyUsage allows content commitment (non-repudiation)."""
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return bool(usage.content_commitment)
