"""The ETSI TS 119 102-2 report sealed, its validator and constraints, its extension's XSD.

A sealed report carries an enveloped XAdES signature (``ds:Signature``, the last child of
``ValidationReport``) by a software key, a SoftHSM2 token key or a remote CSC credential;
xmlsec1 and esig's own ``verify_xml`` judge it, and one changed byte makes both fail.
The report stays valid against the ETSI schema and esig's extension schema, which
rejects a tampered extension strictly.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

import esig
from esig.demo import sample_pdf
from esig.errors import InputError, ServiceError
from esig.identity import NameIdentity
from esig.issuance import KeyType, TestPKI
from esig.signing import TimestampService
from esig.testing import require_tool
from esig.verification import (
    CheckId,
    Indication,
    Outcome,
    SubIndication,
    VerificationReport,
    validate_etsi_xml,
    verify_pdf,
    write_etsi_report,
)
from esig.verification.etsi_objects import ESIG_NS, VR_NS, main_indication_uri
from esig.verification.etsi_validator import CONSTRAINT_PREFIX, PARAMETER_PREFIX, TSL_NS

if TYPE_CHECKING:
    from cryptography import x509

    from esig.devices.base import SignatureCreationDevice
    from esig.issuance import IssuedCertificate
    from esig.testing.csc import LocalCscService
    from esig.testing.services import LocalTrustServices
    from esig.testing.softhsm import SoftHsmToken

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
NS = {"vr": VR_NS, "esig": ESIG_NS, "ds": DS, "tsl": TSL_NS, "xades": XADES}


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI()


@pytest.fixture(scope="module")
def seal_cert(pki: TestPKI) -> IssuedCertificate:
    return pki.issue_legal_person("Validation Service BV", "NTRBQ-12345678")


@pytest.fixture(scope="module")
def report(pki: TestPKI, tmp_path_factory: pytest.TempPathFactory) -> VerificationReport:
    folder = tmp_path_factory.mktemp("etsi-seal")
    source = folder / "sample.pdf"
    source.write_bytes(sample_pdf())
    signed = folder / "signed.pdf"
    esig.sign_pdf(source, signed, pki.issue_person("Anna", "de Vries").device())
    verified = verify_pdf(signed, trust=[pki.root.certificate])
    assert verified.passed, verified.to_text()
    return verified


def _pem(path: Path, *certs: x509.Certificate) -> Path:
    path.write_bytes(b"".join(c.public_bytes(Encoding.PEM) for c in certs))
    return path


def xmlsec_verify(
    report_file: Path, root: x509.Certificate, chain: tuple[x509.Certificate, ...]
) -> subprocess.CompletedProcess[str]:
    trusted = _pem(report_file.with_suffix(".root.pem"), root)
    untrusted = _pem(report_file.with_suffix(".chain.pem"), *chain)
    return subprocess.run(
        [
            require_tool("xmlsec1"), "--verify", "--trusted-pem", str(trusted),
            "--untrusted-pem", str(untrusted), "--id-attr:Id", "SignedProperties",
            "--id-attr:Id", "KeyInfo", str(report_file),
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip


def seal_and_judge(
    tmp_path: Path,
    report: VerificationReport,
    device: SignatureCreationDevice,
    root: x509.Certificate,
    *,
    timestamp: TimestampService | None = None,
    allow_fetching: bool = False,
) -> Path:
    """Seal the report, check it is schema-valid, and let xmlsec1 and esig judge it."""
    target = tmp_path / "sealed-report.xml"
    write_etsi_report(report, target, seal=device, timestamp=timestamp)
    data = target.read_bytes()
    assert validate_etsi_xml(data) == ()
    root_element = etree.fromstring(data)
    assert root_element[-1].tag == f"{{{DS}}}Signature"
    # the validator is named by the seal's certificate
    der = base64.b64decode(
        root_element.findtext("vr:SignatureValidator/vr:DigitalId/tsl:X509Certificate", None, NS)
        or ""
    )
    assert der == device.certificate.public_bytes(Encoding.DER)
    done = xmlsec_verify(target, root, tuple(device.chain))
    assert done.returncode == 0, done.stderr
    assert "SignedInfo References (ok/all): 3/3" in done.stderr
    judged = esig.verify_xml(target, trust=[root], allow_fetching=allow_fetching)
    assert judged.passed, judged.to_text()
    (seal,) = judged.signatures
    assert seal.signer is not None
    assert seal.signer.display == NameIdentity.from_name(device.certificate.subject).display
    return target


def _one_byte_changed(data: bytes) -> bytes:
    """The year of the validation time, one digit changed: what the report says, altered."""
    at = data.index(b"<vr:ValidationTime>") + len(b"<vr:ValidationTime>") + 3
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


# --- sealed by each device kind -------------------------------------------------------------


def test_a_report_sealed_by_a_software_key(
    tmp_path: Path, pki: TestPKI, seal_cert: IssuedCertificate, report: VerificationReport
) -> None:
    device = seal_cert.device()
    sealed = seal_and_judge(tmp_path, report, device, pki.root.certificate)
    # without the seal, the same report: the signature adds itself and the validator's id
    unsealed = etree.fromstring(report.to_etsi_xml())
    signed = etree.fromstring(sealed.read_bytes())
    assert [e.tag for e in signed][:-1] == [e.tag for e in unsealed]
    # one changed byte: xmlsec1 and esig both refuse the report
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(_one_byte_changed(sealed.read_bytes()))
    assert validate_etsi_xml(tampered.read_bytes()) == ()  # still a well-formed, valid report
    done = xmlsec_verify(tampered, pki.root.certificate, tuple(device.chain))
    assert done.returncode != 0
    assert "SignedInfo References (ok/all): 3/3" not in done.stderr
    judged = esig.verify_xml(tampered, trust=[pki.root.certificate])
    assert judged.indication is Indication.TOTAL_FAILED
    assert judged.signatures[0].sub_indication is SubIndication.HASH_FAILURE


def test_an_ec_key_seals_too(tmp_path: Path, report: VerificationReport) -> None:
    pki = TestPKI(KeyType.EC_P256)
    device = pki.issue_legal_person("Validation Service BV", "NTRBQ-12345678").device()
    seal_and_judge(tmp_path, report, device, pki.root.certificate)


@pytest.mark.real
def test_a_report_sealed_by_a_softhsm_token_key(
    tmp_path: Path, report: VerificationReport, esig_softhsm_token: SoftHsmToken
) -> None:
    root = esig_softhsm_token.chain[-1]
    with esig_softhsm_token.open_device("rsa-signer") as device:
        sealed = seal_and_judge(tmp_path, report, device, root)
        chain = tuple(device.chain)
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(_one_byte_changed(sealed.read_bytes()))
    assert xmlsec_verify(tampered, root, chain).returncode != 0
    assert not esig.verify_xml(tampered, trust=[root]).passed


@pytest.mark.real
def test_a_report_sealed_by_a_remote_csc_credential(
    tmp_path: Path, report: VerificationReport, esig_csc_server: LocalCscService
) -> None:
    device = esig_csc_server.device(esig_csc_server.ec_credential_id)
    seal_and_judge(tmp_path, report, device, esig_csc_server.root_certificate, allow_fetching=True)


@pytest.mark.real
def test_a_b_t_seal_with_the_local_tsa(
    tmp_path: Path, report: VerificationReport, esig_trust_services: LocalTrustServices
) -> None:
    services = esig_trust_services
    tsa = TimestampService(url=services.tsa_url, timeout=10)
    sealed = seal_and_judge(
        tmp_path,
        report,
        services.signer.device(),
        services.root_certificate,
        timestamp=tsa,
        allow_fetching=True,
    )
    root = etree.fromstring(sealed.read_bytes())
    assert root.find(".//xades:SignatureTimeStamp/xades:EncapsulatedTimeStamp", NS) is not None
    judged = esig.verify_xml(sealed, trust=[services.root_certificate], allow_fetching=True)
    (stamp,) = judged.signatures[0].find(CheckId.TIMESTAMP)
    assert stamp.outcome is Outcome.PASSED


def test_a_failed_seal_writes_nothing(
    tmp_path: Path, seal_cert: IssuedCertificate, report: VerificationReport
) -> None:
    target = tmp_path / "report.xml"
    down = TimestampService(url="http://127.0.0.1:9/tsa", timeout=2)
    with pytest.raises(ServiceError):
        write_etsi_report(report, target, seal=seal_cert.device(), timestamp=down)
    with pytest.raises(InputError, match="seal"):
        write_etsi_report(report, target, timestamp=down)
    assert list(tmp_path.iterdir()) == []


# --- the validator and the constraints --------------------------------------------------------


def test_the_validator_is_esig_with_its_version(report: VerificationReport) -> None:
    root = etree.fromstring(report.to_etsi_xml())
    assert root[-1].tag == f"{{{VR_NS}}}SignatureValidator"
    validator = root.find("vr:SignatureValidator/vr:DigitalId/tsl:Other/esig:Validator", NS)
    assert validator is not None
    assert (validator.get("name"), validator.get("version")) == ("esig", esig.__version__)
    assert root.find(".//tsl:X509Certificate", NS) is None  # not sealed: no certificate
    assert root.find("ds:Signature", NS) is None


def _constraints(svr: etree._Element) -> dict[str, etree._Element]:
    return {
        c.findtext("vr:ValidationConstraintIdentifier", namespaces=NS)
        .removeprefix(CONSTRAINT_PREFIX): c
        for c in svr.findall("vr:ValidationConstraintsEvaluationReport/vr:ValidationConstraint", NS)
    }  # fmt: skip


def _parameters(constraint: etree._Element, kind: str) -> list[str]:
    return [
        p.findtext("vr:Value", namespaces=NS) or ""
        for p in constraint.findall("vr:ValidationConstraintParameter", NS)
        if p.findtext("vr:Type", namespaces=NS) == PARAMETER_PREFIX + kind
    ]


def test_the_constraints_are_the_checks_esig_applied(
    pki: TestPKI, report: VerificationReport
) -> None:
    root = etree.fromstring(report.to_etsi_xml())
    (signature,) = report.signatures
    svr = root.find("vr:SignatureValidationReport", NS)
    assert svr is not None
    policy = svr.find("vr:ValidationConstraintsEvaluationReport/vr:SignatureValidationPolicy", NS)
    assert policy is not None
    assert policy.find("vr:SignaturePolicyIdentifier/xades:SignaturePolicyImplied", NS) is not None
    constraints = _constraints(svr)
    assert set(constraints) == {f.check.value for f in signature.findings}
    for check, constraint in constraints.items():
        assert constraint.findtext("vr:ConstraintStatus/vr:Status", namespaces=NS) == (
            "urn:etsi:019102:constraintStatus:applied"
        )
        outcomes = {f.outcome for f in signature.find(CheckId(check))}
        main = constraint.findtext("vr:ValidationStatus/vr:MainIndication", namespaces=NS)
        expected = None if outcomes == {Outcome.INFO} else Indication.TOTAL_PASSED
        assert main == (main_indication_uri(expected) if expected else None), check
    certificate = constraints[CheckId.CERTIFICATE.value]
    fingerprint = pki.root.certificate.fingerprint(pki.root.certificate.signature_hash_algorithm)  # type: ignore[arg-type]
    (anchor,) = _parameters(certificate, "trust-anchor")
    assert fingerprint.hex() in anchor
    assert _parameters(certificate, "validation-time") == [
        svr.findtext("vr:ValidationTimeInfo/vr:ValidationTime", namespaces=NS)
    ]
    rules = _parameters(constraints[CheckId.ALGORITHMS.value], "weak-algorithm")
    assert any(r.startswith("sha1: weak from 2009") for r in rules)


def test_a_failed_check_is_a_failed_constraint(corpus: Path) -> None:
    report = verify_pdf(corpus / "dss/pdf-signed-corrupted.pdf")
    root = etree.fromstring(report.to_etsi_xml())
    svr = root.find("vr:SignatureValidationReport", NS)
    assert svr is not None
    integrity = _constraints(svr)[CheckId.INTEGRITY.value]
    status = integrity.find("vr:ValidationStatus", NS)
    assert status is not None
    assert status.findtext("vr:MainIndication", namespaces=NS) == main_indication_uri(
        Indication.TOTAL_FAILED
    )
    (finding,) = report.signatures[0].find(CheckId.INTEGRITY)
    assert finding.sub_indication is not None
    assert status.findtext("vr:SubIndication", namespaces=NS) == (
        f"urn:etsi:019102:subindication:{finding.sub_indication.value}"
    )
    # no trust anchor was given, so none is named
    assert _parameters(_constraints(svr)[CheckId.CERTIFICATE.value], "trust-anchor") == []


# --- esig's extension schema ---------------------------------------------------------------


def _tampered(report: VerificationReport, change: str) -> tuple[str, ...]:
    root = etree.fromstring(report.to_etsi_xml())
    finding = root.find(".//esig:Assessment/esig:Finding", NS)
    assert finding is not None
    if change == "outcome":
        finding.set("outcome", "probably-fine")
    elif change == "attribute":
        finding.set("trusted", "yes")
    elif change == "element":
        etree.SubElement(finding, f"{{{ESIG_NS}}}Verdict").text = "PASSED"
    elif change == "unknown-top-level":
        other = root.find(".//vr:OtherInformation", NS)
        etree.SubElement(other, f"{{{ESIG_NS}}}Approval", by="nobody")
    elif change == "missing-level":
        assessment = finding.getparent()
        assessment.remove(assessment.find("esig:Level", NS))
    elif change == "version":
        validator = root.find(".//esig:Validator", NS)
        del validator.attrib["version"]
    return validate_etsi_xml(etree.tostring(root))


@pytest.mark.parametrize(
    "change",
    ["outcome", "attribute", "element", "unknown-top-level", "missing-level", "version"],
)
def test_the_extension_schema_rejects_a_tampered_extension(
    report: VerificationReport, change: str
) -> None:
    errors = _tampered(report, change)
    assert errors, change
    assert any(ESIG_NS in e for e in errors), errors


def test_the_extension_schema_names_every_value_esig_writes() -> None:
    schema = etree.fromstring(
        (resources.files("esig") / "data" / "etsi" / "esig-validation-report-1.xsd").read_bytes()
    )
    xs = {"xs": "http://www.w3.org/2001/XMLSchema"}

    def values(name: str) -> set[str]:
        return set(
            schema.xpath(f"xs:simpleType[@name='{name}']//xs:enumeration/@value", namespaces=xs)
        )

    assert values("OutcomeType") == {o.value for o in Outcome}
    assert values("IndicationType") == {i.value for i in Indication}
    assert values("CheckType") == {c.value for c in CheckId}


# --- the CLI -----------------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "esig.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_cli_seals_the_report_with_sign_s_device_options(
    tmp_path: Path, pki: TestPKI, seal_cert: IssuedCertificate, signed_pdf: Path
) -> None:
    secret = "s3cret-passphrase-of-the-seal"
    files = pki.write(tmp_path / "pki", seal_cert, secret.encode())
    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text(secret + "\n")
    target = tmp_path / "report.xml"
    common = ("verify", str(signed_pdf), "--trust", str(files["root"]), "--etsi-report")
    seal = ("--etsi-report-seal-p12", str(files["signer_p12"]))
    done = _cli(*common, str(target), *seal, "--etsi-report-seal-passphrase-file", str(passphrase))
    assert done.returncode == 1, done.stderr  # signed_pdf's signer is not under this root
    assert done.stderr == ""
    data = target.read_bytes()
    assert validate_etsi_xml(data) == ()
    assert secret not in done.stdout and secret.encode() not in data
    assert xmlsec_verify(target, pki.root.certificate, seal_cert.chain).returncode == 0
    # a wrong passphrase: a usage error on one line, the secret never shown, nothing written
    passphrase.write_text("wrong-" + secret + "\n")
    other = tmp_path / "other.xml"
    done = _cli(*common, str(other), *seal, "--etsi-report-seal-passphrase-file", str(passphrase))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert secret not in done.stderr + done.stdout
    assert not other.exists()
    # seal options without --etsi-report, or a TSA without a device: usage errors
    done = _cli("verify", str(signed_pdf), *seal)
    assert done.returncode == 2 and "--etsi-report" in done.stderr
    done = _cli(*common, str(other), "--etsi-report-seal-tsa", "http://127.0.0.1:9/")
    assert done.returncode == 2 and not other.exists()
