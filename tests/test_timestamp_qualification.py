"""Qualified electronic time stamps (eIDAS art. 42): QTSA, TSA or N/A from the trusted lists.

The rules follow DSS's timestamp qualification: the TSA's certificate must reach a listed
service of an acceptable list; a ``TSA/QTST`` service granted at the generation time and
at the earliest proof of existence makes it ``QTSA``. The lists are built and signed
here; the timestamps come from the real local TSA (certomancer's Animator).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography import x509
from lxml import etree

import esig
from esig.issuance import IssuedCertificate
from esig.model.baseline import BaselineLevel
from esig.signing import TimestampService
from esig.testing.services import LocalTrustServices
from esig.testing.trusted_lists import (
    ProviderSpec,
    ServiceSpec,
    StatusSpec,
    build_trusted_list,
    make_tlso,
    sign_trusted_list,
)
from esig.trust import (
    TimestampQualification,
    TrustedListSource,
    TrustServiceStatus,
)
from esig.trust.trusted_lists import ServiceType
from esig.verification import validate_etsi_xml

pytestmark = pytest.mark.real

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def tlso() -> IssuedCertificate:
    return make_tlso(now=NOW)


def _status(status: TrustServiceStatus, since: dt.datetime) -> StatusSpec:
    return StatusSpec(status, since, certificate_types=())


def _lists(
    tmp_path: Path, tlso: IssuedCertificate, *services: ServiceSpec, version: int = 5
) -> TrustedListSource:
    xml = build_trusted_list(
        [ProviderSpec("esig Test Time Stamping", services)],
        sequence_number=3,
        issued=NOW - 10 * DAY,
        version=version,
    )
    path = tmp_path / "tl.xml"
    path.write_bytes(sign_trusted_list(xml, tlso))
    return TrustedListSource.from_files([path], tlso_certificates=[tlso.certificate])


def _service(
    certificate: x509.Certificate,
    *history: StatusSpec,
    service_type: ServiceType = ServiceType.TSA_QTST,
) -> ServiceSpec:
    return ServiceSpec("esig Test QTST", certificate, history=history, service_type=service_type)


def _withdrawn_five_days_ago(
    tmp_path: Path, tlso: IssuedCertificate, tsa: x509.Certificate
) -> TrustedListSource:
    history = (
        _status(TrustServiceStatus.GRANTED, NOW - 60 * DAY),
        _status(TrustServiceStatus.WITHDRAWN, NOW - 5 * DAY),
    )
    return _lists(tmp_path, tlso, _service(tsa, *history))


@pytest.fixture
def tsa_chain(esig_trust_services: LocalTrustServices) -> list[x509.Certificate]:
    return [esig_trust_services.tsa_certificate, esig_trust_services.root_certificate]


def test_a_granted_qtst_service_makes_the_timestamp_qualified(
    tmp_path: Path, tlso: IssuedCertificate, tsa_chain: list[x509.Certificate]
) -> None:
    granted = _status(TrustServiceStatus.GRANTED, NOW - 60 * DAY)
    lists = _lists(tmp_path, tlso, _service(tsa_chain[0], granted))
    answer = lists.timestamp_qualification_at(tsa_chain, NOW - DAY)
    assert answer.qualification is TimestampQualification.QTSA and answer.qualified
    assert [s.rule for s in answer.steps if s.outcome == "pass"] == [
        "TrustedListReachedForCertificateChain",
        "AcceptableTrustedListPresence",
        *["QTSTCheck", "GrantedStatusCheck", "GrantedStatusAtTimeCheck"] * 2,
    ]
    assert {s.moment for s in answer.steps} == {"lists", "generation", "poe"}
    assert "eIDAS art. 41(2)" in [c.label for c in answer.citations]
    assert answer.explanation.startswith("QTSA: a qualified electronic time stamp")


def test_a_list_naming_the_tsas_ca_reaches_it_too(
    tmp_path: Path, tlso: IssuedCertificate, tsa_chain: list[x509.Certificate]
) -> None:
    granted = _status(TrustServiceStatus.GRANTED, NOW - 60 * DAY)
    lists = _lists(tmp_path, tlso, _service(tsa_chain[1], granted))
    assert (
        lists.timestamp_qualification_at(tsa_chain, NOW - DAY).qualification
        is TimestampQualification.QTSA
    )


def test_withdrawn_before_the_generation_time_is_not_qualified(
    tmp_path: Path, tlso: IssuedCertificate, tsa_chain: list[x509.Certificate]
) -> None:
    lists = _withdrawn_five_days_ago(tmp_path, tlso, tsa_chain[0])
    # made and proven (say, by an archive timestamp) before the withdrawal: qualified
    proven = NOW - 9 * DAY
    before = lists.timestamp_qualification_at(tsa_chain, NOW - 10 * DAY, poe_time=proven)
    assert before.qualification is TimestampQualification.QTSA
    # nothing proves it before now (DSS takes the validation time): no longer qualified
    unproven = lists.timestamp_qualification_at(tsa_chain, NOW - 10 * DAY)
    assert unproven.qualification is TimestampQualification.TSA
    assert [s.moment for s in unproven.steps if s.outcome == "fail"] == ["poe"]
    after = lists.timestamp_qualification_at(tsa_chain, NOW - DAY)
    assert after.qualification is TimestampQualification.TSA and not after.qualified
    failed = [s for s in after.steps if s.outcome == "fail"]
    assert failed[0].rule == "GrantedStatusAtTimeCheck" and failed[0].moment == "generation"
    assert "no granted QTST status holds at the generation time" in after.explanation


def test_qualified_at_generation_but_not_at_the_poe_is_not_qualified(
    tmp_path: Path, tlso: IssuedCertificate, tsa_chain: list[x509.Certificate]
) -> None:
    # DSS asks at both moments: a token first proven to exist after the withdrawal
    # could have been made then, with a back-dated time
    lists = _withdrawn_five_days_ago(tmp_path, tlso, tsa_chain[0])
    answer = lists.timestamp_qualification_at(tsa_chain, NOW - 10 * DAY, poe_time=NOW - DAY)
    assert answer.qualification is TimestampQualification.TSA
    assert [s.moment for s in answer.steps if s.outcome == "fail"] == ["poe"]


def test_a_service_of_another_type_is_listed_but_not_a_qtst(
    tmp_path: Path, tlso: IssuedCertificate, tsa_chain: list[x509.Certificate]
) -> None:
    granted = _status(TrustServiceStatus.GRANTED, NOW - 60 * DAY)
    lists = _lists(tmp_path, tlso, _service(tsa_chain[0], granted, service_type=ServiceType.TSA))
    answer = lists.timestamp_qualification_at(tsa_chain, NOW - DAY)
    assert answer.qualification is TimestampQualification.TSA
    assert [s.rule for s in answer.steps if s.outcome == "fail"] == ["QTSTCheck", "QTSTCheck"]


def test_an_unlisted_tsa_or_an_unacceptable_list_gives_na(
    tmp_path: Path, tlso: IssuedCertificate, tsa_chain: list[x509.Certificate]
) -> None:
    granted = _status(TrustServiceStatus.GRANTED, NOW - 60 * DAY)
    other = make_tlso("esig Unrelated TSA").certificate
    lists = _lists(tmp_path, tlso, _service(other, granted))
    unlisted = lists.timestamp_qualification_at(tsa_chain, NOW - DAY)
    assert unlisted.qualification is TimestampQualification.NA
    assert unlisted.steps[0].rule == "TrustedListReachedForCertificateChain"
    old_format = _lists(tmp_path, tlso, _service(tsa_chain[0], granted), version=4)
    refused = old_format.timestamp_qualification_at(tsa_chain, NOW - DAY)
    assert refused.qualification is TimestampQualification.NA
    assert "TSL version 4" in refused.explanation


def test_a_pdf_signature_timestamp_says_whether_it_is_qualified(
    tmp_path: Path,
    tlso: IssuedCertificate,
    esig_trust_services: LocalTrustServices,
    esig_sample_pdf: Path,
    tsa_chain: list[x509.Certificate],
) -> None:
    signed = tmp_path / "signed.pdf"
    esig.sign_pdf(
        esig_sample_pdf,
        signed,
        esig_trust_services.signer.device(),
        level=BaselineLevel.B_T,
        timestamp=TimestampService(url=esig_trust_services.tsa_url, timeout=10),
    )
    anchors = [esig_trust_services.root_certificate]
    granted = _status(TrustServiceStatus.GRANTED, NOW - 60 * DAY)
    qtst = _lists(tmp_path, tlso, _service(tsa_chain[0], granted))
    report = esig.verify_pdf(signed, trust=anchors, trusted_lists=qtst, allow_fetching=True)
    (sig,) = report.signatures
    assert sig.validation_data is not None
    (token,) = sig.validation_data.timestamps
    assert token.list_qualification is not None
    assert token.list_qualification.qualification is TimestampQualification.QTSA
    assert "  Timestamp:   QTSA: a qualified electronic time stamp" in report.to_text()
    dumped = json.loads(report.model_dump_json())["signatures"][0]["validation_data"]
    assert dumped["timestamps"][0]["list_qualification"]["qualification"] == "QTSA"
    # the ETSI report's esig extension carries it too, and stays valid
    xml = report.to_etsi_xml()
    assert validate_etsi_xml(xml) == ()
    (element,) = etree.fromstring(xml).xpath("//*[local-name()='TimestampQualification']")
    assert element.get("qualification") == "QTSA"
    rules = element.xpath("./*[local-name()='Step']/@rule")
    assert "GrantedStatusAtTimeCheck" in rules
    # withdrawn before the token was made: the same timestamp is not qualified
    gone = _lists(
        tmp_path,
        tlso,
        _service(tsa_chain[0], granted, _status(TrustServiceStatus.WITHDRAWN, NOW - DAY)),
    )
    again = esig.verify_pdf(signed, trust=anchors, trusted_lists=gone, allow_fetching=True)
    (token,) = again.signatures[0].validation_data.timestamps  # type: ignore[union-attr]
    assert token.list_qualification is not None
    assert token.list_qualification.qualification is TimestampQualification.TSA
    # validated later, after a withdrawal, with nothing proving the token earlier: the
    # earliest POE is the validation time (as DSS takes it), and then it was not qualified
    later = NOW + 10 * DAY
    withdrawn_later = _lists(
        tmp_path,
        tlso,
        _service(tsa_chain[0], granted, _status(TrustServiceStatus.WITHDRAWN, NOW + 5 * DAY)),
    )
    future = esig.verify_pdf(signed, trust=anchors, trusted_lists=withdrawn_later, at=later)
    (token,) = future.signatures[0].validation_data.timestamps  # type: ignore[union-attr]
    assert token.list_qualification is not None
    assert token.list_qualification.poe_time == later
    assert token.list_qualification.qualification is TimestampQualification.TSA
    assert [s.moment for s in token.list_qualification.steps if s.outcome == "fail"] == ["poe"]
    # no trusted list given: nothing is claimed either way
    plain = esig.verify_pdf(signed, trust=anchors, allow_fetching=True)
    (token,) = plain.signatures[0].validation_data.timestamps  # type: ignore[union-attr]
    assert token.list_qualification is None
    assert "Timestamp:" not in plain.to_text()


@pytest.mark.parametrize("kind", ["asice-cades", "xades"])
def test_container_and_xml_signature_timestamps_are_judged_too(
    kind: str,
    tmp_path: Path,
    tlso: IssuedCertificate,
    esig_trust_services: LocalTrustServices,
    tsa_chain: list[x509.Certificate],
) -> None:
    tsa = TimestampService(url=esig_trust_services.tsa_url, timeout=10)
    device = esig_trust_services.signer.device()
    anchors = [esig_trust_services.root_certificate]
    granted = _status(TrustServiceStatus.GRANTED, NOW - 60 * DAY)
    lists = _lists(tmp_path, tlso, _service(tsa_chain[0], granted))
    if kind == "xades":
        (tmp_path / "invoice.xml").write_bytes(b"<invoice><total>12.00</total></invoice>")
        signed = esig.sign_xml(
            tmp_path / "invoice.xml", tmp_path / "signed.xml", device,
            level=BaselineLevel.B_T, timestamp=tsa,
        ).path  # fmt: skip
        report = esig.verify_xml(signed, trust=anchors, trusted_lists=lists, allow_fetching=True)
    else:
        (tmp_path / "a.txt").write_text("annex\n")
        signed = esig.sign_asic(
            [tmp_path / "a.txt"], tmp_path / "c.asice", device,
            level=BaselineLevel.B_T, timestamp=tsa,
        ).path  # fmt: skip
        report = esig.verify_asic(signed, trust=anchors, trusted_lists=lists, allow_fetching=True)
    (sig,) = report.signatures
    assert sig.validation_data is not None, report.to_text()
    (token,) = sig.validation_data.timestamps
    assert token.list_qualification is not None
    assert token.list_qualification.qualification is TimestampQualification.QTSA
    assert "Timestamp:   QTSA" in report.to_text()
