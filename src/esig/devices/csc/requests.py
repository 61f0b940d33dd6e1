"""The requests of the CSC API (v1.0.4.0), without I/O: URLs and JSON bodies.

Every function here is pure: builders return the JSON object to send, and
:func:`build_http_request` wraps one in the :class:`~esig.devices.csc.models.HttpRequest`
a transport sends. The calls esig makes, in order, for one signature::

    credentials/info       -> certificates, key algorithms, authMode, SCAL
    credentials/authorize  -> SAD, pinned to the digest (SCAL 2) and one signature
    signatures/signHash    -> the signature value
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from cryptography.x509 import ObjectIdentifier
from pydantic import SecretStr

from esig.devices.base import DigestAlgorithm
from esig.devices.csc.algorithms import HashAlgorithmOID
from esig.devices.csc.models import Activation, CscEndpoint, HttpRequest, JsonObject

__all__ = [
    "API_PATH",
    "build_authorize_request",
    "build_credentials_info_request",
    "build_credentials_list_request",
    "build_http_request",
    "build_info_request",
    "build_sign_hash_request",
    "endpoint_url",
    "service_root",
]

API_PATH: Final = "csc/v1"
"""The path between a service's base URL and the endpoint names (API version 1)."""


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


# -- checks -------------------------------------------------------------------------


def _require_credential_id(credential_id: str) -> None:
    if not credential_id:
        raise ValueError("a credential id must not be empty")


def _check_digest(digest: bytes, algorithm: DigestAlgorithm) -> None:
    if len(digest) != algorithm.digest_size:
        raise ValueError(
            f"A {algorithm.value} digest has {algorithm.digest_size} bytes, got {len(digest)}"
        )
