"""Remote signing over the Cloud Signature Consortium (CSC) API, v1.0.4.0.

A remote qualified signature creation device (itsme and other remote QSCDs) holds the
key; esig sends it digests. :class:`CscDevice` is a
:class:`~esig.devices.base.SignatureCreationDevice` like any other::

    from esig.devices.csc import Activation, CscDevice

    device = CscDevice.connect(
        "https://csc.example.org",
        "my-credential-id",
        authorizer=lambda request: Activation(pin=ask_pin()),
        qscd_claimed=True,
    )
    esig.sign_pdf("contract.pdf", "contract-signed.pdf", device)

Per signature the device calls ``credentials/authorize`` (the SAD is pinned to the
digest) and ``signatures/signHash``. Request bodies (:mod:`esig.devices.csc.requests`),
the parsing of answers (:mod:`esig.devices.csc.responses`) and the choice and check of
signature algorithms (:mod:`esig.devices.csc.algorithms`) are pure functions over the
models of :mod:`esig.devices.csc.models`; :class:`CscClient` only sends and receives,
through a :class:`CscTransport` (:class:`UrllibTransport` by default;
:class:`esig.testing.csc.MockCscTransport` answers in-process, for tests).

Errors: :class:`CredentialNotFoundError` (a :class:`~esig.errors.KeyLoadError`) for an
unknown credential id; :class:`RemoteServiceError` (a :class:`~esig.errors.SigningError`)
for a failing, slow or garbled service, with the subclasses
:class:`AuthorizationError`, :class:`RemoteServiceTimeoutError` and
:class:`MalformedResponseError`. Each carries the service URL and HTTP status.
"""

from esig.devices.csc.client import (
    DEFAULT_TIMEOUT,
    Authorizer,
    CscClient,
    CscDevice,
    CscTransport,
    UrllibTransport,
    implicit_authorizer,
)
from esig.devices.csc.errors import (
    AuthorizationError,
    CredentialNotFoundError,
    MalformedResponseError,
    RemoteServiceError,
    RemoteServiceTimeoutError,
)
from esig.devices.csc.models import (
    Activation,
    AuthMode,
    Authorization,
    AuthorizationRequest,
    CredentialInfo,
    CredentialKey,
    CredentialList,
    CscEndpoint,
    HttpRequest,
    HttpResponse,
    Presence,
    ServiceInfo,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "Activation",
    "AuthMode",
    "Authorization",
    "AuthorizationError",
    "AuthorizationRequest",
    "Authorizer",
    "CredentialInfo",
    "CredentialKey",
    "CredentialList",
    "CredentialNotFoundError",
    "CscClient",
    "CscDevice",
    "CscEndpoint",
    "CscTransport",
    "HttpRequest",
    "HttpResponse",
    "MalformedResponseError",
    "Presence",
    "RemoteServiceError",
    "RemoteServiceTimeoutError",
    "ServiceInfo",
    "UrllibTransport",
    "implicit_authorizer",
]
