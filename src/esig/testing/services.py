"""Real OCSP, CRL and RFC 3161 time-stamping services on 127.0.0.1, for tests.

:class:`LocalTrustServices` writes a certomancer configuration (see
:mod:`esig.testing.certomancer_config`) into a folder, loads it with certomancer, and
serves it with certomancer's Animator on a werkzeug server in a daemon thread::

    with LocalTrustServices(tmp_path) as services:
        services.ocsp_url        # POST OCSP requests here
        services.signer.device() # an esig SoftwareKey whose certificate says GOOD

The URLs in the certificates (AIA, CRL distribution points) point at these services,
so a validator with fetching enabled checks revocation against them for real. The
port is bound before the configuration is written, because those URLs are baked into
the certificates; with ``port=0`` the operating system picks a free one, without a
race.

The clock is the caller's: :meth:`LocalTrustServices.answering_at` makes every service
(OCSP, CRL, TSA) answer as of a chosen moment, and :meth:`LocalTrustServices.fetch_ocsp`
asks one OCSP responder about one certificate as of a moment. Together with
certificates that expire or are revoked a few days after the reference time (see
:mod:`esig.testing.certomancer_config`), "the future" is a parameter, never a sleep.

Fixture (session-scoped; certomancer and werkzeug come with ``esig[services]``):

``esig_trust_services``
    A started :class:`LocalTrustServices`, stopped at the end of the session. Skips
    the test when certomancer is not installed (fails under ``ESIG_REQUIRE_REAL=1``).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import threading
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from esig.issuance import IssuedCertificate, KeyType, PrivateKey
from esig.testing.certomancer_config import (
    ARCH_LABEL,
    WRONG_KEY_OCSP_SERVICE,
    Label,
    ServiceUrls,
    build_config,
    generate_keys,
    write_config,
)
from esig.testing.real import real_part_missing

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from werkzeug.serving import BaseWSGIServer

__all__ = ["HOST", "LocalTrustServices", "esig_trust_services"]

HOST = "127.0.0.1"
"""The address the services listen on (loopback only)."""

_POLL_INTERVAL = 0.05
"""How often (seconds) the serving thread checks for shutdown; bounds stop() latency."""

_REVOKED_DAYS_AGO = 30

_FAKE_TIME_HEADER = "X-Certomancer-Fake-Time"
"""The request header with which certomancer's Animator answers as of another time."""


class LocalTrustServices:
    """A throwaway PKI with live OCSP, CRL and time-stamping services on 127.0.0.1.

    Nothing happens until :meth:`start`: it binds the port, then (the first time)
    generates keys, writes and loads the certomancer configuration, and serves it.
    Certificates, keys and URLs stay available after :meth:`stop`; a later
    :meth:`start` serves the same PKI on the same port again.

    Args:
        folder: Where the configuration and the (unencrypted, test-only) key files go;
            a temporary folder.
        port: The TCP port on 127.0.0.1; ``0`` lets the operating system choose.
        key_type: Key type for every key in the PKI.
        now: The reference time for validity periods and the revocation date
            (default: the current time). The services themselves answer for the
            current time.

    """

    def __init__(
        self,
        folder: str | Path,
        *,
        port: int = 0,
        key_type: KeyType = KeyType.RSA_2048,
        now: dt.datetime | None = None,
    ) -> None:
        self._folder = Path(folder)
        self._port = port
        self._key_type = key_type
        self._now = now or dt.datetime.now(dt.UTC)
        self._revoked_since = self._now - dt.timedelta(days=_REVOKED_DAYS_AGO)
        self._materials: _Materials | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> LocalTrustServices:
        """Bind the port, build the PKI if not yet built, and serve it in a daemon thread.

        Returns ``self``. Raises :class:`RuntimeError` when already running and
        :class:`OSError` when the port is taken.
        """
        if self._server is not None:
            raise RuntimeError("the trust services are already running")
        from werkzeug.serving import make_server  # noqa: PLC0415 - optional extra [services]

        server = make_server(HOST, self._port, self._wsgi, request_handler=quiet_request_handler())
        try:
            self._port = server.server_address[1]
            if self._materials is None:
                self._materials = self._build()
        except BaseException:
            server.server_close()
            raise
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name=f"esig-trust-services:{self._port}",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving, join the thread and close the socket. Does nothing when stopped."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        thread.join()
        server.server_close()
        self._server = self._thread = None

    def __enter__(self) -> LocalTrustServices:
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
        """Whether the services are being served right now."""
        return self._thread is not None and self._thread.is_alive()

    # -- where -----------------------------------------------------------------------

    @property
    def folder(self) -> Path:
        """The folder with the configuration file and the key files."""
        return self._folder

    @property
    def config_path(self) -> Path:
        """The certomancer configuration file (also usable with ``certomancer --config``)."""
        return self._built.config_path

    @property
    def port(self) -> int:
        """The TCP port on 127.0.0.1 (``0`` until the first :meth:`start` picks one)."""
        return self._port

    @property
    def urls(self) -> ServiceUrls:
        """All service URLs."""
        return self._built.urls

    @property
    def base_url(self) -> str:
        """The URL prefix of all services, ``http://127.0.0.1:PORT``."""
        return self.urls.base

    @property
    def tsa_url(self) -> str:
        """The RFC 3161 time-stamping service."""
        return self.urls.tsa

    @property
    def ocsp_url(self) -> str:
        """The OCSP responder for certificates issued by the intermediate CA (POST)."""
        return self.urls.ocsp

    @property
    def crl_url(self) -> str:
        """The intermediate CA's latest CRL (DER); it lists the revoked signer."""
        return self.urls.crl

    @property
    def root_crl_url(self) -> str:
        """The root CA's latest CRL (DER); it covers the intermediate CA."""
        return self.urls.root_crl

    # -- what ------------------------------------------------------------------------

    @property
    def root_certificate(self) -> x509.Certificate:
        """The self-signed root CA certificate: the trust anchor."""
        return self._built.certificates[Label.ROOT]

    @property
    def intermediate_certificate(self) -> x509.Certificate:
        """The intermediate CA certificate that issued every end-entity certificate."""
        return self._built.certificates[Label.INTERMEDIATE]

    @property
    def ocsp_responder_certificate(self) -> x509.Certificate:
        """The OCSP responder's certificate (``ocspSigning``, ``id-pkix-ocsp-nocheck``)."""
        return self._built.certificates[Label.OCSP_RESPONDER]

    @property
    def tsa_certificate(self) -> x509.Certificate:
        """The time-stamping unit's certificate (``timeStamping`` extended key usage)."""
        return self._built.certificates[Label.TSA]

    @property
    def signer(self) -> IssuedCertificate:
        """A natural person's signing certificate and key, in good standing."""
        return self._built.issued(Label.SIGNER)

    @property
    def revoked_signer(self) -> IssuedCertificate:
        """A natural person's signing certificate and key, revoked at :attr:`revoked_since`."""
        return self._built.issued(Label.REVOKED_SIGNER)

    @property
    def revoked_since(self) -> dt.datetime:
        """When the revoked signer's (and the revoked TSA's) certificate was revoked."""
        return self._revoked_since

    @property
    def now(self) -> dt.datetime:
        """The reference time of the PKI: validity periods and revocation dates follow it."""
        return self._now

    def issued(self, label: Label) -> IssuedCertificate:
        """Any certificate of the PKI with its key and its chain (rogue ones: their root)."""
        return self._built.issued(label)

    def certificate(self, label: Label) -> x509.Certificate:
        """Any certificate of the PKI, by label."""
        return self._built.certificates[label]

    def tsa_url_for(self, label: Label) -> str:
        """The time-stamping service that signs with the certificate ``label`` (a TSA)."""
        return f"{self.base_url}/{ARCH_LABEL}/tsa/{label}"

    @property
    def wrong_key_ocsp_url(self) -> str:
        """An OCSP responder for the intermediate whose responses do not verify.

        It names the real responder's certificate but signs with another key.
        """
        return f"{self.base_url}/{ARCH_LABEL}/ocsp/{WRONG_KEY_OCSP_SERVICE}"

    @contextmanager
    def answering_at(self, moment: dt.datetime) -> Iterator[LocalTrustServices]:
        """Within the block, every service answers as of ``moment`` (then: the real time).

        OCSP responses are produced at ``moment``, CRLs are the ones current at
        ``moment``, timestamps carry ``moment``; revocations dated after the reference
        time take effect when ``moment`` passes them.
        """
        animator = self._built.animator
        previous = animator.fixed_time
        animator.fixed_time = moment.astimezone(dt.UTC)
        try:
            yield self
        finally:
            animator.fixed_time = previous

    def fetch_ocsp(
        self,
        certificate: x509.Certificate,
        *,
        at: dt.datetime | None = None,
        url: str | None = None,
        timeout: float = 10,
    ) -> bytes:
        """The DER OCSP response about ``certificate`` (issued by the intermediate).

        Args:
            certificate: An end-entity certificate of this PKI.
            at: Ask the responder to answer as of this moment (default: now).
            url: The responder (default: the intermediate's real responder).
            timeout: Seconds to wait for the answer.

        """
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(certificate, self.intermediate_certificate, hashes.SHA256())
            .build()
        )
        headers = {"Content-Type": "application/ocsp-request"}
        if at is not None:
            headers[_FAKE_TIME_HEADER] = at.astimezone(dt.UTC).isoformat()
        http = urllib.request.Request(
            url or self.ocsp_url,
            data=request.public_bytes(serialization.Encoding.DER),
            headers=headers,
            method="POST",
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(http, timeout=timeout) as response:
            data: bytes = response.read()
        return data

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<LocalTrustServices {HOST}:{self._port} {state}>"

    # -- internals -------------------------------------------------------------------

    @property
    def _built(self) -> _Materials:
        if self._materials is None:
            raise RuntimeError("the trust services have not been started yet")
        return self._materials

    def _wsgi(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        result: Iterable[bytes] = self._built.animator(environ, start_response)
        return result

    def _build(self) -> _Materials:
        from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig  # noqa: PLC0415 - optional extra [services]

        urls = ServiceUrls.for_prefix(f"http://{HOST}:{self._port}")
        self._folder.mkdir(parents=True, exist_ok=True)
        keys = generate_keys(self._folder, self._key_type)
        config_path = write_config(
            self._folder,
            build_config(urls.base, now=self._now, revoked_since=self._revoked_since),
        )
        config = CertomancerConfig.from_file(str(config_path), key_search_dir=str(self._folder))
        arch = config.get_pki_arch(ArchLabel(ARCH_LABEL))
        certificates = {
            label: x509.load_der_x509_certificate(arch.get_cert(CertLabel(label)).dump())
            for label in Label
        }
        return _Materials(config_path, urls, keys, certificates, pki_animator(config))


class _Materials:
    """What one build of the PKI produced."""

    def __init__(
        self,
        config_path: Path,
        urls: ServiceUrls,
        keys: dict[Label, PrivateKey],
        certificates: dict[Label, x509.Certificate],
        animator: Any,
    ) -> None:
        self.config_path = config_path
        self.urls = urls
        self.keys = keys
        self.certificates = certificates
        self.animator = animator

    def issued(self, label: Label) -> IssuedCertificate:
        if label is Label.ROGUE_TSA:
            chain: tuple[x509.Certificate, ...] = (self.certificates[Label.ROGUE_ROOT],)
        else:
            chain = (self.certificates[Label.INTERMEDIATE], self.certificates[Label.ROOT])
        return IssuedCertificate(self.certificates[label], self.keys[label], chain)


def pki_animator(config: Any) -> Any:
    """A (whole-second) Animator serving every PKI architecture of a CertomancerConfig."""
    from certomancer.integrations.animator import AnimatorArchStore  # noqa: PLC0415 - optional extra [services]

    return _whole_second_animator()(AnimatorArchStore(config.pki_archs), with_web_ui=False)


def _whole_second_animator() -> type[Any]:
    """The certomancer Animator, answering at whole seconds.

    The stock Animator stamps OCSP ``producedAt`` with microseconds, which DER
    GeneralizedTime in RFC 5280 profiles forbids; strict parsers (cryptography's
    ``load_der_ocsp_response``) reject such responses.
    """
    from certomancer.integrations.animator import Animator  # noqa: PLC0415 - optional extra [services]

    class WholeSecondAnimator(Animator):
        def at_time(self, request: Any) -> dt.datetime:
            moment: dt.datetime = super().at_time(request)  # type: ignore[no-untyped-call]
            return moment.replace(microsecond=0)

    return WholeSecondAnimator


def quiet_request_handler() -> type[Any]:
    """A werkzeug request handler that does not log every request (errors still log)."""
    from werkzeug.serving import WSGIRequestHandler  # noqa: PLC0415 - optional extra [services]

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            pass

    return QuietHandler


@pytest.fixture(scope="session")
def esig_trust_services(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LocalTrustServices]:
    """Live OCSP, CRL and time-stamping services on 127.0.0.1 for the whole session."""
    if importlib.util.find_spec("certomancer") is None:
        real_part_missing("certomancer (install esig[services])")
    with LocalTrustServices(tmp_path_factory.mktemp("esig-trust-services")) as services:
        yield services
