"""A real HTTP server on 127.0.0.1 that misbehaves on purpose, and a PKI that points at it.

The first path segment picks the misbehaviour: ``/500`` answers HTTP 500, ``/garbage-tsa``
and ``/garbage-ocsp`` answer junk under the right content type, ``/garbage`` answers junk
as text, ``/slow`` sleeps past any client timeout before answering.
"""

from __future__ import annotations

import datetime as dt
import http.server
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from esig.devices.software import SoftwareKey

SLOW_SECONDS = 2.0
"""How long ``/slow`` sleeps; tests give clients a shorter timeout."""

_JUNK = b"\x30\x82\x01\x00 this is not what you asked for"
_CONTENT_TYPES = {
    "garbage-tsa": "application/timestamp-reply",
    "garbage-ocsp": "application/ocsp-response",
    "garbage-crl": "application/pkix-crl",
}


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        mode = self.path.strip("/").split("/")[0]
        try:
            if mode == "slow":
                time.sleep(SLOW_SECONDS)
                self._send(500, "text/plain", b"too late")
            elif mode == "500":
                self._send(500, "text/html", b"<h1>Internal Server Error</h1>")
            else:
                self._send(200, _CONTENT_TYPES.get(mode, "text/plain"), _JUNK)
        except OSError:
            pass  # the client gave up (timeout): that is the point

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def misbehaving_server() -> Iterator[str]:
    """Serve the misbehaviours on 127.0.0.1 in a thread; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def closed_port_url(path: str = "/") -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def device_pointing_at(
    *, ocsp_url: str | None = None, crl_url: str | None = None
) -> tuple[SoftwareKey, x509.Certificate]:
    """A signer whose certificate sends OCSP / CRL requests to the given URLs, and its root."""
    now = dt.datetime.now(dt.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Faulty Services Test Root")])
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Faulty Test Signer")]))
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
    )
    if ocsp_url is not None:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
                    )
                ]
            ),
            critical=False,
        )
    if crl_url is not None:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(crl_url)], None, None, None
                    )
                ]
            ),
            critical=False,
        )
    cert = builder.sign(root_key, hashes.SHA256())
    return SoftwareKey(key, cert, [root], description="software key (faulty services test)"), root
