"""The errors a PKCS#11 device raises, and their translation from python-pkcs11's.

Every python-pkcs11 error becomes an :class:`~esig.errors.EsigError` with a message
that says what to do; only the python-pkcs11 error's class name is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pkcs11 import TokenFlag
from pkcs11 import exceptions as p11

from esig.errors import EsigError, KeyLoadError, SigningError, WrongPassphraseError

__all__ = [
    "CertificateNotOnTokenError",
    "DeviceClosedError",
    "KeyNotFoundError",
    "KeyUsageError",
    "MechanismNotSupportedError",
    "PinIncorrectError",
    "PinLockedError",
    "PinRequiredError",
    "Pkcs11ModuleError",
    "TokenNotFoundError",
]


class Pkcs11ModuleError(KeyLoadError):
    """The PKCS#11 module (the shared library) cannot be found or loaded.

    Attributes:
        module: The module path as given.

    """

    def __init__(self, message: str, *, module: str) -> None:
        super().__init__(message)
        self.module = module


class TokenNotFoundError(KeyLoadError):
    """No token with the requested label is present.

    Attributes:
        token_label: The label asked for.
        available: The labels of the tokens that are present.

    """

    def __init__(self, message: str, *, token_label: str, available: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.token_label = token_label
        self.available = tuple(available)


class KeyNotFoundError(KeyLoadError):
    """The token holds no private key that matches (or several do).

    Attributes:
        token_label: The token searched.
        key_label: The key label asked for, if any.
        key_id: The key id asked for (hex), if any.
        available: Labels of the private keys on the token.

    """

    def __init__(
        self,
        message: str,
        *,
        token_label: str,
        key_label: str | None,
        key_id: str | None,
        available: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.token_label = token_label
        self.key_label = key_label
        self.key_id = key_id
        self.available = tuple(available)


class CertificateNotOnTokenError(KeyLoadError):
    """The key was found but the token holds no certificate for it.

    Attributes:
        token_label: The token.
        key_label: The key's label.
        key_id: The key's id (hex).

    """

    def __init__(self, message: str, *, token_label: str, key_label: str, key_id: str) -> None:
        super().__init__(message)
        self.token_label = token_label
        self.key_label = key_label
        self.key_id = key_id


class PinRequiredError(WrongPassphraseError):
    """The token needs a PIN and none was given.

    Attributes:
        token_label: The token.

    """

    def __init__(self, message: str, *, token_label: str) -> None:
        super().__init__(message)
        self.token_label = token_label


class PinIncorrectError(WrongPassphraseError):
    """The token refused the PIN. The PIN is never shown.

    Attributes:
        token_label: The token.
        final_try: The token says one more wrong PIN will lock it.

    """

    def __init__(self, message: str, *, token_label: str, final_try: bool = False) -> None:
        super().__init__(message)
        self.token_label = token_label
        self.final_try = final_try


class PinLockedError(KeyLoadError):
    """The user PIN is locked after too many wrong tries; no PIN is sent to the token.

    Attributes:
        token_label: The token.

    """

    def __init__(self, message: str, *, token_label: str) -> None:
        super().__init__(message)
        self.token_label = token_label


class KeyUsageError(KeyLoadError):
    """The key exists but is not one to sign documents with, as configured.

    Raised when the key may not sign (``CKA_SIGN`` false), when its certificate lacks
    the content-commitment key usage and that was required, or when the key's
    PIN-per-use policy differs from the configured ``pin_per_use``.

    Attributes:
        token_label: The token.
        key_label: The key's label.

    """

    def __init__(self, message: str, *, token_label: str, key_label: str) -> None:
        super().__init__(message)
        self.token_label = token_label
        self.key_label = key_label


class MechanismNotSupportedError(SigningError):
    """The token (or the key) does not offer the raw signing mechanism esig needs.

    esig signs precomputed digests, so it needs ``CKM_RSA_PKCS`` for RSA keys and
    ``CKM_ECDSA`` for EC keys; hashing mechanisms such as ``CKM_ECDSA_SHA256`` do not fit.

    Attributes:
        token_label: The token.
        mechanism: The mechanism esig needs (e.g. ``ECDSA``).
        offered: Signing mechanisms the token or key does offer.

    """

    def __init__(
        self, message: str, *, token_label: str, mechanism: str, offered: Sequence[str] = ()
    ) -> None:
        super().__init__(message)
        self.token_label = token_label
        self.mechanism = mechanism
        self.offered = tuple(offered)


class DeviceClosedError(SigningError):
    """The device was closed (or its token removed); open it again to sign."""


def pin_locked_error(token_label: str) -> PinLockedError:
    """The :class:`PinLockedError` for ``token_label``, with how to unblock the PIN."""
    return PinLockedError(
        f"The PIN of token {token_label!r} is locked after too many wrong tries. Unblock it "
        "with the PUK or the security officer PIN (for a Belgian eID card: at the municipality); "
        "esig sent no PIN",
        token_label=token_label,
    )


def _token_flags_now(token: Any) -> TokenFlag:
    try:
        return TokenFlag(token.slot.get_token().flags)
    except p11.PKCS11Error:
        return TokenFlag(0)


def translate_error(
    exc: p11.PKCS11Error,
    *,
    token_label: str,
    key_label: str | None = None,
    signing: bool = False,
    token: Any = None,
    mechanism: str = "RSA_PKCS or ECDSA",
) -> EsigError:
    """An esig error for a python-pkcs11 error. Only the error's class name is used."""
    name = type(exc).__name__
    if isinstance(exc, p11.PinIncorrect | p11.PinInvalid | p11.PinLenRange):
        flags = _token_flags_now(token) if token is not None else TokenFlag(0)
        if flags & TokenFlag.USER_PIN_LOCKED:
            return pin_locked_error(token_label)
        final = bool(flags & TokenFlag.USER_PIN_FINAL_TRY)
        hint = (
            " Only one try is left before the PIN locks."
            if final
            else " Tokens lock the PIN after a few wrong tries."
        )
        return PinIncorrectError(
            f"Token {token_label!r} refused the PIN; check it and try again.{hint}",
            token_label=token_label,
            final_try=final,
        )
    if isinstance(exc, p11.PinLocked):
        return pin_locked_error(token_label)
    if isinstance(exc, p11.PinExpired):
        return KeyLoadError(
            f"The PIN of token {token_label!r} has expired; change it with the token's own tool"
        )
    if isinstance(
        exc,
        p11.MechanismInvalid | p11.MechanismParamInvalid | p11.KeyTypeInconsistent,
    ):
        what = f"key {key_label!r} on token {token_label!r}" if key_label else repr(token_label)
        return MechanismNotSupportedError(
            f"The {what} refused the raw signing mechanism esig needs ({name}); use a key "
            "or token that allows CKM_RSA_PKCS (RSA) or CKM_ECDSA (EC)",
            token_label=token_label,
            mechanism=mechanism,
        )
    if isinstance(exc, p11.DeviceRemoved | p11.TokenNotPresent | p11.TokenNotRecognised):
        if signing:
            return DeviceClosedError(
                f"Token {token_label!r} was removed; insert it and open the device again"
            )
        return TokenNotFoundError(
            f"Token {token_label!r} is not present; insert it and try again",
            token_label=token_label,
        )
    if signing and isinstance(
        exc, p11.SessionClosed | p11.SessionHandleInvalid | p11.UserNotLoggedIn
    ):
        return DeviceClosedError(
            f"The session with token {token_label!r} ended ({name}); open the device again"
        )
    if isinstance(exc, p11.UserAlreadyLoggedIn | p11.AnotherUserAlreadyLoggedIn):
        return KeyLoadError(
            f"Token {token_label!r} is already logged in by other code in this program (or as "
            "security officer); close that session first"
        )
    if isinstance(exc, p11.UserPinNotInitialized):
        return KeyLoadError(
            f"Token {token_label!r} has no user PIN yet; initialise it with the security "
            "officer PIN first"
        )
    if isinstance(exc, p11.FunctionCancelled):
        return SigningError(f"PIN entry on the reader for token {token_label!r} was cancelled")
    if signing:
        return SigningError(f"Token {token_label!r} could not sign ({name})")
    return KeyLoadError(f"Token {token_label!r} reported an error ({name})")
