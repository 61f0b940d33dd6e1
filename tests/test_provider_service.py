"""``esig ca serve``: OCSP (RFC 6960) and the CRL (RFC 5280) over HTTP on 127.0.0.1.

Revocation takes effect at once (BES art. 5(b)): the very next OCSP answer and the next
CRL say so. Judged by openssl (``ocsp``, ``verify -crl_check``), by esig's own verifier
on a PDF signed with the issued certificate, and by pyHanko's validator, each fetching
from the running service.
"""

from __future__ import annotations

import asyncio
import base64
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

import esig
from esig.provider import RevocationReason
from esig.provider.service import CaService
from esig.testing import require_tool
from esig.verification import CheckId, Outcome, PathStatus, SubIndication
from tests._provider import Provider, free_port, make_provider
from tests._provider_db import Database

pytestmark = pytest.mark.real


@pytest.fixture
def served(tmp_path: Path, provider_database: Database) -> Iterator[tuple[Provider, CaService]]:
    """A CA whose certificates point at its own service, on 127.0.0.1 (SQLite, PostgreSQL)."""
    port = free_port()
    provider = make_provider(
        tmp_path, base_url=f"http://127.0.0.1:{port}", database=provider_database
    )
    with CaService(provider.ca, port=port) as service:
        yield provider, service


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        body: bytes = response.read()
        return body


def _post_ocsp(url: str, body: bytes) -> ocsp.OCSPResponse:
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/ocsp-request"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return ocsp.load_der_ocsp_response(response.read())


def _write_pem(path: Path, certificate: x509.Certificate) -> Path:
    path.write_bytes(certificate.public_bytes(Encoding.PEM))
    return path


def _openssl_ocsp(provider: Provider, service: CaService, cert: Path, ca: Path) -> str:
    openssl = require_tool("openssl")
    result = subprocess.run(
        [
            openssl, "ocsp", "-issuer", str(ca), "-cert", str(cert), "-url",
            f"{service.url}/ocsp", "-CAfile", str(ca), "-no_nonce",
        ],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    return result.stdout + result.stderr


def test_openssl_sees_good_then_revoked_at_once(
    served: tuple[Provider, CaService], tmp_path: Path
) -> None:
    provider, service = served
    _, _, certificate = provider.issue()
    cert = _write_pem(tmp_path / "cert.pem", certificate)
    ca = _write_pem(tmp_path / "ca.pem", provider.ca.certificate)
    before = _openssl_ocsp(provider, service, cert, ca)
    assert "Response verify OK" in before
    assert f"{cert}: good" in before
    provider.officer.revoke(certificate.serial_number, RevocationReason.KEY_COMPROMISE)
    after = _openssl_ocsp(provider, service, cert, ca)
    assert "Response verify OK" in after
    assert f"{cert}: revoked" in after
    assert "Reason: keyCompromise" in after


def test_the_next_crl_lists_the_revocation_and_openssl_checks_it(
    served: tuple[Provider, CaService], tmp_path: Path
) -> None:
    provider, service = served
    openssl = require_tool("openssl")
    _, _, certificate = provider.issue()
    cert = _write_pem(tmp_path / "cert.pem", certificate)
    ca = _write_pem(tmp_path / "ca.pem", provider.ca.certificate)

    def verify_with_crl() -> subprocess.CompletedProcess[str]:
        crl = x509.load_der_x509_crl(_get(f"{service.url}/crl"))
        (tmp_path / "crl.pem").write_bytes(crl.public_bytes(Encoding.PEM))
        return subprocess.run(
            [
                openssl, "verify", "-crl_check", "-CAfile", str(ca),
                "-CRLfile", str(tmp_path / "crl.pem"), str(cert),
            ],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip

    first = verify_with_crl()
    assert first.returncode == 0, first.stdout + first.stderr
    first_number = x509.load_der_x509_crl(_get(f"{service.url}/crl")).extensions
    provider.officer.revoke(certificate.serial_number)
    second = verify_with_crl()
    assert second.returncode != 0
    assert "certificate revoked" in second.stdout + second.stderr
    crl = x509.load_der_x509_crl(_get(f"{service.url}/crl"))
    number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    assert number > first_number.get_extension_for_class(x509.CRLNumber).value.crl_number


def test_esig_and_pyhanko_see_the_revocation_of_a_signer(
    served: tuple[Provider, CaService], tmp_path: Path, esig_sample_pdf: Path
) -> None:
    provider, _ = served
    _, key, certificate = provider.issue()
    signed = tmp_path / "signed.pdf"
    esig.sign_pdf(esig_sample_pdf, signed, provider.subscriber_device(key, certificate))

    good = esig.verify_pdf(signed, trust=[provider.ca.certificate], allow_fetching=True)
    (finding,) = good.signatures[0].find(CheckId.CERTIFICATE)
    assert finding.outcome is Outcome.PASSED, finding.message
    assert not _pyhanko_finds_revoked(provider.ca.certificate, signed)

    provider.officer.revoke(certificate.serial_number, RevocationReason.KEY_COMPROMISE)
    report = esig.verify_pdf(signed, trust=[provider.ca.certificate], allow_fetching=True)
    signature = report.signatures[0]
    assert signature.certificate_path is not None
    assert signature.certificate_path.status is PathStatus.REVOKED
    assert signature.sub_indication is SubIndication.REVOKED_NO_POE
    assert _pyhanko_finds_revoked(provider.ca.certificate, signed)


def _pyhanko_finds_revoked(root: x509.Certificate, pdf: Path) -> bool:
    anchor = asn1_x509.Certificate.load(root.public_bytes(Encoding.DER))

    async def judge() -> bool:
        context = ValidationContext(trust_roots=[anchor], allow_fetching=True)
        try:
            with pdf.open("rb") as handle:
                reader = PdfFileReader(handle)
                status = await async_validate_pdf_signature(
                    reader.embedded_regular_signatures[0], context
                )
                return bool(status.revoked)
        finally:
            await context.aclose()  # type: ignore[no-untyped-call]

    return asyncio.run(judge())


def test_ocsp_answers_unknown_unauthorized_and_malformed(
    served: tuple[Provider, CaService], esig_signer: esig.issuance.IssuedCertificate
) -> None:
    provider, service = served
    _, _, certificate = provider.issue()
    url = f"{service.url}/ocsp"
    # A certificate of another CA: not this responder's to answer.
    foreign = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(esig_signer.certificate, esig_signer.chain[0], hashes.SHA1())
        .build()
    )
    assert (
        _post_ocsp(url, foreign.public_bytes(Encoding.DER)).response_status
        is ocsp.OCSPResponseStatus.UNAUTHORIZED
    )
    # Our issuer, a serial number never issued: unknown.
    name_hash, key_hash = _issuer_hashes(provider, certificate)
    unknown = (
        ocsp.OCSPRequestBuilder()
        .add_certificate_by_hash(name_hash, key_hash, 424242, hashes.SHA1())
        .build()
    )
    answer = _post_ocsp(url, unknown.public_bytes(Encoding.DER))
    assert answer.certificate_status is ocsp.OCSPCertStatus.UNKNOWN
    assert _post_ocsp(url, b"not DER").response_status is (
        ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )


def _issuer_hashes(provider: Provider, certificate: x509.Certificate) -> tuple[bytes, bytes]:
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(certificate, provider.ca.certificate, hashes.SHA1())
        .build()
    )
    return request.issuer_name_hash, request.issuer_key_hash


def test_ocsp_by_get_with_a_sha256_cert_id_and_a_nonce(
    served: tuple[Provider, CaService],
) -> None:
    provider, service = served
    _, _, certificate = provider.issue()
    nonce = b"\x01" * 16
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(certificate, provider.ca.certificate, hashes.SHA256())
        .add_extension(x509.OCSPNonce(nonce), critical=False)
        .build()
        .public_bytes(Encoding.DER)
    )
    encoded = urllib.parse.quote(base64.b64encode(request).decode(), safe="")
    answer = ocsp.load_der_ocsp_response(_get(f"{service.url}/ocsp/{encoded}"))
    assert answer.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == nonce
    assert answer.responder_name == provider.ca.certificate.subject
    assert answer.this_update_utc == answer.produced_at_utc
    assert _get(f"{service.url}/ca.crt") == provider.ca.certificate_der


def test_an_oversized_request_is_refused(served: tuple[Provider, CaService]) -> None:
    _, service = served
    request = urllib.request.Request(f"{service.url}/ocsp", data=b"\x30" * (65 * 1024))
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 413
