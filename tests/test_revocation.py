"""Revocation against real OCSP and CRL services on 127.0.0.1 (certomancer's Animator)."""

from __future__ import annotations

from pathlib import Path

import pytest

import esig
from esig.levels import Level
from esig.testing.services import LocalTrustServices
from esig.verification import CheckId, Indication, Outcome, PathStatus, SubIndication

pytestmark = pytest.mark.real


def _sign_and_verify(
    services: LocalTrustServices, *, revoked: bool, sample: Path, tmp_path: Path
) -> esig.SignatureReport:
    signer = services.revoked_signer if revoked else services.signer
    out = tmp_path / "signed.pdf"
    esig.sign_pdf(sample, out, signer.device())
    report = esig.verify_pdf(out, trust=[services.root_certificate], allow_fetching=True)
    return report.signatures[0]


def test_good_signer_passes_with_fetched_revocation_data(
    esig_trust_services: LocalTrustServices, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    sig = _sign_and_verify(
        esig_trust_services, revoked=False, sample=esig_sample_pdf, tmp_path=tmp_path
    )
    assert sig.indication is Indication.TOTAL_PASSED
    assert sig.level.level is Level.AES


def test_revoked_signer_fails(
    esig_trust_services: LocalTrustServices, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    sig = _sign_and_verify(
        esig_trust_services, revoked=True, sample=esig_sample_pdf, tmp_path=tmp_path
    )
    assert sig.certificate_path is not None
    assert sig.certificate_path.status is PathStatus.REVOKED
    finding = sig.find(CheckId.CERTIFICATE)[0]
    assert finding.outcome is Outcome.FAILED
    assert finding.sub_indication in (SubIndication.REVOKED, SubIndication.REVOKED_NO_POE)
    assert sig.indication is not Indication.TOTAL_PASSED
    assert sig.level.level is Level.SES
