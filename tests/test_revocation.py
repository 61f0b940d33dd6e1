"""Revocation against real OCSP and CRL services on 127.0.0.1 (certomancer's Animator).

A revoked signer certificate is judged as EN 319 102-1 (table 5) says: TOTAL-FAILED /
REVOKED only when a proof of existence (a trusted timestamp) shows the signature was
made after the revocation; INDETERMINATE / REVOKED_NO_POE when nothing shows whether it
was made before or after. Signing before the revocation, proven by a timestamp, passes
(tests/test_past_validation.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

import esig
from esig.levels import Level, RequirementId, RequirementStatus
from esig.signing import BaselineLevel, PadesLevel, TimestampService, sign_detached
from esig.testing.certomancer_config import LATER_REVOKED_DAYS, Label
from esig.testing.services import LocalTrustServices
from esig.verification import (
    CheckId,
    Indication,
    Outcome,
    PathStatus,
    SigningTimeSource,
    SubIndication,
    verify_detached,
)

pytestmark = pytest.mark.real


def _sign_and_verify(
    services: LocalTrustServices,
    *,
    revoked: bool,
    sample: Path,
    tmp_path: Path,
    level: PadesLevel = PadesLevel.B_B,
) -> esig.SignatureReport:
    signer = services.revoked_signer if revoked else services.signer
    out = tmp_path / "signed.pdf"
    tsa = TimestampService(url=services.tsa_url, timeout=10) if level.timestamped else None
    esig.sign_pdf(sample, out, signer.device(), level=level, timestamp=tsa)
    report = esig.verify_pdf(out, trust=[services.root_certificate], allow_fetching=True)
    return report.signatures[0]


def _pyhanko_finds_revoked(services: LocalTrustServices, pdf: Path) -> bool:
    """pyHanko's own validator, fetching from the same services: is the signer revoked?"""
    root = asn1_x509.Certificate.load(services.root_certificate.public_bytes(Encoding.DER))

    async def judge() -> bool:
        context = ValidationContext(trust_roots=[root], allow_fetching=True)
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


def test_good_signer_passes_with_fetched_revocation_data(
    esig_trust_services: LocalTrustServices, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    sig = _sign_and_verify(
        esig_trust_services, revoked=False, sample=esig_sample_pdf, tmp_path=tmp_path
    )
    assert sig.indication is Indication.TOTAL_PASSED
    assert sig.level.eidas_level is Level.AES
    assert not _pyhanko_finds_revoked(esig_trust_services, tmp_path / "signed.pdf")


def test_revoked_signer_without_timestamp_is_revoked_no_poe(
    esig_trust_services: LocalTrustServices, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    """B-B: only the signer's claimed time, which proves nothing: INDETERMINATE."""
    sig = _sign_and_verify(
        esig_trust_services, revoked=True, sample=esig_sample_pdf, tmp_path=tmp_path
    )
    assert _pyhanko_finds_revoked(esig_trust_services, tmp_path / "signed.pdf")
    assert sig.certificate_path is not None
    assert sig.certificate_path.status is PathStatus.REVOKED
    (finding,) = sig.find(CheckId.CERTIFICATE)
    assert finding.outcome is Outcome.INDETERMINATE
    assert finding.sub_indication is SubIndication.REVOKED_NO_POE
    assert "cannot be decided" in finding.message
    assert "signer's own claim" in finding.message
    assert f"{esig_trust_services.revoked_since:%Y-%m-%d}" in finding.message
    assert sig.indication is Indication.INDETERMINATE
    assert sig.sub_indication is SubIndication.REVOKED_NO_POE
    assert sig.signing_time_source is SigningTimeSource.CLAIMED


def test_revoked_without_proof_of_existence_is_not_advanced(
    esig_trust_services: LocalTrustServices, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    sig = _sign_and_verify(
        esig_trust_services, revoked=True, sample=esig_sample_pdf, tmp_path=tmp_path
    )
    assert sig.level.level is Level.SES
    verifiable = next(
        r for r in sig.level.results if r.requirement.id is RequirementId.VERIFIABLE_AT_ANY_TIME
    )
    assert verifiable.status is RequirementStatus.INDETERMINATE
    assert "cannot be decided" in verifiable.evidence


def test_timestamp_after_the_revocation_fails(
    esig_trust_services: LocalTrustServices, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    """B-T: the trusted timestamp proves the signature came after the revocation."""
    sig = _sign_and_verify(
        esig_trust_services,
        revoked=True,
        sample=esig_sample_pdf,
        tmp_path=tmp_path,
        level=PadesLevel.B_T,
    )
    (finding,) = sig.find(CheckId.CERTIFICATE)
    assert finding.outcome is Outcome.FAILED
    assert finding.sub_indication is SubIndication.REVOKED
    assert "not before the revocation" in finding.message
    assert sig.indication is Indication.TOTAL_FAILED
    assert sig.sub_indication is SubIndication.REVOKED
    assert sig.signing_time_source is SigningTimeSource.TIMESTAMP
    assert sig.level.level is Level.SES


# --- the same rule for detached CAdES ---------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "indication", "sub"),
    [
        (BaselineLevel.B_B, Indication.INDETERMINATE, SubIndication.REVOKED_NO_POE),
        (BaselineLevel.B_T, Indication.TOTAL_FAILED, SubIndication.REVOKED),
    ],
)
def test_cades_revoked_signer(
    level: BaselineLevel,
    indication: Indication,
    sub: SubIndication,
    esig_trust_services: LocalTrustServices,
    tmp_path: Path,
) -> None:
    services = esig_trust_services
    content = tmp_path / "data.bin"
    content.write_bytes(os.urandom(4096))
    signed = sign_detached(
        content,
        None,
        services.revoked_signer.device(),
        level=level,
        timestamp=TimestampService(url=services.tsa_url, timeout=10) if level.timestamped else None,
    )
    report = verify_detached(
        signed.path, content, trust=[services.root_certificate], allow_fetching=True
    )
    (sig,) = report.signatures
    assert sig.indication is indication
    assert sig.sub_indication is sub
    (finding,) = sig.find(CheckId.CERTIFICATE)
    if sub is SubIndication.REVOKED:
        assert "after the revocation, so the signature is invalid" in finding.message
    else:
        assert "cannot be decided" in finding.message
    assert sig.level.level is Level.SES


def test_cades_revoked_after_its_timestamp_passes(
    esig_trust_services: LocalTrustServices, tmp_path: Path
) -> None:
    """Fresh data names the revocation date; the signature timestamp predates it."""
    services = esig_trust_services
    content = tmp_path / "data.bin"
    content.write_bytes(os.urandom(4096))
    signed = sign_detached(
        content,
        None,
        services.issued(Label.LATER_REVOKED_SIGNER).device(),
        level=BaselineLevel.B_T,
        timestamp=TimestampService(url=services.tsa_url, timeout=10),
    )
    revoked = services.now + dt.timedelta(days=LATER_REVOKED_DAYS)
    at = revoked + dt.timedelta(days=10)
    with services.answering_at(at):
        report = verify_detached(
            signed.path, content, trust=[services.root_certificate], at=at, allow_fetching=True
        )
    (sig,) = report.signatures
    assert sig.passed, sig.findings
    (finding,) = sig.find(CheckId.CERTIFICATE)
    assert "was revoked on" in finding.message
    assert sig.long_term is not None
    assert sig.long_term.proof_of_existence is not None
    assert sig.long_term.proof_of_existence < revoked
    assert not sig.long_term.offline
    assert sig.level.eidas_level is Level.AES
