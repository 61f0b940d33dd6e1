"""Send one-time codes by SMS, through a gateway with a pluggable transport.

:class:`SmsGateway` writes the text; an :class:`SmsTransport` delivers it. esig ships
:class:`HttpSmsTransport`, which POSTs JSON to an HTTP endpoint — the shape most SMS
providers accept or a small adapter can translate::

    POST <url>
    Authorization: Bearer <token>          (when a token is given)
    Content-Type: application/json

    {"to": "+59977012345", "from": "esig", "text": "Your signing code is 123456 ..."}

A 2xx answer means accepted; a JSON answer with an ``"id"`` gives the provider's
message identifier. The token is never shown in a ``repr`` or an error message.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Final, Protocol

from pydantic import Field, SecretStr, field_validator

from esig._model import EsigModel
from esig.evidence.codes import CodeChallenge, CodeChannel, SecretCode, utc_now
from esig.evidence.errors import DeliveryError

__all__ = [
    "HttpSmsTransport",
    "SmsDelivery",
    "SmsGateway",
    "SmsMessage",
    "SmsTransport",
    "check_phone_number",
]

_E164: Final = re.compile(r"^\+[1-9][0-9]{6,14}$")
_MAX_ANSWER: Final = 64 * 1024


def check_phone_number(number: str) -> str:
    """``number`` if it is in E.164 form (``+`` and 7 to 15 digits).

    Raises:
        ValueError: It is not.

    """
    if not _E164.match(number):
        raise ValueError(f"not an E.164 phone number (e.g. +59977012345): {number!r}")
    return number


class SmsMessage(EsigModel):
    """One text message to send."""

    to: str
    """The recipient in E.164 form."""
    sender: str = Field(min_length=1, max_length=11)
    """The sender name or number shown to the recipient."""
    text: str = Field(min_length=1, max_length=480)

    @field_validator("to")
    @classmethod
    def _to(cls, value: str) -> str:
        return check_phone_number(value)

    def __repr__(self) -> str:
        # the text carries a code: keep it out of logs
        return f"SmsMessage(to={self.to!r}, sender={self.sender!r}, text=<{len(self.text)} chars>)"


class SmsDelivery(EsigModel):
    """A code message the gateway accepted."""

    recipient: str
    gateway: str
    """Where it was handed over (the transport's description)."""
    provider_id: str | None = None
    """The provider's identifier of the message, when it gave one."""
    sent_at: dt.datetime


class SmsTransport(Protocol):
    """Delivers one text message; raises :class:`DeliveryError` when it cannot."""

    @property
    def description(self) -> str:
        """Where messages go, without secrets (e.g. the URL)."""

    def send(self, message: SmsMessage) -> str | None:
        """Send ``message``; return the provider's message identifier, if any."""


class HttpSmsTransport:
    """An :class:`SmsTransport` that POSTs the message as JSON to ``url``.

    Args:
        url: The provider's endpoint (http or https).
        token: A bearer token for the ``Authorization`` header; never shown.
        timeout: Seconds to wait for the answer.

    Raises:
        ValueError: ``url`` is not an http(s) URL.

    """

    def __init__(self, url: str, *, token: str | None = None, timeout: float = 10.0) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the SMS endpoint must be an http(s) URL: {url!r}")
        if parts.username or parts.password:
            raise ValueError("give credentials as token=, not inside the URL")
        self.url = url
        """The endpoint."""
        self._token = SecretStr(token) if token is not None else None
        self.timeout = timeout
        """Seconds to wait for the answer."""

    @property
    def description(self) -> str:
        """The endpoint URL."""
        return self.url

    def send(self, message: SmsMessage) -> str | None:
        """POST ``message``; return the ``id`` of a JSON answer, if any.

        Raises:
            DeliveryError: The endpoint cannot be reached or answers with an error.

        """
        body = json.dumps({"to": message.to, "from": message.sender, "text": message.text}).encode(
            "utf-8"
        )
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                raw = answer.read(_MAX_ANSWER)
        except urllib.error.HTTPError as exc:
            raise DeliveryError(
                f"The SMS gateway {self.url} refused the message (HTTP {exc.code})",
                destination=self.url,
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(
                f"The SMS gateway {self.url} cannot be reached: {reason}",
                destination=self.url,
            ) from None
        try:
            parsed = json.loads(raw) if raw.strip() else None
        except (ValueError, UnicodeDecodeError):
            return None
        if isinstance(parsed, dict) and isinstance(parsed.get("id"), str | int):
            return str(parsed["id"])
        return None

    def __repr__(self) -> str:
        token = ", token=***" if self._token is not None else ""
        return f"HttpSmsTransport({self.url!r}{token})"


class SmsGateway:
    """Send one-time codes by SMS through ``transport``.

    Args:
        transport: Delivers the messages (e.g. :class:`HttpSmsTransport`).
        sender: The sender name shown to the recipient (at most 11 characters).

    """

    def __init__(self, transport: SmsTransport, *, sender: str = "esig") -> None:
        self.transport = transport
        """The transport in use."""
        self.sender = sender
        """The sender name."""

    def message(self, challenge: CodeChallenge, code: SecretCode) -> SmsMessage:
        """The text that carries ``code`` to the challenge's phone number."""
        if challenge.channel is not CodeChannel.SMS:
            raise ValueError(f"this challenge is for {challenge.channel.value}, not SMS")
        return SmsMessage(
            to=challenge.recipient,
            sender=self.sender,
            text=f"Your signing code is {code.reveal()}. Valid until "
            f"{challenge.expires_at:%H:%M} UTC, once. Do not share it: whoever enters it "
            "signs in your name.",
        )

    def send_code(self, challenge: CodeChallenge, code: SecretCode) -> SmsDelivery:
        """Send ``code`` by SMS to the challenge's phone number.

        Raises:
            DeliveryError: The transport could not deliver it.
            ValueError: The challenge is not an SMS challenge or the number is not E.164.

        """
        message = self.message(challenge, code)
        provider_id = self.transport.send(message)
        return SmsDelivery(
            recipient=challenge.recipient,
            gateway=self.transport.description,
            provider_id=provider_id,
            sent_at=utc_now(),
        )

    async def async_send_code(self, challenge: CodeChallenge, code: SecretCode) -> SmsDelivery:
        """Async twin of :meth:`send_code` (the transport runs in a worker thread)."""
        return await asyncio.to_thread(self.send_code, challenge, code)

    def __repr__(self) -> str:
        return f"<SmsGateway {self.sender!r} via {self.transport.description}>"
