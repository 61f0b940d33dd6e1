"""The ETSI TS 119 102-2 validation report: valid against the shipped XSD, and right.

Every report is validated with lxml against ``esig/data/etsi/TS119102-2-v141.xsd`` (and
the schemas it imports) — the shared corpus (signed, changed, broken), a freshly signed
PDF, a B-LT signature with a timestamp and revocation data from the local services, a
document without a signature, a detached CAdES signature, and the CLI. The checks are
the ones a reader of the report makes: the main indication, the label, the validation
objects, the signer, and esig's extension, whose removal leaves a valid report.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

import esig
from esig.demo import sample_pdf
from esig.devices.software import SoftwareKey
from esig.signing import PadesLevel, TimestampService, sign_detached, sign_pdf
from esig.testing.services import LocalTrustServices
from esig.verification import (
    Indication,
    VerificationReport,
    validate_etsi_xml,
    verify_detached,
    verify_pdf,
    write_etsi_report,
)
from esig.verification.etsi_objects import ESIG_NS, VR_NS, label_uri, main_indication_uri

NS = {"vr": VR_NS, "esig": ESIG_NS, "ds": "http://www.w3.org/2000/09/xmldsig#"}

CORPUS_PDFS = [
    "coverage/one-byterange.pdf",
    "coverage/signature-gap-too-big.pdf",
    "coverage/tail-uncovered.pdf",
    "coverage/weird-byterange.pdf",
    "dss/belgian_pki_multiple_ocsps.pdf",
    "dss/pdf-signed-corrupted.pdf",
    "dss/pdf-signed-original.pdf",
    "dss/pdf-signed-out-of-byteRange.pdf",
    "isa/isa-3.pdf",
    "revisions/form-update-override-ap-sneaky.pdf",
    "revisions/form-update-override-ap.pdf",
    "revisions/two-fields-signed-twice-adobe.pdf",
    "shadow/hide-v1-manipulated-a.pdf",
    "shadow/hide-v1-manipulated-b.pdf",
    "shadow/hide-v1-signed.pdf",
    "shadow/replace-overlay-manipulated.pdf",
    "shadow/replace-overlay-signed.pdf",
]


def _valid(data: bytes) -> etree._Element:
    errors = validate_etsi_xml(data)
    assert errors == (), errors
    return etree.fromstring(data)


def _without_extension(root: etree._Element) -> etree._Element:
    stripped = copy.deepcopy(root)
    for element in stripped.xpath("//esig:*[not(ancestor::esig:*)]", namespaces=NS):
        element.getparent().remove(element)
    for other in stripped.xpath("//vr:OtherInformation[not(*)]", namespaces=NS):
        other.getparent().remove(other)
    return stripped


def _check_common(report: VerificationReport, root: etree._Element) -> None:
    """What holds for every report: one signature report per signature, the verdicts."""
    reports = root.findall("vr:SignatureValidationReport", NS)
    assert len(reports) == max(1, len(report.signatures))
    for signature, element in zip(report.signatures, reports, strict=False):
        main = element.findtext("vr:SignatureValidationStatus/vr:MainIndication", namespaces=NS)
        assert main == main_indication_uri(signature.indication)
        quality = element.findtext(
            "vr:SignatureQuality/vr:SignatureQualityInformation", namespaces=NS
        )
        assert quality == label_uri(signature.level.label)
        assessment = element.find("vr:OtherInformation/esig:Assessment", NS)
        assert assessment is not None
        assert assessment.get("indication") == signature.indication.value
        assert len(assessment.findall("esig:Finding", NS)) == len(signature.findings)
    worst = {
        e.findtext("vr:SignatureValidationStatus/vr:MainIndication", namespaces=NS) for e in reports
    }
    assert main_indication_uri(report.indication) in worst
    stripped = _without_extension(root)
    assert not stripped.xpath("//esig:*", namespaces=NS)
    assert validate_etsi_xml(etree.tostring(stripped)) == ()


@pytest.mark.parametrize("name", CORPUS_PDFS)
def test_every_corpus_pdf_gets_a_schema_valid_report(corpus: Path, name: str) -> None:
    report = verify_pdf(corpus / name)
    root = _valid(report.to_etsi_xml())
    _check_common(report, root)


def test_the_corpus_list_is_complete(corpus: Path) -> None:
    found = sorted(str(p.relative_to(corpus)) for p in corpus.rglob("*.pdf"))
    assert found == sorted(CORPUS_PDFS)


def test_a_broken_signature_reports_failed_with_its_sub_indication(corpus: Path) -> None:
    report = verify_pdf(corpus / "dss/pdf-signed-corrupted.pdf")
    assert report.indication is Indication.TOTAL_FAILED
    root = _valid(report.to_etsi_xml())
    status = root.find("vr:SignatureValidationReport/vr:SignatureValidationStatus", NS)
    assert status is not None
    assert status.findtext("vr:MainIndication", namespaces=NS) == (
        "urn:etsi:019102:mainindication:total-failed"
    )
    sub = report.signatures[0].sub_indication
    assert sub is not None
    assert status.findtext("vr:SubIndication", namespaces=NS) == (
        f"urn:etsi:019102:subindication:{sub.value}"
    )


def test_a_freshly_signed_pdf(signed_pdf: Path, esig_root_pem: Path) -> None:
    report = verify_pdf(signed_pdf, trust=[esig_root_pem])
    assert report.passed, report.to_text()
    root = _valid(report.to_etsi_xml())
    _check_common(report, root)
    (signature,) = report.signatures
    svr = root.find("vr:SignatureValidationReport", NS)
    assert svr is not None
    # the signature is identified by its value, and its digest
    value = signature.validation_data.signature_value if signature.validation_data else None
    assert value
    identifier = svr.find("vr:SignatureIdentifier", NS)
    assert identifier is not None
    assert identifier.findtext("ds:SignatureValue", namespaces=NS) == (
        base64.b64encode(value).decode()
    )
    assert identifier.findtext("vr:DigestAlgAndValue/ds:DigestValue", namespaces=NS) == (
        base64.b64encode(hashlib.sha256(value).digest()).decode()
    )
    # one validation object per certificate of the chain: signer, intermediate, root
    chain = signature.certificate_path.chain if signature.certificate_path else ()
    objects = root.findall("vr:SignatureValidationObjects/vr:ValidationObject", NS)
    assert len(chain) == 3
    assert len(objects) == len(chain)
    assert {o.findtext("vr:ObjectType", namespaces=NS) for o in objects} == {
        "urn:etsi:019102:validationObject:certificate"
    }
    fingerprints = {
        base64.b64decode(o.findtext(".//ds:DigestValue", namespaces=NS) or "").hex()
        for o in objects
    }
    assert fingerprints == {c.sha256_fingerprint for c in chain}
    # the chain, signer first, ends at the trust anchor
    data = svr.find("vr:SignatureValidationStatus/vr:AssociatedValidationReportData", NS)
    assert data is not None
    signing = data.find("vr:CertificateChain/vr:SigningCertificate", NS)
    anchor = data.find("vr:CertificateChain/vr:TrustAnchor", NS)
    assert signing is not None and anchor is not None
    assert signing.get("VOReference") == f"C-{chain[0].sha256_fingerprint.upper()}"
    assert anchor.get("VOReference") == f"C-{chain[-1].sha256_fingerprint.upper()}"
    info = svr.find("vr:SignerInformation", NS)
    assert info is not None and info.get("Pseudonym") == "false"
    assert info.findtext("vr:Signer", namespaces=NS) == signature.signer.display  # type: ignore[union-attr]
    assert svr.findtext(
        "vr:SignatureValidationProcess/vr:SignatureValidationProcessID", namespaces=NS
    ) == ("urn:etsi:019102:validationprocess:Basic")
    # esig's legal reading is in the extension, with citations
    level = svr.find("vr:OtherInformation/esig:Assessment/esig:Level", NS)
    assert level is not None and level.get("level") == signature.level.level.value
    citations = svr.findall(".//esig:Finding/esig:Citation", NS)
    assert any(c.text == "BES art. 3(b)" for c in citations)


def test_a_document_without_signature(tmp_path: Path) -> None:
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(sample_pdf())
    report = verify_pdf(plain)
    assert not report.signatures
    root = _valid(report.to_etsi_xml())
    _check_common(report, root)
    assert root.findtext(
        "vr:SignatureValidationReport/vr:SignatureValidationStatus/vr:MainIndication",
        namespaces=NS,
    ) == main_indication_uri(Indication.INDETERMINATE)
    problems = root.findall(".//esig:Document/esig:Problem", NS)
    assert [p.text for p in problems] == list(report.problems)


def test_a_detached_cades_signature(
    tmp_path: Path, esig_device: SoftwareKey, esig_root_pem: Path
) -> None:
    content = tmp_path / "contract.txt"
    content.write_bytes(b"The parties agree.\n")
    signature = tmp_path / "contract.txt.p7s"
    sign_detached(content, signature, esig_device)
    report = verify_detached(signature, content, trust=[esig_root_pem])
    assert report.passed, report.to_text()
    root = _valid(report.to_etsi_xml())
    _check_common(report, root)
    digest = root.findtext(
        "vr:SignatureValidationReport/vr:SignersDocument/vr:DigestAlgAndValue/ds:DigestValue",
        namespaces=NS,
    )
    assert digest == base64.b64encode(hashlib.sha256(content.read_bytes()).digest()).decode()


@pytest.mark.real
def test_b_lt_with_timestamp_and_revocation_data(
    tmp_path: Path, esig_trust_services: LocalTrustServices
) -> None:
    source = tmp_path / "sample.pdf"
    source.write_bytes(sample_pdf())
    out = tmp_path / "b-lt.pdf"
    tsa = TimestampService(url=esig_trust_services.tsa_url, timeout=10)
    sign_pdf(source, out, esig_trust_services.signer.device(), level=PadesLevel.B_LT, timestamp=tsa)
    report = verify_pdf(out, trust=[esig_trust_services.root_certificate])
    assert report.passed, report.to_text()
    root = _valid(report.to_etsi_xml())
    _check_common(report, root)
    (signature,) = report.signatures
    data = signature.validation_data
    assert data is not None and data.timestamps and data.revocation
    kinds = [
        o.findtext("vr:ObjectType", namespaces=NS)
        for o in root.findall("vr:SignatureValidationObjects/vr:ValidationObject", NS)
    ]
    assert kinds.count("urn:etsi:019102:validationObject:timestamp") == 1
    revocation_kinds = {
        "urn:etsi:019102:validationObject:OCSPResponse",
        "urn:etsi:019102:validationObject:CRL",
    }
    assert sum(k in revocation_kinds for k in kinds) == len(data.revocation)
    # the TSA's certificate is an object too
    assert kinds.count("urn:etsi:019102:validationObject:certificate") >= 4
    svr = root.find("vr:SignatureValidationReport", NS)
    assert svr is not None
    assert svr.findtext(
        "vr:SignatureValidationProcess/vr:SignatureValidationProcessID", namespaces=NS
    ) == ("urn:etsi:019102:validationprocess:LTVM")
    # the best signature time is the timestamp's, proven by the timestamp's object
    token = data.timestamps[0]
    assert token.token_sha256 is not None
    best = svr.find("vr:ValidationTimeInfo/vr:BestSignatureTime", NS)
    assert best is not None
    assert best.findtext("vr:POETime", namespaces=NS) == token.time.strftime("%Y-%m-%dT%H:%M:%SZ")
    poe_object = best.find("vr:POEObject", NS)
    assert poe_object is not None
    assert poe_object.get("VOReference") == f"T-{token.token_sha256.upper()}"
    stamp = root.find(
        f"vr:SignatureValidationObjects/vr:ValidationObject[@id='T-{token.token_sha256.upper()}']",
        NS,
    )
    assert stamp is not None
    assert stamp.findtext(
        "vr:POEProvisioning/vr:SignatureReference/vr:PAdESFieldName", namespaces=NS
    ) == (signature.field_name)
    related = {
        r.get("VOReference")
        for r in svr.findall(".//vr:AssociatedValidationReportData/vr:RelatedValidationObject", NS)
    }
    assert {f"R-{t.sha256.upper()}" for t in data.revocation} <= related


# --- the schema test catches what it must --------------------------------------------------


def test_a_wrong_element_order_fails_the_schema(signed_pdf: Path, esig_root_pem: Path) -> None:
    root = etree.fromstring(verify_pdf(signed_pdf, trust=[esig_root_pem]).to_etsi_xml())
    svr = root.find("vr:SignatureValidationReport", NS)
    assert svr is not None
    status = svr.find("vr:SignatureValidationStatus", NS)
    quality = svr.find("vr:SignatureQuality", NS)
    assert status is not None and quality is not None
    svr.remove(status)
    quality.addprevious(status)  # the status before the quality: out of order
    errors = validate_etsi_xml(etree.tostring(root))
    assert errors and any(
        "SignatureValidationStatus" in e or "SignatureQuality" in e for e in errors
    )


def test_a_missing_required_element_and_a_bad_reference_fail(
    signed_pdf: Path, esig_root_pem: Path
) -> None:
    data = verify_pdf(signed_pdf, trust=[esig_root_pem]).to_etsi_xml()
    root = etree.fromstring(data)
    identifier = root.find(".//vr:SignatureIdentifier", NS)
    assert identifier is not None
    identifier.remove(identifier.find("vr:HashOnly", NS))
    assert validate_etsi_xml(etree.tostring(root))
    root = etree.fromstring(data)
    signer = root.find(".//vr:SignerInformation/vr:SignerCertificate", NS)
    assert signer is not None
    signer.set("VOReference", "C-NOSUCHOBJECT")
    assert validate_etsi_xml(etree.tostring(root))


def test_not_xml_is_an_input_error() -> None:
    with pytest.raises(esig.EsigError):
        validate_etsi_xml(b"<not-closed")


# --- writing it: Python and the CLI -------------------------------------------------------


def test_write_etsi_report_is_atomic(signed_pdf: Path, tmp_path: Path) -> None:
    report = verify_pdf(signed_pdf)
    target = tmp_path / "report.xml"
    write_etsi_report(report, target)
    assert target.read_bytes() == report.to_etsi_xml()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    with pytest.raises(esig.OutputError):
        write_etsi_report(report, tmp_path / "no-such-folder" / "report.xml")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "esig.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_cli_writes_the_report_and_keeps_its_exit_codes(
    signed_pdf: Path, esig_root_pem: Path, tmp_path: Path, corpus: Path
) -> None:
    passed = tmp_path / "passed.xml"
    done = _cli(
        "verify", str(signed_pdf), "--trust", str(esig_root_pem), "--etsi-report", str(passed)
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    root = _valid(passed.read_bytes())
    assert root.findtext(".//vr:MainIndication", namespaces=NS) == main_indication_uri(
        Indication.TOTAL_PASSED
    )
    failed = tmp_path / "failed.xml"
    done = _cli(
        "verify", str(corpus / "dss/pdf-signed-corrupted.pdf"), "--etsi-report", str(failed)
    )
    assert done.returncode == 1
    assert done.stderr == ""
    root = _valid(failed.read_bytes())
    assert root.findtext(".//vr:MainIndication", namespaces=NS) == main_indication_uri(
        Indication.TOTAL_FAILED
    )
    done = _cli("verify", str(signed_pdf), "--etsi-report", str(tmp_path / "missing" / "r.xml"))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_the_validation_time_is_the_moment_asked_for(signed_pdf: Path, esig_root_pem: Path) -> None:
    """A report judged as of ``at=`` says that moment, not the time it was made."""
    now = verify_pdf(signed_pdf, trust=[esig_root_pem])
    assert now.validation_time is None
    moment = now.verified_at + dt.timedelta(days=30)
    later = verify_pdf(signed_pdf, trust=[esig_root_pem], at=moment)
    assert later.validation_time == moment
    assert "As of:     " + moment.strftime("%Y-%m-%d %H:%M:%S") in later.to_text()
    root = _valid(later.to_etsi_xml())
    asked = moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    times = root.xpath("//vr:ValidationTimeInfo/vr:ValidationTime/text()", namespaces=NS)
    assert times == [asked]
    root_now = _valid(now.to_etsi_xml())
    made = now.verified_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert root_now.xpath("//vr:ValidationTimeInfo/vr:ValidationTime/text()", namespaces=NS) == [
        made
    ]
    # the constraint on the certificate names the same moment
    assert etree.tostring(root).decode().count(asked) >= 2
