"""An in-process fake of a CSC service: :class:`MockCscTransport` and ``esig_csc_mock``.

:class:`MockCscTransport` answers the Cloud Signature Consortium API v1.0.4.0 from
software keys: no server, no network, deterministic, with failures on demand. The real
server (certomancer-csc-dummy) is :class:`esig.testing.csc.LocalCscService`; both are
importable from :mod:`esig.testing.csc`.
"""

from __future__ import annotations

import base64
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import PublicKeyAlgorithmOID, SignatureAlgorithmOID

from esig.devices.base import DigestAlgorithm
from esig.devices.csc.algorithms import HashAlgorithmOID
from esig.devices.csc.client import CscTransport
from esig.devices.csc.models import CscEndpoint, HttpRequest, HttpResponse, JsonObject
from esig.issuance import IssuedCertificate, KeyType, TestPKI

__all__ = ["MOCK_BASE_URL", "MockCscTransport", "esig_csc_mock"]

MOCK_BASE_URL = "https://csc.invalid"
"""The base URL the ``esig_csc_mock`` fixture's clients use (never resolved)."""


@dataclass
class _Grant:
    credential_id: str
    digests: list[bytes] | None
    remaining: int


@dataclass
class _Failure:
    response: HttpResponse | BaseException
    times: int | None
    """How many more calls fail; ``None``: all of them."""


@dataclass
class _State:
    grants: dict[str, _Grant] = field(default_factory=dict)
    failures: dict[CscEndpoint, _Failure] = field(default_factory=dict)


class MockCscTransport(CscTransport):
    """An in-process CSC service over software keys: no server, no network.

    It implements ``info``, ``credentials/list`` (paged), ``credentials/info``,
    ``credentials/authorize`` (SAD pinned to the digests; a PIN if one is set) and
    ``signatures/signHash`` as the CSC API v1.0.4.0 describes them, and answers
    errors in the API's JSON form (``{"error": ..., "error_description": ...}``).
    Every request is recorded in :attr:`requests`. Use it with any base URL::

        transport = MockCscTransport({"anna": issued_certificate}, pin="1234")
        device = CscDevice.connect(
            "https://csc.invalid", "anna", transport=transport,
            authorizer=lambda request: Activation(pin="1234"),
        )

    Args:
        credentials: Credential ids and the certificates (with keys) behind them.
        scal: 2 refuses an authorisation without digests; 1 allows it.
        pin: When set, the credentials are ``explicit`` with a required PIN, and
            ``authorize`` refuses another PIN with ``invalid_pin``.
        disabled: Credential ids whose keys are listed as disabled and refused.
        page_size: Credential ids per ``credentials/list`` page.

    """

    def __init__(
        self,
        credentials: Mapping[str, IssuedCertificate],
        *,
        scal: Literal[1, 2] = 2,
        pin: str | None = None,
        disabled: tuple[str, ...] = (),
        page_size: int = 100,
    ) -> None:
        self._credentials = dict(credentials)
        self._scal = scal
        self._pin = pin
        self._disabled = frozenset(disabled)
        self._page_size = page_size
        self._state = _State()
        self._lock = threading.Lock()
        self.requests: list[HttpRequest] = []
        """Every request received, in order (headers included)."""

    def fail(
        self,
        endpoint: CscEndpoint,
        response: HttpResponse | BaseException,
        *,
        times: int | None = None,
    ) -> None:
        """Answer ``endpoint`` with ``response`` (or raise it) instead of serving it.

        Args:
            endpoint: The endpoint to break.
            response: The answer to give, e.g. ``HttpResponse(status=503)``, or an
                exception to raise, e.g. a :class:`~esig.devices.csc.RemoteServiceTimeoutError`.
            times: How many calls fail before the endpoint works again (default: all).

        """
        with self._lock:
            self._state.failures[endpoint] = _Failure(response, times)

    def reset(self) -> None:
        """Forget failures, outstanding SADs and recorded requests."""
        with self._lock:
            self._state = _State()
            self.requests.clear()

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Serve ``request`` in-process."""
        with self._lock:
            self.requests.append(request)
            failure = self._state.failures.get(request.endpoint)
            if failure is not None:
                if failure.times is not None:
                    failure.times -= 1
                    if failure.times <= 0:
                        del self._state.failures[request.endpoint]
                if isinstance(failure.response, BaseException):
                    raise failure.response
                return failure.response
            try:
                body = request.json_body()
            except ValueError:
                return _error(400, "invalid_request", "The request body is not a JSON object")
            return self._serve(request.endpoint, body)

    # endpoints

    def _serve(self, endpoint: CscEndpoint, body: JsonObject) -> HttpResponse:
        if endpoint is CscEndpoint.INFO:
            return HttpResponse.of_json(
                {
                    "specs": "1.0.4.0",
                    "name": "esig mock CSC service",
                    "logo": "",
                    "region": "BQ",
                    "lang": "en",
                    "description": "In-process fake for tests",
                    "authType": ["external"],
                    "methods": [e.value for e in CscEndpoint if e is not CscEndpoint.INFO],
                }
            )
        if endpoint is CscEndpoint.CREDENTIALS_LIST:
            return self._list(body)
        credential_id = body.get("credentialID")
        if not isinstance(credential_id, str) or credential_id not in self._credentials:
            return _error(400, "invalid_request", "Invalid parameter credentialID")
        if endpoint is CscEndpoint.CREDENTIALS_INFO:
            return self._info(credential_id)
        if endpoint is CscEndpoint.CREDENTIALS_AUTHORIZE:
            return self._authorize(credential_id, body)
        return self._sign_hash(credential_id, body)

    def _list(self, body: JsonObject) -> HttpResponse:
        ids = sorted(self._credentials)
        token = body.get("pageToken")
        start = int(token) if isinstance(token, str) and token.isdigit() else 0
        size = min(int(body.get("maxResults", self._page_size)), self._page_size)
        page: JsonObject = {"credentialIDs": ids[start : start + size]}
        if start + size < len(ids):
            page["nextPageToken"] = str(start + size)
        return HttpResponse.of_json(page)

    def _info(self, credential_id: str) -> HttpResponse:
        issued = self._credentials[credential_id]
        key = issued.certificate.public_key()
        key_info: JsonObject = {
            "status": "disabled" if credential_id in self._disabled else "enabled",
            "algo": [oid.dotted_string for oid in _algorithms(key)],
            "len": getattr(key, "key_size", 0),
        }
        if isinstance(key, ec.EllipticCurvePublicKey):
            key_info["curve"] = _CURVES.get(key.curve.name, key.curve.name)
        certificates = [issued.certificate, *issued.chain]
        answer: JsonObject = {
            "description": f"mock credential {credential_id}",
            "key": key_info,
            "cert": {
                "status": "valid",
                "certificates": [
                    base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii")
                    for c in certificates
                ],
            },
            "authMode": "explicit" if self._pin is not None else "implicit",
            "SCAL": str(self._scal),
            "multisign": 1,
        }
        if self._pin is not None:
            answer["PIN"] = {"presence": "true", "format": "N", "label": "PIN"}
        return HttpResponse.of_json(answer)

    def _authorize(self, credential_id: str, body: JsonObject) -> HttpResponse:
        if credential_id in self._disabled:
            return _error(400, "invalid_request", "The credential's key is disabled")
        if self._pin is not None and body.get("PIN") != self._pin:
            return _error(400, "invalid_pin", "The PIN is invalid")
        count = body.get("numSignatures")
        hashes = body.get("hash")
        if not isinstance(count, int) or count < 1:
            return _error(400, "invalid_request", "Invalid parameter numSignatures")
        if hashes is None and self._scal == 2:
            return _error(400, "invalid_request", "Missing (or invalid type) array parameter hash")
        digests = None if hashes is None else [base64.b64decode(h) for h in hashes]
        if digests is not None and len(digests) != count:
            return _error(400, "invalid_request", "numSignatures does not match hash")
        sad = secrets.token_urlsafe(24)
        self._state.grants[sad] = _Grant(credential_id, digests, count)
        return HttpResponse.of_json({"SAD": sad, "expiresIn": 300})

    def _sign_hash(self, credential_id: str, body: JsonObject) -> HttpResponse:
        grant = self._state.grants.get(str(body.get("SAD")))
        if grant is None or grant.credential_id != credential_id:
            return _error(400, "invalid_request", "Invalid parameter SAD")
        hashes = body.get("hash")
        if not isinstance(hashes, list) or not hashes:
            return _error(400, "invalid_request", "Missing (or invalid type) array parameter hash")
        digests = [base64.b64decode(h) for h in hashes]
        if len(digests) > grant.remaining or (
            grant.digests is not None and not set(digests) <= set(grant.digests)
        ):
            return _error(400, "invalid_request", "The hashes were not authorised by this SAD")
        algorithm = _digest_algorithm(body.get("hashAlgo"), body.get("signAlgo"))
        if algorithm is None:
            return _error(400, "invalid_request", "Invalid parameter signAlgo or hashAlgo")
        grant.remaining -= len(digests)
        if grant.remaining <= 0:
            del self._state.grants[str(body["SAD"])]
        key = self._credentials[credential_id].private_key
        values = [_sign(key, digest, algorithm) for digest in digests]
        return HttpResponse.of_json(
            {"signatures": [base64.b64encode(v).decode("ascii") for v in values]}
        )


_CURVES = {"secp256r1": "1.2.840.10045.3.1.7", "secp384r1": "1.3.132.0.34"}

_DIGEST_BY_SIGN_ALGORITHM = {
    SignatureAlgorithmOID.RSA_WITH_SHA256: DigestAlgorithm.SHA256,
    SignatureAlgorithmOID.RSA_WITH_SHA384: DigestAlgorithm.SHA384,
    SignatureAlgorithmOID.RSA_WITH_SHA512: DigestAlgorithm.SHA512,
    SignatureAlgorithmOID.ECDSA_WITH_SHA256: DigestAlgorithm.SHA256,
    SignatureAlgorithmOID.ECDSA_WITH_SHA384: DigestAlgorithm.SHA384,
    SignatureAlgorithmOID.ECDSA_WITH_SHA512: DigestAlgorithm.SHA512,
}


def _algorithms(key: object) -> list[x509.ObjectIdentifier]:
    if isinstance(key, rsa.RSAPublicKey):
        return [
            PublicKeyAlgorithmOID.RSAES_PKCS1_v1_5,
            SignatureAlgorithmOID.RSA_WITH_SHA256,
            SignatureAlgorithmOID.RSA_WITH_SHA384,
            SignatureAlgorithmOID.RSA_WITH_SHA512,
        ]
    return [
        SignatureAlgorithmOID.ECDSA_WITH_SHA256,
        SignatureAlgorithmOID.ECDSA_WITH_SHA384,
        SignatureAlgorithmOID.ECDSA_WITH_SHA512,
    ]


def _digest_algorithm(hash_algo: object, sign_algo: object) -> DigestAlgorithm | None:
    for algorithm in DigestAlgorithm:
        if hash_algo == HashAlgorithmOID.of(algorithm).dotted_string:
            return algorithm
    for oid, algorithm in _DIGEST_BY_SIGN_ALGORITHM.items():
        if sign_algo == oid.dotted_string:
            return algorithm
    return None


def _sign(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, digest: bytes, algorithm: DigestAlgorithm
) -> bytes:
    prehashed = Prehashed(algorithm.hash())
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(digest, padding.PKCS1v15(), prehashed)
    return key.sign(digest, ec.ECDSA(prehashed))


def _error(status: int, code: str, description: str) -> HttpResponse:
    return HttpResponse.of_json({"error": code, "error_description": description}, status)


@pytest.fixture
def esig_csc_mock(esig_pki: TestPKI) -> MockCscTransport:
    """A fresh in-process CSC service with credentials ``rsa`` and ``ec`` from ``esig_pki``."""
    return MockCscTransport(
        {
            "rsa": esig_pki.issue_person("Anna", "de Vries", serial_number="PNOBQ-19800101-1234"),
            "ec": esig_pki.issue_person(
                "Carla", "Elliptic", serial_number="PNOBQ-19900101-4321", key_type=KeyType.EC_P256
            ),
        }
    )
