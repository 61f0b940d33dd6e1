"""``esig ca serve``: the OCSP responder (RFC 6960) and CRL publisher (RFC 5280) over HTTP.

Three paths under the CA's base URL, the ones its certificates name:

``POST /ocsp`` (and ``GET /ocsp/{base64 request}``, RFC 6960 appendix A.1)
    An OCSP answer from the store as it is at that moment: a revocation is in the very
    next answer (BES art. 5(b)).
``GET /crl``
    A CRL issued from the store; a new one (cRLNumber + 1) as soon as the log has moved
    on, or when half its validity has passed.
``GET /ca.crt``
    The CA's certificate (DER).

The standard library's threading HTTP server; requests over 64 KiB are refused.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import threading
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Final, Self

from esig.errors import EsigError
from esig.provider.ca import CertificateAuthority
from esig.provider.revocation import CRL_VALIDITY

__all__ = ["MAX_REQUEST_BYTES", "CaService"]

MAX_REQUEST_BYTES: Final = 64 * 1024
"""The largest request body the service reads."""

_log = logging.getLogger(__name__)


class _CrlCache:
    """The last CRL, reissued when the log moved on or half its validity has passed."""

    def __init__(self, ca: CertificateAuthority) -> None:
        self._ca = ca
        self._lock = threading.Lock()
        self._crl: bytes | None = None
        self._head = -1
        self._made: dt.datetime | None = None

    def current(self) -> bytes:
        with self._lock:
            head = self._ca.head_sequence()
            now = self._ca.context.now()
            stale = self._made is None or now - self._made >= CRL_VALIDITY / 2
            if self._crl is None or head != self._head or stale:
                self._crl = self._ca.crl()
                self._head, self._made = head, now
            return self._crl


def _handler(ca: CertificateAuthority, crls: _CrlCache) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "esig-ca"
        sys_version = ""

        def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: HTTPStatus) -> None:
            self._send(status, status.phrase.encode(), "text/plain")

        def _ocsp(self, request: bytes) -> None:
            try:
                answer = ca.ocsp(request)
            except EsigError as exc:
                _log.warning("OCSP request failed: %s", exc)
                self._error(HTTPStatus.INTERNAL_SERVER_ERROR)
                return
            self._send(HTTPStatus.OK, answer, "application/ocsp-response")

        def do_GET(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            if path == "/crl":
                try:
                    self._send(HTTPStatus.OK, crls.current(), "application/pkix-crl")
                except EsigError as exc:
                    _log.warning("CRL could not be issued: %s", exc)
                    self._error(HTTPStatus.INTERNAL_SERVER_ERROR)
            elif path == "/ca.crt":
                self._send(HTTPStatus.OK, ca.certificate_der, "application/pkix-cert")
            elif path.startswith("/ocsp/"):
                encoded = urllib.parse.unquote(path.removeprefix("/ocsp/"))
                try:
                    request = base64.b64decode(encoded, validate=True)
                except (binascii.Error, ValueError):
                    self._error(HTTPStatus.BAD_REQUEST)
                    return
                self._ocsp(request)
            else:
                self._error(HTTPStatus.NOT_FOUND)

        def do_POST(self) -> None:
            if urllib.parse.urlsplit(self.path).path.rstrip("/") != "/ocsp":
                self._error(HTTPStatus.NOT_FOUND)
                return
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self._error(HTTPStatus.LENGTH_REQUIRED)
                return
            if length < 0 or length > MAX_REQUEST_BYTES:
                self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
                return
            self._ocsp(self.rfile.read(length))

        def log_message(self, format: str, *args: object) -> None:
            _log.debug("%s " + format, self.address_string(), *args)

    return Handler


class CaService:
    """The CA's OCSP responder and CRL publisher on ``host``:``port`` (0: any free port).

    Use it as a context manager (:meth:`start` on entry, :meth:`stop` on exit), or call
    :meth:`serve_forever` (what ``esig ca serve`` does).
    """

    def __init__(self, ca: CertificateAuthority, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.ca = ca
        try:
            self._server = ThreadingHTTPServer((host, port), _handler(ca, _CrlCache(ca)))
        except OSError as exc:
            raise EsigError(f"Cannot listen on {host}:{port}: {exc.strerror}") from None
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The service's base URL, e.g. ``http://127.0.0.1:8080``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        """Answer requests on a background thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="esig-ca-service", daemon=True
        )
        self._thread.start()

    def serve_forever(self) -> None:
        """Answer requests on this thread until interrupted."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        """Stop answering and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
