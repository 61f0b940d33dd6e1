"""Bad timestamps and bad revocation data: each is a failed or indeterminate finding.

The TSAs are real ones served by certomancer's Animator (``esig_trust_services``):
one certified by a root nobody trusts, one whose certificate expired the day before,
one revoked a month ago. The imprint mismatch comes from a timestamper that asks the
real TSA to stamp other data. Stale and wrongly signed OCSP responses come from the
real responder as of a month ago, and from a responder configured with the wrong key;
they are embedded with pyHanko's own DSS writer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import urllib.request
from pathlib import Path

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import DocumentSecurityStore

from esig._pyhanko.revocation import declared_services
from esig.demo import sample_pdf
from esig.law import BES
from esig.signing import PadesLevel, TimestampService, sign_pdf
from esig.testing.certomancer_config import KEY_FOLDER_NAME, Label
from esig.testing.services import LocalTrustServices
from esig.verification import verify_pdf
from esig.verification.report import (
    CheckId,
    Finding,
    Indication,
    Outcome,
    SignatureReport,
    SubIndication,
)

pytestmark = pytest.mark.real


def _signed_b_t(services: LocalTrustServices, folder: Path, tsa: Label) -> Path:
    source = folder / "sample.pdf"
    source.write_bytes(sample_pdf())
    out = folder / f"{tsa}.pdf"
    sign_pdf(
        source,
        out,
        services.signer.device(),
        level=PadesLevel.B_T,
        timestamp=TimestampService(url=services.tsa_url_for(tsa), timeout=10),
    )
    return out


def _report(path: Path, services: LocalTrustServices, **kwargs: object) -> SignatureReport:
    report = verify_pdf(path, trust=[services.root_certificate], **kwargs)  # type: ignore[arg-type]
    (signature,) = report.signatures
    return signature


def _one(signature: SignatureReport, check: CheckId) -> Finding:
    (finding,) = signature.find(check)
    return finding


# --- the signature timestamp ----------------------------------------------------------------


def test_a_good_timestamp_passes(esig_trust_services: LocalTrustServices, tmp_path: Path) -> None:
    path = _signed_b_t(esig_trust_services, tmp_path, Label.TSA)
    # B-T carries no revocation data: the signer's and the TSA's status are fetched
    signature = _report(path, esig_trust_services, allow_fetching=True)
    assert signature.passed
    finding = _one(signature, CheckId.TIMESTAMP)
    assert finding.outcome is Outcome.PASSED
    assert "matches the signature and its TSA is trusted" in finding.message


def test_offline_tsa_with_unknown_revocation_status_is_said_in_words(
    esig_trust_services: LocalTrustServices, tmp_path: Path
) -> None:
    """B-T offline: the TSA names revocation services, the document holds no data."""
    services = esig_trust_services
    path = _signed_b_t(services, tmp_path, Label.TSA)
    offline = _one(_report(path, services), CheckId.TIMESTAMP)
    assert offline.outcome is Outcome.INDETERMINATE
    assert "could not be checked for revocation" in offline.message
    assert "is embedded and none was fetched" in offline.message
    assert "Time-Stamping Unit" in offline.message
    assert "CERTIFICATE_CHAIN_GENERAL_FAILURE" not in offline.message
    ocsp_urls, crl_urls = declared_services(services.tsa_certificate)
    named = [*ocsp_urls, *crl_urls]
    assert named and any(url in offline.message for url in named)
    # with fetching, the status is established and the timestamp passes
    fetched = _one(_report(path, services, allow_fetching=True), CheckId.TIMESTAMP)
    assert fetched.outcome is Outcome.PASSED
    assert "could not be checked for revocation" not in fetched.message


def test_untrusted_tsa(esig_trust_services: LocalTrustServices, tmp_path: Path) -> None:
    path = _signed_b_t(esig_trust_services, tmp_path, Label.ROGUE_TSA)
    signature = _report(path, esig_trust_services)
    assert signature.indication is Indication.INDETERMINATE
    finding = _one(signature, CheckId.TIMESTAMP)
    assert finding.outcome is Outcome.INDETERMINATE
    assert finding.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert "Rogue Time-Stamping Unit" in finding.message
    assert "is not trusted" in finding.message
    assert set(finding.citations) == {BES.ART_1_B, BES.ART_3_D}


def test_tsa_expired_before_the_timestamp(
    esig_trust_services: LocalTrustServices, tmp_path: Path
) -> None:
    path = _signed_b_t(esig_trust_services, tmp_path, Label.EXPIRED_TSA)
    signature = _report(path, esig_trust_services)
    assert signature.indication is Indication.TOTAL_FAILED
    finding = _one(signature, CheckId.TIMESTAMP)
    assert finding.outcome is Outcome.FAILED
    assert finding.sub_indication is SubIndication.EXPIRED
    assert "expired on" in finding.message
    assert "before the timestamp was made" in finding.message


def test_tsa_revoked_before_the_timestamp(
    esig_trust_services: LocalTrustServices, tmp_path: Path
) -> None:
    path = _signed_b_t(esig_trust_services, tmp_path, Label.REVOKED_TSA)
    signature = _report(path, esig_trust_services, allow_fetching=True)
    assert signature.indication is Indication.TOTAL_FAILED
    finding = _one(signature, CheckId.TIMESTAMP)
    assert finding.outcome is Outcome.FAILED
    assert finding.sub_indication is SubIndication.REVOKED
    revoked = f"{esig_trust_services.revoked_since.astimezone(dt.UTC):%Y-%m-%d}"
    assert f"was revoked on {revoked}" in finding.message
    assert "before the timestamp" in finding.message


class _OtherDataTimeStamper(timestamps.HTTPTimeStamper):
    """A real TSA, asked to stamp a digest of other data."""

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str):  # type: ignore[no-untyped-def]
        other = hashlib.new(md_algorithm, b"not this signature").digest()
        return await super().async_timestamp(other, md_algorithm)


def test_timestamp_imprint_mismatch(
    esig_trust_services: LocalTrustServices, tmp_path: Path
) -> None:
    services = esig_trust_services
    cert = tmp_path / "signer.pem"
    cert.write_bytes(services.signer.certificate.public_bytes(Encoding.PEM))
    signer = signers.SimpleSigner.load(
        str(services.folder / KEY_FOLDER_NAME / f"{Label.SIGNER}.key.pem"),
        str(cert),
        ca_chain_files=(),
    )
    assert signer is not None
    out = tmp_path / "mismatch.pdf"
    with out.open("wb") as handle:
        signers.sign_pdf(
            IncrementalPdfFileWriter(_sample(tmp_path).open("rb")),
            signers.PdfSignatureMetadata(field_name="Signature1", subfilter=SigSeedSubFilter.PADES),
            signer=signer,
            timestamper=_OtherDataTimeStamper(services.tsa_url),
            output=handle,
        )
    signature = _report(out, services)
    assert signature.integrity is not None and signature.integrity.intact
    assert signature.indication is Indication.TOTAL_FAILED
    finding = _one(signature, CheckId.TIMESTAMP)
    assert finding.outcome is Outcome.FAILED
    assert finding.sub_indication is SubIndication.HASH_FAILURE
    assert "message imprint does not match the signature" in finding.message


def _sample(folder: Path) -> Path:
    path = folder / "sample.pdf"
    path.write_bytes(sample_pdf())
    return path


# --- embedded OCSP responses ------------------------------------------------------------------


def _with_ocsp(source: Path, target: Path, response: bytes, services: LocalTrustServices) -> Path:
    shutil.copy(source, target)
    with source.open("rb") as handle:
        contents = PdfFileReader(handle).embedded_regular_signatures[0].pkcs7_content
    certs = [
        asn1_x509.Certificate.load(c.public_bytes(Encoding.DER))
        for c in (services.intermediate_certificate, services.ocsp_responder_certificate)
    ]
    # the intermediate names the root's CRL: its status must be established too
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(services.root_crl_url, timeout=10) as answer:
        root_crl = asn1_crl.CertificateList.load(answer.read())
    with target.open("r+b") as out:
        DocumentSecurityStore.add_dss(
            out,
            contents,
            ocsps=[asn1_ocsp.OCSPResponse.load(response)],
            crls=[root_crl],
            certs=certs,
        )
    return target


def test_a_fresh_ocsp_response_is_used(
    esig_trust_services: LocalTrustServices, tmp_path: Path
) -> None:
    services = esig_trust_services
    signed = _signed_b_t(services, tmp_path, Label.TSA)
    fresh = _with_ocsp(
        signed, tmp_path / "fresh.pdf", services.fetch_ocsp(services.signer.certificate), services
    )
    signature = _report(fresh, services)
    assert signature.find(CheckId.REVOCATION) == ()
    assert _one(signature, CheckId.CERTIFICATE).outcome is Outcome.PASSED


def test_stale_ocsp_response(esig_trust_services: LocalTrustServices, tmp_path: Path) -> None:
    services = esig_trust_services
    signed = _signed_b_t(services, tmp_path, Label.TSA)
    month_ago = services.now - dt.timedelta(days=30)
    stale = _with_ocsp(
        signed,
        tmp_path / "stale.pdf",
        services.fetch_ocsp(services.signer.certificate, at=month_ago),
        services,
    )
    signature = _report(stale, services)
    assert signature.indication is Indication.INDETERMINATE
    finding = _one(signature, CheckId.REVOCATION)
    assert finding.outcome is Outcome.INDETERMINATE
    assert finding.sub_indication is SubIndication.TRY_LATER
    assert "The OCSP response for Anna de Vries was produced at" in finding.message
    assert f"{month_ago.astimezone(dt.UTC):%Y-%m-%d}" in finding.message
    assert "stale" in finding.message


def test_ocsp_response_signed_by_the_wrong_key(
    esig_trust_services: LocalTrustServices, tmp_path: Path
) -> None:
    services = esig_trust_services
    signed = _signed_b_t(services, tmp_path, Label.TSA)
    forged = _with_ocsp(
        signed,
        tmp_path / "wrong-key.pdf",
        services.fetch_ocsp(services.signer.certificate, url=services.wrong_key_ocsp_url),
        services,
    )
    signature = _report(forged, services)
    assert signature.indication is Indication.INDETERMINATE
    finding = _one(signature, CheckId.REVOCATION)
    assert finding.outcome is Outcome.INDETERMINATE
    assert "is not signed by the issuer or an authorised responder" in finding.message
    assert "Anna de Vries" in finding.message
