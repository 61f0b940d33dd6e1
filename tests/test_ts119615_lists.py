"""esig's TS 119 615 procedure end to end: real certificates, signed lists, verified PDFs.

The rules themselves are tested on plain facts in ``test_ts119615_rules.py``; here the
facts are read from what a user has — certificates from a test PKI, trusted lists built
and signed as TS 119 612 XML — and the result reaches the verification report.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ObjectIdentifier

import esig
from esig.issuance import IssuedCertificate, Qualification, TestPKI
from esig.oids import PolicyOID
from esig.testing.trusted_lists import (
    ProviderSpec,
    QualificationSpec,
    ServiceSpec,
    StatusSpec,
    build_trusted_list,
    make_tlso,
    sign_trusted_list,
)
from esig.trust import CertificateType, Qualifier, TrustedListSource, TrustServiceStatus
from esig.ts119615 import CertQualification
from esig.ts119615.certificate import cert_facts
from esig.ts119615.facts import QC_TYPE, QCT_ESEAL, QCT_ESIGN

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)
CUSTOM_POLICY = ObjectIdentifier("1.3.6.1.4.1.55555.1.1")


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI(now=NOW - 50 * DAY)


@pytest.fixture(scope="module")
def tlso() -> IssuedCertificate:
    return make_tlso(now=NOW)


@pytest.fixture(scope="module")
def person(pki: TestPKI) -> IssuedCertificate:
    """QcCompliance, QcType esign, QcSSCD, QCP-n-qscd."""
    return pki.issue_person("Alice", "Qualified", qualified=Qualification())


@pytest.fixture(scope="module")
def plain(pki: TestPKI) -> IssuedCertificate:
    return pki.issue_person("Bob", "Plain", policies=(CUSTOM_POLICY,))


def chain(cert: IssuedCertificate) -> list[x509.Certificate]:
    return [cert.certificate, *cert.chain]


def lists(
    pki: TestPKI,
    tlso: IssuedCertificate,
    tmp_path: Path,
    *qualifications: QualificationSpec,
    types: tuple[CertificateType, ...] = (CertificateType.ESIG,),
    version: int = 5,
) -> TrustedListSource:
    status = StatusSpec(
        TrustServiceStatus.GRANTED,
        NOW - 60 * DAY,
        qualifications=qualifications,
        certificate_types=types,
    )
    service = ServiceSpec("esig Test Qualified CA", pki.intermediate.certificate, (status,))
    xml = build_trusted_list(
        [ProviderSpec("esig Test Trust Services", (service,))],
        issued=NOW - 10 * DAY,
        version=version,
    )
    path = tmp_path / f"tl-{len(list(tmp_path.iterdir()))}.xml"
    path.write_bytes(sign_trusted_list(xml, tlso))
    return TrustedListSource.from_files([path], tlso_certificates=[tlso.certificate])


def test_a_certificates_facts_are_read_from_its_extensions(
    pki: TestPKI, person: IssuedCertificate, plain: IssuedCertificate
) -> None:
    facts = cert_facts(person.certificate)
    assert facts.qc_compliance and facts.qc_sscd
    assert facts.qc_types == (QCT_ESIGN,)
    assert PolicyOID.QCP_N_QSCD.dotted_string in facts.policies
    assert "nonRepudiation" in facts.key_usage
    assert facts.not_before == person.certificate.not_valid_before_utc
    seal = pki.issue_legal_person("Acme BV", "NTRBQ-12345678", qualified=Qualification())
    assert cert_facts(seal.certificate).qc_types == (QCT_ESEAL,)
    bare = cert_facts(plain.certificate)
    assert not bare.qc_compliance and bare.qc_types == () and bare.qc_statements == frozenset()
    assert bare.policies == {CUSTOM_POLICY.dotted_string}


@pytest.mark.parametrize(("wanted_type", "qualified"), [(QCT_ESIGN, False), (QCT_ESEAL, True)])
def test_a_qc_statement_set_criterion_is_read_from_the_list(
    pki: TestPKI,
    tlso: IssuedCertificate,
    person: IssuedCertificate,
    tmp_path: Path,
    wanted_type: str,
    qualified: bool,
) -> None:
    # NotQualified for the certificates whose QcType is wanted_type (the person's: esign)
    spec = QualificationSpec(
        (Qualifier.NOT_QUALIFIED,), (), qc_statements=((QC_TYPE, wanted_type, None),)
    )
    source = lists(pki, tlso, tmp_path, spec)
    assert source.lists[0].problems == ()  # read, not "uninterpretable"
    q = source.qualification_at(chain(person), NOW)
    assert q.qualified is qualified
    assert (Qualifier.NOT_QUALIFIED in q.qualifiers) is not qualified


def test_a_list_of_an_old_tsl_version_is_not_acceptable(
    pki: TestPKI, tlso: IssuedCertificate, person: IssuedCertificate, tmp_path: Path
) -> None:
    old = lists(pki, tlso, tmp_path, version=4).qualification_at(chain(person), NOW)
    assert old.qualified is None and old.certificate_qualification is CertQualification.NA
    refusal = next(s for s in old.steps if s.rule == "AcceptableTrustedList")
    assert refusal.outcome == "fail" and "TSL version 4" in refusal.detail
    current = lists(pki, tlso, tmp_path, version=5).qualification_at(chain(person), NOW)
    assert current.certificate_qualification is CertQualification.QC_ESIG_QSCD


def test_the_report_carries_the_label_and_evidence_chain_of_the_lists(
    pki: TestPKI,
    tlso: IssuedCertificate,
    person: IssuedCertificate,
    tmp_path: Path,
    esig_sample_pdf: Path,
) -> None:
    signed = tmp_path / "signed.pdf"
    esig.sign_pdf(esig_sample_pdf, signed, person.device())
    anchors = [pki.root.certificate]
    both = (CertificateType.ESIG, CertificateType.ESEAL)
    # the list says this certificate is for seals (QCForESeal, the service is for both)
    seal = QualificationSpec((Qualifier.QC_FOR_ESEAL,), (PolicyOID.QCP_N_QSCD,))
    report = esig.verify_pdf(
        signed, trust=anchors, trusted_lists=lists(pki, tlso, tmp_path, seal, types=both)
    )
    (sig,) = report.signatures
    assert sig.level.label.value == "QESeal"  # the type comes from the list, as in DSS
    answer = sig.trusted_list_qualification
    assert answer is not None
    assert answer.certificate_qualification is CertQualification.QC_ESEAL_QSCD
    typed = [s for s in answer.steps if s.rule == "CertificateType" and s.moment == "signing"]
    assert typed and "QCForESeal" in typed[0].detail
    assert {s.moment for s in answer.steps} == {"issuance", "signing"}
    text = report.to_text()
    assert "Trusted lists: QC for eSeal with QSCD (ETSI TS 119 615)" in text
    assert "CertificateType: type eseal from the list's QCForESeal" in text

    plain = esig.verify_pdf(signed, trust=anchors, trusted_lists=lists(pki, tlso, tmp_path))
    assert plain.signatures[0].level.label.value == "QESig"


def test_an_untyped_qualified_certificate_is_labelled_unknown_and_is_not_qes(
    pki: TestPKI,
    tlso: IssuedCertificate,
    plain: IssuedCertificate,
    tmp_path: Path,
    esig_sample_pdf: Path,
) -> None:
    signed = tmp_path / "signed.pdf"
    esig.sign_pdf(esig_sample_pdf, signed, plain.device())
    override = QualificationSpec((Qualifier.QC_STATEMENT, Qualifier.QC_WITH_QSCD), (CUSTOM_POLICY,))
    report = esig.verify_pdf(
        signed, trust=[pki.root.certificate], trusted_lists=lists(pki, tlso, tmp_path, override)
    )
    (sig,) = report.signatures
    assert sig.level.label.value == "Unknown-QC-QSCD"
    assert sig.level.eidas_level.value == "AES"  # not QES: no QC *for signatures*
    assert sig.trusted_list_qualification is not None
    assert sig.trusted_list_qualification.certificate_type is CertificateType.UNKNOWN


def test_lists_that_do_not_reach_the_certificate_label_it_not_applicable(
    pki: TestPKI,
    tlso: IssuedCertificate,
    person: IssuedCertificate,
    tmp_path: Path,
    esig_sample_pdf: Path,
) -> None:
    signed = tmp_path / "signed.pdf"
    esig.sign_pdf(esig_sample_pdf, signed, person.device())
    other_ca = TestPKI(now=NOW - 50 * DAY).intermediate.certificate  # not the person's CA
    status = StatusSpec(TrustServiceStatus.GRANTED, NOW - 60 * DAY)
    xml = build_trusted_list(
        [ProviderSpec("Another TSP", (ServiceSpec("Another CA", other_ca, (status,)),))],
        issued=NOW - 10 * DAY,
    )
    path = tmp_path / "other.xml"
    path.write_bytes(sign_trusted_list(xml, tlso))
    source = TrustedListSource.from_files([path], tlso_certificates=[tlso.certificate])
    report = esig.verify_pdf(signed, trust=[pki.root.certificate], trusted_lists=source)
    (sig,) = report.signatures
    assert sig.level.label.value == "N/A"
    assert sig.level.eidas_level.value != "QES"
    answer = sig.trusted_list_qualification
    assert answer is not None and answer.certificate_qualification is CertQualification.NA
    assert [s.rule for s in answer.steps] == ["TrustedListReachedForCertificateChain"]
    # the same lists with the person's CA: reached, qualified
    assert (
        esig.verify_pdf(
            signed, trust=[pki.root.certificate], trusted_lists=lists(pki, tlso, tmp_path)
        )
        .signatures[0]
        .level.label.value
        == "QESig"
    )


@pytest.mark.parametrize(
    "written",
    [
        "{oid}",
        "urn:oid:{oid}",
        " urn:oid:{oid} ",  # as Spain writes some, with a trailing space
        "oid:{oid}",
    ],
)
def test_a_policy_criterion_is_read_in_every_form_real_lists_write(
    pki: TestPKI, tlso: IssuedCertificate, person: IssuedCertificate, tmp_path: Path, written: str
) -> None:
    oid = PolicyOID.QCP_N_QSCD.dotted_string  # the person's certificate has this policy
    spec = QualificationSpec((Qualifier.NOT_QUALIFIED,), (PolicyOID.QCP_N_QSCD,))
    status = StatusSpec(TrustServiceStatus.GRANTED, NOW - 60 * DAY, qualifications=(spec,))
    service = ServiceSpec("esig Test Qualified CA", pki.intermediate.certificate, (status,))
    xml = build_trusted_list([ProviderSpec("TSP", (service,))], issued=NOW - 10 * DAY)
    plain = f">{oid}</xades:Identifier>".encode()
    assert plain in xml
    xml = xml.replace(
        plain, f' Qualifier="OIDAsURN">{written.format(oid=oid)}</xades:Identifier>'.encode()
    )
    path = tmp_path / "tl.xml"
    path.write_bytes(sign_trusted_list(xml, tlso))
    source = TrustedListSource.from_files([path], tlso_certificates=[tlso.certificate])
    assert source.lists[0].problems == ()
    q = source.qualification_at(chain(person), NOW)
    assert q.qualified is False and q.qualifiers == (Qualifier.NOT_QUALIFIED,)
