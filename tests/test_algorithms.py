"""The algorithm and key-size policy (BES art. 2(1)(a)(2°), 3(d))."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

import esig
from esig._pyhanko.signer import to_asn1
from esig.demo import sample_pdf
from esig.issuance import TestPKI
from esig.verification import CheckId, Outcome, SubIndication
from esig.verification.algorithms import algorithm_finding

UTC = dt.UTC


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI()


def _rsa_1024_signer(pki: TestPKI) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    now = dt.datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Weak Key")]))
        .issuer_name(pki.intermediate.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(pki.intermediate.private_key, hashes.SHA256())
    )
    return key, cert


def test_strong_algorithms_pass(pki: TestPKI) -> None:
    signer = pki.issue_person("Anna", "Strong")
    finding = algorithm_finding("sha256", (signer.certificate,), dt.datetime.now(UTC), False)
    assert finding.outcome is Outcome.PASSED


def test_small_rsa_key_made_now_is_indeterminate(pki: TestPKI) -> None:
    _, cert = _rsa_1024_signer(pki)
    finding = algorithm_finding("sha256", (cert,), dt.datetime.now(UTC), False)
    assert finding.outcome is Outcome.INDETERMINATE
    assert finding.sub_indication is SubIndication.CRYPTO_CONSTRAINTS_FAILURE
    assert "2014-01-01" in finding.message and "1024 bits" in finding.message


def test_weak_digest_before_its_date(pki: TestPKI) -> None:
    signer = pki.issue_person("Anna", "Early")
    early = dt.datetime(2008, 6, 1, tzinfo=UTC)
    claimed = algorithm_finding("sha1", (signer.certificate,), early, time_proven=False)
    assert claimed.outcome is Outcome.INDETERMINATE
    assert claimed.sub_indication is SubIndication.CRYPTO_CONSTRAINTS_FAILURE_NO_POE
    proven = algorithm_finding("sha1", (signer.certificate,), early, time_proven=True)
    assert proven.outcome is Outcome.PASSED
    assert "2009-01-01" in proven.message


def test_signature_with_a_1024_bit_key_is_not_a_pass(pki: TestPKI) -> None:
    key, cert = _rsa_1024_signer(pki)
    device = esig.SoftwareKey(key, cert, [pki.intermediate.certificate])
    signed = esig.sign_pdf_bytes(sample_pdf(), device)
    sig = esig.verify_pdf(signed, trust=[pki.root.certificate]).signatures[0]
    assert not sig.passed
    assert sig.level.level is not esig.Level.AES
    if sig.find(CheckId.ALGORITHMS):  # pyHanko may already refuse the key
        assert sig.find(CheckId.ALGORITHMS)[0].outcome is not Outcome.PASSED


def test_sha1_signature_is_not_a_pass(pki: TestPKI) -> None:
    signer = pki.issue_person("Old", "Tool")
    key_info = asn1_keys.PrivateKeyInfo.load(
        signer.private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    registry = SimpleCertificateStore()
    registry.register(to_asn1(pki.intermediate.certificate))
    simple = signers.SimpleSigner(
        signing_cert=to_asn1(signer.certificate), signing_key=key_info, cert_registry=registry
    )
    meta = signers.PdfSignatureMetadata(
        field_name="Sig", md_algorithm="sha1", subfilter=fields.SigSeedSubFilter.PADES
    )
    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(sample_pdf())), meta, signer=simple, output=out
    )
    sig = esig.verify_pdf(out.getvalue(), trust=[pki.root.certificate]).signatures[0]
    assert not sig.passed
    assert sig.level.level is esig.Level.SES or sig.level.level is esig.Level.NONE
