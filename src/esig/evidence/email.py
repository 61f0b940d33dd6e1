"""Send one-time codes by email, through an SMTP server (:mod:`smtplib`).

::

    sender = EmailCodeSender(SmtpSettings(host="smtp.example.org", port=587,
                                          sender="sign@example.org", starttls=True,
                                          username="sign", password=secret))
    sender.send_code(challenge, code)

STARTTLS and login are optional. The password is a :class:`pydantic.SecretStr`: it is
shown as ``**********`` in every ``repr`` and dump, and never appears in an error
message.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Final

from pydantic import Field, SecretStr, field_validator

from esig._model import EsigModel
from esig.evidence.codes import CodeChallenge, CodeChannel, SecretCode, utc_now
from esig.evidence.errors import DeliveryError

__all__ = ["EmailCodeSender", "EmailDelivery", "SmtpSettings", "check_email_address"]

_ADDRESS: Final = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


def check_email_address(address: str) -> str:
    """``address`` if it is one plain email address (no name, no line breaks).

    Raises:
        ValueError: It is not.

    """
    if not _ADDRESS.match(address) or len(address) > 254:
        raise ValueError(f"not a plain email address: {address!r}")
    return address


class SmtpSettings(EsigModel):
    """Where and how to hand messages to an SMTP server."""

    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    sender: str
    """The From address."""
    starttls: bool = False
    """Upgrade the connection with STARTTLS before logging in (certificate checked)."""
    username: str | None = None
    password: SecretStr | None = None
    """Never shown: ``repr`` and dumps print ``**********``."""
    timeout: float = Field(default=10.0, gt=0, le=300)
    """Seconds to wait for the server."""

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        return check_email_address(value)

    @property
    def destination(self) -> str:
        """``host:port``, for messages."""
        return f"{self.host}:{self.port}"


class EmailDelivery(EsigModel):
    """A code message the SMTP server accepted."""

    recipient: str
    message_id: str
    """The Message-ID header of the message."""
    server: str
    """``host:port`` of the SMTP server."""
    sent_at: dt.datetime


class EmailCodeSender:
    """Send one-time codes by email.

    Args:
        settings: The SMTP server and the From address.
        subject: The subject line.
        ssl_context: For STARTTLS; the system's default trust store if None.

    """

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        subject: str = "Your signing code",
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        """The SMTP settings (the password stays hidden)."""
        self.subject = subject
        """The subject line of code messages."""
        self._ssl_context = ssl_context

    def message(
        self, challenge: CodeChallenge, code: SecretCode, *, document_name: str | None = None
    ) -> EmailMessage:
        """The message that carries ``code`` to the challenge's recipient."""
        if challenge.channel is not CodeChannel.EMAIL:
            raise ValueError(f"this challenge is for {challenge.channel.value}, not email")
        recipient = check_email_address(challenge.recipient)
        what = f" to sign {document_name}" if document_name else " to sign a document"
        msg = EmailMessage()
        msg["From"] = self.settings.sender
        msg["To"] = recipient
        msg["Subject"] = self.subject
        msg["Date"] = format_datetime(utc_now())
        msg["Message-ID"] = make_msgid(domain=self.settings.sender.rsplit("@", 1)[1])
        msg.set_content(
            f"Your code{what} is: {code.reveal()}\n\n"
            f"It is valid until {challenge.expires_at:%Y-%m-%d %H:%M} UTC and works once.\n"
            "Do not share it: whoever enters it signs in your name.\n"
            "If you did not ask for it, ignore this message.\n"
        )
        return msg

    def send_code(
        self, challenge: CodeChallenge, code: SecretCode, *, document_name: str | None = None
    ) -> EmailDelivery:
        """Send ``code`` to the challenge's email address.

        Raises:
            DeliveryError: The server cannot be reached, refuses the login or the message.
            ValueError: The challenge is not an email challenge or its address is not plain.

        """
        msg = self.message(challenge, code, document_name=document_name)
        settings = self.settings
        where = settings.destination
        try:
            with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
                if settings.starttls:
                    smtp.starttls(context=self._ssl_context or ssl.create_default_context())
                if settings.username is not None:
                    password = settings.password.get_secret_value() if settings.password else ""
                    smtp.login(settings.username, password)
                refused = smtp.send_message(msg)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"The SMTP server {where} refused the login of {settings.username!r} "
                f"(code {exc.smtp_code}); check the username and password",
                destination=where,
            ) from None
        except smtplib.SMTPException as exc:
            raise DeliveryError(
                f"The SMTP server {where} did not accept the code message: {type(exc).__name__}",
                destination=where,
            ) from None
        except OSError as exc:
            raise DeliveryError(
                f"The SMTP server {where} cannot be reached: {exc.strerror or exc}",
                destination=where,
            ) from None
        if refused:
            raise DeliveryError(
                f"The SMTP server {where} refused the recipient {challenge.recipient}",
                destination=where,
            )
        return EmailDelivery(
            recipient=challenge.recipient,
            message_id=str(msg["Message-ID"]),
            server=where,
            sent_at=utc_now(),
        )

    async def async_send_code(
        self, challenge: CodeChallenge, code: SecretCode, *, document_name: str | None = None
    ) -> EmailDelivery:
        """Async twin of :meth:`send_code` (the SMTP dialogue runs in a worker thread)."""
        return await asyncio.to_thread(self.send_code, challenge, code, document_name=document_name)

    def __repr__(self) -> str:
        return f"<EmailCodeSender via {self.settings.destination} from {self.settings.sender}>"
