"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives.

``esig_smtp_server`` starts :class:`LocalSmtpServer` for a test: messages sent to it
with :mod:`smtplib` (e.g. by :class:`esig.evidence.EmailCodeSender`) are parsed and kept
in :attr:`LocalSmtpServer.messages`, so a test can read a one-time code back from the
message the signer would receive. Optionally it requires a login (AUTH PLAIN/LOGIN
without TLS, for tests only).
"""

from __future__ import annotations

import email
import email.policy
import importlib.util
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest

from esig.testing.real import real_part_missing

__all__ = ["LocalSmtpServer", "ReceivedMessage", "esig_smtp_server"]

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ReceivedMessage:
    """One message the server accepted."""

    sender: str
    """The envelope sender (MAIL FROM)."""
    recipients: tuple[str, ...]
    """The envelope recipients (RCPT TO)."""
    message: EmailMessage
    """The parsed message."""

    @property
    def body(self) -> str:
        """The text of the message."""
        part = self.message.get_body(preferencelist=("plain",))
        return "" if part is None else str(part.get_content())


@dataclass
class _Handler:
    messages: list[ReceivedMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(
                ReceivedMessage(
                    sender=envelope.mail_from,
                    recipients=tuple(envelope.rcpt_tos),
                    message=parsed,
                )
            )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class LocalSmtpServer:
    """An aiosmtpd server on 127.0.0.1 in a background thread.

    Args:
        credentials: ``(username, password)`` to require a login; None accepts anyone.

    """

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        from aiosmtpd.controller import Controller  # noqa: PLC0415 - optional test part

        self.host = HOST
        """Where it listens."""
        self.port = _free_port()
        """The port it listens on."""
        self._handler = _Handler()
        kwargs: dict[str, Any] = {}
        if credentials is not None:
            from aiosmtpd.smtp import AuthResult  # noqa: PLC0415 - optional test part

            def authenticate(
                server: Any, session: Any, envelope: Any, mechanism: str, data: Any
            ) -> AuthResult:
                ok = (
                    data.login.decode() == credentials[0]
                    and data.password.decode() == credentials[1]
                )
                return AuthResult(success=ok, handled=False)

            kwargs = {
                "authenticator": authenticate,
                "auth_required": True,
                "auth_require_tls": False,
            }
        self._controller = Controller(self._handler, hostname=HOST, port=self.port, **kwargs)

    @property
    def messages(self) -> list[ReceivedMessage]:
        """The messages received so far, oldest first (a copy)."""
        with self._handler.lock:
            return list(self._handler.messages)

    def start(self) -> LocalSmtpServer:
        """Start listening."""
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()

    def __enter__(self) -> LocalSmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<LocalSmtpServer {self.host}:{self.port}, {len(self.messages)} message(s)>"


@pytest.fixture
def esig_smtp_server() -> Iterator[LocalSmtpServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps the messages it receives."""
    if importlib.util.find_spec("aiosmtpd") is None:
        real_part_missing("aiosmtpd (install esig[test])")
    with LocalSmtpServer() as server:
        yield server
