"""Never valid without a revocation check (issue #8, BES art. 3(d), EN 319 102-1 TRY_LATER).

A certificate that names an OCSP responder or a CRL distribution point must have its
revocation status established: from data embedded in the document (B-LT) or fetched
with ``allow_fetching``. Offline without data it is INDETERMINATE / TRY_LATER, even for
a signer that was revoked. A certificate that names no revocation service (esig's own
TestPKI issues none) still passes, and the finding says its status could not be checked.
The real parts: certomancer's Animator (OCSP, CRLs, TSA on 127.0.0.1); pyHanko's own
validator with the same rule is the independent judge.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko_certvalidator import ValidationContext

import esig
from esig.issuance import IssuedCertificate, TestPKI
from esig.law import BES
from esig.levels import RequirementId, RequirementStatus
from esig.signing import PadesLevel, TimestampService, ValidationServices, sign_detached
from esig.testing.services import LocalTrustServices
from esig.verification import (
    CheckId,
    Finding,
    Indication,
    Outcome,
    SignatureReport,
    SubIndication,
    verify_detached,
)

pytestmark = pytest.mark.real


def _sign(
    services: LocalTrustServices,
    sample: Path,
    out: Path,
    *,
    revoked: bool = False,
    level: PadesLevel = PadesLevel.B_B,
) -> Path:
    signer = services.revoked_signer if revoked else services.signer
    tsa = TimestampService(url=services.tsa_url, timeout=10) if level.timestamped else None
    validation = (
        ValidationServices(trust=(services.root_certificate,), timeout=10)
        if level in {PadesLevel.B_LT, PadesLevel.B_LTA}
        else None
    )
    esig.sign_pdf(sample, out, signer.device(), level=level, timestamp=tsa, validation=validation)
    return out


def _verify(services: LocalTrustServices, pdf: Path, *, fetch: bool) -> SignatureReport:
    report = esig.verify_pdf(pdf, trust=[services.root_certificate], allow_fetching=fetch)
    return report.signatures[0]


def _certificate(sig: SignatureReport) -> Finding:
    (finding,) = sig.find(CheckId.CERTIFICATE)
    return finding


def _pyhanko_trusts(services: LocalTrustServices, pdf: Path, *, fetch: bool) -> bool:
    """pyHanko's own validator, hard-fail revocation rule: is the signer's path trusted?"""
    root = asn1_x509.Certificate.load(services.root_certificate.public_bytes(Encoding.DER))

    async def judge() -> bool:
        kwargs: dict[str, Any] = {
            "trust_roots": [root],
            "allow_fetching": fetch,
            "revocation_mode": "hard-fail",
            "crls": [],
            "ocsps": [],
        }
        with pdf.open("rb") as handle:
            reader = PdfFileReader(handle)
            try:  # the document's own validation data (B-LT), as pyHanko reads it
                context = DocumentSecurityStore.read_dss(reader).as_validation_context(kwargs)
            except NoDSSFoundError:
                context = ValidationContext(**kwargs)
            try:
                status = await async_validate_pdf_signature(
                    reader.embedded_regular_signatures[0], context
                )
                return bool(status.trusted)
            finally:
                await context.aclose()  # type: ignore[no-untyped-call]

    return asyncio.run(judge())


def test_offline_without_revocation_data_is_try_later(
    esig_trust_services: LocalTrustServices, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    services = esig_trust_services
    pdf = _sign(services, esig_sample_pdf, tmp_path / "b-b.pdf")
    sig = _verify(services, pdf, fetch=False)
    finding = _certificate(sig)
    assert finding.outcome is Outcome.INDETERMINATE
    assert finding.sub_indication is SubIndication.TRY_LATER
    assert BES.ART_3_D in finding.citations
    assert finding.message.startswith("The revocation status of Anna de Vries is unknown")
    assert f"OCSP {services.ocsp_url}" in finding.message
    assert f"CRL {services.crl_url}" in finding.message
    assert "carries no revocation data and fetching was not allowed" in finding.message
    assert "esig verify --allow-fetching" in finding.message
    assert "esig extend --level LT" in finding.message
    assert sig.indication is Indication.INDETERMINATE
    assert sig.sub_indication is SubIndication.TRY_LATER
    for requirement in (RequirementId.IDENTIFIES_SIGNATORY, RequirementId.VERIFIABLE_AT_ANY_TIME):
        result = next(r for r in sig.level.results if r.requirement.id is requirement)
        assert result.status is RequirementStatus.INDETERMINATE
    assert not _pyhanko_trusts(services, pdf, fetch=False)


def test_the_same_document_with_fetching_passes_naming_the_ocsp_response(
    esig_trust_services: LocalTrustServices, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    services = esig_trust_services
    pdf = _sign(services, esig_sample_pdf, tmp_path / "b-b.pdf")
    sig = _verify(services, pdf, fetch=True)
    finding = _certificate(sig)
    assert finding.outcome is Outcome.PASSED
    responder = services.ocsp_responder_certificate.subject.rfc4514_string()
    assert "checked by the OCSP response produced at" in finding.message
    assert "fetched during this verification" in finding.message
    assert "esig Test Trust Services OCSP Responder" in finding.message, responder
    assert sig.indication is Indication.TOTAL_PASSED
    assert _pyhanko_trusts(services, pdf, fetch=True)


def test_b_lt_offline_passes_with_the_embedded_response(
    esig_trust_services: LocalTrustServices, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    services = esig_trust_services
    pdf = _sign(services, esig_sample_pdf, tmp_path / "b-lt.pdf", level=PadesLevel.B_LT)
    sig = _verify(services, pdf, fetch=False)
    finding = _certificate(sig)
    assert finding.outcome is Outcome.PASSED, finding.message
    assert "embedded in the document" in finding.message
    assert "fetched" not in finding.message
    assert sig.indication is Indication.TOTAL_PASSED
    assert _pyhanko_trusts(services, pdf, fetch=False)


def test_revoked_signer_offline_without_data_is_not_passed(
    esig_trust_services: LocalTrustServices, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    services = esig_trust_services
    pdf = _sign(services, esig_sample_pdf, tmp_path / "revoked.pdf", revoked=True)
    offline = _certificate(_verify(services, pdf, fetch=False))
    assert offline.outcome is Outcome.INDETERMINATE
    assert offline.sub_indication is SubIndication.TRY_LATER
    assert "The revocation status of Bert Revoked is unknown" in offline.message
    fetched = _certificate(_verify(services, pdf, fetch=True))
    assert fetched.sub_indication is SubIndication.REVOKED_NO_POE


def test_b_t_offline_leaves_the_signer_and_the_timestamp_unproven(
    esig_trust_services: LocalTrustServices, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    """The timestamp's chain follows the same rule: its TSA names revocation services."""
    services = esig_trust_services
    pdf = _sign(services, esig_sample_pdf, tmp_path / "b-t.pdf", level=PadesLevel.B_T)
    offline = _verify(services, pdf, fetch=False)
    assert _certificate(offline).sub_indication is SubIndication.TRY_LATER
    (stamp,) = offline.find(CheckId.TIMESTAMP)
    assert stamp.outcome is Outcome.INDETERMINATE
    fetched = _verify(services, pdf, fetch=True)
    assert fetched.indication is Indication.TOTAL_PASSED
    (stamp,) = fetched.find(CheckId.TIMESTAMP)
    assert stamp.outcome is Outcome.PASSED


def test_a_certificate_naming_no_revocation_service_passes_and_says_so(
    esig_pki: TestPKI, esig_signer: IssuedCertificate, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    out = tmp_path / "testpki.pdf"
    esig.sign_pdf(esig_sample_pdf, out, esig_signer.device())
    sig = esig.verify_pdf(out, trust=[esig_pki.root.certificate]).signatures[0]
    finding = _certificate(sig)
    assert finding.outcome is Outcome.PASSED
    assert "names no revocation service" in finding.message
    assert "could not be checked" in finding.message
    assert sig.indication is Indication.TOTAL_PASSED


def test_cades_offline_is_try_later_and_passes_with_fetching(
    esig_trust_services: LocalTrustServices, tmp_path: Path
) -> None:
    services = esig_trust_services
    content = tmp_path / "contract.txt"
    content.write_bytes(b"The parties agree.\n" * 100)
    signature = tmp_path / "contract.txt.p7s"
    sign_detached(content, signature, services.signer.device())
    offline = verify_detached(signature, content, trust=[services.root_certificate])
    finding = _certificate(offline.signatures[0])
    assert finding.sub_indication is SubIndication.TRY_LATER
    assert "The revocation status of Anna de Vries is unknown" in finding.message
    assert offline.indication is Indication.INDETERMINATE
    fetched = verify_detached(
        signature, content, trust=[services.root_certificate], allow_fetching=True
    )
    finding = _certificate(fetched.signatures[0])
    assert finding.outcome is Outcome.PASSED
    assert "checked by the OCSP response" in finding.message
    assert fetched.indication is Indication.TOTAL_PASSED


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "esig.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_cli_verify_offline_exits_1_and_allow_fetching_exits_0(
    esig_trust_services: LocalTrustServices, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    services = esig_trust_services
    pdf = _sign(services, esig_sample_pdf, tmp_path / "b-b.pdf")
    root = tmp_path / "root.pem"
    root.write_bytes(services.root_certificate.public_bytes(Encoding.PEM))
    offline = _cli("verify", str(pdf), "--trust", str(root), "--json")
    assert offline.returncode == 1, offline.stderr
    assert json.loads(offline.stdout)["signatures"][0]["sub_indication"] == "TRY_LATER"
    fetched = _cli("verify", str(pdf), "--trust", str(root), "--allow-fetching", "--json")
    assert fetched.returncode == 0, fetched.stdout + fetched.stderr
    assert json.loads(fetched.stdout)["indication"] == "TOTAL-PASSED"


def test_demo_passes_and_says_revocation_could_not_be_checked(tmp_path: Path) -> None:
    done = _cli("demo", "--output", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "TOTAL-PASSED" in done.stdout
    text = (tmp_path / "report.txt").read_text()
    assert "names no revocation service" in text
