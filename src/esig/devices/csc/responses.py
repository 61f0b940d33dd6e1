"""The answers of the CSC API (v1.0.4.0), without I/O: decoding and parsing.

Every function here is pure. :func:`decode_response` takes the raw HTTP answer and
returns its JSON object, or raises the esig error its status means; the ``parse_*``
functions take that object and return frozen models from
:mod:`esig.devices.csc.models`, or raise :class:`~esig.devices.csc.errors.MalformedResponseError`
with a message that names the service and says what to do.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any, Final, Literal, TypeVar

from cryptography import x509
from pydantic import SecretStr

from esig.certificates import UNREADABLE_CERTIFICATE
from esig.devices.csc.errors import (
    AuthorizationError,
    CredentialNotFoundError,
    MalformedResponseError,
    RemoteServiceError,
    describe_service,
)
from esig.devices.csc.models import (
    AuthMode,
    Authorization,
    CredentialInfo,
    CredentialKey,
    CredentialList,
    CscEndpoint,
    HttpResponse,
    JsonObject,
    Presence,
    ServiceInfo,
)

__all__ = [
    "MAX_RESPONSE_BYTES",
    "decode_response",
    "parse_authorize_response",
    "parse_credential_info",
    "parse_credentials_list",
    "parse_service_info",
    "parse_sign_hash_response",
]

MAX_RESPONSE_BYTES: Final = 8 * 1024 * 1024
"""Answers longer than this are refused as malformed (a credential's chain is a few KB)."""

_E = TypeVar("_E", bound=StrEnum)


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
    where = describe_service(service)
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
            except UNREADABLE_CERTIFICATE:
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


class _FieldError(ValueError):
    """A missing or mistyped field in an answer; becomes a MalformedResponseError."""


@contextlib.contextmanager
def _field_errors(service: str, endpoint: CscEndpoint) -> Iterator[None]:
    """Turn a missing or mistyped field (any ValueError) into a MalformedResponseError."""
    try:
        yield
    except ValueError as exc:
        raise MalformedResponseError(
            f"{describe_service(service)} sent a malformed {endpoint.value} answer: "
            f"{_first_line(exc)}. Check the service URL and API version, or report it to "
            "the service operator.",
            service=service,
            endpoint=endpoint.value,
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


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
            f"{describe_service(service)} sent a malformed {endpoint.value} answer: "
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
