"""Sign a PDF and verify it: the round trip, tampering, trust, and output atomicity."""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path

import pytest
from asn1crypto import cms

import esig
from esig.issuance import KeyType, TestPKI
from esig.law import BES
from esig.levels import Level, RequirementId, RequirementStatus
from esig.verification import CheckId, Coverage, Indication, Outcome, PathStatus, SubIndication
from tests.conftest import flip_byte


def _byte_range(data: bytes) -> list[int]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    assert match is not None
    return [int(x) for x in match.groups()]


def test_signed_pdf_verifies_and_reaches_aes(signed_pdf: Path, esig_root_pem: Path) -> None:
    report = esig.verify_pdf(signed_pdf, trust=[esig_root_pem])

    assert report.passed
    assert len(report.signatures) == 1
    sig = report.signatures[0]
    assert sig.indication is Indication.TOTAL_PASSED
    assert sig.signer is not None and sig.signer.display == "Anna de Vries"
    assert sig.integrity is not None and sig.integrity.intact
    assert sig.signed_range is not None and sig.signed_range.coverage is Coverage.ENTIRE_FILE
    assert sig.certificate_path is not None
    assert sig.certificate_path.status is PathStatus.TRUSTED
    assert len(sig.certificate_path.chain) == 3  # signer, intermediate, root
    # B-B: advanced under eIDAS; under the decree art. 1(b) is not shown (no timestamp
    # and no embedded revocation data), so the level both instruments agree on is SES
    assert sig.level.eidas_level is Level.AES
    assert sig.level.level is Level.SES
    assert sig.level.result(RequirementId.VERIFIABLE_AT_ANY_TIME).status.value == "indeterminate"
    missing = {r.requirement.id for r in sig.level.eidas_missing_for_next}
    assert missing == {
        RequirementId.QUALIFIED_CERTIFICATE,
        RequirementId.QUALIFIED_DEVICE,
        RequirementId.RECOGNISED_PROVIDER,
    }
    assert "BES art. 2" in sig.level.summary and "BES art. 4" in sig.level.summary


def test_every_finding_cites_the_law(signed_pdf: Path, esig_root_pem: Path) -> None:
    sig = esig.verify_pdf(signed_pdf, trust=[esig_root_pem]).signatures[0]
    checks = {f.check for f in sig.findings}
    assert {
        CheckId.SIGNED_DATA,
        CheckId.INTEGRITY,
        CheckId.CERTIFICATE,
        CheckId.IDENTITY,
        CheckId.PSEUDONYM,
        CheckId.MODIFICATIONS,
    } <= checks
    assert all(f.citations for f in sig.findings)
    assert BES.ART_3_B in sig.find(CheckId.INTEGRITY)[0].citations


def test_without_trust_anchor_the_signature_is_indeterminate_and_only_ses(
    signed_pdf: Path,
) -> None:
    sig = esig.verify_pdf(signed_pdf).signatures[0]
    assert sig.indication is Indication.INDETERMINATE
    assert sig.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert sig.level.level is Level.SES
    assert sig.level.result(RequirementId.IDENTIFIES_SIGNATORY).status is (
        RequirementStatus.INDETERMINATE
    )


def test_unrelated_trust_anchor_gives_no_path(signed_pdf: Path) -> None:
    other = TestPKI(organization="Some Other Provider")
    sig = esig.verify_pdf(signed_pdf, trust=[other.root.certificate]).signatures[0]
    assert sig.certificate_path is not None
    assert sig.certificate_path.status is PathStatus.NO_TRUST_ANCHOR
    assert not sig.passed


def test_impostor_root_with_the_same_name_is_not_trusted(signed_pdf: Path) -> None:
    impostor = TestPKI()  # same names as the real test PKI, different keys
    sig = esig.verify_pdf(signed_pdf, trust=[impostor.root.certificate]).signatures[0]
    assert sig.certificate_path is not None
    assert sig.certificate_path.status is not PathStatus.TRUSTED
    assert sig.indication is not Indication.TOTAL_PASSED
    assert sig.level.level is Level.SES


def test_byte_flipped_inside_signed_range_breaks_integrity(
    signed_pdf: Path, esig_root_pem: Path, tmp_path: Path
) -> None:
    data = signed_pdf.read_bytes()
    offset = data.index(b"Agreement of sale") if b"Agreement of sale" in data else 200
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(flip_byte(data, offset))

    sig = esig.verify_pdf(tampered, trust=[esig_root_pem]).signatures[0]
    assert sig.indication is Indication.TOTAL_FAILED
    integrity = sig.find(CheckId.INTEGRITY)[0]
    assert integrity.outcome is Outcome.FAILED
    assert integrity.sub_indication is SubIndication.HASH_FAILURE
    assert sig.level.level is Level.NONE


def signature_value_offset(data: bytes) -> int:
    """File offset of a hex digit inside the CMS signature value of the first signature."""
    start, len1, gap_end, _ = _byte_range(data)
    hex_start = start + len1 + 1  # after '<'
    der = bytes.fromhex(data[hex_start : gap_end - 1].decode())
    info = cms.ContentInfo.load(der, strict=False)
    value = info["content"]["signer_infos"][0]["signature"].native
    return hex_start + 2 * (der.index(value) + len(value) // 2)


def test_byte_flipped_in_signature_value_breaks_integrity(
    signed_pdf: Path, esig_root_pem: Path, tmp_path: Path
) -> None:
    data = signed_pdf.read_bytes()
    offset = signature_value_offset(data)
    new = b"0" if data[offset : offset + 1] != b"0" else b"1"
    tampered = tmp_path / "badsig.pdf"
    tampered.write_bytes(data[:offset] + new + data[offset + 1 :])

    sig = esig.verify_pdf(tampered, trust=[esig_root_pem]).signatures[0]
    assert sig.indication is Indication.TOTAL_FAILED
    assert sig.find(CheckId.INTEGRITY)[0].outcome is Outcome.FAILED
    assert sig.level.level is Level.NONE


def test_ec_p256_signature_verifies(esig_sample_pdf: Path, tmp_path: Path) -> None:
    pki = TestPKI(KeyType.EC_P256)
    signer = pki.issue_person("Jan", "Janssen")
    out = tmp_path / "ec.pdf"
    esig.sign_pdf(esig_sample_pdf, out, signer.device())
    report = esig.verify_pdf(out, trust=[pki.root.certificate])
    assert report.passed
    integrity = report.signatures[0].integrity
    assert integrity is not None and "ecdsa" in integrity.signature_algorithm


def test_input_is_never_modified(
    esig_sample_pdf: Path, esig_device: esig.SoftwareKey, tmp_path: Path
) -> None:
    before = hashlib.sha256(esig_sample_pdf.read_bytes()).hexdigest()
    esig.sign_pdf(esig_sample_pdf, tmp_path / "out.pdf", esig_device)
    assert hashlib.sha256(esig_sample_pdf.read_bytes()).hexdigest() == before


def test_failed_signing_leaves_no_output(tmp_path: Path, esig_device: esig.SoftwareKey) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\nthis is not really a pdf\n%%EOF\n")
    out = tmp_path / "out.pdf"
    with pytest.raises(esig.CorruptDocumentError):
        esig.sign_pdf(bad, out, esig_device)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]  # no temporary file left either


def test_signing_refuses_to_overwrite_its_input(
    esig_sample_pdf: Path, esig_device: esig.SoftwareKey
) -> None:
    before = esig_sample_pdf.read_bytes()
    with pytest.raises(esig.OutputError):
        esig.sign_pdf(esig_sample_pdf, esig_sample_pdf, esig_device)
    assert esig_sample_pdf.read_bytes() == before


def test_output_into_missing_folder_is_an_output_error(
    esig_sample_pdf: Path, esig_device: esig.SoftwareKey, tmp_path: Path
) -> None:
    with pytest.raises(esig.OutputError):
        esig.sign_pdf(esig_sample_pdf, tmp_path / "nope" / "out.pdf", esig_device)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (None, esig.DocumentNotFoundError),
        (b"hello, I am a text file", esig.NotAPdfError),
        (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", esig.CorruptDocumentError),
    ],
)
def test_bad_documents_give_clear_errors(
    tmp_path: Path,
    esig_device: esig.SoftwareKey,
    content: bytes | None,
    error: type[esig.EsigError],
) -> None:
    doc = tmp_path / "doc.pdf"
    if content is not None:
        doc.write_bytes(content)
    with pytest.raises(error):
        esig.verify_pdf(doc)
    with pytest.raises(error):
        esig.sign_pdf(doc, tmp_path / "out.pdf", esig_device)


def test_unsigned_pdf_reports_no_signature(esig_sample_pdf: Path) -> None:
    report = esig.verify_pdf(esig_sample_pdf)
    assert report.signatures == ()
    assert not report.passed
    assert report.problems


def test_sign_pdf_bytes_round_trip(esig_device: esig.SoftwareKey, esig_root_pem: Path) -> None:
    from esig.demo import sample_pdf

    signed = esig.sign_pdf_bytes(sample_pdf(), esig_device)
    assert esig.verify_pdf(signed, trust=[esig_root_pem]).passed


def test_two_signatures_both_valid(
    esig_sample_pdf: Path, esig_pki: TestPKI, esig_device: esig.SoftwareKey, tmp_path: Path
) -> None:
    first = tmp_path / "one.pdf"
    second = tmp_path / "two.pdf"
    esig.sign_pdf(esig_sample_pdf, first, esig_device)
    other = esig_pki.issue_person("Piet", "Pietersen").device()
    esig.sign_pdf(first, second, other)
    report = esig.verify_pdf(second, trust=[esig_pki.root.certificate])
    assert [s.field_name for s in report.signatures] == ["Signature1", "Signature2"]
    assert report.passed
    first_sig = report.signatures[0]
    assert first_sig.signed_range is not None
    assert first_sig.signed_range.coverage is Coverage.ENTIRE_REVISION
    assert first_sig.signed_range.revision == 2 and first_sig.signed_range.total_revisions == 3


def test_sync_api_works_inside_a_running_event_loop(signed_pdf: Path, esig_root_pem: Path) -> None:
    async def inside_loop() -> bool:
        return esig.verify_pdf(signed_pdf, trust=[esig_root_pem]).passed

    assert asyncio.run(inside_loop())


@pytest.mark.parametrize("inside_a_loop", [False, True])
def test_sync_twins_run_the_work_outside_any_exception_handler(inside_a_loop: bool) -> None:
    """Work run by a sync twin must not be chained to an exception being handled.

    It once ran inside ``except RuntimeError``: every exception pyHanko's parser raises
    and catches was then chained to it, and verification was a third slower.
    """
    from esig._sync import run_sync

    async def work() -> object:
        try:
            raise ValueError("raised and caught, as a parser does")
        except ValueError as exc:
            return exc.__context__

    async def in_loop() -> object:
        return run_sync(work())

    context = asyncio.run(in_loop()) if inside_a_loop else run_sync(work())
    assert context is None


def test_async_twins(
    esig_sample_pdf: Path, esig_device: esig.SoftwareKey, esig_root_pem: Path, tmp_path: Path
) -> None:
    async def flow() -> bool:
        out = tmp_path / "async.pdf"
        await esig.async_sign_pdf(esig_sample_pdf, out, esig_device)
        report = await esig.async_verify_pdf(out, trust=[esig_root_pem])
        return report.passed

    assert asyncio.run(flow())


def test_report_json_round_trips(signed_pdf: Path, esig_root_pem: Path) -> None:
    report = esig.verify_pdf(signed_pdf, trust=[esig_root_pem])
    text = report.model_dump_json()
    assert '"indication":"TOTAL-PASSED"' in text
    assert '"label":"BES art. 3(b)"' in text
    again = esig.VerificationReport.model_validate_json(text)
    assert again.signatures[0].level.eidas_level is Level.AES


def test_broken_signature_still_shows_the_trusted_path(
    signed_pdf: Path, esig_root_pem: Path, tmp_path: Path
) -> None:
    data = signed_pdf.read_bytes()
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(flip_byte(data, data.index(b"/MediaBox") + 2))
    sig = esig.verify_pdf(tampered, trust=[esig_root_pem]).signatures[0]
    assert sig.find(CheckId.INTEGRITY)[0].outcome is Outcome.FAILED
    assert sig.certificate_path is not None
    assert sig.certificate_path.status is PathStatus.TRUSTED
    assert sig.sub_indication is SubIndication.HASH_FAILURE


def test_signed_output_has_ordinary_permissions(
    esig_sample_pdf: Path, esig_device: esig.SoftwareKey, tmp_path: Path
) -> None:
    import os
    import stat

    reference = tmp_path / "reference"
    reference.write_bytes(b"x")  # what an ordinary write gets under the current umask
    out = tmp_path / "out.pdf"
    esig.sign_pdf(esig_sample_pdf, out, esig_device)
    assert stat.S_IMODE(os.stat(out).st_mode) == stat.S_IMODE(os.stat(reference).st_mode)


def test_signed_revision_is_handed_back(
    esig_sample_pdf: Path, esig_pki: TestPKI, tmp_path: Path
) -> None:
    first, second = tmp_path / "1.pdf", tmp_path / "2.pdf"
    esig.sign_pdf(esig_sample_pdf, first, esig_pki.issue_person("A", "One").device())
    esig.sign_pdf(first, second, esig_pki.issue_person("B", "Two").device())
    report = esig.verify_pdf(second, trust=[esig_pki.root.certificate])
    assert esig.signed_revision(second, report.signatures[0]) == first.read_bytes()
    assert esig.signed_revision(second, report.signatures[1]) == second.read_bytes()
    assert report.signatures[0].find(CheckId.SIGNED_CONTENT)[0].outcome is Outcome.PASSED
    with pytest.raises(esig.VerificationError):
        esig.signed_revision(first, report.signatures[0])  # not the reported document
