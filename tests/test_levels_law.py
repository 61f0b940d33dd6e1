"""Levels a lawyer can rely on: end-to-end regressions (each failed before the fix).

A qualified certificate must carry the content BES art. 6(1) asks (the issuer's
signature checked against the issuer from the validated path); an electronic seal is
cited under eIDAS's seal articles; without a source of recognised providers, QES is not
"not met" but could not be assessed.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

import esig
from esig.demo import sample_pdf
from esig.errors import InputError
from esig.issuance import IssuedCertificate, Qualification, TestPKI
from esig.law import EIDAS
from esig.levels import AdesLabel, Level, RequirementId, RequirementStatus
from esig.profiles import Art6Field, FieldStatus
from esig.signing.session import SigningSession
from esig.trust.register import CspRegister, RegisteredProvider, register_from_certificates
from esig.verification import SignatureReport

NOW = dt.datetime.now(dt.UTC)


def _verify(pki: TestPKI, signer: IssuedCertificate, *, vouched: bool = False) -> SignatureReport:
    signed = esig.sign_pdf_bytes(sample_pdf(), signer.device())
    register = register_from_certificates(
        [("Provider", "BQ", pki.intermediate.certificate, NOW - dt.timedelta(days=30))]
    )
    if vouched:
        register = register.vouched_for("built by the test from the provider's certificate")
    report = esig.verify_pdf(signed, trust=[pki.root.certificate], register=register)
    (sig,) = report.signatures
    return sig


@pytest.fixture(scope="module")
def complete_pki() -> TestPKI:
    return TestPKI(now=NOW - dt.timedelta(days=40))


def test_the_issuers_signature_is_checked_against_the_validated_path(
    complete_pki: TestPKI,
) -> None:
    person = complete_pki.issue_person("Anna", "de Vries", qualified=Qualification())
    sig = _verify(complete_pki, person)
    profile = sig.signer_certificate
    assert profile is not None
    assert profile.issuer_signature.verified is True  # was "not checked" in every report
    assert profile.field(Art6Field.G).status is FieldStatus.PRESENT
    result = sig.level.result(RequirementId.QUALIFIED_CERTIFICATE)
    assert result.status is RequirementStatus.MET
    assert "with the content BES art. 6(1) asks" in result.evidence


def test_a_qualified_claim_from_an_issuer_naming_no_organisation_or_country_is_not_qes() -> None:
    pki = TestPKI(organization="", country="", now=NOW - dt.timedelta(days=40))
    person = pki.issue_person("Anna", "de Vries", qualified=Qualification())
    sig = _verify(pki, person)

    assert sig.signer_certificate is not None
    assert sig.signer_certificate.field(Art6Field.A).status is FieldStatus.MISSING
    result = sig.level.result(RequirementId.QUALIFIED_CERTIFICATE)
    assert result.status is RequirementStatus.NOT_MET
    assert "6(1)(a) missing: issuer DN has no O and no C" in result.evidence
    assert sig.level.level is not Level.QES
    assert sig.level.label is not AdesLabel.QESIG
    assert "BES art. 2, 4, 6" not in sig.level.summary  # art. 6 is not said to be met


def test_without_a_register_or_trusted_list_qes_could_not_be_assessed(
    complete_pki: TestPKI,
) -> None:
    person = complete_pki.issue_person("Anna", "de Vries", qualified=Qualification())
    signed = esig.sign_pdf_bytes(sample_pdf(), person.device())
    (sig,) = esig.verify_pdf(signed, trust=[complete_pki.root.certificate]).signatures
    result = sig.level.result(RequirementId.RECOGNISED_PROVIDER)
    assert result.status is RequirementStatus.INDETERMINATE
    assert sig.level.eidas_level is Level.AES
    assert sig.level.eidas_next_step is not None
    assert sig.level.eidas_next_step.startswith(
        "QES could not be assessed: no source of recognised providers was given"
    )


def test_a_seal_is_judged_and_cited_as_a_seal(complete_pki: TestPKI) -> None:
    seal = complete_pki.issue_legal_person("Acme B.V.", "NTRBQ-12345678", qualified=Qualification())
    sig = _verify(complete_pki, seal)
    assert sig.level.is_seal
    cited = {c for r in sig.level.results for c in r.requirement.citations}
    assert {EIDAS.ART_3_25, EIDAS.ART_36_C, EIDAS.ART_3_27, EIDAS.ART_38, EIDAS.ART_39} <= cited
    assert not {EIDAS.ART_3_10, EIDAS.ART_26_C, EIDAS.ART_3_12, EIDAS.ART_28} & cited
    assert "seal" in sig.level.level_name


def test_session_evidence_of_a_software_key_overrides_a_certificates_qscd_claim(
    complete_pki: TestPKI, tmp_path: Path
) -> None:
    # the certificate claims QcSSCD, the issuer is recognised in an authenticated
    # register; the signer's own session record says the key was a software key
    person = complete_pki.issue_person("Anna", "de Vries", qualified=Qualification(qscd=True))
    document = tmp_path / "in.pdf"
    document.write_bytes(sample_pdf())
    session = SigningSession(document, person.device())
    session.present()
    session.acknowledge(session.disclosure.content_hash)
    signed = session.sign(tmp_path / "out.pdf").path
    register = register_from_certificates(
        [("Provider", "BQ", complete_pki.intermediate.certificate, NOW - dt.timedelta(days=30))]
    ).vouched_for("built by the test from the provider's certificate")

    report = esig.verify_pdf(signed, trust=[complete_pki.root.certificate], register=register)

    (sig,) = report.signatures
    device = sig.level.result(RequirementId.QUALIFIED_DEVICE)
    assert device.status is RequirementStatus.NOT_MET
    assert "the key was a software key" in device.evidence
    assert "overrides the claim of the certificate's own claim (QcSSCD" in device.evidence
    assert sig.level.eidas_level is Level.AES  # still advanced: a certificate names Anna
    assert sig.level.label is AdesLabel.ADESIG_QC
    sole = sig.level.result(RequirementId.SOLE_CONTROL)
    assert "signing session's device evidence" in sole.evidence


def test_without_session_evidence_the_qscd_claim_stands(
    complete_pki: TestPKI,
) -> None:
    person = complete_pki.issue_person("Anna", "de Vries", qualified=Qualification(qscd=True))
    sig = _verify(complete_pki, person, vouched=True)
    assert sig.level.result(RequirementId.QUALIFIED_DEVICE).status is RequirementStatus.MET
    assert sig.level.eidas_level is Level.QES


@pytest.fixture(scope="module")
def incomplete() -> tuple[TestPKI, bytes]:
    """A qualified certificate from a provider whose DN names no organisation or country."""
    pki = TestPKI(organization="", country="", now=NOW - dt.timedelta(days=40))
    person = pki.issue_person("Anna", "de Vries", qualified=Qualification())
    return pki, esig.sign_pdf_bytes(sample_pdf(), person.device())


def _qualified_certificate(sig: SignatureReport) -> RequirementStatus:
    return sig.level.result(RequirementId.QUALIFIED_CERTIFICATE).status


def test_an_art_6_2_exemption_given_to_verify_pdf_counts(
    incomplete: tuple[TestPKI, bytes],
) -> None:
    pki, signed = incomplete
    (plain,) = esig.verify_pdf(signed, trust=[pki.root.certificate]).signatures
    assert _qualified_certificate(plain) is RequirementStatus.NOT_MET
    (exempted,) = esig.verify_pdf(signed, trust=[pki.root.certificate], exemptions=["a"]).signatures
    assert _qualified_certificate(exempted) is RequirementStatus.MET
    assert exempted.signer_certificate is not None
    assert exempted.signer_certificate.field(Art6Field.A).status is FieldStatus.EXEMPTED
    with pytest.raises(InputError, match="one of a, b, c"):
        esig.verify_pdf(signed, trust=[pki.root.certificate], exemptions=["z"])


def test_an_art_6_2_exemption_recorded_in_an_authenticated_register_counts(
    incomplete: tuple[TestPKI, bytes],
) -> None:
    pki, signed = incomplete
    provider = RegisteredProvider(
        name="Provider",
        country="BQ",
        recognised_from=NOW - dt.timedelta(days=30),
        certificates=(pki.intermediate.certificate.public_bytes(Encoding.PEM).decode(),),
        exemptions=(Art6Field.A,),
    )
    unauthenticated = CspRegister(providers=(provider,))
    (sig,) = esig.verify_pdf(
        signed, trust=[pki.root.certificate], register=unauthenticated
    ).signatures
    assert _qualified_certificate(sig) is RequirementStatus.NOT_MET  # it grants nothing
    register = unauthenticated.vouched_for("built by the test")
    (sig,) = esig.verify_pdf(signed, trust=[pki.root.certificate], register=register).signatures
    assert _qualified_certificate(sig) is RequirementStatus.MET
    assert sig.level.eidas_level is Level.QES


def test_an_art_6_2_exemption_on_the_command_line(
    incomplete: tuple[TestPKI, bytes], tmp_path: Path
) -> None:
    pki, signed = incomplete
    document = tmp_path / "signed.pdf"
    document.write_bytes(signed)
    root = tmp_path / "root.pem"
    root.write_bytes(pki.root.certificate.public_bytes(Encoding.PEM))
    base = [sys.executable, "-m", "esig", "verify", str(document), "--trust", str(root), "--json"]

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*base, *extra], capture_output=True, text=True, check=False)

    plain, exempted, wrong = run(), run("--exempt", "a"), run("--exempt", "z")
    status = {
        name: json.loads(done.stdout)["signatures"][0]["level"]["results"][6]["status"]
        for name, done in (("plain", plain), ("exempted", exempted))
    }
    assert status == {"plain": "not met", "exempted": "met"}
    assert wrong.returncode == 2 and "one of a, b, c" in wrong.stderr
    assert exempted.stderr == ""
