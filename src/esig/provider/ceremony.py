"""The key ceremony: the CA's key pair made on its token, certified, and recorded.

:func:`key_ceremony` generates the key pair on the PKCS#11 token (sensitive, never
extractable: it never exists outside the token), has it certified, stores the
certificate on the token beside the key and in the provider's store, and makes the
first record of the event log a ``key-ceremony`` event: who held it (the first
administrator and any witnesses), when (the provider's clock), the token (label, serial,
model), the key (label, id, type, its attributes as the token reports them) and the
certificate's SHA-256.

The certificate is self-signed (a root CA), or signed by ``issuer``, an existing root's
device. A self-signed certificate is signed by the new key on the token, through the
same :class:`~esig.provider.ca_signing.CaSigner` path as everything else the CA signs:
a provisional certificate with the new key's public half and the final subject is put on
the token only so that the key can be opened as a device, and is replaced by the real
certificate as soon as the token has signed it.

Nothing is left behind when the ceremony fails: the key pair and certificates it put on
the token are deleted again, and the store stays empty.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Sequence
from contextlib import closing
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from esig._model import EsigModel
from esig.devices.base import SignatureCreationDevice
from esig.errors import InputError
from esig.issuance import KeyType
from esig.provider.ca import CertificateAuthority, check_ca_certificate
from esig.provider.ca_signing import CaSigner
from esig.provider.errors import ProviderError, ProviderStoreError
from esig.provider.issuing import ORGANIZATION_IDENTIFIER, ServiceUrls, ca_certificate_builder
from esig.provider.models import Clock, SystemClock, to_utc_second
from esig.provider.store import ProviderStore

__all__ = ["KeyCeremonyRecord", "key_ceremony", "parse_subject"]

_MAX_VALIDITY_DAYS: Final = 36525
"""A hundred years: a CA certificate's validity above this is a typing error."""


class KeyCeremonyRecord(EsigModel):
    """What a key ceremony made, as its ``key-ceremony`` log record holds it."""

    time: dt.datetime
    """When it was recorded: the time of its log record (the provider's clock, UTC to the
    second; the certificate's notBefore is the ceremony's start, at most seconds before)."""
    administrator: str
    """Who held it: the CA's first administrator."""
    witnesses: tuple[str, ...] = ()
    """Who else attended."""
    token_label: str
    """The token's label."""
    token_serial: str
    """The token's serial number, as the token reports it."""
    token_model: str
    """The token's manufacturer and model."""
    key_label: str
    """The key pair's label on the token."""
    key_id: str
    """The key pair's CKA_ID (hex)."""
    key_type: KeyType
    """The key's type."""
    key_sensitive: bool
    """CKA_SENSITIVE, as the token reports it after generation (must be true)."""
    key_never_extractable: bool
    """CKA_NEVER_EXTRACTABLE, as the token reports it (must be true)."""
    certificate_sha256: str
    """SHA-256 (hex) of the CA certificate (DER)."""
    subject: str
    """The CA certificate's subject (RFC 4514)."""
    issuer: str
    """Its issuer (the subject itself when self-signed)."""
    self_signed: bool
    """Whether the CA is a root (signed by its own new key)."""

    def payload(self) -> dict[str, object]:
        """The record as the log's payload (JSON values)."""
        return self.model_dump(mode="json", exclude={"time", "administrator"})


def parse_subject(subject: str) -> x509.Name:
    """An RFC 4514 name (``CN=…,O=…,C=BQ``; ``organizationIdentifier=…`` allowed).

    Raises:
        InputError: Not a name, or one without a common name.

    """
    try:
        name = x509.Name.from_rfc4514_string(
            subject, {"organizationIdentifier": ORGANIZATION_IDENTIFIER}
        )
    except ValueError as exc:
        raise InputError(f"Not an RFC 4514 name ({exc}): give e.g. 'CN=…,O=…,C=BQ'") from None
    if not name.get_attributes_for_oid(x509.NameOID.COMMON_NAME):
        raise InputError("The CA's subject needs a common name (CN=…)")
    return name


def _public_key(certificate: x509.Certificate) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey)
    return key


def _provisional(builder: x509.CertificateBuilder, key_type: KeyType) -> x509.Certificate:
    """The certificate ``builder`` describes, signed by a throwaway key (never trusted)."""
    throwaway = key_type.generate()
    return builder.sign(throwaway, hashes.SHA256())


def key_ceremony(
    store: ProviderStore,
    *,
    module_path: str,
    token_label: str,
    key_label: str,
    pin: str | None,
    subject: str,
    validity_days: int,
    base_url: str,
    administrator: str,
    key_type: KeyType = KeyType.EC_P256,
    issuer: SignatureCreationDevice | None = None,
    witnesses: Sequence[str] = (),
    device_uri: str | None = None,
    clock: Clock | None = None,
) -> tuple[CertificateAuthority, str, KeyCeremonyRecord]:
    """Generate the CA's key on a token, certify it, and set up the CA in an empty store.

    Args:
        store: An empty database (tables are created).
        module_path: The token's PKCS#11 module.
        token_label: The token's label.
        key_label: The label of the new key pair (and of its certificate); no object on
            the token may carry it yet.
        pin: The token's user PIN (only passed to the token).
        subject: The CA's name, RFC 4514 (``CN=…,O=…,organizationIdentifier=…,C=BQ``).
        validity_days: How long the CA certificate is valid, from now.
        base_url: Where ``esig ca serve`` answers (see :meth:`CertificateAuthority.create`).
        administrator: The first administrator, who holds the ceremony.
        key_type: The key's type (default EC P-256).
        issuer: A root CA's device to sign the certificate; None makes a self-signed root.
        witnesses: Who else attended (recorded).
        device_uri: How the CLI reopens the key (``pkcs11:…``; no secret in it).
        clock: The clock (default: the system clock).

    Returns:
        The CA, the first administrator's API key (shown once) and the ceremony's record.

    Raises:
        InputError: A bad subject, validity or base URL.
        ProviderStoreError: A CA is already set up in the store, or ``issuer``'s
            certificate is not a CA certificate.
        ProviderError: The token already holds an object with ``key_label``, or made a
            key that is not sensitive and never extractable.
        KeyLoadError: The token cannot be reached or logged in to (a subclass says why).

    """
    from esig.devices.pkcs11 import Pkcs11Device  # noqa: PLC0415 - python-pkcs11 is optional
    from esig.devices.pkcs11.keygen import TokenWriter  # noqa: PLC0415 - python-pkcs11 is optional

    name = parse_subject(subject)
    if not 1 <= validity_days <= _MAX_VALIDITY_DAYS:
        raise InputError(f"The validity must be 1 to {_MAX_VALIDITY_DAYS} days")
    try:
        ServiceUrls(base_url)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if issuer is not None:
        check_ca_certificate(issuer.certificate)
    clock = clock or SystemClock()
    store.create_tables()
    if store.is_set_up():
        raise ProviderStoreError(
            f"A CA is already set up in {store.url}; a key ceremony sets up a new CA in an "
            "empty database only"
        )
    with closing(TokenWriter(module_path, token_label=token_label, pin=pin)) as writer:
        if writer.has_objects(key_label):
            raise ProviderError(
                f"Token {token_label!r} already holds a key or certificate labelled "
                f"{key_label!r}; a key ceremony never reuses or replaces a key: choose a "
                "new label"
            )
        key_id = os.urandom(8)
        try:
            public = writer.generate_key_pair(label=key_label, key_id=key_id, key_type=key_type)
            facts = writer.private_key(key_label)
            if facts.sensitive is not True or facts.never_extractable is not True:
                raise ProviderError(
                    f"Token {token_label!r} made a key that is not sensitive and never "
                    "extractable; a CA key must never leave its token"
                )
            start = to_utc_second(clock.now())
            builder = ca_certificate_builder(
                name,
                public,
                not_before=start,
                not_after=start + dt.timedelta(days=validity_days),
                issuer=None if issuer is None else issuer.certificate,
            )
            if issuer is not None:
                certificate = CaSigner(issuer).sign_certificate(builder)
            else:
                provisional = _provisional(builder, key_type)
                writer.import_certificate(provisional, label=key_label, key_id=key_id)
                with Pkcs11Device.open(
                    module_path, token_label=token_label, key_label=key_label, pin=pin
                ) as own:
                    certificate = CaSigner(own).sign_certificate(builder)
                writer.destroy(key_label, certificates_only=True)
            if _public_key(certificate).public_numbers() != public.public_numbers():
                raise ProviderError("The CA certificate does not certify the token's new key")
            writer.import_certificate(certificate, label=key_label, key_id=key_id)
            chain = () if issuer is None else (issuer.certificate,)
            record = KeyCeremonyRecord(
                time=start,
                administrator=administrator,
                witnesses=tuple(witnesses),
                token_label=token_label,
                token_serial=writer.token_serial,
                token_model=writer.token_description,
                key_label=key_label,
                key_id=key_id.hex(),
                key_type=key_type,
                key_sensitive=bool(facts.sensitive),
                key_never_extractable=bool(facts.never_extractable),
                certificate_sha256=hashlib.sha256(
                    certificate.public_bytes(Encoding.DER)
                ).hexdigest(),
                subject=certificate.subject.rfc4514_string(),
                issuer=certificate.issuer.rfc4514_string(),
                self_signed=issuer is None,
            )
            device = Pkcs11Device.open(
                module_path, token_label=token_label, key_label=key_label, pin=pin, chain=chain
            )
            try:
                ca, api_key = CertificateAuthority.create(
                    store,
                    device,
                    base_url=base_url,
                    administrator=administrator,
                    device_uri=device_uri,
                    clock=clock,
                    key_ceremony=record.payload(),
                )
            except BaseException:
                device.close()
                raise
        except BaseException:
            writer.destroy(key_label)
            raise
    # The record's time is the log record's (the clock may have ticked since notBefore).
    return ca, api_key, record.model_copy(update={"time": ca.events()[0].time})
