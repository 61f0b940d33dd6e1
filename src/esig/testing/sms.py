"""A real SMS gateway on 127.0.0.1 that keeps what it receives, for tests and demos.

:class:`LocalSmsGateway` answers the JSON POST that :class:`esig.evidence.HttpSmsTransport`
sends (``{"to", "from", "text"}``) with ``{"id": ...}`` and keeps each message, so a
test can read a one-time code back from the text the signer's phone would show::

    with LocalSmsGateway() as gateway:
        sms = SmsGateway(HttpSmsTransport(gateway.url))
        sms.send_code(challenge, code)
        gateway.messages[-1].text

It is an :mod:`http.server` in a background thread: only ``POST`` to its path, a JSON
object with string ``to`` and ``text``, at most 16 kB; anything else is answered 4xx
and not kept. With ``token=`` it requires ``Authorization: Bearer <token>``.

``esig_sms_gateway`` is the fixture that starts one for a test.

.. versionadded:: 0.3.0
"""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final

import pytest

__all__ = ["LocalSmsGateway", "ReceivedSms", "esig_sms_gateway"]

HOST: Final = "127.0.0.1"
_MAX_BODY: Final = 16 * 1024


@dataclass(frozen=True)
class ReceivedSms:
    """One message the gateway accepted."""

    id: str
    """The identifier the gateway answered with."""
    to: str
    """The recipient's number, as sent."""
    sender: str | None
    """The ``from`` field, if any."""
    text: str
    """The text of the message."""


class LocalSmsGateway:
    """An HTTP SMS gateway on 127.0.0.1 (a free port) that keeps the messages it accepts.

    Args:
        path: The endpoint's path.
        token: A bearer token to require; None accepts any caller.

    """

    def __init__(self, *, path: str = "/sms", token: str | None = None) -> None:
        self.path = path
        """The endpoint's path."""
        self._token = token
        self._messages: list[ReceivedSms] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((HOST, 0), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The TCP port it listens on."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The endpoint to give :class:`esig.evidence.HttpSmsTransport`."""
        return f"http://{HOST}:{self.port}{self.path}"

    @property
    def messages(self) -> list[ReceivedSms]:
        """The messages accepted so far, oldest first (a copy)."""
        with self._lock:
            return list(self._messages)

    def messages_to(self, number: str) -> list[ReceivedSms]:
        """The messages accepted for ``number``, oldest first."""
        return [m for m in self.messages if m.to == number]

    def start(self) -> LocalSmsGateway:
        """Start answering (in a daemon thread)."""
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> LocalSmsGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<LocalSmsGateway {self.url}, {len(self.messages)} message(s)>"

    def _accept(self, to: str, sender: str | None, text: str) -> str:
        with self._lock:
            number = len(self._messages) + 1
            found = ReceivedSms(id=f"sms-{number}", to=to, sender=sender, text=text)
            self._messages.append(found)
            return found.id

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                """Quiet: a test's stderr stays esig's."""

            def _answer(self, status: int, body: dict[str, str]) -> None:
                data = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                if self.path != gateway.path:
                    self._answer(404, {"error": "no such endpoint"})
                    return
                if gateway._token is not None:
                    given = self.headers.get("Authorization", "")
                    if not hmac.compare_digest(given, f"Bearer {gateway._token}"):
                        self._answer(401, {"error": "not authorised"})
                        return
                length = self.headers.get("Content-Length", "")
                if not length.isdigit() or int(length) > _MAX_BODY:
                    self._answer(413, {"error": "give a JSON body of at most 16 kB"})
                    return
                try:
                    body = json.loads(self.rfile.read(int(length)))
                except (ValueError, UnicodeDecodeError):
                    body = None
                if not (
                    isinstance(body, dict)
                    and isinstance(body.get("to"), str)
                    and isinstance(body.get("text"), str)
                ):
                    self._answer(400, {"error": "expected a JSON object with to and text"})
                    return
                sender = body.get("from")
                found = gateway._accept(
                    body["to"], sender if isinstance(sender, str) else None, body["text"]
                )
                self._answer(200, {"id": found})

        return Handler


@pytest.fixture
def esig_sms_gateway() -> Iterator[LocalSmsGateway]:
    """A real HTTP SMS gateway on 127.0.0.1 that keeps the messages it receives."""
    with LocalSmsGateway() as gateway:
        yield gateway
