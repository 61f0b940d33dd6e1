"""The signing session (BES art. 2): present, disclose, acknowledge, sign, read back."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
import subprocess
from pathlib import Path

import pytest

import esig
from esig.devices.base import DeviceEvidence, DeviceKind
from esig.devices.software import SoftwareKey
from esig.law import BES
from esig.signing.disclosures import (
    RiskDisclosure,
    SigningMethod,
    all_disclosures,
    disclosure_for,
    method_for_device,
)
from esig.signing.session import (
    Acknowledgement,
    AlreadySignedError,
    Art2Status,
    DisclosureMismatchError,
    DocumentChangedError,
    NotAcknowledgedError,
    NotPresentedError,
    Presentation,
    SessionEvidence,
    SigningSession,
    UnsuitableMethodError,
    read_session_evidence,
)
from esig.testing import TestSigners, require_tool
from tests.conftest import flip_byte

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _ready_session(document: Path, device: SoftwareKey) -> SigningSession:
    session = SigningSession(document, device)
    session.present()
    session.acknowledge(session.disclosure.content_hash, signer_statement="I read it.")
    return session


def _byte_range(data: bytes) -> list[int]:
    found = re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    assert found
    return [int(x) for x in found[-1]]


@pytest.fixture
def session_signed(tmp_path: Path, esig_sample_pdf: Path, esig_device: SoftwareKey) -> Path:
    out = tmp_path / "session-signed.pdf"
    _ready_session(esig_sample_pdf, esig_device).sign(out, reason="test")
    return out


# -- disclosures -----------------------------------------------------------------------


def test_every_method_has_a_plain_disclosure_that_compares() -> None:
    others = {
        SigningMethod.SOFTWARE_KEY: "software key",
        SigningMethod.SMART_CARD: "smart card",
        SigningMethod.REMOTE_QSCD: "trust service provider",
        SigningMethod.ONE_TIME_CODE: "one-time code",
        SigningMethod.DRAWN: "drawn signature",
    }
    assert [d.method for d in all_disclosures()] == list(SigningMethod)
    for method in SigningMethod:
        disclosure = disclosure_for(method)
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", disclosure.text) if s]
        assert 4 <= len(sentences) <= 8, method
        mentioned = [
            m for m, words in others.items() if m is not method and words in disclosure.text
        ]
        assert len(mentioned) >= 2, f"{method} compares with too few other techniques"
        assert re.fullmatch(r"[0-9a-f]{64}", disclosure.content_hash)
    hashes = {d.content_hash for d in all_disclosures()}
    assert len(hashes) == len(SigningMethod)


def test_disclosure_hash_names_exactly_one_text() -> None:
    original = disclosure_for(SigningMethod.DRAWN)
    copy = RiskDisclosure.model_validate_json(original.model_dump_json())
    assert copy.content_hash == original.content_hash
    edited = original.model_copy(update={"text": original.text + " Extra."})
    assert edited.content_hash != original.content_hash
    bumped = original.model_copy(update={"version": original.version + 1})
    assert bumped.content_hash != original.content_hash


def test_no_disclosure_claims_a_software_key_or_code_can_be_qualified() -> None:
    software = disclosure_for(SigningMethod.SOFTWARE_KEY).text
    assert "never a qualified electronic signature" in software
    assert "never reported as made with a secure signature creation device" in software
    assert "never a qualified" in disclosure_for(SigningMethod.ONE_TIME_CODE).text


def test_method_follows_from_the_device_kind() -> None:
    assert method_for_device(DeviceKind.SOFTWARE) is SigningMethod.SOFTWARE_KEY
    assert method_for_device(DeviceKind.PKCS11) is SigningMethod.SMART_CARD
    assert method_for_device(DeviceKind.REMOTE) is SigningMethod.REMOTE_QSCD
    assert method_for_device(DeviceKind.FAKE) is None


def test_session_infers_method_and_refuses_one_that_misleads(
    esig_sample_pdf: Path, esig_device: SoftwareKey
) -> None:
    assert SigningSession(esig_sample_pdf, esig_device).method is SigningMethod.SOFTWARE_KEY
    platform = SigningSession(esig_sample_pdf, esig_device, method=SigningMethod.ONE_TIME_CODE)
    assert platform.disclosure.method is SigningMethod.ONE_TIME_CODE
    with pytest.raises(UnsuitableMethodError) as caught:
        SigningSession(esig_sample_pdf, esig_device, method=SigningMethod.SMART_CARD)
    assert caught.value.method is SigningMethod.SMART_CARD
    assert caught.value.device_kind is DeviceKind.SOFTWARE


# -- presentation ----------------------------------------------------------------------


def test_present_gives_digest_page_count_and_png_pages(
    esig_sample_pdf: Path, esig_device: SoftwareKey
) -> None:
    require_tool("pdftoppm")
    presentation = SigningSession(esig_sample_pdf, esig_device).present()
    data = esig_sample_pdf.read_bytes()
    assert presentation.document_sha256 == hashlib.sha256(data).hexdigest()
    assert presentation.document_size == len(data)
    assert presentation.page_count == 1
    assert presentation.rendered
    assert presentation.renderer == "pdftoppm"
    assert all(page.startswith(PNG_MAGIC) for page in presentation.pages)
    again = Presentation.model_validate_json(presentation.model_dump_json())
    assert again == presentation


def test_without_a_renderer_the_presentation_says_so(
    esig_sample_pdf: Path, esig_device: SoftwareKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("esig.signing.session.find_renderer", lambda: None)
    session = SigningSession(esig_sample_pdf, esig_device)
    presentation = session.present()
    assert not presentation.rendered
    assert presentation.pages == ()
    assert presentation.note is not None and "no renderer" in presentation.note
    # The digest is still bound; the evidence says the pages were not shown by esig.
    session.acknowledge(session.disclosure.content_hash)
    result = session.sign(esig_sample_pdf.with_name("out.pdf"))
    assert result.evidence.find(BES.ART_2_1_B).status is Art2Status.NOT_SHOWN


def test_two_sessions_in_a_row_keep_both_signatures_valid(
    tmp_path: Path, signed_pdf: Path, esig_signers: TestSigners, esig_root_pem: Path
) -> None:
    # an already signed document (no AlreadySignedError since 0.2), then two sessions
    first = _ready_session(signed_pdf, esig_signers.person.device()).sign(tmp_path / "two.pdf")
    second = _ready_session(first.path, esig_signers.company_officer.device()).sign(
        tmp_path / "three.pdf"
    )
    report = esig.verify_pdf(second.path, trust=[esig_root_pem])
    assert [s.indication.value for s in report.signatures] == ["TOTAL-PASSED"] * 3, report.to_text()
    assert report.signatures[0].find(esig.CheckId.EVIDENCE_RECORD) == ()
    for signature in report.signatures[1:]:
        [finding] = signature.find(esig.CheckId.EVIDENCE_RECORD)
        assert finding.outcome is esig.Outcome.PASSED
        assert "Signing-session evidence" in finding.message
    evidence = read_session_evidence(second.path)
    assert evidence is not None
    assert evidence.document_sha256 == hashlib.sha256(first.path.read_bytes()).hexdigest()
    assert read_session_evidence(first.path) == first.evidence
    pdfsig = require_tool("pdfsig")
    run = subprocess.run([pdfsig, str(second.path)], capture_output=True, text=True, check=False)
    assert run.stdout.count("Signature is Valid.") == 3
    assert AlreadySignedError.__doc__ is not None  # kept for compatibility


def test_present_refuses_what_is_not_a_pdf(tmp_path: Path, esig_device: SoftwareKey) -> None:
    text = tmp_path / "note.txt"
    text.write_text("not a pdf")
    with pytest.raises(esig.NotAPdfError):
        SigningSession(text, esig_device).present()


# -- refusals --------------------------------------------------------------------------


def test_sign_without_presentation_is_refused(
    tmp_path: Path, esig_sample_pdf: Path, esig_device: SoftwareKey
) -> None:
    session = SigningSession(esig_sample_pdf, esig_device)
    session.acknowledge(session.disclosure.content_hash)
    out = tmp_path / "out.pdf"
    with pytest.raises(NotPresentedError):
        session.sign(out)
    assert not out.exists()


def test_sign_without_acknowledgement_is_refused(
    tmp_path: Path, esig_sample_pdf: Path, esig_device: SoftwareKey
) -> None:
    session = SigningSession(esig_sample_pdf, esig_device)
    session.present()
    out = tmp_path / "out.pdf"
    with pytest.raises(NotAcknowledgedError):
        session.sign(out)
    assert not out.exists()


def test_acknowledging_another_text_is_refused(
    tmp_path: Path, esig_sample_pdf: Path, esig_device: SoftwareKey
) -> None:
    session = SigningSession(esig_sample_pdf, esig_device)
    session.present()
    wrong = disclosure_for(SigningMethod.SMART_CARD).content_hash
    with pytest.raises(DisclosureMismatchError) as caught:
        session.acknowledge(wrong)
    assert caught.value.given == wrong
    assert caught.value.expected == session.disclosure.content_hash
    assert session.acknowledgement is None
    with pytest.raises(NotAcknowledgedError):
        session.sign(tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()


def test_document_changed_after_presentation_is_refused(
    tmp_path: Path, esig_sample_pdf: Path, esig_device: SoftwareKey
) -> None:
    session = _ready_session(esig_sample_pdf, esig_device)
    presented = session.presentation
    assert presented is not None
    original = esig_sample_pdf.read_bytes()
    changed = original.replace(b"%%EOF", b"%%EOF\n% an added comment\n")
    esig_sample_pdf.write_bytes(changed)
    out = tmp_path / "out.pdf"
    with pytest.raises(DocumentChangedError) as caught:
        session.sign(out)
    assert caught.value.presented_sha256 == presented.document_sha256
    assert caught.value.current_sha256 == hashlib.sha256(changed).hexdigest()
    assert not out.exists()
    assert list(tmp_path.glob(".out.pdf.*")) == []  # no temporary file left either


def test_an_acknowledgement_is_good_for_one_signature(
    tmp_path: Path, esig_sample_pdf: Path, esig_device: SoftwareKey
) -> None:
    session = _ready_session(esig_sample_pdf, esig_device)
    session.sign(tmp_path / "one.pdf")
    with pytest.raises(NotAcknowledgedError):
        session.sign(tmp_path / "two.pdf")
    assert not (tmp_path / "two.pdf").exists()


# -- the happy path ----------------------------------------------------------------------


def test_session_signature_verifies_in_esig_and_pdfsig(
    session_signed: Path, esig_root_pem: Path, esig_sample_pdf: Path
) -> None:
    report = esig.verify_pdf(session_signed, trust=[esig_root_pem])
    assert report.passed
    assert len(report.signatures) == 1
    pdfsig = require_tool("pdfsig")
    run = subprocess.run([pdfsig, str(session_signed)], capture_output=True, text=True, check=False)
    assert "Signature is Valid." in run.stdout
    assert "Total document signed" in run.stdout
    # The input is untouched, and the signed file starts with exactly its bytes.
    assert session_signed.read_bytes().startswith(esig_sample_pdf.read_bytes())


def _record_hex_at(data: bytes, text: bytes) -> int:
    needle = text.hex().encode()
    at = max(data.find(needle), data.find(needle.upper()))
    assert at > 0
    return at


def test_evidence_is_a_signed_attribute_not_an_attachment(session_signed: Path) -> None:
    pdfdetach = require_tool("pdfdetach")
    run = subprocess.run(
        [pdfdetach, "-list", str(session_signed)], capture_output=True, text=True, check=False
    )
    assert "esig-evidence.json" not in run.stdout
    data = session_signed.read_bytes()
    assert b"EmbeddedFiles" not in data
    start, length, gap_end, length2 = _byte_range(data)
    assert start == 0 and gap_end + length2 == len(data)
    record_at = _record_hex_at(data, b'"document_sha256"')
    assert length < record_at < gap_end  # inside /Contents: in the CMS signed attributes


def test_read_session_evidence_returns_what_was_presented_and_acknowledged(
    session_signed: Path, esig_sample_pdf: Path
) -> None:
    evidence = read_session_evidence(session_signed)
    assert evidence is not None
    assert evidence == read_session_evidence(session_signed.read_bytes())
    assert evidence.document_sha256 == hashlib.sha256(esig_sample_pdf.read_bytes()).hexdigest()
    assert evidence.page_count == 1
    shown = disclosure_for(SigningMethod.SOFTWARE_KEY)
    assert evidence.disclosure == shown
    assert evidence.acknowledgement.disclosure_hash == shown.content_hash
    assert evidence.acknowledgement.method is SigningMethod.SOFTWARE_KEY
    assert evidence.acknowledgement.signer_statement == "I read it."
    assert evidence.acknowledgement.acknowledged_at.tzinfo is not None
    assert evidence.find(BES.ART_2_2).status is Art2Status.MET


def test_software_key_evidence_is_never_a_qscd(session_signed: Path) -> None:
    evidence = read_session_evidence(session_signed)
    assert evidence is not None
    assert evidence.device.kind is DeviceKind.SOFTWARE
    assert evidence.device.key_extractable is True
    assert evidence.qscd is False
    assert evidence.find(BES.ART_2_1_A_1).status is Art2Status.NOT_SHOWN
    assert evidence.find(BES.ART_2_1_A_3).status is Art2Status.NOT_SHOWN
    assert evidence.find(BES.ART_2_1_B).status is Art2Status.MET
    # Even a software device that claimed to be a QSCD would not be reported as one.
    claimed = evidence.device.model_copy(update={"qscd_claimed": True})
    assert evidence.model_copy(update={"device": claimed}).qscd is False


def test_secure_device_evidence_meets_art_2_1_a() -> None:
    disclosure = disclosure_for(SigningMethod.SMART_CARD)
    now = dt.datetime.now(dt.UTC)
    evidence = SessionEvidence(
        document_sha256="0" * 64,
        document_size=10,
        page_count=1,
        rendered=True,
        presented_at=now,
        disclosure=disclosure,
        acknowledgement=Acknowledgement(
            method=disclosure.method,
            disclosure_version=disclosure.version,
            disclosure_hash=disclosure.content_hash,
            acknowledged_at=now,
        ),
        device=DeviceEvidence(
            kind=DeviceKind.PKCS11,
            description="eID card",
            key_extractable=False,
            authentication_per_use=True,
            qscd_claimed=True,
        ),
    )
    assert evidence.qscd is True
    assert {f.status for f in evidence.assessment} == {Art2Status.MET}
    with pytest.raises(ValueError, match="another disclosure"):
        SessionEvidence.model_validate(
            {
                **evidence.model_dump(),
                "disclosure": disclosure_for(SigningMethod.DRAWN).model_dump(),
            }
        )


def test_async_sign_and_sign_inside_a_running_loop(
    tmp_path: Path, esig_sample_pdf: Path, esig_device: SoftwareKey, esig_root_pem: Path
) -> None:
    async def both() -> None:
        session = SigningSession(esig_sample_pdf, esig_device)
        await session.async_present()
        session.acknowledge(session.disclosure.content_hash)
        await session.async_sign(tmp_path / "async.pdf")
        session.acknowledge(session.disclosure.content_hash)
        session.sign(tmp_path / "sync-in-loop.pdf")  # no asyncio.run underneath

    asyncio.run(both())
    for name in ("async.pdf", "sync-in-loop.pdf"):
        assert esig.verify_pdf(tmp_path / name, trust=[esig_root_pem]).passed
        assert read_session_evidence(tmp_path / name) is not None


def test_existing_attachments_are_kept_and_a_stale_record_ignored(
    tmp_path: Path, esig_sample_pdf: Path, esig_device: SoftwareKey, esig_root_pem: Path
) -> None:
    pdfattach = require_tool("pdfattach")
    pdfdetach = require_tool("pdfdetach")
    attached = esig_sample_pdf
    for index, name in enumerate(("zzz.txt", "esig-evidence.json", "aaa.txt")):
        extra = tmp_path / name
        extra.write_text('{"forged": true}' if name.endswith(".json") else name)
        target = tmp_path / f"attached-{index}.pdf"
        subprocess.run([pdfattach, str(attached), str(extra), str(target)], check=True)
        attached = target
    out = tmp_path / "out.pdf"
    _ready_session(attached, esig_device).sign(out)
    listing = subprocess.run(
        [pdfdetach, "-list", str(out)], capture_output=True, text=True, check=True
    ).stdout
    assert re.findall(r"^\d+: (.+)$", listing, re.MULTILINE) == [
        "aaa.txt",
        "esig-evidence.json",
        "zzz.txt",
    ]
    assert esig.verify_pdf(out, trust=[esig_root_pem]).passed
    evidence = read_session_evidence(out)
    assert evidence is not None
    assert evidence.document_sha256 == hashlib.sha256(attached.read_bytes()).hexdigest()


# -- tampering and binding -----------------------------------------------------------------


def test_tampering_with_the_evidence_breaks_the_signature(
    session_signed: Path, esig_root_pem: Path
) -> None:
    data = session_signed.read_bytes()
    _, length, gap_end, _ = _byte_range(data)
    digest_value = _record_hex_at(data, b'"document_sha256":"') + 2 * len(b'"document_sha256":"')
    assert length < digest_value < gap_end  # in the signed attributes
    tampered = session_signed.with_name("tampered.pdf")
    tampered.write_bytes(flip_byte(data, digest_value))
    report = esig.verify_pdf(tampered, trust=[esig_root_pem])
    assert not report.passed
    integrity = report.signatures[0].integrity
    assert integrity is not None and not integrity.intact


def test_a_later_plain_signature_does_not_inherit_the_evidence(
    session_signed: Path, esig_device: SoftwareKey
) -> None:
    resigned = esig.sign_pdf_bytes(session_signed.read_bytes(), esig_device)
    assert read_session_evidence(resigned) is None
    # The session signature's own revision still carries it.
    assert read_session_evidence(session_signed) is not None


def test_documents_without_session_evidence_give_none(
    signed_pdf: Path, esig_sample_pdf: Path
) -> None:
    assert read_session_evidence(signed_pdf) is None
    assert read_session_evidence(esig_sample_pdf) is None
