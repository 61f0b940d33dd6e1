"""The Cloud Signature Consortium API (v1.0.4.0) without I/O: request bodies and responses.

Every function here is pure. Builders return the JSON object to send; parsers take the
decoded JSON (or the raw HTTP answer, for :func:`decode_response`) and return frozen
models, or raise one of the errors below with a message that names the service and
says what to do. The clients in :mod:`esig.devices.csc.client` only send and receive.

The calls esig makes, in order, for one signature::

    credentials/info       -> certificates, key algorithms, authMode, SCAL
    credentials/authorize  -> SAD, pinned to the digest (SCAL 2) and one signature
    signatures/signHash    -> the signature value
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Iterator, Mapping, Sequence
from enum import StrEnum
from typing import Any, Final, Literal, TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.x509 import ObjectIdentifier
from cryptography.x509.oid import PublicKeyAlgorithmOID, SignatureAlgorithmOID
from pydantic import Field, SecretStr, model_validator

from esig._model import Base64Bytes, EsigModel
from esig.devices.base import DigestAlgorithm, SignatureScheme
from esig.errors import KeyLoadError, SigningError

__all__ = [
    "API_PATH",
    "Activation",
    "AuthMode",
    "Authorization",
    "AuthorizationError",
    "AuthorizationRequest",
    "CredentialInfo",
    "CredentialKey",
    "CredentialList",
    "CredentialNotFoundError",
    "CscEndpoint",
    "HashAlgorithmOID",
    "HttpRequest",
    "HttpResponse",
    "JsonObject",
    "MalformedResponseError",
    "Presence",
    "RemoteServiceError",
    "RemoteServiceTimeoutError",
    "ServiceInfo",
    "build_authorize_request",
    "build_credentials_info_request",
    "build_credentials_list_request",
    "build_http_request",
    "build_info_request",
    "build_sign_hash_request",
    "check_signature_value",
    "decode_response",
    "endpoint_url",
    "parse_authorize_response",
    "parse_credential_info",
    "parse_credentials_list",
    "parse_service_info",
    "parse_sign_hash_response",
    "select_sign_algorithm",
    "service_root",
]

API_PATH: Final = "csc/v1"
"""The path between a service's base URL and the endpoint names (API version 1)."""

MAX_RESPONSE_BYTES: Final = 8 * 1024 * 1024
"""Answers longer than this are refused as malformed (a credential's chain is a few KB)."""

_E = TypeVar("_E", bound=StrEnum)

JsonObject = dict[str, Any]
"""A decoded JSON object, as sent to or received from the service."""


B64Bytes = Base64Bytes
"""Bytes that are given raw in Python, serialised as base64 in JSON (and read back)."""


# -- errors -------------------------------------------------------------------------


class RemoteServiceError(SigningError):
    """A remote signing service failed, refused, or answered something unusable.

    Attributes:
        service: The service's base URL.
        status: The HTTP status code, or ``None`` when there was no HTTP answer
            (unreachable, timed out) or the answer was unusable.
        endpoint: The CSC endpoint called (e.g. ``credentials/authorize``), if any.
        error_code: The CSC ``error`` field of the answer (e.g. ``invalid_request``).
        credential_id: The credential concerned, if any.

    """

    def __init__(
        self,
        message: str,
        *,
        service: str,
        status: int | None = None,
        endpoint: str | None = None,
        error_code: str | None = None,
        credential_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.service = service
        self.status = status
        self.endpoint = endpoint
        self.error_code = error_code
        self.credential_id = credential_id


class RemoteServiceTimeoutError(RemoteServiceError):
    """The service did not answer within the configured timeout."""


class MalformedResponseError(RemoteServiceError):
    """The service answered, but not with the JSON the CSC API prescribes."""


class AuthorizationError(RemoteServiceError):
    """The service refused to authorise: wrong PIN/OTP, disabled key, missing access token.

    Also raised before any request when a credential needs a PIN or OTP and no
    authorizer was given to supply one.
    """


class CredentialNotFoundError(KeyLoadError):
    """The service does not know the credential id.

    Attributes:
        service: The service's base URL.
        credential_id: The credential id that was asked for.
        status: The HTTP status code of the refusal.

    """

    def __init__(self, message: str, *, service: str, credential_id: str, status: int) -> None:
        super().__init__(message)
        self.service = service
        self.credential_id = credential_id
        self.status = status


# -- names --------------------------------------------------------------------------


class CscEndpoint(StrEnum):
    """The CSC API endpoints esig calls, as they appear after ``/csc/v1/``."""

    INFO = "info"
    CREDENTIALS_LIST = "credentials/list"
    CREDENTIALS_INFO = "credentials/info"
    CREDENTIALS_AUTHORIZE = "credentials/authorize"
    SIGNATURES_SIGN_HASH = "signatures/signHash"


class HashAlgorithmOID:
    """Digest algorithm OIDs (NIST, RFC 5754) as the CSC ``hashAlgo`` parameter names them."""

    SHA256: Final = ObjectIdentifier("2.16.840.1.101.3.4.2.1")
    """``id-sha256``."""
    SHA384: Final = ObjectIdentifier("2.16.840.1.101.3.4.2.2")
    """``id-sha384``."""
    SHA512: Final = ObjectIdentifier("2.16.840.1.101.3.4.2.3")
    """``id-sha512``."""

    @classmethod
    def of(cls, algorithm: DigestAlgorithm) -> ObjectIdentifier:
        """The OID of ``algorithm``."""
        return {
            DigestAlgorithm.SHA256: cls.SHA256,
            DigestAlgorithm.SHA384: cls.SHA384,
            DigestAlgorithm.SHA512: cls.SHA512,
        }[algorithm]


_COMBINED_SIGN_ALGORITHMS: Final[
    dict[tuple[SignatureScheme, DigestAlgorithm], ObjectIdentifier]
] = {
    (SignatureScheme.RSA_PKCS1V15, DigestAlgorithm.SHA256): SignatureAlgorithmOID.RSA_WITH_SHA256,
    (SignatureScheme.RSA_PKCS1V15, DigestAlgorithm.SHA384): SignatureAlgorithmOID.RSA_WITH_SHA384,
    (SignatureScheme.RSA_PKCS1V15, DigestAlgorithm.SHA512): SignatureAlgorithmOID.RSA_WITH_SHA512,
    (SignatureScheme.ECDSA, DigestAlgorithm.SHA256): SignatureAlgorithmOID.ECDSA_WITH_SHA256,
    (SignatureScheme.ECDSA, DigestAlgorithm.SHA384): SignatureAlgorithmOID.ECDSA_WITH_SHA384,
    (SignatureScheme.ECDSA, DigestAlgorithm.SHA512): SignatureAlgorithmOID.ECDSA_WITH_SHA512,
}
"""signAlgo OIDs that name the digest too (``sha256WithRSAEncryption`` and so on)."""

_BARE_SIGN_ALGORITHMS: Final[dict[SignatureScheme, ObjectIdentifier]] = {
    SignatureScheme.RSA_PKCS1V15: PublicKeyAlgorithmOID.RSAES_PKCS1_v1_5,
}
"""signAlgo OIDs that need ``hashAlgo`` beside them (``rsaEncryption``: PKCS#1 v1.5)."""


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


# -- URLs and requests --------------------------------------------------------------


def service_root(base_url: str) -> str:
    """The service's base URL without a trailing slash or ``/csc/v1`` suffix.

    Raises:
        ValueError: ``base_url`` is not an ``http(s)://`` URL.

    """
    root = base_url.strip().rstrip("/")
    if not root.lower().startswith(("http://", "https://")):
        raise ValueError(f"A CSC service URL starts with https:// or http://, got {base_url!r}")
    if root.endswith("/" + API_PATH):
        root = root[: -len(API_PATH) - 1]
    return root


def endpoint_url(base_url: str, endpoint: CscEndpoint) -> str:
    """The full URL of ``endpoint`` on the service at ``base_url``."""
    return f"{service_root(base_url)}/{API_PATH}/{endpoint.value}"


def build_http_request(
    base_url: str,
    endpoint: CscEndpoint,
    body: Mapping[str, Any],
    *,
    access_token: SecretStr | None = None,
    timeout: float,
) -> HttpRequest:
    """The POST of ``body`` to ``endpoint``, with a bearer token if one is given."""
    headers = [("Content-Type", "application/json"), ("Accept", "application/json")]
    if access_token is not None:
        headers.append(("Authorization", f"Bearer {access_token.get_secret_value()}"))
    return HttpRequest(
        endpoint=endpoint,
        url=endpoint_url(base_url, endpoint),
        body=json.dumps(dict(body), separators=(",", ":")).encode("utf-8"),
        headers=tuple(headers),
        timeout=timeout,
    )


def build_info_request(lang: str | None = None) -> JsonObject:
    """The body of ``info``."""
    return {} if lang is None else {"lang": lang}


def build_credentials_list_request(
    *,
    user_id: str | None = None,
    max_results: int | None = None,
    page_token: str | None = None,
    client_data: str | None = None,
) -> JsonObject:
    """The body of ``credentials/list``; every parameter is optional."""
    body: JsonObject = {}
    if user_id is not None:
        body["userID"] = user_id
    if max_results is not None:
        if max_results < 1:
            raise ValueError("max_results must be at least 1")
        body["maxResults"] = max_results
    if page_token is not None:
        body["pageToken"] = page_token
    if client_data is not None:
        body["clientData"] = client_data
    return body


def build_credentials_info_request(credential_id: str) -> JsonObject:
    """The body of ``credentials/info``: the whole chain and the authorisation details.

    ``certInfo`` stays off: esig parses the certificates itself.
    """
    _require_credential_id(credential_id)
    return {
        "credentialID": credential_id,
        "certificates": "chain",
        "certInfo": False,
        "authInfo": True,
    }


def build_authorize_request(
    credential_id: str,
    digests: Sequence[bytes],
    *,
    activation: Activation | None = None,
    description: str | None = None,
    client_data: str | None = None,
) -> JsonObject:
    """The body of ``credentials/authorize`` for one signature per digest.

    The digests are always sent, so the SAD is pinned to them even where the service
    does not insist (SCAL 1). A PIN or OTP in ``activation`` goes along; a SAD in
    ``activation`` means no authorisation call is needed at all.
    """
    _require_credential_id(credential_id)
    if not digests:
        raise ValueError("authorise at least one digest")
    if activation is not None and activation.sad is not None:
        raise ValueError("the activation already carries a SAD; do not call authorize")
    body: JsonObject = {
        "credentialID": credential_id,
        "numSignatures": len(digests),
        "hash": [base64.b64encode(d).decode("ascii") for d in digests],
    }
    if activation is not None and activation.pin is not None:
        body["PIN"] = activation.pin.get_secret_value()
    if activation is not None and activation.otp is not None:
        body["OTP"] = activation.otp.get_secret_value()
    if description is not None:
        body["description"] = description
    if client_data is not None:
        body["clientData"] = client_data
    return body


def build_sign_hash_request(
    credential_id: str,
    sad: SecretStr,
    digests: Sequence[bytes],
    sign_algorithm: ObjectIdentifier,
    digest_algorithm: DigestAlgorithm,
    *,
    client_data: str | None = None,
) -> JsonObject:
    """The body of ``signatures/signHash``.

    ``hashAlgo`` is always sent: it is required with ``rsaEncryption`` and harmless
    with algorithms that name their digest.
    """
    _require_credential_id(credential_id)
    if not digests:
        raise ValueError("sign at least one digest")
    for digest in digests:
        _check_digest(digest, digest_algorithm)
    body: JsonObject = {
        "credentialID": credential_id,
        "SAD": sad.get_secret_value(),
        "hash": [base64.b64encode(d).decode("ascii") for d in digests],
        "hashAlgo": HashAlgorithmOID.of(digest_algorithm).dotted_string,
        "signAlgo": sign_algorithm.dotted_string,
    }
    if client_data is not None:
        body["clientData"] = client_data
    return body


# -- responses ----------------------------------------------------------------------


def decode_response(
    response: HttpResponse,
    *,
    service: str,
    endpoint: CscEndpoint,
    credential_id: str | None = None,
) -> JsonObject:
    """The JSON object of a successful answer; every failure becomes an esig error.

    Raises:
        CredentialNotFoundError: ``credentials/info`` or ``authorize`` for an unknown id
            (HTTP 404, or a CSC ``invalid_request`` about ``credentialID``).
        AuthorizationError: HTTP 401/403 anywhere; HTTP 400 from ``authorize`` or
            ``signHash`` (wrong PIN/OTP, key not usable, SAD refused).
        RemoteServiceError: any other status outside 2xx.
        MalformedResponseError: a 2xx answer that is not a JSON object.

    """
    status = response.status
    if 200 <= status < 300:
        return _json_object(response.body, service=service, endpoint=endpoint)
    code, detail = _csc_error(response.body, status)
    said = f": {detail}" if detail else ""
    context: dict[str, Any] = {
        "service": service,
        "status": status,
        "endpoint": endpoint.value,
        "error_code": code,
        "credential_id": credential_id,
    }
    where = _where(service)
    if credential_id is not None and _is_unknown_credential(endpoint, status, code, detail):
        raise CredentialNotFoundError(
            f"{where} has no credential {credential_id!r} (HTTP {status}{said}). "
            "Check the credential id; list the available ones with list_credentials().",
            service=service,
            credential_id=credential_id,
            status=status,
        )
    if status in (401, 403):
        raise AuthorizationError(
            f"{where} refused {endpoint.value} (HTTP {status}{said}). "
            "Give a valid access token (access_token=...) or log in to the service first.",
            **context,
        )
    if status == 400 and endpoint in (
        CscEndpoint.CREDENTIALS_AUTHORIZE,
        CscEndpoint.SIGNATURES_SIGN_HASH,
    ):
        what = f"credential {credential_id!r}" if credential_id else "the credential"
        raise AuthorizationError(
            f"{where} refused to authorise a signature with {what} "
            f"(HTTP {status} on {endpoint.value}{said}). Check the PIN or OTP, that the "
            "credential's key is enabled and can sign, and that the authorisation has "
            "not expired.",
            **context,
        )
    if status >= 500:
        advice = "Try again later, or report it to the service operator."
    elif 300 <= status < 400:
        advice = "esig does not follow redirects; give the service's final base URL."
    else:
        advice = "Check the service URL, the API version and the credential id."
    raise RemoteServiceError(
        f"{where} failed on {endpoint.value} (HTTP {status}{said}). {advice}",
        **context,
    )


def parse_service_info(data: Mapping[str, Any], *, service: str = "") -> ServiceInfo:
    """Parse the answer of ``info``."""
    with _field_errors(service, CscEndpoint.INFO):
        return ServiceInfo(
            specs=_str(data, "specs"),
            name=_str(data, "name"),
            auth_types=_str_tuple(data.get("authType", []), "authType"),
            methods=_str_tuple(data.get("methods", []), "methods"),
        )


def parse_credentials_list(data: Mapping[str, Any], *, service: str = "") -> CredentialList:
    """Parse one page of ``credentials/list``."""
    with _field_errors(service, CscEndpoint.CREDENTIALS_LIST):
        token = data.get("nextPageToken")
        if token is not None and not isinstance(token, str):
            raise _FieldError("nextPageToken is not a string")
        return CredentialList(
            credential_ids=_str_tuple(_required(data, "credentialIDs"), "credentialIDs"),
            next_page_token=token or None,
        )


def parse_credential_info(
    data: Mapping[str, Any], credential_id: str, *, service: str = ""
) -> CredentialInfo:
    """Parse the answer of ``credentials/info`` and check that its certificates load."""
    with _field_errors(service, CscEndpoint.CREDENTIALS_INFO):
        key = _mapping(_required(data, "key"), "key")
        status = key.get("status", "enabled")
        if status not in ("enabled", "disabled"):
            raise _FieldError(f"key.status is {status!r}, not 'enabled' or 'disabled'")
        cert = _mapping(_required(data, "cert"), "cert")
        certificates = tuple(
            _base64(value, "cert.certificates")
            for value in _str_tuple(_required(cert, "certificates"), "cert.certificates")
        )
        if not certificates:
            raise _FieldError("cert.certificates is empty; ask for the credential's chain")
        for der in certificates:
            try:
                x509.load_der_x509_certificate(der)
            except ValueError:
                raise _FieldError(
                    "cert.certificates holds something that is not a certificate"
                ) from None
        return CredentialInfo(
            credential_id=credential_id,
            key=CredentialKey(
                enabled=status == "enabled",
                algorithms=_str_tuple(_required(key, "algo"), "key.algo"),
                length=_optional_int(key.get("len"), "key.len"),
                curve=_optional_str(key.get("curve"), "key.curve"),
            ),
            certificates=certificates,
            auth_mode=_enum(AuthMode, data.get("authMode", "implicit"), "authMode"),
            scal=_scal(data.get("SCAL", "1")),
            multisign=_optional_int(data.get("multisign"), "multisign") or 1,
            pin=_presence(data.get("PIN"), "PIN"),
            otp=_presence(data.get("OTP"), "OTP"),
            description=_optional_str(data.get("description"), "description"),
        )


def parse_authorize_response(data: Mapping[str, Any], *, service: str = "") -> Authorization:
    """Parse the answer of ``credentials/authorize``."""
    with _field_errors(service, CscEndpoint.CREDENTIALS_AUTHORIZE):
        sad = _str(data, "SAD")
        if not sad:
            raise _FieldError("SAD is empty")
        return Authorization(
            sad=SecretStr(sad),
            expires_in=_optional_int(data.get("expiresIn"), "expiresIn"),
        )


def parse_sign_hash_response(
    data: Mapping[str, Any], expected: int, *, service: str = ""
) -> tuple[bytes, ...]:
    """Parse the answer of ``signatures/signHash``: one signature value per digest sent."""
    with _field_errors(service, CscEndpoint.SIGNATURES_SIGN_HASH):
        values = _str_tuple(_required(data, "signatures"), "signatures")
        if len(values) != expected:
            raise _FieldError(f"{len(values)} signatures for {expected} digests")
        return tuple(_base64(value, "signatures") for value in values)


# -- algorithms and signature values ------------------------------------------------


def select_sign_algorithm(
    key_algorithms: Sequence[str], scheme: SignatureScheme, digest_algorithm: DigestAlgorithm
) -> ObjectIdentifier:
    """The ``signAlgo`` OID to ask for, among those the credential's key supports.

    A combined OID (``sha256WithRSAEncryption``, ``ecdsa-with-SHA256``) is preferred;
    for RSA, bare ``rsaEncryption`` with ``hashAlgo`` will do. An empty list (a
    service that does not say) gets the combined OID.

    Raises:
        SigningError: The key supports neither for this digest algorithm.

    """
    combined = _COMBINED_SIGN_ALGORITHMS[(scheme, digest_algorithm)]
    offered = set(key_algorithms)
    if not offered or combined.dotted_string in offered:
        return combined
    bare = _BARE_SIGN_ALGORITHMS.get(scheme)
    if bare is not None and bare.dotted_string in offered:
        return bare
    raise SigningError(
        f"The credential cannot sign {digest_algorithm.value} digests with {scheme.value} "
        f"(it offers {', '.join(sorted(offered))}); choose another digest algorithm"
    )


def check_signature_value(
    certificate: x509.Certificate,
    signature: bytes,
    digest: bytes,
    digest_algorithm: DigestAlgorithm,
    *,
    service: str = "",
) -> bytes:
    """Check a returned signature value against the certificate; return it as CMS wants.

    An ECDSA value given as raw ``r || s`` (as some services do) is re-encoded as DER.

    Raises:
        MalformedResponseError: The value does not verify with the certificate's key:
            the service signed with another key or something else.

    """
    key = certificate.public_key()
    prehashed = Prehashed(digest_algorithm.hash())
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, digest, padding.PKCS1v15(), prehashed)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            signature = _ecdsa_der(signature, key.curve.key_size)
            key.verify(signature, digest, ec.ECDSA(prehashed))
        else:  # pragma: no cover - the device refuses other keys first
            raise KeyLoadError(f"Unsupported key type {type(key).__name__}")
    except InvalidSignature:
        raise MalformedResponseError(
            f"{_where(service)} returned a signature value that does not verify "
            "with the credential's certificate; nothing was signed. Report it to the "
            "service operator.",
            service=service,
            endpoint=CscEndpoint.SIGNATURES_SIGN_HASH.value,
        ) from None
    return signature


def _ecdsa_der(signature: bytes, curve_bits: int) -> bytes:
    size = (curve_bits + 7) // 8
    try:
        decode_dss_signature(signature)
    except ValueError:
        if len(signature) == 2 * size:
            r = int.from_bytes(signature[:size], "big")
            s = int.from_bytes(signature[size:], "big")
            return encode_dss_signature(r, s)
    return signature


# -- helpers ------------------------------------------------------------------------


class _FieldError(ValueError):
    """A missing or mistyped field in an answer; becomes a MalformedResponseError."""


@contextlib.contextmanager
def _field_errors(service: str, endpoint: CscEndpoint) -> Iterator[None]:
    """Turn a missing or mistyped field (any ValueError) into a MalformedResponseError."""
    try:
        yield
    except ValueError as exc:
        raise MalformedResponseError(
            f"{_where(service)} sent a malformed {endpoint.value} answer: "
            f"{_first_line(exc)}. Check the service URL and API version, or report it to "
            "the service operator.",
            service=service,
            endpoint=endpoint.value,
        ) from None


def _where(service: str) -> str:
    return f"The CSC service at {service}" if service else "The CSC service"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _require_credential_id(credential_id: str) -> None:
    if not credential_id:
        raise ValueError("a credential id must not be empty")


def _check_digest(digest: bytes, algorithm: DigestAlgorithm) -> None:
    if len(digest) != algorithm.digest_size:
        raise ValueError(
            f"A {algorithm.value} digest has {algorithm.digest_size} bytes, got {len(digest)}"
        )


def _json_object(body: bytes, *, service: str, endpoint: CscEndpoint) -> JsonObject:
    problem: str | None = None
    data: object = None
    if len(body) > MAX_RESPONSE_BYTES:
        problem = f"the answer is larger than {MAX_RESPONSE_BYTES} bytes"
    else:
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            problem = "the answer is not JSON"
        else:
            if not isinstance(data, dict):
                problem = "the answer is JSON but not an object"
    if problem is not None or not isinstance(data, dict):
        raise MalformedResponseError(
            f"{_where(service)} sent a malformed {endpoint.value} answer: "
            f"{problem}. Check the service URL and API version, or report it to the "
            "service operator.",
            service=service,
            endpoint=endpoint.value,
        )
    return data


def _csc_error(body: bytes, status: int) -> tuple[str | None, str | None]:
    """The CSC ``error`` code of a failure answer, and what it says, if anything useful.

    A plain-text body that only repeats the status (``400: Bad Request``) says nothing.
    """
    try:
        data = json.loads(body[:65536])
    except (UnicodeDecodeError, json.JSONDecodeError):
        lines = body[:200].decode("utf-8", "replace").strip().splitlines()
        text = lines[0][:160].strip() if lines else ""
        return None, (text if text and not text.startswith(str(status)) else None)
    if not isinstance(data, dict):
        return None, None
    code = data.get("error")
    description = data.get("error_description")
    code = code if isinstance(code, str) and code else None
    description = description[:300] if isinstance(description, str) and description else None
    if code and description:
        return code, f"{code}: {description}"
    return code, description or code


def _is_unknown_credential(
    endpoint: CscEndpoint, status: int, code: str | None, detail: str | None
) -> bool:
    if endpoint not in (CscEndpoint.CREDENTIALS_INFO, CscEndpoint.CREDENTIALS_AUTHORIZE):
        return False
    if status == 404:
        return True
    return (
        status == 400
        and code == "invalid_request"
        and detail is not None
        and "credentialid" in detail.lower()
    )


def _required(data: Mapping[str, Any], name: str) -> Any:
    if not isinstance(data, Mapping):
        raise _FieldError("the answer is not a JSON object")
    if name not in data:
        raise _FieldError(f"{name} is missing")
    return data[name]


def _str(data: Mapping[str, Any], name: str) -> str:
    value = _required(data, name)
    if not isinstance(value, str):
        raise _FieldError(f"{name} is not a string")
    return value


def _optional_str(value: object, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise _FieldError(f"{name} is not a string")


def _optional_int(value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise _FieldError(f"{name} is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise _FieldError(f"{name} is not a number")


def _mapping(value: object, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _FieldError(f"{name} is not an object")
    return value


def _str_tuple(value: object, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _FieldError(f"{name} is not a list of strings")
    return tuple(value)


def _base64(value: str, name: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise _FieldError(f"{name} holds a value that is not base64") from None


def _scal(value: object) -> Literal[1, 2]:
    if value in ("1", 1):
        return 1
    if value in ("2", 2):
        return 2
    raise _FieldError(f"SCAL is {value!r}, not '1' or '2'")


def _presence(value: object, name: str) -> Presence:
    if value is None:
        return Presence.ABSENT
    presence = _mapping(value, name).get("presence", "false")
    if isinstance(presence, bool):
        presence = "true" if presence else "false"
    return _enum(Presence, presence, f"{name}.presence")


def _enum(kind: type[_E], value: object, name: str) -> _E:
    allowed = ", ".join(repr(m.value) for m in kind)
    if not isinstance(value, str):
        raise _FieldError(f"{name} is {value!r}, not one of {allowed}")
    try:
        return kind(value)
    except ValueError:
        raise _FieldError(f"{name} is {value!r}, not one of {allowed}") from None
