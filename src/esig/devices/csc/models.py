"""The names and models of the CSC API (v1.0.4.0): endpoints, enums, frozen models.

:class:`HttpRequest` and :class:`HttpResponse` are what a transport sends and gets;
:class:`ServiceInfo`, :class:`CredentialList`, :class:`CredentialInfo` and
:class:`Authorization` are what :mod:`esig.devices.csc.responses` parses answers into;
:class:`Activation` and :class:`AuthorizationRequest` are what an authorizer gets and
hands back.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any, Literal

from cryptography import x509
from pydantic import Field, SecretStr, model_validator

from esig._model import Base64Bytes, EsigModel
from esig.devices.base import DigestAlgorithm

__all__ = [
    "Activation",
    "AuthMode",
    "Authorization",
    "AuthorizationRequest",
    "CredentialInfo",
    "CredentialKey",
    "CredentialList",
    "CscEndpoint",
    "HttpRequest",
    "HttpResponse",
    "JsonObject",
    "Presence",
    "ServiceInfo",
]

JsonObject = dict[str, Any]
"""A decoded JSON object, as sent to or received from the service."""


B64Bytes = Base64Bytes
"""Bytes that are given raw in Python, serialised as base64 in JSON (and read back)."""

# -- names --------------------------------------------------------------------------


class CscEndpoint(StrEnum):
    """The CSC API endpoints esig calls, as they appear after ``/csc/v1/``."""

    INFO = "info"
    CREDENTIALS_LIST = "credentials/list"
    CREDENTIALS_INFO = "credentials/info"
    CREDENTIALS_AUTHORIZE = "credentials/authorize"
    SIGNATURES_SIGN_HASH = "signatures/signHash"


class AuthMode(StrEnum):
    """How a credential is authorised (CSC ``authMode``)."""

    IMPLICIT = "implicit"
    """The service authorises by its own means (or needs nothing from the client)."""
    EXPLICIT = "explicit"
    """The client sends a PIN and/or OTP with ``credentials/authorize``."""
    OAUTH2CODE = "oauth2code"
    """An OAuth 2.0 authorisation code flow with ``credential`` scope yields the SAD."""


class Presence(StrEnum):
    """Whether a credential asks for a PIN or OTP (CSC ``PIN.presence``/``OTP.presence``)."""

    REQUIRED = "true"
    OPTIONAL = "optional"
    ABSENT = "false"


# -- models -------------------------------------------------------------------------


class HttpRequest(EsigModel):
    """One HTTP POST to a CSC endpoint, ready for a transport to send."""

    endpoint: CscEndpoint
    url: str
    """The full URL of the endpoint."""
    body: bytes
    """The JSON body, UTF-8 encoded."""
    headers: tuple[tuple[str, str], ...] = Field(default=(), repr=False)
    """Request headers; may carry the access token, so never shown in ``repr``."""
    timeout: float
    """Seconds to wait for the service (connect and each read)."""

    def json_body(self) -> JsonObject:
        """The body, decoded (for transports that answer in-process, such as fakes)."""
        data = json.loads(self.body)
        if not isinstance(data, dict):
            raise ValueError("a CSC request body is a JSON object")
        return data


class HttpResponse(EsigModel):
    """What the service answered: the status and the raw body."""

    status: int
    body: bytes = b""
    content_type: str | None = None

    @classmethod
    def of_json(cls, data: object, status: int = 200) -> HttpResponse:
        """A response carrying ``data`` as JSON (for fakes and tests)."""
        return cls(
            status=status,
            body=json.dumps(data).encode("utf-8"),
            content_type="application/json",
        )


class ServiceInfo(EsigModel):
    """What the ``info`` endpoint says about the service."""

    specs: str
    """The CSC API version it implements, e.g. ``1.0.4.0``."""
    name: str
    auth_types: tuple[str, ...] = ()
    """How clients authenticate to the service (``basic``, ``oauth2code``, ``external``…)."""
    methods: tuple[str, ...] = ()
    """The endpoints the service implements."""


class CredentialList(EsigModel):
    """One page of ``credentials/list``."""

    credential_ids: tuple[str, ...]
    next_page_token: str | None = None
    """Pass it back to get the next page; ``None`` on the last page."""


class CredentialKey(EsigModel):
    """The key of a credential, as ``credentials/info`` describes it."""

    enabled: bool
    """``False`` when the service reports the key ``disabled`` (it will not sign)."""
    algorithms: tuple[str, ...]
    """Dotted OIDs of the signature algorithms the key supports."""
    length: int | None = None
    """Key length in bits."""
    curve: str | None = None
    """Dotted OID of the named curve, for EC keys."""


class CredentialInfo(EsigModel):
    """A credential as ``credentials/info`` describes it: certificates, key and policies."""

    credential_id: str
    key: CredentialKey
    certificates: tuple[B64Bytes, ...]
    """DER certificates: the signer's first, then its issuers."""
    auth_mode: AuthMode = AuthMode.IMPLICIT
    scal: Literal[1, 2] = 1
    """Sole Control Assurance Level; at 2 the SAD is pinned to the digests it authorises."""
    multisign: int = 1
    """How many signatures one authorisation may cover."""
    pin: Presence = Presence.ABSENT
    otp: Presence = Presence.ABSENT
    description: str | None = None

    @model_validator(mode="after")
    def _has_certificate(self) -> CredentialInfo:
        if not self.certificates:
            raise ValueError("a credential has at least the signer's certificate")
        return self

    @property
    def certificate(self) -> x509.Certificate:
        """The signer's certificate."""
        return x509.load_der_x509_certificate(self.certificates[0])

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """The issuer certificates the service sent (the signer's excluded)."""
        return tuple(x509.load_der_x509_certificate(der) for der in self.certificates[1:])

    @property
    def hash_pinning(self) -> bool:
        """Whether each authorisation is bound to the digests it covers (SCAL 2)."""
        return self.scal == 2


class Activation(EsigModel):
    """What an authorizer hands back for one signature.

    Either a PIN and/or OTP that esig sends with ``credentials/authorize``, or a SAD
    obtained by other means (e.g. an OAuth 2.0 ``credential`` flow).

    The values are :class:`~pydantic.SecretStr`: they never show in ``repr`` or logs.
    """

    pin: SecretStr | None = None
    otp: SecretStr | None = None
    sad: SecretStr | None = None
    """Signature activation data obtained out of band; then esig skips ``authorize``."""

    @model_validator(mode="after")
    def _sad_alone(self) -> Activation:
        if self.sad is not None and (self.pin is not None or self.otp is not None):
            raise ValueError("give either a SAD or a PIN/OTP to obtain one, not both")
        return self


class AuthorizationRequest(EsigModel):
    """What an authorizer is told before each signature: which credential, which digests."""

    service: str
    """The service's base URL."""
    credential_id: str
    digests: tuple[B64Bytes, ...]
    """The digests about to be signed (what a SCAL 2 SAD is pinned to)."""
    digest_algorithm: DigestAlgorithm
    auth_mode: AuthMode
    pin: Presence
    otp: Presence


class Authorization(EsigModel):
    """The answer of ``credentials/authorize``."""

    sad: SecretStr
    """Signature activation data: opaque to the client, never shown."""
    expires_in: int | None = None
    """Seconds the SAD stays valid, if the service says."""
