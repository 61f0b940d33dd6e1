"""One-time codes: random, single use, expiring, limited attempts, stored only as a hash.

:class:`OneTimeCodes` issues a code for one recipient (an email address or a phone
number) and checks what the signer types::

    codes = OneTimeCodes()
    challenge, code = codes.issue(CodeChannel.EMAIL, "anna@example.org")
    EmailCodeSender(settings).send_code(challenge, code)     # code.reveal() goes out
    verification = codes.verify(challenge.code_id, typed_by_the_signer)

The code is drawn with :mod:`secrets`. What is kept (:class:`StoredCode`) is an
HMAC-SHA256 over a per-code random salt, the code's identifier and the code, keyed with
a server key that is never stored with it; the plaintext is handed out once, wrapped in
a :class:`SecretCode` that never shows itself in a ``repr``. Entries are compared with
:func:`hmac.compare_digest`. A code expires after :attr:`CodePolicy.lifetime`, dies
after :attr:`CodePolicy.max_attempts` wrong entries, and is accepted once.

The clock is injectable (``clock=``), so expiry can be tested without waiting.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import uuid
from collections.abc import Callable
from enum import StrEnum
from typing import Final, Protocol

from pydantic import Field, model_validator

from esig._model import Base64Bytes, EsigModel
from esig.evidence.errors import (
    CodeAlreadyUsedError,
    CodeAttemptsExhaustedError,
    CodeExpiredError,
    UnknownCodeError,
    WrongCodeError,
)

__all__ = [
    "CodeChallenge",
    "CodeChannel",
    "CodePolicy",
    "CodeStore",
    "CodeVerification",
    "MemoryCodeStore",
    "OneTimeCodes",
    "SecretCode",
    "StoredCode",
    "utc_now",
]

_MIN_KEY_BYTES: Final = 32
_SALT_BYTES: Final = 16


def utc_now() -> dt.datetime:
    """The current time in UTC (the default clock)."""
    return dt.datetime.now(dt.UTC)


class CodeChannel(StrEnum):
    """How a one-time code reaches the signer."""

    EMAIL = "email"
    SMS = "sms"


class CodePolicy(EsigModel):
    """How long, how many tries, how many digits."""

    digits: int = Field(default=6, ge=6, le=10)
    """Number of decimal digits of a code."""
    lifetime: dt.timedelta = Field(default=dt.timedelta(minutes=10))
    """How long a code stays valid after it is issued (at most one day)."""
    max_attempts: int = Field(default=5, ge=1, le=10)
    """Wrong entries after which the code is dead."""

    @model_validator(mode="after")
    def _check(self) -> CodePolicy:
        if not dt.timedelta(0) < self.lifetime <= dt.timedelta(days=1):
            raise ValueError("lifetime must be positive and at most one day")
        return self


class SecretCode:
    """A one-time code in plain text, as handed out once for delivery.

    Its ``repr`` and ``str`` hide the digits; :meth:`reveal` gives them to whatever
    delivers them (an email or an SMS).
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The digits, for the message that carries them to the signer."""
        return self._value

    def __repr__(self) -> str:
        return "SecretCode('******')"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a SecretCode is not pickled: it would leave the process in clear")


class CodeChallenge(EsigModel):
    """A code that was issued: where it went and until when it is good (no code inside)."""

    code_id: str
    """The identifier the signer's entry is checked under."""
    channel: CodeChannel
    recipient: str
    """The email address or phone number the code is sent to."""
    issued_at: dt.datetime
    expires_at: dt.datetime


class StoredCode(EsigModel):
    """What the store keeps about a code: its HMAC, never the code."""

    code_id: str
    channel: CodeChannel
    recipient: str
    salt: Base64Bytes
    """Random, per code."""
    code_hash: Base64Bytes
    """HMAC-SHA256(server key, salt ‖ code_id ‖ code)."""
    issued_at: dt.datetime
    expires_at: dt.datetime
    max_attempts: int
    attempts: int = 0
    """Entries so far, right or wrong."""
    used_at: dt.datetime | None = None
    """When the code was accepted; a used code is never accepted again."""


class CodeVerification(EsigModel):
    """A code that was entered correctly: the fact the evidence record keeps."""

    code_id: str
    channel: CodeChannel
    recipient: str
    """The email address or phone number that received the code."""
    issued_at: dt.datetime
    verified_at: dt.datetime
    attempts: int = Field(ge=1)
    """Entries it took, the right one included."""


class CodeStore(Protocol):
    """Where issued codes are kept (in memory by default; a database in production)."""

    def put(self, code: StoredCode) -> None:
        """Keep ``code``, replacing an earlier state with the same ``code_id``."""

    def get(self, code_id: str) -> StoredCode | None:
        """The state of the code, or None."""


class MemoryCodeStore:
    """A :class:`CodeStore` in a dictionary, for one process."""

    def __init__(self) -> None:
        self._codes: dict[str, StoredCode] = {}

    def put(self, code: StoredCode) -> None:
        """Keep ``code``."""
        self._codes[code.code_id] = code

    def get(self, code_id: str) -> StoredCode | None:
        """The state of the code, or None."""
        return self._codes.get(code_id)

    def __len__(self) -> int:
        return len(self._codes)

    def __repr__(self) -> str:
        return f"<MemoryCodeStore: {len(self._codes)} code(s)>"


class OneTimeCodes:
    """Issue and check one-time codes.

    Args:
        key: The server key of the HMAC, at least 32 bytes; keep it apart from the
            store. A random key is drawn when none is given (codes then die with the
            process).
        policy: Digits, lifetime and attempts.
        store: Where codes are kept; :class:`MemoryCodeStore` by default.
        clock: Returns the current time (aware); :func:`utc_now` by default.

    Raises:
        ValueError: ``key`` is shorter than 32 bytes.

    """

    def __init__(
        self,
        key: bytes | None = None,
        *,
        policy: CodePolicy | None = None,
        store: CodeStore | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        if key is not None and len(key) < _MIN_KEY_BYTES:
            raise ValueError(f"the code key must be at least {_MIN_KEY_BYTES} bytes")
        self._key = key if key is not None else secrets.token_bytes(_MIN_KEY_BYTES)
        self.policy = policy or CodePolicy()
        """The policy in force."""
        self.store: CodeStore = store if store is not None else MemoryCodeStore()
        """Where the codes are kept."""
        self._clock = clock
        self._lock = threading.Lock()

    def _now(self) -> dt.datetime:
        now = self._clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("the clock must return an aware datetime")
        return now.astimezone(dt.UTC)

    def _mac(self, salt: bytes, code_id: str, code: str) -> bytes:
        message = salt + code_id.encode("ascii") + b"\x00" + code.encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def issue(self, channel: CodeChannel, recipient: str) -> tuple[CodeChallenge, SecretCode]:
        """Draw a new code for ``recipient``; return the challenge and the code to send.

        Only the code's HMAC is stored. Send the code with
        :class:`~esig.evidence.EmailCodeSender` or :class:`~esig.evidence.SmsGateway`.
        """
        channel = CodeChannel(channel)
        if not recipient or not recipient.strip():
            raise ValueError("a code needs a recipient")
        code = "".join(secrets.choice("0123456789") for _ in range(self.policy.digits))
        code_id = uuid.uuid4().hex
        salt = secrets.token_bytes(_SALT_BYTES)
        now = self._now()
        stored = StoredCode(
            code_id=code_id,
            channel=channel,
            recipient=recipient,
            salt=salt,
            code_hash=self._mac(salt, code_id, code),
            issued_at=now,
            expires_at=now + self.policy.lifetime,
            max_attempts=self.policy.max_attempts,
        )
        with self._lock:
            self.store.put(stored)
        challenge = CodeChallenge(
            code_id=code_id,
            channel=channel,
            recipient=recipient,
            issued_at=stored.issued_at,
            expires_at=stored.expires_at,
        )
        return challenge, SecretCode(code)

    def verify(self, code_id: str, entered: str) -> CodeVerification:
        """Check what the signer entered; on success the code is used up.

        Raises:
            UnknownCodeError: No code has this identifier.
            CodeAlreadyUsedError: The code was accepted before.
            CodeExpiredError: The code's lifetime is over.
            CodeAttemptsExhaustedError: Too many wrong entries (this one included).
            WrongCodeError: The entry is wrong; ``attempts_left`` says how many remain.

        """
        with self._lock:
            stored = self.store.get(code_id)
            if stored is None:
                raise UnknownCodeError(
                    "No such code was issued (or it was forgotten); send a new code",
                    code_id=code_id,
                )
            if stored.used_at is not None:
                raise CodeAlreadyUsedError(
                    "This code was already used; a code is good for one signature",
                    code_id=code_id,
                )
            if stored.attempts >= stored.max_attempts:
                raise CodeAttemptsExhaustedError(
                    "Too many wrong entries; send a new code", code_id=code_id
                )
            now = self._now()
            if now >= stored.expires_at:
                raise CodeExpiredError(
                    f"The code expired at {stored.expires_at:%Y-%m-%d %H:%M:%S} UTC; "
                    "send a new code",
                    code_id=code_id,
                )
            typed = "".join(entered.split())
            right = hmac.compare_digest(self._mac(stored.salt, code_id, typed), stored.code_hash)
            attempts = stored.attempts + 1
            if not right:
                self.store.put(stored.model_copy(update={"attempts": attempts}))
                left = stored.max_attempts - attempts
                if left <= 0:
                    raise CodeAttemptsExhaustedError(
                        "Wrong code, and that was the last attempt; send a new code",
                        code_id=code_id,
                    )
                raise WrongCodeError(
                    f"Wrong code; {left} attempt(s) left", code_id=code_id, attempts_left=left
                )
            self.store.put(stored.model_copy(update={"attempts": attempts, "used_at": now}))
        return CodeVerification(
            code_id=code_id,
            channel=stored.channel,
            recipient=stored.recipient,
            issued_at=stored.issued_at,
            verified_at=now,
            attempts=attempts,
        )

    def __repr__(self) -> str:
        policy = self.policy
        return (
            f"<OneTimeCodes {policy.digits} digits, {policy.lifetime} lifetime, "
            f"{policy.max_attempts} attempts>"
        )
