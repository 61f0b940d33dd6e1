"""Issued certificates read back through CertificateProfile with every requested field."""

from __future__ import annotations

from pathlib import Path

import pytest

import esig
from esig.issuance import IssuedCertificate, Qualification, TestPKI
from esig.levels import AdesLabel, Level, RequirementId, RequirementStatus
from esig.profiles import (
    Art6Field,
    CertificateProfile,
    FieldStatus,
    PersonKind,
    QcType,
    QualifiedPolicy,
)


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI()


def _profile(pki: TestPKI, issued: IssuedCertificate) -> CertificateProfile:
    return CertificateProfile.from_certificate(
        issued.certificate, issuer=pki.intermediate.certificate
    )


def _assert_art6_complete(profile: CertificateProfile) -> None:
    for letter in (
        Art6Field.A,
        Art6Field.B,
        Art6Field.D,
        Art6Field.E,
        Art6Field.F,
        Art6Field.G,
        Art6Field.H,
    ):
        assert profile.field(letter).status is FieldStatus.PRESENT, profile.field(letter)
    assert profile.issuer_signature.verified is True
    assert profile.complete


def test_natural_person(pki: TestPKI) -> None:
    issued = pki.issue_person("Anna", "de Vries", serial_number="PNOBQ-1", email="a@example.org")
    profile = _profile(pki, issued)
    _assert_art6_complete(profile)
    assert profile.person_kind is PersonKind.NATURAL_PERSON
    assert profile.subject.given_name == "Anna" and profile.subject.surname == "de Vries"
    assert profile.subject.serial_number == "PNOBQ-1"
    assert profile.issuer.organization == "esig Test Trust Services"
    assert profile.issuer.country == "BQ"
    assert not profile.qualified.claims_qualified


def test_person_acting_for_a_company(pki: TestPKI) -> None:
    issued = pki.issue_person(
        "Jan",
        "Pieters",
        organization="Acme Bonaire N.V.",
        organization_identifier="NTRBQ-12345678",
        title="Director",
    )
    profile = _profile(pki, issued)
    _assert_art6_complete(profile)
    assert profile.field(Art6Field.C).status is FieldStatus.PRESENT
    assert profile.subject.organization == "Acme Bonaire N.V."
    assert profile.subject.title == "Director"
    assert profile.subject.organization_identifier == "NTRBQ-12345678"
    assert profile.subject.display == "Jan Pieters, Director, Acme Bonaire N.V."


def test_pseudonym(pki: TestPKI) -> None:
    profile = _profile(pki, pki.issue_pseudonym("Blue Flamingo"))
    _assert_art6_complete(profile)
    assert profile.subject.is_pseudonym
    assert profile.subject.display == "Blue Flamingo (pseudonym)"
    assert "pseudonym" in profile.to_text().lower()


def test_qualified_person_with_limits(pki: TestPKI) -> None:
    qualification = Qualification(
        limit_value=("USD", 5, 3), retention_years=15, legislation=("BQ",)
    )
    profile = _profile(pki, pki.issue_person("Rosa", "Martis", qualified=qualification))
    _assert_art6_complete(profile)
    markers = profile.qualified
    assert markers.qc_compliance and markers.qc_sscd and markers.pkix_qc_syntax_v2
    assert markers.qc_types == (QcType.ESIGN,)
    assert QualifiedPolicy.QCP_N_QSCD in markers.qc_policies
    assert markers.qc_cc_legislation == ("BQ",)
    assert markers.claims_qualified and markers.claims_qscd
    limits = profile.limits
    assert limits.limit_value is not None and limits.limit_value.value == 5000
    assert limits.limit_value.currency == "USD"
    assert limits.retention_period_years == 15
    assert [d.url for d in limits.disclosure_statements] == ["https://pki.example.org/pds/en.pdf"]
    assert profile.person_kind is PersonKind.NATURAL_PERSON


def test_qualified_without_qscd(pki: TestPKI) -> None:
    profile = _profile(pki, pki.issue_person("Ko", "Bos", qualified=Qualification(qscd=False)))
    assert profile.qualified.claims_qualified
    assert not profile.qualified.claims_qscd
    assert profile.qualified.qc_policies == (QualifiedPolicy.QCP_N,)


def test_legal_person_seal(pki: TestPKI) -> None:
    issued = pki.issue_legal_person(
        "Bonaire Port Authority", "NTRBQ-87654321", qualified=Qualification()
    )
    profile = _profile(pki, issued)
    _assert_art6_complete(profile)
    assert profile.person_kind is PersonKind.LEGAL_PERSON
    assert profile.qualified.qc_types == (QcType.ESEAL,)
    assert QualifiedPolicy.QCP_L_QSCD in profile.qualified.qc_policies


def test_tsa_and_ocsp_responder(pki: TestPKI) -> None:
    tsa = _profile(pki, pki.issue_tsa())
    assert tsa.person_kind is PersonKind.TIMESTAMPING_UNIT
    assert not tsa.qualified.claims_qualified
    ocsp = pki.issue_ocsp_responder()
    from cryptography import x509

    assert ocsp.certificate.extensions.get_extension_for_class(x509.OCSPNoCheck)
    eku = ocsp.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.OCSP_SIGNING in eku


# --- the level assessment follows the certificate's evidence --------------------------


def _verify(
    pki: TestPKI, issued: IssuedCertificate, tmp_path: Path, esig_sample_pdf: Path
) -> esig.SignatureReport:
    out = tmp_path / "signed.pdf"
    esig.sign_pdf(esig_sample_pdf, out, issued.device())
    return esig.verify_pdf(out, trust=[pki.root.certificate]).signatures[0]


def test_qualified_certificate_without_recognised_provider_is_adesig_qc(
    pki: TestPKI, tmp_path: Path, esig_sample_pdf: Path
) -> None:
    sig = _verify(
        pki,
        pki.issue_person("Rosa", "Martis", qualified=Qualification()),
        tmp_path,
        esig_sample_pdf,
    )
    assert sig.level.eidas_level is Level.AES
    assert sig.level.label is AdesLabel.ADESIG_QC
    assert [r.requirement.id for r in sig.level.eidas_missing_for_next] == [
        RequirementId.RECOGNISED_PROVIDER
    ]
    assert sig.level.result(RequirementId.QUALIFIED_DEVICE).status is RequirementStatus.MET


def test_pseudonym_is_flagged_in_text_and_json(
    pki: TestPKI, tmp_path: Path, esig_sample_pdf: Path
) -> None:
    out = tmp_path / "p.pdf"
    esig.sign_pdf(esig_sample_pdf, out, pki.issue_pseudonym("Blue Flamingo").device())
    report = esig.verify_pdf(out, trust=[pki.root.certificate])
    assert "Blue Flamingo (pseudonym)" in report.to_text()
    assert '"is_pseudonym":true' in report.model_dump_json()
    assert "uses a pseudonym" in report.signatures[0].find(esig.CheckId.PSEUDONYM)[0].message


def test_seal_is_reported_as_a_seal(pki: TestPKI, tmp_path: Path, esig_sample_pdf: Path) -> None:
    sig = _verify(
        pki,
        pki.issue_legal_person("Bonaire Port Authority", "NTRBQ-87654321"),
        tmp_path,
        esig_sample_pdf,
    )
    assert sig.level.is_seal
    assert sig.level.eidas_level is Level.AES
    assert "Under eIDAS alone: Advanced electronic seal (AdESeal)" in sig.level.summary
    assert sig.level.label is AdesLabel.ADESEAL


def test_plugin_signers_each_sign_and_verify(
    esig_signers: object, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    from esig.testing import TestSigners

    assert isinstance(esig_signers, TestSigners)
    expected_seal = {"seal", "qualified_seal"}
    for name, issued in esig_signers.signing().items():
        out = tmp_path / f"{name}.pdf"
        esig.sign_pdf(esig_sample_pdf, out, issued.device())
        sig = esig.verify_pdf(out, trust=[esig_signers.pki.root.certificate]).signatures[0]
        assert sig.passed, name
        assert sig.level.is_seal is (name in expected_seal), name
        qualified = name.startswith("qualified")
        assert (sig.level.label in (AdesLabel.ADESIG_QC, AdesLabel.ADESEAL_QC)) is qualified
