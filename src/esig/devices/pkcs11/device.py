"""The :class:`Pkcs11Device`: a signing key on a token, opened once, signing many times."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Self

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pkcs11 import Attribute, Mechanism, ObjectClass
from pkcs11 import exceptions as p11

from esig.devices.base import (
    DeviceEvidence,
    DeviceKind,
    DigestAlgorithm,
    SignatureCreationDevice,
    SignatureScheme,
)
from esig.devices.pkcs11.certificates import (
    checked_certificate,
    has_content_commitment,
    issuers_on_token,
)
from esig.devices.pkcs11.errors import (
    DeviceClosedError,
    KeyUsageError,
    PinRequiredError,
    translate_error,
)
from esig.devices.pkcs11.keys import KeyFacts, select_key
from esig.devices.pkcs11.login import Logins
from esig.devices.pkcs11.mechanisms import check_key, digest_info
from esig.devices.pkcs11.profiles import Pkcs11Profile
from esig.devices.pkcs11.session import (
    attribute_mapper,
    close_quietly,
    find_objects,
    open_session,
)
from esig.devices.pkcs11.tokens import ModulePath, find_token, load_module, resolve_module_path

__all__ = ["Pkcs11Device"]

_log = logging.getLogger(__package__)
"""The logger of the whole package, ``esig.devices.pkcs11``."""


_HEX_ID: Final = re.compile(r"(?:[0-9A-Fa-f]{2})+")


class _Pin:
    """A PIN kept for per-use authentication. It never prints and cannot be pickled."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<PIN hidden>"

    __str__ = __repr__

    def __reduce__(self) -> str:
        raise TypeError("A PIN cannot be pickled")


@dataclass
class _State:
    lib: Any
    token: Any
    session: Any
    key: Any
    login: tuple[str, int, bytes] | None


class Pkcs11Device(SignatureCreationDevice):
    """A signing key on a PKCS#11 token, with its certificate and issuer chain.

    Open one with :meth:`open` (or :meth:`from_profile`) and close it with :meth:`close`,
    or use it as a context manager. The session stays open in between, so many
    signatures cost one login. Signing is a blocking call; the async twin runs it in a
    worker thread. One device may be shared between threads: signatures are serialised.
    """

    def __init__(
        self,
        *,
        state: _State,
        facts: KeyFacts,
        token_label: str,
        certificate: x509.Certificate,
        chain: tuple[x509.Certificate, ...],
        pin: _Pin | None,
        pin_per_use: bool,
        qscd_claimed: bool,
    ) -> None:
        """Use :meth:`open`; the constructor takes an already opened session."""
        self._state: _State | None = state
        self._facts = facts
        self._token_label = token_label
        super().__init__(certificate, chain)
        self._pin = pin
        self._pin_per_use = pin_per_use
        self._qscd_claimed = qscd_claimed
        self._lock = threading.Lock()
        self._description = (
            f"PKCS#11 token {token_label!r} "
            f"({state.token.manufacturer_id.strip()} {state.token.model.strip()}), "
            f"key {facts.label!r}"
        )
        self.signatures = 0
        """How many signatures this device has made since it was opened."""

    @classmethod
    def open(
        cls,
        module_path: ModulePath,
        *,
        token_label: str,
        key_label: str | None = None,
        key_id: str | None = None,
        pin: str | None = None,
        pin_per_use: bool | None = None,
        qscd_claimed: bool = False,
        require_content_commitment: bool = False,
        chain: Sequence[x509.Certificate] = (),
    ) -> Pkcs11Device:
        """Log in to a token and find the signing key and its certificate.

        Args:
            module_path: The PKCS#11 module (shared library) of the token's middleware,
                e.g. ``/usr/lib/softhsm/libsofthsm2.so``. A bare file name is looked up
                by the system's library loader.
            token_label: The token's label. Tokens are never selected by slot number.
            key_label: The private key's label.
            key_id: The private key's id in hex. With neither label nor id, the token
                must hold exactly one private key.
            pin: The user PIN. None for a token without login or with a PIN pad
                (protected authentication path). Sent to the token, never shown; kept in
                memory until :meth:`close` only when the key needs it for every signature.
            pin_per_use: Expect the key to need the PIN for every signature (True) or
                not (False); None follows the key's ``CKA_ALWAYS_AUTHENTICATE``.
            qscd_claimed: Declare the token a qualified signature creation device.
            require_content_commitment: Refuse a key whose certificate lacks the
                content-commitment (non-repudiation) key usage.
            chain: Issuer certificates to embed. When empty, issuers found on the token
                are used.

        Raises:
            Pkcs11ModuleError: The module cannot be found or loaded.
            TokenNotFoundError: No token (or more than one) has this label.
            PinRequiredError: The token needs a PIN and none was given.
            PinIncorrectError: The token refused the PIN.
            PinLockedError: The PIN is locked.
            KeyNotFoundError: No private key (or more than one) matches.
            CertificateNotOnTokenError: The key has no certificate on the token.
            KeyCertificateMismatchError: The certificate with the key's id is for another key.
            KeyUsageError: The key may not sign, or does not fit the configured policy.
            MechanismNotSupportedError: The token or key lacks the raw signing mechanism.
            KeyLoadError: The key type is not RSA or EC, or another token error.

        """
        if key_id is not None and not _HEX_ID.fullmatch(key_id):
            raise ValueError(
                f"key_id must be hex digits in pairs, as pkcs11-tool shows it: {key_id!r}"
            )
        secret = pin if pin else None
        module = resolve_module_path(module_path)
        lib = load_module(module)
        token = find_token(lib, token_label)
        with ExitStack() as cleanup:
            login = Logins.acquire(module, token, token_label, secret)
            cleanup.callback(Logins.release, login)
            session = open_session(token, token_label)
            cleanup.callback(close_quietly, session)
            key = select_key(session, token_label, key_label, key_id)
            facts = KeyFacts.read(key)
            check_key(token, facts, token_label)
            certificate = checked_certificate(session, facts, token_label)
            if require_content_commitment and not has_content_commitment(certificate):
                raise KeyUsageError(
                    f"Key {facts.label!r} on token {token_label!r} is not for signing documents: "
                    "its certificate lacks the content-commitment (non-repudiation) key usage. "
                    "Choose the signature key (on a Belgian eID card: 'Signature', not "
                    "'Authentication')",
                    token_label=token_label,
                    key_label=facts.label,
                )
            _check_pin_policy(facts, token_label, pin_per_use)
            issuers = tuple(chain) or issuers_on_token(session, certificate)
            per_use = facts.always_authenticate
            if per_use and secret is None:
                raise PinRequiredError(
                    f"Key {facts.label!r} on token {token_label!r} needs the PIN for every "
                    "signature; give the PIN (PIN-pad entry per signature is not supported)",
                    token_label=token_label,
                )
            device = cls(
                state=_State(lib, token, session, key, login),
                facts=facts,
                token_label=token_label,
                certificate=certificate,
                chain=issuers,
                pin=_Pin(secret) if per_use and secret is not None else None,
                pin_per_use=per_use,
                qscd_claimed=qscd_claimed,
            )
            cleanup.pop_all()
        _log.debug(
            "Opened PKCS#11 key %r on token %r (PIN per use: %s)",
            facts.label,
            token_label,
            per_use,
        )
        return device

    @classmethod
    def from_profile(
        cls,
        module_path: ModulePath,
        profile: Pkcs11Profile,
        *,
        pin: str | None = None,
        chain: Sequence[x509.Certificate] = (),
    ) -> Pkcs11Device:
        """Open the key a :class:`Pkcs11Profile` (e.g. :data:`BELGIAN_EID`) describes.

        Same errors as :meth:`open`.
        """
        return cls.open(
            module_path,
            token_label=profile.token_label,
            key_label=profile.key_label,
            key_id=profile.key_id,
            pin=pin,
            pin_per_use=profile.pin_per_use,
            qscd_claimed=profile.qscd_claimed,
            require_content_commitment=profile.require_content_commitment,
            chain=chain,
        )

    # -- the SignatureCreationDevice interface

    @property
    def evidence(self) -> DeviceEvidence:
        """What the token says about the key, and what was declared about the token."""
        return DeviceEvidence(
            kind=DeviceKind.PKCS11,
            description=self._description,
            key_extractable=self._facts.key_extractable,
            authentication_per_use=self._pin_per_use,
            qscd_claimed=self._qscd_claimed,
        )

    @property
    def token_label(self) -> str:
        """The label of the token the key is on."""
        return self._token_label

    @property
    def key_label(self) -> str:
        """The key's label on the token."""
        return self._facts.label

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._state is None

    def sign_digest(self, digest: bytes, algorithm: DigestAlgorithm) -> bytes:
        """Have the token sign a digest (blocking).

        Raises:
            DeviceClosedError: The device is closed or the token was removed.
            MechanismNotSupportedError: The token refused the raw mechanism.
            PinIncorrectError: The token refused the per-use PIN.
            SigningError: Another token error.

        """
        if len(digest) != algorithm.digest_size:
            raise ValueError(
                f"A {algorithm.value} digest has {algorithm.digest_size} bytes, got {len(digest)}"
            )
        with self._lock:
            state = self._state
            if state is None:
                raise DeviceClosedError(
                    f"The device for key {self._facts.label!r} on token {self._token_label!r} "
                    "is closed; open it again to sign"
                )
            if self._scheme is SignatureScheme.RSA_PKCS1V15:
                data, mechanism = digest_info(digest, algorithm), Mechanism.RSA_PKCS
            else:
                data, mechanism = digest, Mechanism.ECDSA
            try:
                if self._pin is not None:
                    raw = state.key.sign(data, mechanism=mechanism, pin=self._pin.reveal())
                else:
                    raw = state.key.sign(data, mechanism=mechanism)
            except p11.PKCS11Error as exc:
                if self._pin_per_use:
                    # A failed per-use login leaves the operation active: start afresh.
                    self._reopen(state)
                raise translate_error(
                    exc,
                    token_label=self._token_label,
                    key_label=self._facts.label,
                    signing=True,
                    token=state.token,
                    mechanism=mechanism.name,
                ) from None
            self.signatures += 1
        raw = bytes(raw)
        if self._scheme is SignatureScheme.RSA_PKCS1V15:
            return raw
        half = len(raw) // 2
        return encode_dss_signature(
            int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
        )

    def _reopen(self, state: _State) -> None:
        close_quietly(state.session)
        try:
            state.session = state.token.open(attribute_mapper=attribute_mapper())
            template = {
                Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                Attribute.ID: self._facts.id,
                Attribute.LABEL: self._facts.label,
            }
            (state.key,) = find_objects(state.session, template)
        except (p11.PKCS11Error, ValueError):
            Logins.release(state.login)
            self._state = None
            self._pin = None

    # -- lifetime

    def close(self) -> None:
        """End the session and forget the PIN; the last user of the token logs out.

        Closing twice is harmless.
        """
        with self._lock:
            state, self._state = self._state, None
            self._pin = None
        if state is None:
            return
        close_quietly(state.session)
        Logins.release(state.login)
        _log.debug(
            "Closed PKCS#11 key %r on token %r after %d signatures",
            self._facts.label,
            self._token_label,
            self.signatures,
        )

    def __enter__(self) -> Self:
        """Use the device in a ``with`` block; it is closed at the end."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the device."""
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return (
            f"<Pkcs11Device {state} token={self._token_label!r} key={self._facts.label!r} "
            f"for {self._certificate.subject.rfc4514_string()!r}>"
        )


def _check_pin_policy(facts: KeyFacts, token_label: str, pin_per_use: bool | None) -> None:
    if pin_per_use is not None and pin_per_use != facts.always_authenticate:
        expected = "needs" if pin_per_use else "does not need"
        actual = "needs" if facts.always_authenticate else "does not need"
        raise KeyUsageError(
            f"Key {facts.label!r} on token {token_label!r} {actual} the PIN for every "
            f"signature, but the configuration expects a key that {expected} it; check the "
            "key label",
            token_label=token_label,
            key_label=facts.label,
        )
