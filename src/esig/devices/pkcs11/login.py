"""Logging in to a token: one login per token per process, shared by every user.

The PIN itself is not kept for the login: only a keyed hash, to recognise it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import pkcs11
from pkcs11 import TokenFlag
from pkcs11 import exceptions as p11

from esig.devices.pkcs11.errors import (
    PinIncorrectError,
    PinRequiredError,
    pin_locked_error,
    translate_error,
)
from esig.devices.pkcs11.session import attribute_mapper

_log = logging.getLogger(__package__)
"""The logger of the whole package, ``esig.devices.pkcs11``."""


# A per-process key to recognise a PIN that was already used to log in, without keeping it.
_PROCESS_KEY: Final = secrets.token_bytes(32)


def _pin_check(pin: str) -> bytes:
    return hmac.new(_PROCESS_KEY, pin.encode("utf-8"), hashlib.sha256).digest()


@dataclass
class _Login:
    session: Any
    users: int
    check: bytes | None


class Logins:
    """One login per token per process, shared by every device and listing.

    PKCS#11 login state belongs to the application, not to a session: a second
    ``C_Login`` fails with "already logged in", and closing a logged-in session logs
    out every session on that token. So the login lives in an anchor session that stays
    open while anyone uses the token; devices work in sessions of their own.
    """

    _lock: ClassVar[threading.Lock] = threading.Lock()
    _active: ClassVar[dict[tuple[str, int, bytes], _Login]] = {}
    login_calls: ClassVar[int] = 0
    """How many user logins (``C_Login``) this process made; tests count them."""

    @classmethod
    def acquire(
        cls, module: str, token: Any, token_label: str, pin: str | None
    ) -> tuple[str, int, bytes] | None:
        """Make sure the token is logged in; return the registry key to release, if any."""
        flags = TokenFlag(token.flags)
        if not flags & TokenFlag.LOGIN_REQUIRED and pin is None:
            return None
        key = (module, int(token.slot.slot_id), bytes(token.serial))
        with cls._lock:
            found = cls._active.get(key)
            if found is not None:
                # Already logged in: the PIN must still be the one that logged in.
                if found.check is not None and pin is None:
                    raise PinRequiredError(
                        f"Token {token_label!r} needs a PIN to sign; none was given",
                        token_label=token_label,
                    )
                if (
                    found.check is not None
                    and pin is not None
                    and not hmac.compare_digest(found.check, _pin_check(pin))
                ):
                    raise PinIncorrectError(
                        f"The PIN for token {token_label!r} is incorrect: it differs from "
                        "the PIN this program already logged in with",
                        token_label=token_label,
                    )
                found.users += 1
                return key
            if flags & TokenFlag.USER_PIN_LOCKED:
                raise pin_locked_error(token_label)
            if pin is None:
                if not flags & TokenFlag.PROTECTED_AUTHENTICATION_PATH:
                    raise PinRequiredError(
                        f"Token {token_label!r} needs a PIN to sign; none was given",
                        token_label=token_label,
                    )
                user_pin: object = pkcs11.PROTECTED_AUTH
            else:
                user_pin = pin
            try:
                cls.login_calls += 1
                session = token.open(user_pin=user_pin, attribute_mapper=attribute_mapper())
            except p11.PKCS11Error as exc:
                raise translate_error(exc, token_label=token_label, token=token) from None
            cls._active[key] = _Login(session, 1, None if pin is None else _pin_check(pin))
            _log.debug("Logged in to PKCS#11 token %r", token_label)
            return key

    @classmethod
    def release(cls, key: tuple[str, int, bytes] | None) -> None:
        """Give up one use of the login; the last user logs out."""
        if key is None:
            return
        with cls._lock:
            found = cls._active.get(key)
            if found is None:
                return
            found.users -= 1
            if found.users > 0:
                return
            del cls._active[key]
        try:
            found.session.close()  # C_Logout, then C_CloseSession
        except p11.PKCS11Error:
            _log.debug("Closing the login session failed; the token may be gone")
