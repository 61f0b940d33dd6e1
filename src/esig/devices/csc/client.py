"""Remote signing over the Cloud Signature Consortium API: transports, client and device.

Three layers, each usable alone:

* a **transport** sends one :class:`~esig.devices.csc.models.HttpRequest` and returns
  the :class:`~esig.devices.csc.models.HttpResponse` (:class:`UrllibTransport` by
  default; :class:`esig.testing.csc.MockCscTransport` answers in-process);
* :class:`CscClient` calls the endpoints: it builds bodies and parses answers with the
  pure functions of :mod:`esig.devices.csc.requests` and
  :mod:`esig.devices.csc.responses`, and only sends and receives;
* :class:`CscDevice` is a :class:`~esig.devices.base.SignatureCreationDevice`: for every
  digest it asks the ``authorizer`` for a PIN/OTP (or a SAD), calls
  ``credentials/authorize`` (the SAD is pinned to that digest) and
  ``signatures/signHash``, and checks the returned value against the certificate.

Each network method has a synchronous and an ``async_`` twin; the async one never blocks
the event loop (the urllib transport runs in a worker thread).
"""

from __future__ import annotations

import abc
import asyncio
import http.client
import ssl
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any, Protocol

from cryptography.x509 import ObjectIdentifier
from pydantic import SecretStr

from esig.devices.base import (
    DeviceEvidence,
    DeviceKind,
    DigestAlgorithm,
    SignatureCreationDevice,
)
from esig.devices.csc.algorithms import check_signature_value, select_sign_algorithm
from esig.devices.csc.errors import (
    AuthorizationError,
    RemoteServiceError,
    RemoteServiceTimeoutError,
)
from esig.devices.csc.models import (
    Activation,
    AuthMode,
    Authorization,
    AuthorizationRequest,
    CredentialInfo,
    CscEndpoint,
    HttpRequest,
    HttpResponse,
    JsonObject,
    Presence,
    ServiceInfo,
)
from esig.devices.csc.requests import (
    API_PATH,
    build_authorize_request,
    build_credentials_info_request,
    build_credentials_list_request,
    build_http_request,
    build_info_request,
    build_sign_hash_request,
    service_root,
)
from esig.devices.csc.responses import (
    MAX_RESPONSE_BYTES,
    decode_response,
    parse_authorize_response,
    parse_credential_info,
    parse_credentials_list,
    parse_service_info,
    parse_sign_hash_response,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "Authorizer",
    "CscClient",
    "CscDevice",
    "CscTransport",
    "UrllibTransport",
    "implicit_authorizer",
]

DEFAULT_TIMEOUT = 30.0
"""Seconds to wait for a CSC service to connect and to send each part of an answer."""

_MAX_PAGES = 1000
"""A bound on ``credentials/list`` pages, against a service that never stops paging."""


class Authorizer(Protocol):
    """The hook that supplies what a signature needs: a PIN/OTP, or a SAD got out of band.

    Any callable of this shape will do (a function, a lambda). It is called once per
    signature, with the digest about to be signed, and may block (prompt the user,
    wait for an app); the async device calls it in a worker thread.
    """

    def __call__(self, request: AuthorizationRequest, /) -> Activation:
        """Return the PIN/OTP (or SAD) for the signature ``request`` describes."""
        ...


def implicit_authorizer(request: AuthorizationRequest) -> Activation:
    """The default authorizer: nothing to add (``authMode`` implicit, no PIN or OTP)."""
    del request
    return Activation()


# -- transports ---------------------------------------------------------------------


class CscTransport(abc.ABC):
    """Sends one HTTP request to a CSC service and returns its answer.

    Subclasses implement :meth:`handle`; :meth:`async_handle` runs it in a worker
    thread unless overridden. A transport returns every HTTP answer, whatever its
    status, and raises :class:`~esig.devices.csc.RemoteServiceError` (or its timeout
    subclass) only when there is no answer at all.
    """

    @abc.abstractmethod
    def handle(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` and return the answer."""

    async def async_handle(self, request: HttpRequest) -> HttpResponse:
        """Async twin of :meth:`handle`; by default it runs in a worker thread."""
        return await asyncio.to_thread(self.handle, request)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Return a redirect as it is: it must not carry the access token elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class UrllibTransport(CscTransport):
    """The standard library's HTTP client (no extra dependency), one request at a time.

    Redirects are never followed (they could carry the access token elsewhere); the
    answer of a redirect is handed back like any other. Proxies come from the
    environment (``https_proxy``, ``no_proxy``) unless ``trust_env`` is false.

    Args:
        ssl_context: TLS settings for ``https://`` services (default: the system's
            trust store, with certificate and host name checks).
        trust_env: Whether to take proxy settings from the environment.

    """

    def __init__(
        self, *, ssl_context: ssl.SSLContext | None = None, trust_env: bool = True
    ) -> None:
        handlers: list[urllib.request.BaseHandler] = [
            _NoRedirect(),
            urllib.request.HTTPSHandler(context=ssl_context or ssl.create_default_context()),
        ]
        if not trust_env:
            handlers.append(urllib.request.ProxyHandler({}))
        self._opener = urllib.request.build_opener(*handlers)

    def handle(self, request: HttpRequest) -> HttpResponse:
        """POST ``request`` and return the answer (any status)."""
        service = _origin(request.url)
        http_request = urllib.request.Request(
            request.url, data=request.body, headers=dict(request.headers), method="POST"
        )
        try:
            with self._opener.open(http_request, timeout=request.timeout) as answer:
                return HttpResponse(
                    status=answer.status,
                    body=_read_capped(answer),
                    content_type=answer.headers.get("Content-Type"),
                )
        except urllib.error.HTTPError as exc:
            with exc:
                body = _read_capped(exc)
            return HttpResponse(
                status=exc.code, body=body, content_type=exc.headers.get("Content-Type")
            )
        except TimeoutError as exc:
            raise _timeout(service, request, exc) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise _timeout(service, request, exc.reason) from None
            raise RemoteServiceError(
                f"The CSC service at {service} cannot be reached ({exc.reason}). Check the "
                "service URL and the network.",
                service=service,
                endpoint=request.endpoint.value,
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            raise RemoteServiceError(
                f"The connection to the CSC service at {service} broke during "
                f"{request.endpoint.value} ({type(exc).__name__}: {exc}). Try again.",
                service=service,
                endpoint=request.endpoint.value,
            ) from None


def _read_capped(answer: Any) -> bytes:
    data: bytes = answer.read(MAX_RESPONSE_BYTES + 1)
    return data


def _timeout(service: str, request: HttpRequest, exc: BaseException) -> RemoteServiceTimeoutError:
    del exc
    return RemoteServiceTimeoutError(
        f"The CSC service at {service} did not answer {request.endpoint.value} within "
        f"{request.timeout:g} s. Try again later, or allow more time (timeout=...).",
        service=service,
        endpoint=request.endpoint.value,
    )


def _origin(url: str) -> str:
    """The URL up to the API path: the service as the user named it."""
    marker = "/" + API_PATH + "/"
    return url.split(marker, 1)[0] if marker in url else url


# -- client -------------------------------------------------------------------------


class CscClient:
    """Calls the CSC API endpoints of one service; every method has an ``async_`` twin.

    Args:
        base_url: The service's base URL: what comes before ``/csc/v1/`` (a URL that
            ends in ``/csc/v1`` is accepted too).
        transport: How requests are sent (default: a new :class:`UrllibTransport`).
        access_token: An OAuth 2.0 access token (``service`` scope) sent as a bearer
            token; ``None`` for services that need none.
        timeout: Seconds to wait for the service on each request.

    Raises:
        ValueError: ``base_url`` is not an http(s) URL, or ``timeout`` is not positive.

    """

    def __init__(
        self,
        base_url: str,
        *,
        transport: CscTransport | None = None,
        access_token: str | SecretStr | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        self._base_url = service_root(base_url)
        self._transport = transport or UrllibTransport()
        self._token = SecretStr(access_token) if isinstance(access_token, str) else access_token
        self._timeout = timeout

    @property
    def base_url(self) -> str:
        """The service's base URL (without ``/csc/v1``)."""
        return self._base_url

    @property
    def timeout(self) -> float:
        """Seconds to wait for the service on each request."""
        return self._timeout

    def __repr__(self) -> str:
        return f"<CscClient {self._base_url}>"

    # service

    def service_info(self) -> ServiceInfo:
        """What the service says about itself (``info``)."""
        data = self._call(CscEndpoint.INFO, build_info_request())
        return parse_service_info(data, service=self._base_url)

    async def async_service_info(self) -> ServiceInfo:
        """Async twin of :meth:`service_info`."""
        data = await self._async_call(CscEndpoint.INFO, build_info_request())
        return parse_service_info(data, service=self._base_url)

    # credentials/list

    def list_credentials(
        self, *, user_id: str | None = None, client_data: str | None = None
    ) -> tuple[str, ...]:
        """The ids of every credential the service offers (all pages).

        Args:
            user_id: The user whose credentials to list, where the service needs it.
            client_data: Vendor-specific data (the certomancer dummy takes a PKI
                architecture label here).

        """
        found: list[str] = []
        token: str | None = None
        for _ in range(_MAX_PAGES):
            body = build_credentials_list_request(
                user_id=user_id, page_token=token, client_data=client_data
            )
            page = parse_credentials_list(
                self._call(CscEndpoint.CREDENTIALS_LIST, body), service=self._base_url
            )
            found.extend(page.credential_ids)
            if page.next_page_token is None or page.next_page_token == token:
                break
            token = page.next_page_token
        return tuple(found)

    async def async_list_credentials(
        self, *, user_id: str | None = None, client_data: str | None = None
    ) -> tuple[str, ...]:
        """Async twin of :meth:`list_credentials`."""
        found: list[str] = []
        token: str | None = None
        for _ in range(_MAX_PAGES):
            body = build_credentials_list_request(
                user_id=user_id, page_token=token, client_data=client_data
            )
            page = parse_credentials_list(
                await self._async_call(CscEndpoint.CREDENTIALS_LIST, body),
                service=self._base_url,
            )
            found.extend(page.credential_ids)
            if page.next_page_token is None or page.next_page_token == token:
                break
            token = page.next_page_token
        return tuple(found)

    # credentials/info

    def credential_info(self, credential_id: str) -> CredentialInfo:
        """The credential's certificates, key algorithms and authorisation policy.

        Raises:
            CredentialNotFoundError: The service has no such credential.

        """
        body = build_credentials_info_request(credential_id)
        data = self._call(CscEndpoint.CREDENTIALS_INFO, body, credential_id)
        return parse_credential_info(data, credential_id, service=self._base_url)

    async def async_credential_info(self, credential_id: str) -> CredentialInfo:
        """Async twin of :meth:`credential_info`."""
        body = build_credentials_info_request(credential_id)
        data = await self._async_call(CscEndpoint.CREDENTIALS_INFO, body, credential_id)
        return parse_credential_info(data, credential_id, service=self._base_url)

    # credentials/authorize

    def authorize(
        self,
        credential_id: str,
        digests: Sequence[bytes],
        activation: Activation | None = None,
        *,
        description: str | None = None,
    ) -> Authorization:
        """Obtain a SAD for one signature per digest (pinned to the digests).

        Raises:
            AuthorizationError: The service refused (wrong PIN/OTP, key not usable).

        """
        body = build_authorize_request(
            credential_id, digests, activation=activation, description=description
        )
        data = self._call(CscEndpoint.CREDENTIALS_AUTHORIZE, body, credential_id)
        return parse_authorize_response(data, service=self._base_url)

    async def async_authorize(
        self,
        credential_id: str,
        digests: Sequence[bytes],
        activation: Activation | None = None,
        *,
        description: str | None = None,
    ) -> Authorization:
        """Async twin of :meth:`authorize`."""
        body = build_authorize_request(
            credential_id, digests, activation=activation, description=description
        )
        data = await self._async_call(CscEndpoint.CREDENTIALS_AUTHORIZE, body, credential_id)
        return parse_authorize_response(data, service=self._base_url)

    # signatures/signHash

    def sign_hash(
        self,
        credential_id: str,
        sad: SecretStr,
        digests: Sequence[bytes],
        sign_algorithm: ObjectIdentifier,
        digest_algorithm: DigestAlgorithm,
    ) -> tuple[bytes, ...]:
        """Have the service sign ``digests``; one signature value per digest, in order."""
        body = build_sign_hash_request(
            credential_id, sad, digests, sign_algorithm, digest_algorithm
        )
        data = self._call(CscEndpoint.SIGNATURES_SIGN_HASH, body, credential_id)
        return parse_sign_hash_response(data, len(digests), service=self._base_url)

    async def async_sign_hash(
        self,
        credential_id: str,
        sad: SecretStr,
        digests: Sequence[bytes],
        sign_algorithm: ObjectIdentifier,
        digest_algorithm: DigestAlgorithm,
    ) -> tuple[bytes, ...]:
        """Async twin of :meth:`sign_hash`."""
        body = build_sign_hash_request(
            credential_id, sad, digests, sign_algorithm, digest_algorithm
        )
        data = await self._async_call(CscEndpoint.SIGNATURES_SIGN_HASH, body, credential_id)
        return parse_sign_hash_response(data, len(digests), service=self._base_url)

    # sending

    def _request(self, endpoint: CscEndpoint, body: JsonObject) -> HttpRequest:
        return build_http_request(
            self._base_url, endpoint, body, access_token=self._token, timeout=self._timeout
        )

    def _call(
        self, endpoint: CscEndpoint, body: JsonObject, credential_id: str | None = None
    ) -> JsonObject:
        response = self._transport.handle(self._request(endpoint, body))
        return decode_response(
            response, service=self._base_url, endpoint=endpoint, credential_id=credential_id
        )

    async def _async_call(
        self, endpoint: CscEndpoint, body: JsonObject, credential_id: str | None = None
    ) -> JsonObject:
        response = await self._transport.async_handle(self._request(endpoint, body))
        return decode_response(
            response, service=self._base_url, endpoint=endpoint, credential_id=credential_id
        )


# -- device -------------------------------------------------------------------------


class CscDevice(SignatureCreationDevice):
    """A key held by a remote signing service, used over the CSC API (itsme and the like).

    Build one with :meth:`connect` (or :meth:`async_connect`), which fetches the
    credential's certificates; the constructor itself does no I/O. Every signature
    costs two calls: ``credentials/authorize`` (a SAD pinned to the digest) and
    ``signatures/signHash``; the returned value is checked against the certificate
    before it is used.

    Args:
        client: The client for the service.
        credential: The credential, as :meth:`CscClient.credential_info` returned it.
        authorizer: Supplies a PIN/OTP or a SAD before each signature (default:
            :func:`implicit_authorizer`, for credentials that need nothing).
        qscd_claimed: Whether you declare the service's key a qualified signature
            creation device (the CSC API does not say; check the trusted list).
        description: How the device is described in its evidence.

    Raises:
        KeyLoadError: The credential's key is neither RSA nor EC.
        AuthorizationError: The credential needs a PIN or OTP, or an OAuth 2.0 SAD,
            and no authorizer was given.

    """

    def __init__(
        self,
        client: CscClient,
        credential: CredentialInfo,
        *,
        authorizer: Authorizer | None = None,
        qscd_claimed: bool = False,
        description: str | None = None,
    ) -> None:
        needs = _needs_authorizer(credential)
        if authorizer is None and needs is not None:
            raise AuthorizationError(
                f"The CSC credential {credential.credential_id!r} at {client.base_url} "
                f"needs {needs} for every signature; pass authorizer=... to supply it.",
                service=client.base_url,
                credential_id=credential.credential_id,
            )
        self._client = client
        self._credential = credential
        super().__init__(credential.certificate, credential.chain)
        self._authorizer = authorizer
        self._qscd_claimed = qscd_claimed
        self._description = description or (
            f"remote signing service {client.base_url}, credential "
            f"{credential.credential_id!r} (CSC API, SCAL {credential.scal})"
        )

    @classmethod
    def connect(
        cls,
        base_url: str,
        credential_id: str,
        *,
        authorizer: Authorizer | None = None,
        qscd_claimed: bool = False,
        access_token: str | SecretStr | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        transport: CscTransport | None = None,
    ) -> CscDevice:
        """Fetch the credential from the service and return a device for it.

        Args:
            base_url: The service's base URL (before ``/csc/v1/``).
            credential_id: The credential to sign with.
            authorizer: Supplies a PIN/OTP or SAD per signature (see :class:`CscDevice`).
            qscd_claimed: Whether you declare the key a qualified device.
            access_token: An OAuth 2.0 bearer token for the service, if it needs one.
            timeout: Seconds to wait for the service on each request.
            transport: How requests are sent (default: :class:`UrllibTransport`).

        Raises:
            CredentialNotFoundError: The service has no such credential.
            RemoteServiceError: The service failed, timed out or answered nonsense.

        """
        client = CscClient(
            base_url, transport=transport, access_token=access_token, timeout=timeout
        )
        credential = client.credential_info(credential_id)
        return cls(client, credential, authorizer=authorizer, qscd_claimed=qscd_claimed)

    @classmethod
    async def async_connect(
        cls,
        base_url: str,
        credential_id: str,
        *,
        authorizer: Authorizer | None = None,
        qscd_claimed: bool = False,
        access_token: str | SecretStr | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        transport: CscTransport | None = None,
    ) -> CscDevice:
        """Async twin of :meth:`connect`."""
        client = CscClient(
            base_url, transport=transport, access_token=access_token, timeout=timeout
        )
        credential = await client.async_credential_info(credential_id)
        return cls(client, credential, authorizer=authorizer, qscd_claimed=qscd_claimed)

    @property
    def client(self) -> CscClient:
        """The client this device signs through."""
        return self._client

    @property
    def credential(self) -> CredentialInfo:
        """The credential as the service described it."""
        return self._credential

    @property
    def evidence(self) -> DeviceEvidence:
        """A remote key: not extractable (as the service claims), a SAD per signature."""
        return DeviceEvidence(
            kind=DeviceKind.REMOTE,
            description=self._description,
            key_extractable=False,
            authentication_per_use=True,
            qscd_claimed=self._qscd_claimed,
        )

    def sign_digest(self, digest: bytes, algorithm: DigestAlgorithm) -> bytes:
        """Authorise and sign one digest at the service.

        Raises:
            AuthorizationError: The service refused to authorise the signature.
            RemoteServiceError: The service failed, timed out or answered nonsense.
            SigningError: The credential does not support ``algorithm``.

        """
        request, sign_algorithm = self._prepare(digest, algorithm)
        activation = (self._authorizer or implicit_authorizer)(request)
        sad = activation.sad
        if sad is None:
            try:
                authorization = self._client.authorize(
                    self._credential.credential_id, (digest,), activation
                )
            except AuthorizationError as exc:
                raise self._explain(exc) from None
            sad = authorization.sad
        (value,) = self._client.sign_hash(
            self._credential.credential_id, sad, (digest,), sign_algorithm, algorithm
        )
        return self._check(value, digest, algorithm)

    async def async_sign_digest(self, digest: bytes, algorithm: DigestAlgorithm) -> bytes:
        """Async twin of :meth:`sign_digest`; the authorizer runs in a worker thread."""
        request, sign_algorithm = self._prepare(digest, algorithm)
        if self._authorizer is None:
            activation = implicit_authorizer(request)
        else:
            activation = await asyncio.to_thread(self._authorizer, request)
        sad = activation.sad
        if sad is None:
            try:
                authorization = await self._client.async_authorize(
                    self._credential.credential_id, (digest,), activation
                )
            except AuthorizationError as exc:
                raise self._explain(exc) from None
            sad = authorization.sad
        (value,) = await self._client.async_sign_hash(
            self._credential.credential_id, sad, (digest,), sign_algorithm, algorithm
        )
        return self._check(value, digest, algorithm)

    def _prepare(
        self, digest: bytes, algorithm: DigestAlgorithm
    ) -> tuple[AuthorizationRequest, ObjectIdentifier]:
        if len(digest) != algorithm.digest_size:
            raise ValueError(
                f"A {algorithm.value} digest has {algorithm.digest_size} bytes, got {len(digest)}"
            )
        sign_algorithm = select_sign_algorithm(
            self._credential.key.algorithms, self._scheme, algorithm
        )
        request = AuthorizationRequest(
            service=self._client.base_url,
            credential_id=self._credential.credential_id,
            digests=(digest,),
            digest_algorithm=algorithm,
            auth_mode=self._credential.auth_mode,
            pin=self._credential.pin,
            otp=self._credential.otp,
        )
        return request, sign_algorithm

    def _explain(self, exc: AuthorizationError) -> AuthorizationError:
        """Add what the credential info said, when it explains a refusal."""
        if self._credential.key.enabled:
            return exc
        return AuthorizationError(
            f"{exc.message} The service lists this credential's key as disabled: it "
            "cannot sign until the service operator enables it.",
            service=exc.service,
            status=exc.status,
            endpoint=exc.endpoint,
            error_code=exc.error_code,
            credential_id=exc.credential_id,
        )

    def _check(self, value: bytes, digest: bytes, algorithm: DigestAlgorithm) -> bytes:
        return check_signature_value(
            self._certificate, value, digest, algorithm, service=self._client.base_url
        )


def _needs_authorizer(credential: CredentialInfo) -> str | None:
    """What the credential needs that only an authorizer can give, if anything."""
    if credential.auth_mode is AuthMode.OAUTH2CODE:
        return "a SAD from an OAuth 2.0 'credential' authorisation"
    wanted = [
        what
        for what, presence in (("a PIN", credential.pin), ("a one-time password", credential.otp))
        if presence is Presence.REQUIRED
    ]
    return " and ".join(wanted) or None
