"""Remote signing in tests: a real CSC server on 127.0.0.1, and an in-process fake.

:class:`LocalCscService` writes a certomancer configuration (the PKI of
:mod:`esig.testing.certomancer_config`, plus an EC signer, a signer under the policy
QCP-n-qscd and a signer whose key is public-only) and runs ``certomancer-csc``
(certomancer-csc-dummy) on it as a subprocess, on a free port of 127.0.0.1::

    with LocalCscService(tmp_path) as csc:
        device = csc.device(csc.rsa_credential_id)
        esig.sign_pdf("in.pdf", "out.pdf", device)
        esig.verify_pdf("out.pdf", trust=[csc.root_certificate])

:class:`MockCscTransport` answers the same API in-process from software keys: no
server, no network, deterministic, with failures on demand. It lives in
:mod:`esig.testing.csc_mock` and is importable from here.

Fixtures (register them through the esig pytest plugin):

``esig_csc_server``
    A started :class:`LocalCscService` (SCAL 2: hash pinning), stopped at the end of
    the session. Skips the test when ``certomancer-csc`` is not on ``PATH`` (fails
    under ``ESIG_REQUIRE_REAL=1``).
``esig_csc_mock``
    A fresh :class:`MockCscTransport` with an RSA and an EC credential from
    ``esig_pki`` (ids ``rsa`` and ``ec``), served at :data:`MOCK_BASE_URL`.
"""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from esig.devices.csc.client import Authorizer, CscClient, CscDevice, UrllibTransport
from esig.devices.csc.errors import RemoteServiceError
from esig.issuance import KeyType
from esig.testing.certomancer_config import (
    ARCH_LABEL,
    KEY_FOLDER_NAME,
    Label,
    build_config,
    generate_keys,
    write_config,
    write_private_key,
)
from esig.testing.csc_mock import MOCK_BASE_URL, MockCscTransport, esig_csc_mock
from esig.testing.real import find_command, real_part_missing

__all__ = [
    "CSC_COMMAND",
    "MOCK_BASE_URL",
    "LocalCscService",
    "MockCscTransport",
    "esig_csc_mock",
    "esig_csc_server",
]

CSC_COMMAND = "certomancer-csc"
"""The command of certomancer-csc-dummy: ``certomancer-csc CONFIG PORT SCAL``."""


HOST = "127.0.0.1"
"""Where the local CSC service is reached (it binds ``localhost``)."""

_EC_SIGNER = "signer-ec"
_PUBLIC_ONLY_SIGNER = "signer-public-only"
_QCP_SIGNER = "signer-qcp"
_QCP_N_QSCD = "0.4.0.194112.1.2"
_STARTUP_ATTEMPTS = 3
_POLL_INTERVAL = 0.05


class LocalCscService:
    """certomancer-csc-dummy serving a throwaway PKI on 127.0.0.1, in a subprocess.

    Credentials (ids are ``ARCH/CERT-LABEL``): :attr:`rsa_credential_id` (RSA-2048),
    :attr:`ec_credential_id` (P-256), and :attr:`public_only_credential_id`, whose key
    the server does not hold: it lists it as ``disabled`` and refuses to authorise it
    (HTTP 400). The CA certificates are listed too. The server authenticates no one.

    Args:
        folder: Where the configuration, the (unencrypted, test-only) keys and the
            server's log (:attr:`log_path`) go; a temporary folder.
        port: The TCP port; ``0`` picks a free one (retried if another process takes
            it first).
        scal: Sole Control Assurance Level: 2 makes the server insist that each SAD
            be pinned to the digests it authorises; 1 does not.
        startup_timeout: Seconds to wait for the server to answer.

    """

    def __init__(
        self,
        folder: str | Path,
        *,
        port: int = 0,
        scal: Literal[1, 2] = 2,
        startup_timeout: float = 30.0,
    ) -> None:
        self._folder = Path(folder).resolve()
        self._requested_port = port
        self._port = port
        self._scal = scal
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._root: x509.Certificate | None = None
        self._keys_made = False
        self._revocation: _RevocationServices | None = None
        self.startup_seconds: float | None = None
        """How long the last :meth:`start` took until the server answered."""

    # lifecycle

    def start(self) -> LocalCscService:
        """Write the configuration, start the server, and wait until it answers.

        Raises:
            RuntimeError: Already running, or the server did not come up (the
                message ends with the tail of its log).
            FileNotFoundError: ``certomancer-csc`` is not installed.

        """
        if self._process is not None:
            raise RuntimeError("the CSC service is already running")
        command = find_command(CSC_COMMAND)
        if command is None:
            raise FileNotFoundError(f"{CSC_COMMAND} is not on PATH (install esig[services])")
        began = time.monotonic()
        if self._revocation is None:
            self._revocation = _RevocationServices()
        attempts = 1 if self._requested_port else _STARTUP_ATTEMPTS
        for attempt in range(1, attempts + 1):
            self._port = self._requested_port or _free_port()
            config = self._write_config()
            self._spawn(command, config)
            try:
                self._wait_until_ready()
                break
            except _ServerExited:
                self._reap()
                if attempt == attempts:
                    raise RuntimeError(
                        f"{CSC_COMMAND} exited during start-up:\n{self._log_tail()}"
                    ) from None
            except BaseException:
                self.stop()
                raise
        self.startup_seconds = time.monotonic() - began
        self._revocation.serve(config, self._folder)
        self._root = self._fetch_root()
        return self

    def stop(self) -> None:
        """Terminate the server (kill it if it lingers). Does nothing when stopped."""
        self._reap()
        revocation, self._revocation = self._revocation, None
        if revocation is not None:
            revocation.close()

    @property
    def revocation_url(self) -> str | None:
        """Where the OCSP responder and CRLs named in the credentials' certificates answer.

        certomancer-csc-dummy signs but serves no revocation data, so a certomancer
        Animator for the same PKI runs beside it (in this process): certificates from
        this service can be checked with ``Verifier(allow_fetching=True)``.
        """
        return self._revocation.url if self._revocation is not None else None

    def __enter__(self) -> LocalCscService:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    # where and what

    @property
    def port(self) -> int:
        """The TCP port on 127.0.0.1 (``0`` before the first start with ``port=0``)."""
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: what comes before ``/csc/v1/``."""
        return f"http://{HOST}:{self._port}"

    @property
    def scal(self) -> Literal[1, 2]:
        """The server's Sole Control Assurance Level (2: hash pinning)."""
        return self._scal

    @property
    def config_path(self) -> Path:
        """The certomancer configuration the server loaded."""
        return self._folder / "certomancer.yml"

    @property
    def log_path(self) -> Path:
        """The server's stdout and stderr (it logs every request)."""
        return self._folder / "certomancer-csc.log"

    @property
    def rsa_credential_id(self) -> str:
        """A natural person's RSA-2048 credential."""
        return f"{ARCH_LABEL}/{Label.SIGNER}"

    @property
    def ec_credential_id(self) -> str:
        """A natural person's P-256 credential."""
        return f"{ARCH_LABEL}/{_EC_SIGNER}"

    @property
    def qcp_credential_id(self) -> str:
        """An RSA-2048 credential whose certificate carries the policy QCP-n-qscd.

        Its certificate has no qcStatements (certomancer cannot write them): like a
        remote-signing service's certificates, it is qualified only where a trusted list
        says so for that policy (e.g. ``QCStatement`` + ``QCQSCDManagedOnBehalf``).
        """
        return f"{ARCH_LABEL}/{_QCP_SIGNER}"

    @property
    def public_only_credential_id(self) -> str:
        """A credential whose private key the server lacks: authorize answers 400."""
        return f"{ARCH_LABEL}/{_PUBLIC_ONLY_SIGNER}"

    @property
    def unknown_credential_id(self) -> str:
        """A well-formed credential id the server does not know (info answers 404)."""
        return f"{ARCH_LABEL}/no-such-credential"

    @property
    def root_certificate(self) -> x509.Certificate:
        """The root CA, as the server sends it in the credentials' chains."""
        if self._root is None:
            raise RuntimeError("the CSC service has not been started yet")
        return self._root

    def client(self, *, timeout: float = 10.0) -> CscClient:
        """A client for this server that never goes through a proxy."""
        return CscClient(self.base_url, transport=UrllibTransport(trust_env=False), timeout=timeout)

    def device(
        self,
        credential_id: str,
        *,
        authorizer: Authorizer | None = None,
        qscd_claimed: bool = False,
        timeout: float = 10.0,
    ) -> CscDevice:
        """A :class:`~esig.devices.csc.CscDevice` for ``credential_id`` on this server."""
        return CscDevice.connect(
            self.base_url,
            credential_id,
            authorizer=authorizer,
            qscd_claimed=qscd_claimed,
            timeout=timeout,
            transport=UrllibTransport(trust_env=False),
        )

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<LocalCscService {self.base_url} SCAL {self._scal} {state}>"

    # internals

    def _write_config(self) -> Path:
        self._folder.mkdir(parents=True, exist_ok=True)
        if not self._keys_made:
            generate_keys(self._folder, KeyType.RSA_2048)
            _write_extra_keys(self._folder / KEY_FOLDER_NAME)
            self._keys_made = True
        now = dt.datetime.now(dt.UTC)
        prefix = self._revocation.url if self._revocation is not None else self.base_url
        config = build_config(prefix, now=now, revoked_since=now - dt.timedelta(days=30))
        _add_csc_credentials(config)
        return write_config(self._folder, config)

    def _spawn(self, command: str, config: Path) -> None:
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [command, str(config), str(self._port), str(self._scal)],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=self._folder,
        )

    def _wait_until_ready(self) -> None:
        client = CscClient(self.base_url, transport=UrllibTransport(trust_env=False), timeout=1.0)
        deadline = time.monotonic() + self._startup_timeout
        while True:
            process = self._process
            if process is None or process.poll() is not None:
                raise _ServerExited
            try:
                client.service_info()
            except RemoteServiceError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{CSC_COMMAND} did not answer within {self._startup_timeout:g} s:\n"
                        f"{self._log_tail()}"
                    ) from None
                time.sleep(_POLL_INTERVAL)
            else:
                return

    def _fetch_root(self) -> x509.Certificate:
        info = self.client().credential_info(self.rsa_credential_id)
        for certificate in (info.certificate, *info.chain):
            if certificate.issuer == certificate.subject:
                return certificate
        raise RuntimeError("the CSC service sent a chain without its root")

    def _reap(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log, self._log = self._log, None
        if log is not None:
            log.close()

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


class _RevocationServices:
    """certomancer's Animator on a free port of 127.0.0.1, serving OCSP, CRLs and certs.

    The port is bound first (its URL goes into the certificates); the PKI is loaded
    once the configuration is written.
    """

    def __init__(self) -> None:
        from werkzeug.serving import make_server  # noqa: PLC0415 - optional extra [services]

        from esig.testing.services import quiet_request_handler  # noqa: PLC0415 - needs werkzeug

        self._animator: Any = None
        self._server = make_server(HOST, 0, self._wsgi, request_handler=quiet_request_handler())
        self.url = f"http://{HOST}:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name=f"esig-csc-revocation:{self.url}",
            daemon=True,
        )
        self._thread.start()

    def serve(self, config_path: Path, key_folder: Path) -> None:
        """Answer for the PKI of ``config_path`` from now on."""
        from certomancer.registry import CertomancerConfig  # noqa: PLC0415 - optional extra [services]

        from esig.testing.services import pki_animator  # noqa: PLC0415 - needs certomancer

        config = CertomancerConfig.from_file(str(config_path), key_search_dir=str(key_folder))
        self._animator = pki_animator(config)

    def _wsgi(self, environ: Any, start_response: Any) -> Any:
        if self._animator is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"the PKI is not loaded yet"]
        return self._animator(environ, start_response)

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()


class _ServerExited(Exception):
    """The server process ended before it answered (e.g. the port was taken)."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _write_extra_keys(key_folder: Path) -> None:
    """An EC private key, and a public key alone (certomancer's ``public-only``)."""
    write_private_key(key_folder / f"{_EC_SIGNER}.key.pem", KeyType.EC_P256.generate())
    write_private_key(key_folder / f"{_QCP_SIGNER}.key.pem", KeyType.RSA_2048.generate())
    public = KeyType.EC_P256.generate().public_key()
    (key_folder / f"{_PUBLIC_ONLY_SIGNER}.pub.pem").write_bytes(
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _add_csc_credentials(config: dict[str, Any]) -> None:
    """Add the EC and the public-only signer, with the good signer's profile."""
    config["keysets"][ARCH_LABEL]["keys"].update(
        {
            _EC_SIGNER: {"path": f"{_EC_SIGNER}.key.pem"},
            _QCP_SIGNER: {"path": f"{_QCP_SIGNER}.key.pem"},
            _PUBLIC_ONLY_SIGNER: {"path": f"{_PUBLIC_ONLY_SIGNER}.pub.pem", "public-only": True},
        }
    )
    arch = config["pki-architectures"][ARCH_LABEL]
    arch["entities"].update(
        {
            _EC_SIGNER: {
                "given-name": "Carla",
                "surname": "Elliptic",
                "common-name": "Carla Elliptic",
                "serial-number": "PNOBQ-19900101-4321",
            },
            _PUBLIC_ONLY_SIGNER: {
                "given-name": "Dirk",
                "surname": "Nokey",
                "common-name": "Dirk Nokey",
                "serial-number": "PNOBQ-19600101-8765",
            },
        }
    )
    arch["entities"][_QCP_SIGNER] = {
        "given-name": "Iris",
        "surname": "Remote",
        "common-name": "Iris Remote",
        "serial-number": "PNOBQ-19850505-2468",
    }
    good = arch["certs"][Label.SIGNER]
    qcp = dict(good)
    qcp["extensions"] = [
        *good["extensions"],
        {"id": "certificate_policies", "value": [{"policy_identifier": _QCP_N_QSCD}]},
    ]
    arch["certs"].update(
        {_EC_SIGNER: dict(good), _PUBLIC_ONLY_SIGNER: dict(good), _QCP_SIGNER: qcp}
    )


@pytest.fixture(scope="session")
def esig_csc_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCscService]:
    """certomancer-csc-dummy on 127.0.0.1 (SCAL 2) for the whole session."""
    if find_command(CSC_COMMAND) is None:
        real_part_missing(f"the command {CSC_COMMAND!r} (install esig[services])")
    with LocalCscService(tmp_path_factory.mktemp("esig-csc")) as service:
        yield service
