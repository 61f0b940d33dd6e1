"""The local trust services answer for real over HTTP: OCSP, CRL, RFC 3161, validation."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import socket
import threading
import time
import urllib.error
import urllib.request
from contextlib import aclosing
from pathlib import Path

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import RevokedError

from esig.issuance import IssuedCertificate, KeyType
from esig.testing.services import LocalTrustServices

pytestmark = pytest.mark.real

# Loopback only: never let a proxy from the environment see these requests.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _post(url: str, body: bytes, content_type: str) -> bytes:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    with _HTTP.open(request, timeout=10) as response:
        data: bytes = response.read()
        return data


def _get(url: str) -> bytes:
    with _HTTP.open(url, timeout=10) as response:
        data: bytes = response.read()
        return data


def _ask_ocsp(services: LocalTrustServices, who: IssuedCertificate) -> ocsp.OCSPResponse:
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(who.certificate, services.intermediate_certificate, hashes.SHA256())
        .build()
    )
    der = _post(
        services.ocsp_url,
        request.public_bytes(Encoding.DER),
        "application/ocsp-request",
    )
    response = ocsp.load_der_ocsp_response(der)
    assert response.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    assert response.serial_number == who.certificate.serial_number
    # Signed by the responder certificate we issued, and the signature verifies.
    responder = services.ocsp_responder_certificate
    key = responder.public_key()
    assert response.responder_name in (None, responder.subject)
    if response.responder_name is None:  # ResponderID byKey: SHA-1 of the public key
        assert response.responder_key_hash == x509.SubjectKeyIdentifier.from_public_key(key).digest
    assert isinstance(key, rsa.RSAPublicKey)
    assert response.signature_hash_algorithm is not None
    key.verify(
        response.signature,
        response.tbs_response_bytes,
        padding.PKCS1v15(),
        response.signature_hash_algorithm,
    )
    return response


def test_ocsp_says_good_for_the_good_signer(esig_trust_services: LocalTrustServices) -> None:
    response = _ask_ocsp(esig_trust_services, esig_trust_services.signer)
    assert response.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert response.next_update_utc is None or response.next_update_utc > dt.datetime.now(dt.UTC)


def test_ocsp_says_revoked_for_the_revoked_signer(
    esig_trust_services: LocalTrustServices,
) -> None:
    response = _ask_ocsp(esig_trust_services, esig_trust_services.revoked_signer)
    assert response.certificate_status is ocsp.OCSPCertStatus.REVOKED
    assert response.revocation_reason is x509.ReasonFlags.key_compromise
    assert response.revocation_time_utc == esig_trust_services.revoked_since.replace(microsecond=0)
    assert response.revocation_time_utc < dt.datetime.now(dt.UTC)


def test_crl_lists_the_revoked_serial_only(esig_trust_services: LocalTrustServices) -> None:
    crl = x509.load_der_x509_crl(_get(esig_trust_services.crl_url))
    intermediate = esig_trust_services.intermediate_certificate
    assert crl.issuer == intermediate.subject
    assert crl.is_signature_valid(intermediate.public_key())  # type: ignore[arg-type]
    assert crl.next_update_utc is not None
    assert crl.next_update_utc > dt.datetime.now(dt.UTC)
    revoked = esig_trust_services.revoked_signer.certificate.serial_number
    good = esig_trust_services.signer.certificate.serial_number
    entry = crl.get_revoked_certificate_by_serial_number(revoked)
    assert entry is not None
    assert entry.revocation_date_utc == esig_trust_services.revoked_since.replace(microsecond=0)
    assert crl.get_revoked_certificate_by_serial_number(good) is None
    # The certificates point at this very CRL.
    points = esig_trust_services.signer.certificate.extensions.get_extension_for_class(
        x509.CRLDistributionPoints
    ).value
    assert [n.value for p in points for n in p.full_name or ()] == [esig_trust_services.crl_url]


def test_root_crl_covers_the_intermediate(esig_trust_services: LocalTrustServices) -> None:
    crl = x509.load_der_x509_crl(_get(esig_trust_services.root_crl_url))
    assert crl.issuer == esig_trust_services.root_certificate.subject
    serial = esig_trust_services.intermediate_certificate.serial_number
    assert crl.get_revoked_certificate_by_serial_number(serial) is None


def test_tsa_stamps_a_sha256_imprint(esig_trust_services: LocalTrustServices) -> None:
    digest = hashlib.sha256(b"esig local trust services").digest()
    token = asyncio.run(
        HTTPTimeStamper(esig_trust_services.tsa_url).async_timestamp(digest, "sha256")
    )
    assert token["content_type"].native == "signed_data"
    signed_data = token["content"]
    tst_info = signed_data["encap_content_info"]["content"].parsed
    assert tst_info["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha256"
    assert tst_info["message_imprint"]["hashed_message"].native == digest
    gen_time = tst_info["gen_time"].native
    assert abs(gen_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)

    # The signer is the TSA certificate we issued.
    tsa_der = esig_trust_services.tsa_certificate.public_bytes(Encoding.DER)
    sid = signed_data["signer_infos"][0]["sid"].chosen
    assert isinstance(sid, cms.IssuerAndSerialNumber)
    assert sid["serial_number"].native == esig_trust_services.tsa_certificate.serial_number
    embedded = [c.chosen.dump() for c in signed_data["certificates"]]
    assert tsa_der in embedded

    # And the token validates (signature, imprint, TSA chain with revocation) in pyHanko.
    async def validate() -> dict[str, object]:
        context = ValidationContext(
            trust_roots=[_asn1(esig_trust_services.root_certificate)],
            other_certs=[_asn1(esig_trust_services.intermediate_certificate)],
            allow_fetching=True,
            revocation_mode="hard-fail",
        )
        async with aclosing(context):
            status: dict[str, object] = await validate_tst_signed_data(
                signed_data, context, lambda _algorithm: digest
            )
            return status

    status = asyncio.run(validate())
    assert status["intact"] is True
    assert status["valid"] is True
    assert status["trust_problem_indic"] is None


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


async def _validate(services: LocalTrustServices, who: IssuedCertificate) -> None:
    context = ValidationContext(
        trust_roots=[_asn1(services.root_certificate)],
        allow_fetching=True,
        revocation_mode="hard-fail",
    )
    validator = CertificateValidator(
        _asn1(who.certificate),
        intermediate_certs=[_asn1(c) for c in who.chain],
        validation_context=context,
    )
    async with aclosing(context):
        await validator.async_validate_usage({"non_repudiation"})  # type: ignore[no-untyped-call]


def test_pyhanko_validates_the_good_signer_in_hard_fail_mode(
    esig_trust_services: LocalTrustServices,
) -> None:
    asyncio.run(_validate(esig_trust_services, esig_trust_services.signer))


def test_pyhanko_rejects_the_revoked_signer_in_hard_fail_mode(
    esig_trust_services: LocalTrustServices,
) -> None:
    with pytest.raises(RevokedError):
        asyncio.run(_validate(esig_trust_services, esig_trust_services.revoked_signer))


def test_certificates_are_what_the_brief_says(esig_trust_services: LocalTrustServices) -> None:
    now = dt.datetime.now(dt.UTC)
    services = esig_trust_services
    signer = services.signer.certificate
    assert [a.value for a in signer.subject.get_attributes_for_oid(NameOID.GIVEN_NAME)] == ["Anna"]
    assert [a.value for a in signer.subject.get_attributes_for_oid(NameOID.SURNAME)] == ["de Vries"]
    assert [a.value for a in signer.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)] == ["BQ"]
    assert services.signer.chain == (services.intermediate_certificate, services.root_certificate)
    for certificate in (
        services.root_certificate,
        services.intermediate_certificate,
        services.ocsp_responder_certificate,
        services.tsa_certificate,
        signer,
        services.revoked_signer.certificate,
    ):
        assert certificate.not_valid_before_utc < now
        assert certificate.not_valid_after_utc > now + dt.timedelta(days=4 * 365)
    eku = services.tsa_certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    responder = services.ocsp_responder_certificate.extensions
    assert list(responder.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.OCSP_SIGNING
    ]
    assert responder.get_extension_for_class(x509.OCSPNoCheck) is not None
    # SoftwareKey refuses a key that its certificate does not certify.
    device = services.signer.device()
    assert device.certificate == signer


def test_stop_frees_the_port_and_the_thread(tmp_path: Path) -> None:
    services = LocalTrustServices(tmp_path)
    with pytest.raises(RuntimeError):
        _ = services.root_certificate  # nothing is built before start()
    started = time.perf_counter()
    services.start()
    start_seconds = time.perf_counter() - started
    port = services.port
    assert port != 0
    assert services.running
    assert services.base_url == f"http://127.0.0.1:{port}"
    root = services.root_certificate
    assert _get(services.crl_url)

    started = time.perf_counter()
    services.stop()
    stop_seconds = time.perf_counter() - started
    assert not services.running
    assert not [t for t in threading.enumerate() if t.name == f"esig-trust-services:{port}"]
    with pytest.raises(urllib.error.URLError):
        _get(services.crl_url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # the port is free again
    services.stop()  # stopping twice is harmless

    # A restart serves the same PKI on the same port, without rebuilding it.
    with services:
        assert services.port == port
        assert services.root_certificate == root
        assert x509.load_der_x509_crl(_get(services.crl_url)).issuer == (
            services.intermediate_certificate.subject
        )
    assert not services.running
    print(f"start {start_seconds:.3f} s, stop {stop_seconds:.3f} s")
    assert stop_seconds < 1.0


def test_start_twice_is_refused(tmp_path: Path) -> None:
    with (
        LocalTrustServices(tmp_path, key_type=KeyType.EC_P256) as services,
        pytest.raises(RuntimeError),
    ):
        services.start()
