"""Remote signing over the CSC API: a real certomancer-csc-dummy server, the pure protocol
functions on literal JSON, a misbehaving local server, and the in-process mock transport."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import http.server
import json
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import PublicKeyAlgorithmOID, SignatureAlgorithmOID
from pydantic import SecretStr, ValidationError

import esig
from esig.demo import sample_pdf
from esig.devices.base import DeviceKind, DigestAlgorithm, SignatureScheme
from esig.devices.csc import (
    Activation,
    AuthMode,
    AuthorizationError,
    AuthorizationRequest,
    CredentialNotFoundError,
    CscClient,
    CscDevice,
    CscEndpoint,
    HttpResponse,
    MalformedResponseError,
    Presence,
    RemoteServiceError,
    RemoteServiceTimeoutError,
    UrllibTransport,
)
from esig.devices.csc.algorithms import check_signature_value, select_sign_algorithm
from esig.devices.csc.models import CredentialInfo
from esig.devices.csc.requests import (
    build_authorize_request,
    build_credentials_info_request,
    build_credentials_list_request,
    build_http_request,
    build_sign_hash_request,
    service_root,
)
from esig.devices.csc.responses import (
    decode_response,
    parse_authorize_response,
    parse_credential_info,
    parse_credentials_list,
    parse_sign_hash_response,
)
from esig.errors import KeyLoadError, SigningError
from esig.issuance import IssuedCertificate, KeyType, TestPKI
from esig.testing import require_tool
from esig.testing.csc import MOCK_BASE_URL, LocalCscService, MockCscTransport

# The fixtures, until the esig pytest plugin registers them.

SHA256_DIGEST = hashlib.sha256(b"to be signed").digest()
B64_DIGEST = base64.b64encode(SHA256_DIGEST).decode("ascii")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def _sign_fails(
    device: CscDevice, source: Path, tmp_path: Path, error: type[RemoteServiceError]
) -> pytest.ExceptionInfo[RemoteServiceError]:
    out = tmp_path / "out.pdf"
    with pytest.raises(error) as caught:
        esig.sign_pdf(source, out, device)
    assert not out.exists()
    assert _leftovers(tmp_path) == []
    return caught


# -- a real CSC server ---------------------------------------------------------------


@pytest.mark.real
@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_remote_credential_signs_a_pdf_that_verifies(
    kind: str, esig_csc_server: LocalCscService, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    server = esig_csc_server
    credential_id = server.rsa_credential_id if kind == "rsa" else server.ec_credential_id
    device = server.device(credential_id, qscd_claimed=True)
    assert device.scheme is (
        SignatureScheme.RSA_PKCS1V15 if kind == "rsa" else SignatureScheme.ECDSA
    )
    assert device.credential.scal == 2
    assert device.credential.hash_pinning
    evidence = device.evidence
    assert evidence.kind is DeviceKind.REMOTE
    assert evidence.key_extractable is False
    assert evidence.authentication_per_use is True
    assert evidence.qscd_claimed is True
    assert credential_id in evidence.description

    out = tmp_path / f"signed-{kind}.pdf"
    signed = esig.sign_pdf(esig_sample_pdf, out, device)
    assert signed.path == out

    report = esig.verify_pdf(out, trust=[server.root_certificate], allow_fetching=True)
    assert report.passed, report
    done = subprocess.run(
        [require_tool("pdfsig"), str(out)], capture_output=True, text=True, check=False
    )
    assert "Signature is Valid." in done.stdout + done.stderr


@pytest.mark.real
def test_async_twin_signs_without_blocking_the_loop(
    esig_csc_server: LocalCscService, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    server = esig_csc_server
    out = tmp_path / "async.pdf"

    async def run() -> None:
        device = await CscDevice.async_connect(
            server.base_url,
            server.ec_credential_id,
            transport=UrllibTransport(trust_env=False),
            timeout=10,
        )
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        await esig.async_sign_pdf(esig_sample_pdf, out, device)
        task.cancel()
        assert ticks > 1

    asyncio.run(run())
    assert esig.verify_pdf(out, trust=[server.root_certificate], allow_fetching=True).passed


@pytest.mark.real
def test_credentials_are_listed(esig_csc_server: LocalCscService) -> None:
    server = esig_csc_server
    client = server.client()
    ids = client.list_credentials()
    assert {
        server.rsa_credential_id,
        server.ec_credential_id,
        server.public_only_credential_id,
    } <= set(ids)
    assert all(i.startswith("esig/") for i in ids)
    info = client.service_info()
    assert info.specs == "1.0.4.0"
    assert "signatures/signHash" in info.methods


@pytest.mark.real
def test_server_describes_credentials(esig_csc_server: LocalCscService) -> None:
    client = esig_csc_server.client()
    rsa_info = client.credential_info(esig_csc_server.rsa_credential_id)
    assert rsa_info.auth_mode is AuthMode.IMPLICIT
    assert rsa_info.key.enabled
    assert rsa_info.key.length == 2048
    assert SignatureAlgorithmOID.RSA_WITH_SHA256.dotted_string in rsa_info.key.algorithms
    assert rsa_info.chain[-1] == esig_csc_server.root_certificate
    public_only = client.credential_info(esig_csc_server.public_only_credential_id)
    assert public_only.key.enabled is False
    assert public_only.key.curve == "1.2.840.10045.3.1.7"


@pytest.mark.real
def test_unknown_credential_is_a_clear_error(esig_csc_server: LocalCscService) -> None:
    with pytest.raises(CredentialNotFoundError) as caught:
        esig_csc_server.device(esig_csc_server.unknown_credential_id)
    error = caught.value
    assert isinstance(error, KeyLoadError)
    assert error.status == 404
    assert error.credential_id == esig_csc_server.unknown_credential_id
    assert error.service == esig_csc_server.base_url
    assert esig_csc_server.base_url in str(error)
    assert "list_credentials" in str(error)


@pytest.mark.real
def test_public_only_credential_refused_and_nothing_written(
    esig_csc_server: LocalCscService, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    device = esig_csc_server.device(esig_csc_server.public_only_credential_id)
    caught = _sign_fails(device, esig_sample_pdf, tmp_path, AuthorizationError)
    error = caught.value
    assert isinstance(error, SigningError)
    assert error.status == 400
    assert error.endpoint == "credentials/authorize"
    assert "disabled" in str(error)
    assert esig_csc_server.base_url in str(error)


@pytest.mark.real
def test_scal1_server_signs_too(tmp_path: Path, esig_sample_pdf: Path) -> None:
    require_tool("certomancer-csc")
    with LocalCscService(tmp_path / "scal1", scal=1) as server:
        assert server.startup_seconds is not None
        assert server.startup_seconds < 15
        device = server.device(server.rsa_credential_id)
        assert device.credential.scal == 1
        out = tmp_path / "scal1.pdf"
        esig.sign_pdf(esig_sample_pdf, out, device)
        assert esig.verify_pdf(out, trust=[server.root_certificate], allow_fetching=True).passed
    assert not server.running


# -- a misbehaving server ------------------------------------------------------------


class _BadHandler(http.server.BaseHTTPRequestHandler):
    info_body: ClassVar[bytes] = b""
    mode: ClassVar[str] = "ok"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        endpoint = self.path.split("/csc/v1/", 1)[-1]
        mode = self.mode
        if endpoint == "credentials/info" and not mode.startswith("info-"):
            self._send(200, self.info_body)
        elif mode.endswith("500"):
            self._send(500, b"Internal Server Error")
        elif mode.endswith("malformed"):
            self._send(200, b'{"SAD": "abc", ', "application/json")
        elif mode.endswith("slow"):
            time.sleep(2)
            self._send(200, b"{}")
        elif mode == "redirect":
            self.send_response(307)
            self.send_header("Location", "http://example.invalid/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif mode == "wrong-signature":
            if endpoint == "credentials/authorize":
                self._send(200, b'{"SAD": "fine"}')
            else:
                junk = base64.b64encode(bytes(256)).decode()
                self._send(200, json.dumps({"signatures": [junk]}).encode())
        else:
            self._send(404, b"")

    def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # the client may have given up waiting: that is the point of the "slow" modes
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)


@pytest.fixture(scope="module")
def bad_server(esig_csc_server: LocalCscService) -> Iterator[str]:
    """A local server that answers credentials/info like the real one, then misbehaves."""
    request = urllib.request.Request(
        f"{esig_csc_server.base_url}/csc/v1/credentials/info",
        data=json.dumps(build_credentials_info_request(esig_csc_server.rsa_credential_id)).encode(),
        headers={"Content-Type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as answer:
        _BadHandler.info_body = answer.read()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BadHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def _bad_device(base_url: str, mode: str) -> CscDevice:
    _BadHandler.mode = mode
    return CscDevice.connect(
        base_url,
        "esig/signer",
        timeout=0.5,
        transport=UrllibTransport(trust_env=False),
    )


@pytest.mark.real
@pytest.mark.parametrize(
    ("mode", "error", "status", "words"),
    [
        ("500", RemoteServiceError, 500, "Try again later"),
        ("malformed", MalformedResponseError, None, "not JSON"),
        ("slow", RemoteServiceTimeoutError, None, "within 0.5 s"),
        ("redirect", RemoteServiceError, 307, "redirects"),
        ("wrong-signature", MalformedResponseError, None, "does not verify"),
    ],
)
def test_misbehaving_server_is_a_clear_error_and_nothing_written(
    bad_server: str,
    esig_sample_pdf: Path,
    tmp_path: Path,
    mode: str,
    error: type[RemoteServiceError],
    status: int | None,
    words: str,
) -> None:
    device = _bad_device(bad_server, mode)
    started = time.monotonic()
    caught = _sign_fails(device, esig_sample_pdf, tmp_path, error)
    assert time.monotonic() - started < 5
    assert caught.type is error
    assert caught.value.status == status
    assert caught.value.service == bad_server
    assert bad_server in str(caught.value)
    assert words in str(caught.value)


@pytest.mark.real
@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("info-500", RemoteServiceError),
        ("info-malformed", MalformedResponseError),
        ("info-slow", RemoteServiceTimeoutError),
    ],
)
def test_misbehaving_server_at_connect(
    bad_server: str, mode: str, error: type[RemoteServiceError]
) -> None:
    with pytest.raises(error) as caught:
        _bad_device(bad_server, mode)
    assert caught.type is error
    assert "credentials/info" in str(caught.value)


def test_unreachable_service_is_a_clear_error() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(RemoteServiceError) as caught:
        CscDevice.connect(
            f"http://127.0.0.1:{port}", "x/y", transport=UrllibTransport(trust_env=False)
        )
    assert caught.value.status is None
    assert "cannot be reached" in str(caught.value)


# -- the protocol, on literal JSON ---------------------------------------------------


@pytest.fixture(scope="module")
def ec_person() -> IssuedCertificate:
    return TestPKI(KeyType.EC_P256).issue_person("Carla", "Elliptic")


def _info_json(person: IssuedCertificate, **overrides: Any) -> dict[str, Any]:
    chain = [person.certificate, *person.chain]
    certs = [base64.b64encode(c.public_bytes(Encoding.DER)).decode() for c in chain]
    literal = f"""
    {{
      "description": "itsme-like remote credential",
      "key": {{
        "status": "enabled",
        "algo": ["1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3"],
        "len": 256,
        "curve": "1.2.840.10045.3.1.7"
      }},
      "cert": {{"status": "valid", "certificates": {json.dumps(certs)}}},
      "authMode": "explicit",
      "PIN": {{"presence": "true", "format": "N", "label": "PIN"}},
      "OTP": {{"presence": "false"}},
      "SCAL": "2",
      "multisign": 1
    }}
    """
    data: dict[str, Any] = json.loads(literal)
    data.update(overrides)
    return data


def test_parse_credential_info(ec_person: IssuedCertificate) -> None:
    info = parse_credential_info(_info_json(ec_person), "cred-1", service="https://x")
    assert info.credential_id == "cred-1"
    assert info.certificate == ec_person.certificate
    assert info.chain == ec_person.chain
    assert info.key.enabled and info.key.length == 256
    assert info.auth_mode is AuthMode.EXPLICIT
    assert info.pin is Presence.REQUIRED and info.otp is Presence.ABSENT
    assert info.scal == 2 and info.hash_pinning
    assert info.description == "itsme-like remote credential"
    # the model round-trips through JSON, certificates as base64
    assert CredentialInfo.model_validate_json(info.model_dump_json()) == info


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"key": None}, "key is not an object"),
        ({"SCAL": "3"}, "SCAL is '3'"),
        ({"authMode": "telepathy"}, "authMode is 'telepathy'"),
        ({"cert": {"certificates": ["!!not base64!!"]}}, "not base64"),
        ({"cert": {"certificates": [base64.b64encode(b"junk").decode()]}}, "not a certificate"),
        ({"cert": {"certificates": []}}, "empty"),
        ({"multisign": "many"}, "multisign is not a number"),
    ],
)
def test_malformed_credential_info(
    ec_person: IssuedCertificate, change: dict[str, Any], words: str
) -> None:
    data = _info_json(ec_person, **change)
    with pytest.raises(MalformedResponseError) as caught:
        parse_credential_info(data, "cred-1", service="https://x")
    assert words in str(caught.value)
    assert "https://x" in str(caught.value)
    assert caught.value.endpoint == "credentials/info"


def test_missing_field_is_named() -> None:
    data = json.loads('{"key": {"status": "enabled", "algo": []}}')
    with pytest.raises(MalformedResponseError, match="cert is missing"):
        parse_credential_info(data, "c", service="https://x")


def test_build_requests() -> None:
    assert build_credentials_info_request("a/b") == json.loads(
        '{"credentialID": "a/b", "certificates": "chain", "certInfo": false, "authInfo": true}'
    )
    assert build_credentials_list_request() == {}
    assert build_credentials_list_request(max_results=10, page_token="t") == json.loads(
        '{"maxResults": 10, "pageToken": "t"}'
    )
    body = build_authorize_request(
        "a/b", [SHA256_DIGEST], activation=Activation(pin=SecretStr("1234"))
    )
    assert body == json.loads(
        f'{{"credentialID": "a/b", "numSignatures": 1, "hash": ["{B64_DIGEST}"], "PIN": "1234"}}'
    )
    body = build_sign_hash_request(
        "a/b",
        SecretStr("sad"),
        [SHA256_DIGEST],
        SignatureAlgorithmOID.ECDSA_WITH_SHA256,
        DigestAlgorithm.SHA256,
    )
    assert body == json.loads(
        f"""{{"credentialID": "a/b", "SAD": "sad", "hash": ["{B64_DIGEST}"],
        "hashAlgo": "2.16.840.1.101.3.4.2.1", "signAlgo": "1.2.840.10045.4.3.2"}}"""
    )
    with pytest.raises(ValueError, match="32 bytes"):
        build_sign_hash_request(
            "a/b",
            SecretStr("s"),
            [b"short"],
            SignatureAlgorithmOID.RSA_WITH_SHA256,
            DigestAlgorithm.SHA256,
        )


def test_http_request_hides_the_token() -> None:
    request = build_http_request(
        "https://csc.example/csc/v1/",
        CscEndpoint.CREDENTIALS_LIST,
        {},
        access_token=SecretStr("s3cret-token"),
        timeout=3,
    )
    assert request.url == "https://csc.example/csc/v1/credentials/list"
    assert ("Authorization", "Bearer s3cret-token") in request.headers
    assert "s3cret" not in repr(request)
    assert service_root("https://csc.example/") == "https://csc.example"
    with pytest.raises(ValueError, match="https://"):
        service_root("csc.example")


def test_parse_small_answers() -> None:
    auth = parse_authorize_response(json.loads('{"SAD": "xyz", "expiresIn": 300}'))
    assert auth.sad.get_secret_value() == "xyz"
    assert auth.expires_in == 300
    assert "xyz" not in repr(auth)
    page = parse_credentials_list(json.loads('{"credentialIDs": ["a", "b"], "nextPageToken": "2"}'))
    assert page.credential_ids == ("a", "b") and page.next_page_token == "2"
    signature = base64.b64encode(b"\x01\x02").decode()
    values = parse_sign_hash_response(json.loads(f'{{"signatures": ["{signature}"]}}'), 1)
    assert values == (b"\x01\x02",)
    with pytest.raises(MalformedResponseError, match="1 signatures for 2 digests"):
        parse_sign_hash_response(json.loads(f'{{"signatures": ["{signature}"]}}'), 2)
    with pytest.raises(MalformedResponseError, match="SAD is missing"):
        parse_authorize_response(json.loads('{"sad": "lowercase"}'))
    with pytest.raises(MalformedResponseError, match="credentialIDs is not a list"):
        parse_credentials_list(json.loads('{"credentialIDs": "a"}'))


@pytest.mark.parametrize(
    ("status", "body", "endpoint", "error", "words"),
    [
        (404, b"404: Not Found", CscEndpoint.CREDENTIALS_INFO, CredentialNotFoundError, "has no"),
        (
            400,
            b'{"error": "invalid_request", "error_description": "Invalid parameter credentialID"}',
            CscEndpoint.CREDENTIALS_INFO,
            CredentialNotFoundError,
            "Invalid parameter credentialID",
        ),
        (
            400,
            b'{"error": "invalid_pin", "error_description": "The PIN is invalid"}',
            CscEndpoint.CREDENTIALS_AUTHORIZE,
            AuthorizationError,
            "invalid_pin: The PIN is invalid",
        ),
        (401, b"", CscEndpoint.CREDENTIALS_LIST, AuthorizationError, "access token"),
        (503, b"<html>busy</html>", CscEndpoint.SIGNATURES_SIGN_HASH, RemoteServiceError, "busy"),
        (200, b"<html>", CscEndpoint.CREDENTIALS_LIST, MalformedResponseError, "not JSON"),
        (200, b"[1, 2]", CscEndpoint.CREDENTIALS_LIST, MalformedResponseError, "not an object"),
    ],
)
def test_decode_response(
    status: int, body: bytes, endpoint: CscEndpoint, error: type[Exception], words: str
) -> None:
    response = HttpResponse(status=status, body=body)
    with pytest.raises(error) as caught:
        decode_response(response, service="https://x", endpoint=endpoint, credential_id="c")
    assert caught.type is error
    assert words in str(caught.value)
    assert "https://x" in str(caught.value)


def test_decode_response_passes_json_objects() -> None:
    response = HttpResponse.of_json({"SAD": "s"})
    data = decode_response(
        response, service="https://x", endpoint=CscEndpoint.CREDENTIALS_AUTHORIZE
    )
    assert data == {"SAD": "s"}


def test_select_sign_algorithm() -> None:
    rsa_oid = PublicKeyAlgorithmOID.RSAES_PKCS1_v1_5.dotted_string
    combined = SignatureAlgorithmOID.RSA_WITH_SHA256
    scheme, sha256 = SignatureScheme.RSA_PKCS1V15, DigestAlgorithm.SHA256
    assert select_sign_algorithm([combined.dotted_string], scheme, sha256) == combined
    assert select_sign_algorithm([rsa_oid], scheme, sha256).dotted_string == rsa_oid
    assert select_sign_algorithm([], scheme, sha256) == combined
    with pytest.raises(SigningError, match="cannot sign sha384"):
        select_sign_algorithm(
            [SignatureAlgorithmOID.ECDSA_WITH_SHA256.dotted_string],
            SignatureScheme.ECDSA,
            DigestAlgorithm.SHA384,
        )


def test_raw_ecdsa_value_is_reencoded_as_der(ec_person: IssuedCertificate) -> None:
    key = ec_person.private_key
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    der = key.sign(SHA256_DIGEST, ec.ECDSA(Prehashed(DigestAlgorithm.SHA256.hash())))
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    fixed = check_signature_value(ec_person.certificate, raw, SHA256_DIGEST, DigestAlgorithm.SHA256)
    assert decode_dss_signature(fixed) == (r, s)
    with pytest.raises(MalformedResponseError, match="does not verify"):
        check_signature_value(
            ec_person.certificate, bytes(64), SHA256_DIGEST, DigestAlgorithm.SHA256
        )


def test_activation_is_one_or_the_other() -> None:
    with pytest.raises(ValidationError, match="either a SAD"):
        Activation(pin=SecretStr("1"), sad=SecretStr("s"))
    assert "9876" not in repr(Activation(pin=SecretStr("9876")))


# -- the mock transport --------------------------------------------------------------


def _mock_device(transport: MockCscTransport, credential_id: str, **kwargs: Any) -> CscDevice:
    return CscDevice.connect(MOCK_BASE_URL, credential_id, transport=transport, **kwargs)


@pytest.mark.parametrize("credential_id", ["rsa", "ec"])
def test_mock_signs_without_a_server(
    esig_csc_mock: MockCscTransport, esig_pki: TestPKI, credential_id: str
) -> None:
    device = _mock_device(esig_csc_mock, credential_id)
    signed = esig.sign_pdf_bytes(sample_pdf(), device)
    assert esig.verify_pdf(signed, trust=[esig_pki.root.certificate]).passed
    endpoints = [r.endpoint for r in esig_csc_mock.requests]
    assert endpoints == [
        CscEndpoint.CREDENTIALS_INFO,
        CscEndpoint.CREDENTIALS_AUTHORIZE,
        CscEndpoint.SIGNATURES_SIGN_HASH,
    ]
    authorize = esig_csc_mock.requests[1].json_body()
    sign = esig_csc_mock.requests[2].json_body()
    assert authorize["hash"] == sign["hash"]  # the SAD is pinned to the digest signed
    assert authorize["numSignatures"] == 1


def test_mock_lists_across_pages(esig_pki: TestPKI) -> None:
    person = esig_pki.issue_person("Anna", "de Vries")
    transport = MockCscTransport({f"c{i}": person for i in range(5)}, page_size=2)
    client = CscClient(MOCK_BASE_URL, transport=transport)
    assert client.list_credentials() == ("c0", "c1", "c2", "c3", "c4")
    assert len(transport.requests) == 3


def test_pin_credential_needs_an_authorizer(esig_pki: TestPKI) -> None:
    transport = MockCscTransport({"anna": esig_pki.issue_person("Anna", "de Vries")}, pin="1234")
    with pytest.raises(AuthorizationError, match="needs a PIN"):
        _mock_device(transport, "anna")

    seen: list[AuthorizationRequest] = []

    def wrong_pin(request: AuthorizationRequest) -> Activation:
        seen.append(request)
        return Activation(pin=SecretStr("0000"))

    device = _mock_device(transport, "anna", authorizer=wrong_pin)
    with pytest.raises(AuthorizationError) as caught:
        device.sign_digest(SHA256_DIGEST, DigestAlgorithm.SHA256)
    assert caught.value.error_code == "invalid_pin"
    assert "0000" not in str(caught.value)
    assert seen[0].digests == (SHA256_DIGEST,)
    assert seen[0].pin is Presence.REQUIRED

    device = _mock_device(transport, "anna", authorizer=lambda r: Activation(pin=SecretStr("1234")))
    signed = esig.sign_pdf_bytes(sample_pdf(), device)
    assert esig.verify_pdf(signed, trust=[esig_pki.root.certificate]).passed


def test_authorizer_may_bring_its_own_sad(esig_csc_mock: MockCscTransport) -> None:
    client = CscClient(MOCK_BASE_URL, transport=esig_csc_mock)

    def out_of_band(request: AuthorizationRequest) -> Activation:
        sad = client.authorize(request.credential_id, request.digests).sad
        return Activation(sad=sad)

    device = CscDevice(client, client.credential_info("rsa"), authorizer=out_of_band)
    esig_csc_mock.reset()
    asyncio.run(device.async_sign_digest(SHA256_DIGEST, DigestAlgorithm.SHA256))
    endpoints = [r.endpoint for r in esig_csc_mock.requests]
    assert endpoints.count(CscEndpoint.CREDENTIALS_AUTHORIZE) == 1


def test_mock_failures_on_demand(esig_csc_mock: MockCscTransport) -> None:
    device = _mock_device(esig_csc_mock, "ec")
    esig_csc_mock.fail(CscEndpoint.SIGNATURES_SIGN_HASH, HttpResponse(status=503), times=1)
    with pytest.raises(RemoteServiceError) as caught:
        device.sign_digest(SHA256_DIGEST, DigestAlgorithm.SHA256)
    assert caught.value.status == 503
    device.sign_digest(SHA256_DIGEST, DigestAlgorithm.SHA256)  # works again

    timeout = RemoteServiceTimeoutError("slow", service=MOCK_BASE_URL)
    esig_csc_mock.fail(CscEndpoint.CREDENTIALS_AUTHORIZE, timeout)
    with pytest.raises(RemoteServiceTimeoutError):
        device.sign_digest(SHA256_DIGEST, DigestAlgorithm.SHA256)


def test_mock_unknown_and_disabled_credentials(esig_pki: TestPKI) -> None:
    person = esig_pki.issue_person("Anna", "de Vries")
    transport = MockCscTransport({"on": person, "off": person}, disabled=("off",))
    with pytest.raises(CredentialNotFoundError) as caught:
        _mock_device(transport, "nope")
    assert caught.value.status == 400
    device = _mock_device(transport, "off")
    with pytest.raises(AuthorizationError, match="disabled"):
        device.sign_digest(SHA256_DIGEST, DigestAlgorithm.SHA256)
