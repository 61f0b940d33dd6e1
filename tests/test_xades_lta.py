"""XAdES B-LT and B-LTA: signing, extension, renewal, offline verification and attacks.

Judges besides esig: xmlsec1 verifies the B-LTA output's signature; ``openssl ts -verify``
checks each archive timestamp token against the EN 319 132-1 §5.5.2 input that this test
rebuilds on its own (lxml's exclusive C14N of each part, the data reference's octets from
signxml); DSS's B-LTA files (tests/data/xades/README.md) get DSS's verdicts.
"""

from __future__ import annotations

import base64
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree  # type: ignore[import-untyped]
from signxml.xades import XAdESSignatureConfiguration, XAdESSigner, XAdESVerifier

import esig
from esig.errors import InputError, OutputError
from esig.signing import BaselineLevel, TimestampService
from esig.testing import require_tool
from esig.testing.certomancer_config import LATER_REVOKED_DAYS, Label
from esig.testing.services import LocalTrustServices
from esig.verification import CheckId, Outcome, SubIndication
from esig.verification.conformance import GapCode
from esig.verification.report import SignatureReport

from .test_xades import INVOICE, pem, xmlsec_verify

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
XADES141 = "http://uri.etsi.org/01903/v1.4.1#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
DATA = Path(__file__).parent / "data" / "xades"

pytestmark = pytest.mark.real


@pytest.fixture(scope="module")
def tsa(esig_trust_services: LocalTrustServices) -> TimestampService:
    return TimestampService(url=esig_trust_services.tsa_url)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xades-lta")
    (path / "invoice.xml").write_bytes(INVOICE)
    return path


@pytest.fixture(scope="module")
def lta(folder: Path, esig_trust_services: LocalTrustServices, tsa: TimestampService) -> Path:
    out = folder / "lta.xml"
    made = esig.sign_xml(
        folder / "invoice.xml",
        out,
        esig_trust_services.signer.device(),
        level=BaselineLevel.B_LTA,
        timestamp=tsa,
    )
    assert made.level is BaselineLevel.B_LTA and made.size == out.stat().st_size
    return out


@pytest.fixture(scope="module")
def lt(folder: Path, esig_trust_services: LocalTrustServices, tsa: TimestampService) -> Path:
    out = folder / "lt.xml"
    device = esig_trust_services.signer.device()
    esig.sign_xml(folder / "invoice.xml", out, device, level=BaselineLevel.B_LT, timestamp=tsa)
    return out


def only(path: Path | bytes, services: LocalTrustServices, **kwargs: object) -> SignatureReport:
    report = esig.verify_xml(path, trust=[services.root_certificate], **kwargs)  # type: ignore[arg-type]
    (signature,) = report.signatures
    return signature


def archive_findings(signature: SignatureReport) -> list[str]:
    return [
        f"{f.outcome.value}:{f.sub_indication}"
        for f in signature.find(CheckId.TIMESTAMP)
        if "archive timestamp" in f.message
    ]


def tampered(path: Path, target: Path, change: object) -> Path:
    root = etree.fromstring(path.read_bytes())
    change(root)  # type: ignore[operator]
    target.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return target


# --- signing at B-LTA, three judges -------------------------------------------------------


def rebuilt_archive_input(document: bytes, services: LocalTrustServices) -> tuple[bytes, bytes]:
    """(the §5.5.2 input, the token) of the first archive timestamp, rebuilt here."""
    results = XAdESVerifier().verify(
        document, x509_cert=services.signer.certificate, expect_config=XAdESSignatureConfiguration()
    )
    root = etree.fromstring(document)
    signature = root.find(f".//{{{DS}}}Signature")
    props = signature.find(f".//{{{XADES}}}SignedProperties")
    stamp = signature.find(f".//{{{XADES141}}}ArchiveTimeStamp")
    assert stamp.find(f"{{{DS}}}CanonicalizationMethod").get("Algorithm") == EXC_C14N

    def c14n(element: object) -> bytes:
        return etree.tostring(element, method="c14n", exclusive=True)  # type: ignore[no-any-return]

    key_info = signature.find(f"{{{DS}}}KeyInfo")
    # the references: the document (after its transforms), SignedProperties, KeyInfo
    parts = [results[0].signed_data, c14n(props), c14n(key_info)]
    parts += [
        c14n(signature.find(f"{{{DS}}}{n}")) for n in ("SignedInfo", "SignatureValue", "KeyInfo")
    ]
    for child in stamp.getparent():
        if child is stamp:
            break
        parts.append(c14n(child))
    token = base64.b64decode(stamp.findtext(f"{{{XADES}}}EncapsulatedTimeStamp"))
    return b"".join(parts), token


def test_b_lta_is_judged_by_xmlsec1_and_openssl(
    lta: Path, folder: Path, esig_trust_services: LocalTrustServices
) -> None:
    services = esig_trust_services
    root_pem = pem(folder, services.root_certificate)
    done = xmlsec_verify(lta, root_pem, pem(folder, *services.signer.device().chain))
    assert done.returncode == 0, done.stderr
    assert "SignedInfo References (ok/all): 3/3" in done.stderr
    data, token = rebuilt_archive_input(lta.read_bytes(), services)
    (folder / "ats.in").write_bytes(data)
    (folder / "ats.tst").write_bytes(token)
    untrusted = pem(folder, services.tsa_certificate, services.certificate(Label.INTERMEDIATE))
    command = [require_tool("openssl"), "ts", "-verify", "-token_in",
               "-in", str(folder / "ats.tst"), "-CAfile", str(root_pem),
               "-untrusted", str(untrusted)]  # fmt: skip
    ok = subprocess.run(
        [*command, "-data", str(folder / "ats.in")], capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0 and "Verification: OK" in ok.stdout, ok.stdout + ok.stderr
    (folder / "other.in").write_bytes(data.replace(b"12.50", b"99.50"))
    bad = subprocess.run(
        [*command, "-data", str(folder / "other.in")], capture_output=True, text=True, check=False
    )
    assert bad.returncode != 0 and "message imprint mismatch" in bad.stdout + bad.stderr


def test_b_lta_verifies_offline_and_reaches_b_lta(
    lta: Path, esig_trust_services: LocalTrustServices
) -> None:
    signature = only(lta, esig_trust_services)  # no fetching: the embedded data is used
    assert signature.passed, signature.findings
    assert archive_findings(signature) == ["passed:None"]
    (path,) = signature.find(CheckId.CERTIFICATE)
    assert "embedded in the document" in path.message
    conformance = signature.conformance
    assert conformance is not None and conformance.is_baseline
    assert conformance.reached is BaselineLevel.B_LTA and conformance.conforms
    root = etree.fromstring(lta.read_bytes())
    tags = [
        etree.QName(e).localname for e in root.find(f".//{{{XADES}}}UnsignedSignatureProperties")
    ]
    assert tags == ["SignatureTimeStamp", "CertificateValues", "RevocationValues",
                    "TimeStampValidationData", "ArchiveTimeStamp"]  # fmt: skip


def test_detached_b_lt_verifies_offline(
    folder: Path, esig_trust_services: LocalTrustServices, tsa: TimestampService
) -> None:
    content = folder / "contract.pdf"
    content.write_bytes(b"%PDF-1.7 any bytes at all\n")
    sig = folder / "contract.xml"
    device = esig_trust_services.signer.device()
    esig.sign_xml(
        content, sig, device, packaging="detached", level=BaselineLevel.B_LT, timestamp=tsa
    )
    signature = only(sig, esig_trust_services, detached_content=content)
    assert signature.passed, signature.findings
    assert signature.conformance is not None and signature.conformance.reached is BaselineLevel.B_LT
    # the same without the revocation data: the path cannot be judged offline
    stripped = tampered(sig, folder / "stripped.xml", _remove("RevocationValues"))
    signature = only(stripped, esig_trust_services, detached_content=content)
    assert not signature.passed
    assert signature.conformance is not None and signature.conformance.reached is BaselineLevel.B_T


def _remove(name: str) -> object:
    def change(root: object) -> None:
        element = root.find(f".//{{{XADES}}}UnsignedSignatureProperties/{{{XADES}}}{name}")  # type: ignore[attr-defined]
        element.getparent().remove(element)

    return change


# --- attacks ----------------------------------------------------------------------------------


def test_revocation_values_removed_is_no_longer_b_lt(
    lt: Path, folder: Path, esig_trust_services: LocalTrustServices
) -> None:
    before = only(lt, esig_trust_services)
    assert before.passed and before.conformance is not None
    assert before.conformance.reached is BaselineLevel.B_LT
    stripped = tampered(lt, folder / "no-revocation.xml", _remove("RevocationValues"))
    signature = only(stripped, esig_trust_services)
    conformance = signature.conformance
    assert conformance is not None and conformance.claimed is BaselineLevel.B_LT
    assert conformance.reached is BaselineLevel.B_T
    assert [g.code for g in conformance.missing] == [GapCode.NO_VALIDATION_VALUES]
    assert "RevocationValues" in conformance.missing[0].message
    assert signature.sub_indication is SubIndication.TRY_LATER


def test_a_changed_byte_after_the_archive_timestamp_fails_it(
    lta: Path, folder: Path, esig_trust_services: LocalTrustServices
) -> None:
    changed = folder / "changed.xml"
    changed.write_bytes(lta.read_bytes().replace(b"12.50", b"12.51"))
    signature = only(changed, esig_trust_services)
    assert archive_findings(signature) == ["failed:HASH_FAILURE"]
    assert signature.conformance is not None and signature.conformance.reached is None

    def flip(root: object) -> None:
        value = root.find(f".//{{{DS}}}SignatureValue")  # type: ignore[attr-defined]
        value.text = ("B" if value.text[0] == "A" else "A") + value.text[1:]

    signature = only(tampered(lta, folder / "value.xml", flip), esig_trust_services)
    assert "failed:HASH_FAILURE" in archive_findings(signature)

    def drop_certificate(root: object) -> None:
        values = root.find(f".//{{{XADES}}}CertificateValues")  # type: ignore[attr-defined]
        values.remove(values[-1])

    # the signature itself still verifies: only the archive timestamp can tell
    signature = only(tampered(lta, folder / "certs.xml", drop_certificate), esig_trust_services)
    assert signature.find(CheckId.INTEGRITY)[0].outcome is Outcome.PASSED
    assert archive_findings(signature) == ["failed:HASH_FAILURE"]
    (finding,) = [f for f in signature.find(CheckId.TIMESTAMP) if "archive" in f.message]
    assert "changed after it was made" in finding.message
    conformance = signature.conformance
    assert conformance is not None and conformance.reached is BaselineLevel.B_LT
    assert [g.code for g in conformance.missing] == [GapCode.ARCHIVE_TIMESTAMP_INVALID]


def test_an_ocsp_response_for_another_certificate_is_not_used(
    lt: Path, folder: Path, esig_trust_services: LocalTrustServices, tsa: TimestampService
) -> None:
    services = esig_trust_services
    other = folder / "other-lt.xml"
    device = services.issued(Label.SHORT_LIVED_SIGNER).device()
    esig.sign_xml(folder / "invoice.xml", other, device, level=BaselineLevel.B_LT, timestamp=tsa)
    foreign = etree.fromstring(other.read_bytes()).find(f".//{{{XADES}}}EncapsulatedOCSPValue").text

    def swap(root: object) -> None:
        root.find(
            f".//{{{XADES}}}RevocationValues//{{{XADES}}}EncapsulatedOCSPValue"
        ).text = foreign  # type: ignore[attr-defined]

    signature = only(tampered(lt, folder / "swapped.xml", swap), services)
    assert not signature.passed
    (unused,) = [f for f in signature.find(CheckId.REVOCATION) if "not used" in f.message]
    serial = services.certificate(Label.SHORT_LIVED_SIGNER).serial_number
    assert f"{serial:#x}" in unused.message
    assert signature.conformance is not None and signature.conformance.reached is BaselineLevel.B_T
    assert GapCode.REVOCATION_MISSING in {g.code for g in signature.conformance.missing}


# --- extension and renewal --------------------------------------------------------------------


def test_extend_b_t_to_lt_then_lta_then_renew(
    folder: Path, esig_trust_services: LocalTrustServices, tsa: TimestampService
) -> None:
    services = esig_trust_services
    bt = folder / "bt.xml"
    esig.sign_xml(
        folder / "invoice.xml", bt, services.signer.device(), level=BaselineLevel.B_T, timestamp=tsa
    )
    original = bt.read_bytes()
    extended = esig.extend_xml(bt, folder / "ext-lt.xml", level=BaselineLevel.B_LT)
    assert bt.read_bytes() == original
    assert (extended.signatures, extended.archive_timestamps, extended.renewed) == (1, 0, False)
    assert only(extended.path, services).conformance.reached is BaselineLevel.B_LT  # type: ignore[union-attr]
    first = esig.extend_xml(extended.path, folder / "ext-lta.xml", timestamp=tsa)
    renewed = esig.extend_xml(first.path, folder / "renewed.xml", timestamp=tsa)
    assert (first.archive_timestamps, first.renewed) == (1, False)
    assert (renewed.archive_timestamps, renewed.renewed) == (2, True)
    signature = only(renewed.path, services)
    assert signature.passed, signature.findings
    assert archive_findings(signature) == ["passed:None", "passed:None"]
    assert (
        signature.conformance is not None and signature.conformance.reached is BaselineLevel.B_LTA
    )
    # the second archive timestamp covers the first one: change the first, the second fails
    root = etree.fromstring(renewed.path.read_bytes())
    stamps = root.findall(f".//{{{XADES141}}}ArchiveTimeStamp")
    assert stamps[0].getnext().tag == f"{{{XADES141}}}TimeStampValidationData"
    stamps[0].set("Id", "moved")
    signature = only(etree.tostring(root), services)
    assert archive_findings(signature) == ["passed:None", "failed:HASH_FAILURE"]


def test_extend_someone_elses_xades_b_b(
    folder: Path, esig_trust_services: LocalTrustServices, tsa: TimestampService
) -> None:
    services = esig_trust_services
    issued = services.signer
    signed = XAdESSigner().sign(
        etree.fromstring(INVOICE), key=issued.private_key, cert=[issued.certificate, *issued.chain]
    )
    source = folder / "signxml.xml"
    source.write_bytes(etree.tostring(signed))
    out = esig.extend_xml(source, folder / "signxml-lta.xml", timestamp=tsa)
    assert out.level is BaselineLevel.B_LTA
    signature = only(out.path, services)
    assert signature.passed, signature.findings
    assert (
        signature.conformance is not None and signature.conformance.reached is BaselineLevel.B_LTA
    )
    done = xmlsec_verify(
        out.path,
        pem(folder, services.root_certificate),
        pem(folder, services.certificate(Label.INTERMEDIATE)),
    )
    assert done.returncode == 0, done.stderr


def test_extension_refuses_what_it_cannot_do(
    lt: Path, folder: Path, esig_trust_services: LocalTrustServices, tsa: TimestampService
) -> None:
    with pytest.raises(InputError, match="B-LT or B-LTA"):
        esig.extend_xml(lt, folder / "x.xml", level=BaselineLevel.B_T)
    with pytest.raises(InputError, match="archive timestamp"):
        esig.extend_xml(lt, folder / "x.xml")
    with pytest.raises(InputError, match="already carries"):
        esig.extend_xml(lt, folder / "x.xml", level=BaselineLevel.B_LT)
    with pytest.raises(InputError, match="no XAdES signature"):
        esig.extend_xml(folder / "invoice.xml", folder / "x.xml", timestamp=tsa)
    with pytest.raises(OutputError):
        esig.extend_xml(lt, lt, timestamp=tsa)
    changed = folder / "broken.xml"
    changed.write_bytes(lt.read_bytes().replace(b"12.50", b"12.51"))
    with pytest.raises(InputError, match="does not verify"):
        esig.extend_xml(changed, folder / "x.xml", timestamp=tsa)
    assert not (folder / "x.xml").exists()


def test_cli_extend_routes_xml(
    lt: Path, folder: Path, esig_trust_services: LocalTrustServices
) -> None:
    out = folder / "cli-lta.xml"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "esig.cli", "extend", *args],
                              capture_output=True, text=True, timeout=120, check=False,
                              stdin=subprocess.DEVNULL)  # fmt: skip

    done = cli(str(lt), "-o", str(out), "--level", "LTA", "--tsa", esig_trust_services.tsa_url)
    assert done.returncode == 0, done.stderr
    assert "to B-LTA" in done.stdout and done.stderr == ""
    assert only(out, esig_trust_services).conformance.reached is BaselineLevel.B_LTA  # type: ignore[union-attr]
    refused = cli(str(lt), "-o", str(folder / "cli-x.xml"), "--level", "LT")
    assert refused.returncode == 2 and "already carries" in refused.stderr


# --- validation in the past ---------------------------------------------------------------------


def test_expired_signer_validates_in_the_past(
    folder: Path, esig_trust_services: LocalTrustServices, tsa: TimestampService
) -> None:
    services = esig_trust_services
    device = services.issued(Label.SHORT_LIVED_SIGNER).device()
    made = {
        level: esig.sign_xml(folder / "invoice.xml", folder / f"short-{level.value}.xml", device,
                             level=level, timestamp=tsa).path
        for level in (BaselineLevel.B_T, BaselineLevel.B_LTA)
    }  # fmt: skip
    at = services.certificate(Label.SHORT_LIVED_SIGNER).not_valid_after_utc + dt.timedelta(days=2)
    signature = only(made[BaselineLevel.B_LTA], services, at=at)
    assert signature.passed, signature.findings
    (finding,) = signature.find(CheckId.CERTIFICATE)
    assert "Validated in the past" in finding.message and "expired on" in finding.message
    assert signature.long_term is not None and signature.long_term.offline
    proven = signature.long_term.proof_of_existence
    assert proven is not None and proven < at - dt.timedelta(days=2)
    # B-T carries no revocation data to judge with in the past
    before = only(made[BaselineLevel.B_T], services, at=at)
    assert not before.passed and before.long_term is None


def test_signer_revoked_after_the_archive_timestamp_validates_in_the_past(
    folder: Path, esig_trust_services: LocalTrustServices, tsa: TimestampService
) -> None:
    services = esig_trust_services
    device = services.issued(Label.LATER_REVOKED_SIGNER).device()
    out = folder / "later-revoked.xml"
    esig.sign_xml(folder / "invoice.xml", out, device, level=BaselineLevel.B_LTA, timestamp=tsa)
    revoked = services.now + dt.timedelta(days=LATER_REVOKED_DAYS)
    at = revoked + dt.timedelta(days=10)
    with services.answering_at(at):
        signature = only(out, services, at=at, allow_fetching=True)
    assert signature.passed, signature.findings
    (finding,) = signature.find(CheckId.CERTIFICATE)
    assert "was revoked on" in finding.message
    assert signature.long_term is not None
    proven = signature.long_term.proof_of_existence
    assert proven is not None and proven < revoked


# --- DSS's files --------------------------------------------------------------------------------


def test_dss_lta_files_are_judged_as_dss_judges_them() -> None:
    verdicts = {}
    for name in (
        "dss-lta-valid.xml",
        "dss-multiple-archive-timestamps.xml",
        "dss-lta-copied-atst.xml",
    ):
        (signature,) = esig.verify_xml(DATA / name).signatures
        imprints = [
            "intact" if "matches the data" in f.message else f"{f.sub_indication}"
            for f in signature.find(CheckId.TIMESTAMP)
            if "archive timestamp" in f.message
        ]
        assert signature.find(CheckId.INTEGRITY)[0].outcome is Outcome.PASSED
        assert signature.conformance is not None
        verdicts[name] = (imprints, signature.conformance.claimed, signature.conformance.reached)
    assert verdicts == {
        # XAdESLTAWithValidOCSPCertValidityTest: imprints intact (no TSA trusted here)
        "dss-lta-valid.xml": (["intact"], BaselineLevel.B_LTA, BaselineLevel.B_LT),
        # XAdESWithMultipleArchiveTimeStampsTest: two archive timestamps, both intact
        "dss-multiple-archive-timestamps.xml": (
            ["intact", "intact"], BaselineLevel.B_LTA, BaselineLevel.B_LT
        ),
        # XAdESLevelLTAWithCopiedATSTTest: the copied archive timestamp's imprint is wrong
        "dss-lta-copied-atst.xml": (["HASH_FAILURE"], BaselineLevel.B_LTA, BaselineLevel.B_LT),
    }  # fmt: skip
