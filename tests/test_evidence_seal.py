"""The sealed evidence record: seal, verify, level (SES/AES, never QES), tampering, judges."""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
import subprocess
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

import esig
from esig._pyhanko.pades import sign_pades
from esig._pyhanko.signer import to_asn1
from esig.devices.base import DigestAlgorithm
from esig.evidence import (
    CodeChannel,
    EmailCodeSender,
    EvidenceMethod,
    EvidenceMismatchError,
    EvidenceRecord,
    EvidenceSession,
    OneTimeCodes,
    SealedDocument,
    Signatory,
    SmtpSettings,
    click_to_accept,
    drawn_signature,
    read_evidence_records,
    seal_with_evidence,
)
from esig.issuance import TestPKI
from esig.levels import Level, RequirementId, RequirementStatus
from esig.signing import TimestampService, sign_pdf
from esig.signing.session import DocumentChangedError, NotAcknowledgedError
from esig.testing import TestSigners, require_tool
from esig.testing.services import LocalTrustServices
from esig.testing.smtp import LocalSmtpServer
from esig.verification import CheckId, Indication, Outcome, SignatureReport
from tests.test_evidence_methods import png_bytes

ANNA = Signatory(name="Anna de Vries", email="anna@example.org", phone="+59977012345")
CODE_IN_TEXT = re.compile(r"\b(\d{6})\b")


def _email_session(document: Path, smtp: LocalSmtpServer) -> EvidenceSession:
    """Present, acknowledge and authenticate with a code read back from the real message."""
    session = EvidenceSession(
        document, signatory=ANNA, method=EvidenceMethod.EMAIL_CODE, platform="Acme Sign"
    )
    session.present()
    session.acknowledge(session.disclosure.content_hash, signer_statement="I have read it.")
    codes = OneTimeCodes()
    challenge, code = codes.issue(CodeChannel.EMAIL, ANNA.email or "")
    settings = SmtpSettings(host=smtp.host, port=smtp.port, sender="sign@acme.example")
    EmailCodeSender(settings).send_code(challenge, code, document_name=document.name)
    typed = CODE_IN_TEXT.search(smtp.messages[-1].body)
    assert typed is not None
    session.add_code(codes.verify(challenge.code_id, typed.group(1)))
    return session


def _record_offset(data: bytes) -> int:
    """Where the signatory's email address sits in the hex of /Contents (case as written)."""
    needle = b"anna@example.org".hex().encode()
    at = max(data.find(needle), data.find(needle.upper()))
    assert at > 0  # the record is inside /Contents, hex-encoded
    return at


def _only(report: esig.VerificationReport) -> SignatureReport:
    [signature] = report.signatures
    return signature


def _finding(signature: SignatureReport, check: CheckId) -> esig.Finding:
    [found] = signature.find(check)
    return found


@pytest.fixture
def sealed(
    tmp_path: Path,
    esig_sample_pdf: Path,
    esig_smtp_server: LocalSmtpServer,
    esig_signers: TestSigners,
) -> SealedDocument:
    session = _email_session(esig_sample_pdf, esig_smtp_server)
    return session.seal(tmp_path / "sealed.pdf", esig_signers.seal.device())


def _verify(path: Path | bytes, pki: TestPKI) -> esig.VerificationReport:
    return esig.verify_pdf(path, trust=[pki.root.certificate])


# -- round trip -------------------------------------------------------------------------


def test_an_email_code_signature_round_trips_and_is_simple_with_strong_evidence(
    sealed: SealedDocument, esig_pki: TestPKI, esig_sample_pdf: Path
) -> None:
    signature = _only(_verify(sealed.path, esig_pki))
    assert signature.indication is Indication.TOTAL_PASSED
    finding = _finding(signature, CheckId.EVIDENCE_RECORD)
    assert finding.outcome is Outcome.PASSED
    assert "Anna de Vries (anna@example.org)" in finding.message
    level = signature.level
    # the code ties Anna (strong evidence), but it authorised the platform's key, not
    # signature creation data under her sole control (eIDAS art. 26(c), BES art. 1(c))
    assert level.level is Level.SES
    assert not level.is_seal  # the person's signature, not the platform's seal
    linked = level.result(RequirementId.UNIQUELY_LINKED)
    assert linked.status is RequirementStatus.MET and "Anna de Vries" in linked.evidence
    sole = level.result(RequirementId.SOLE_CONTROL)
    assert sole.status is RequirementStatus.NOT_MET
    assert "platform's key" in sole.evidence
    assert "Not advanced" in (level.next_step or "")
    # the record reads back exactly, and names the presented document
    [found] = read_evidence_records(sealed.path)
    assert found.record == sealed.record
    assert found.describes_signed_revision
    digest = hashlib.sha256(esig_sample_pdf.read_bytes()).hexdigest()
    assert found.record.what.document_sha256 == digest


def test_the_report_names_the_signatory_and_the_sealing_party_apart(
    sealed: SealedDocument, esig_pki: TestPKI
) -> None:
    report = _verify(sealed.path, esig_pki)
    signature = _only(report)
    assert signature.signatory == "Anna de Vries (anna@example.org)"
    assert signature.signer is not None  # the platform's seal certificate
    assert signature.signer.display != "Anna de Vries"
    text = report.to_text()
    assert "Signatory:   Anna de Vries (anna@example.org)" in text
    assert f"Sealed by:   {signature.signer.display}" in text
    assert "  Signer:  " not in text  # not the platform shown as the one who signed
    html = report.to_html()
    assert "Signatory" in html and "Sealed by" in html
    # a name keeps its capitals inside the level's sentences
    everything = " ".join([signature.level.summary, signature.level.next_step or ""])
    assert "anna de Vries" not in everything
    assert "Anna de Vries" in everything


def test_nothing_is_added_outside_the_signature(sealed: SealedDocument) -> None:
    data = sealed.path.read_bytes()
    assert b"EmbeddedFiles" not in data
    assert b"esig-evidence" not in data


def test_a_drawn_signature_alone_is_simple(
    tmp_path: Path, esig_sample_pdf: Path, esig_signers: TestSigners, esig_pki: TestPKI
) -> None:
    session = EvidenceSession(
        esig_sample_pdf, signatory=ANNA, method=EvidenceMethod.DRAWN, platform="Acme Sign"
    )
    session.present()
    session.acknowledge(session.disclosure.content_hash)
    session.add_step(drawn_signature(png_bytes(), strokes=[[(1, 1, 0), (5, 3, 20)]]))
    result = session.seal(tmp_path / "drawn.pdf", esig_signers.seal.device())
    signature = _only(_verify(result.path, esig_pki))
    assert signature.indication is Indication.TOTAL_PASSED
    assert signature.level.level is Level.SES
    unique = signature.level.result(RequirementId.UNIQUELY_LINKED)
    assert unique.status is RequirementStatus.NOT_MET
    assert "drawing can be copied" in unique.evidence


def test_click_to_accept_is_simple(
    tmp_path: Path, esig_sample_pdf: Path, esig_signers: TestSigners, esig_pki: TestPKI
) -> None:
    session = EvidenceSession(
        esig_sample_pdf,
        signatory=ANNA,
        method=EvidenceMethod.CLICK_TO_ACCEPT,
        platform="Acme Sign",
    )
    session.present()
    session.acknowledge(session.disclosure.content_hash)
    session.add_step(click_to_accept("I agree to sign this lease."))
    result = session.seal(tmp_path / "click.pdf", esig_signers.seal.device())
    signature = _only(_verify(result.path, esig_pki))
    assert signature.level.level is Level.SES
    assert "click-to-accept" in _finding(signature, CheckId.EVIDENCE_RECORD).message


def test_never_qualified_even_with_a_qualified_seal(
    tmp_path: Path,
    esig_sample_pdf: Path,
    esig_smtp_server: LocalSmtpServer,
    esig_signers: TestSigners,
    esig_pki: TestPKI,
) -> None:
    # the same qualified seal, without a record, is a qualified seal's worth of evidence
    plain = tmp_path / "plain.pdf"
    sign_pdf(esig_sample_pdf, plain, esig_signers.qualified_seal.device())
    plain_level = _only(_verify(plain, esig_pki)).level
    assert plain_level.result(RequirementId.QUALIFIED_CERTIFICATE).status is RequirementStatus.MET
    # with a record, the signatory is Anna, who holds no qualified certificate
    session = _email_session(esig_sample_pdf, esig_smtp_server)
    result = session.seal(tmp_path / "q.pdf", esig_signers.qualified_seal.device())
    level = _only(_verify(result.path, esig_pki)).level
    assert level.level is Level.SES
    for rid in (
        RequirementId.QUALIFIED_CERTIFICATE,
        RequirementId.QUALIFIED_DEVICE,
        RequirementId.RECOGNISED_PROVIDER,
    ):
        assert level.result(rid).status is RequirementStatus.NOT_MET
    assert "Anna de Vries" in level.result(RequirementId.QUALIFIED_CERTIFICATE).evidence
    assert level.label.value == "NotAdES"  # Anna's act is no AdES, whatever the seal


def test_an_untrusted_seal_is_not_advanced(
    sealed: SealedDocument, esig_trust_services: LocalTrustServices
) -> None:
    # verified against another root: the seal (and so the record) is not trusted
    signature = _only(esig.verify_pdf(sealed.path, trust=[esig_trust_services.root_certificate]))
    assert signature.level.level is Level.SES


# -- tampering --------------------------------------------------------------------------


def test_a_changed_byte_in_the_record_breaks_the_seal(
    sealed: SealedDocument, esig_pki: TestPKI, tmp_path: Path
) -> None:
    data = sealed.path.read_bytes()
    at = _record_offset(data)
    tampered = data[:at] + b"B" + data[at + 1 :]  # 'a' (0x61) becomes 0xb1
    assert tampered != data
    signature = _only(_verify(tampered, esig_pki))
    assert signature.indication is Indication.TOTAL_FAILED
    assert _finding(signature, CheckId.INTEGRITY).outcome is Outcome.FAILED
    assert signature.level.level is Level.NONE
    path = tmp_path / "tampered.pdf"
    path.write_bytes(tampered)
    assert "Signature is Valid." not in _pdfsig(path)


def test_a_changed_document_breaks_the_seal(sealed: SealedDocument, esig_pki: TestPKI) -> None:
    data = bytearray(sealed.path.read_bytes())
    at = data.find(b"/MediaBox")
    data[at + 1] ^= 0x20  # /mediaBox: inside the signed range
    signature = _only(_verify(bytes(data), esig_pki))
    assert signature.indication is Indication.TOTAL_FAILED
    assert signature.level.level is Level.NONE


def _seal_raw(source: bytes, device: esig.SignatureCreationDevice, evidence: bytes) -> bytes:
    out = io.BytesIO()
    asyncio.run(
        sign_pades(
            io.BytesIO(source),
            out,
            device,
            field_name=None,
            digest_algorithm=DigestAlgorithm.SHA256,
            reason=None,
            location=None,
            contact_info=None,
            evidence=evidence,
        )
    )
    return out.getvalue()


def test_a_record_for_another_document_is_detected(
    sealed: SealedDocument, esig_signers: TestSigners, esig_pki: TestPKI, tmp_path: Path
) -> None:
    # a validly sealed record, re-used on another document: the seal verifies, the
    # record does not describe what the seal extends
    other = sign_pdf_bytes_of_other(tmp_path, esig_signers)
    resealed = _seal_raw(other, esig_signers.seal.device(), sealed.record.canonical_json())
    signature = _only_last(_verify(resealed, esig_pki))
    assert _finding(signature, CheckId.INTEGRITY).outcome is Outcome.PASSED
    finding = _finding(signature, CheckId.EVIDENCE_RECORD)
    assert finding.outcome is Outcome.FAILED
    assert "another document" in finding.message
    assert signature.indication is Indication.TOTAL_FAILED
    assert signature.level.result(RequirementId.LINKED_TO_DATA).status is RequirementStatus.NOT_MET
    # and esig itself refuses to make such a seal
    doc = tmp_path / "other.pdf"
    doc.write_bytes(other)
    with pytest.raises(EvidenceMismatchError):
        seal_with_evidence(doc, tmp_path / "x.pdf", esig_signers.seal.device(), sealed.record)
    assert not (tmp_path / "x.pdf").exists()


def sign_pdf_bytes_of_other(tmp_path: Path, signers: TestSigners) -> bytes:
    """Another document: the sample signed once by someone, so its bytes differ."""
    src = tmp_path / "src.pdf"
    src.write_bytes(esig.demo.sample_pdf())
    out = tmp_path / "other-signed.pdf"
    sign_pdf(src, out, signers.person.device())
    return out.read_bytes()


def _only_last(report: esig.VerificationReport) -> SignatureReport:
    return report.signatures[-1]


def test_a_malformed_record_is_reported(
    esig_sample_pdf: Path, esig_signers: TestSigners, esig_pki: TestPKI
) -> None:
    data = _seal_raw(esig_sample_pdf.read_bytes(), esig_signers.seal.device(), b'{"who": 1}')
    signature = _only(_verify(data, esig_pki))
    assert _finding(signature, CheckId.INTEGRITY).outcome is Outcome.PASSED
    finding = _finding(signature, CheckId.EVIDENCE_RECORD)
    assert finding.outcome is Outcome.FAILED
    assert "cannot be read" in finding.message
    assert signature.level.level is not Level.AES


def test_a_plain_seal_has_no_evidence_finding(signed_pdf: Path, esig_pki: TestPKI) -> None:
    signature = _only(_verify(signed_pdf, esig_pki))
    assert signature.find(CheckId.EVIDENCE_RECORD) == ()


def test_a_changed_document_after_presentation_is_refused(
    tmp_path: Path,
    esig_sample_pdf: Path,
    esig_smtp_server: LocalSmtpServer,
    esig_signers: TestSigners,
) -> None:
    session = _email_session(esig_sample_pdf, esig_smtp_server)
    esig_sample_pdf.write_bytes(esig_sample_pdf.read_bytes() + b"\n% changed\n")
    with pytest.raises(DocumentChangedError):
        session.seal(tmp_path / "out.pdf", esig_signers.seal.device())
    assert not (tmp_path / "out.pdf").exists()


def test_no_seal_without_acknowledgement(
    tmp_path: Path, esig_sample_pdf: Path, esig_signers: TestSigners
) -> None:
    session = EvidenceSession(
        esig_sample_pdf, signatory=ANNA, method=EvidenceMethod.DRAWN, platform="Acme Sign"
    )
    session.present()
    session.add_step(drawn_signature(png_bytes()))
    with pytest.raises(NotAcknowledgedError):
        session.seal(tmp_path / "out.pdf", esig_signers.seal.device())


# -- several signers; trusted time ------------------------------------------------------


def test_sealing_a_document_signed_by_others_keeps_every_signature(
    tmp_path: Path,
    signed_pdf: Path,
    esig_smtp_server: LocalSmtpServer,
    esig_signers: TestSigners,
    esig_pki: TestPKI,
) -> None:
    first = _email_session(signed_pdf, esig_smtp_server).seal(
        tmp_path / "two.pdf", esig_signers.seal.device()
    )
    second = _email_session(first.path, esig_smtp_server).seal(
        tmp_path / "three.pdf", esig_signers.seal.device()
    )
    report = _verify(second.path, esig_pki)
    assert len(report.signatures) == 3
    assert report.passed, report.to_text()
    levels = [s.level.eidas_level for s in report.signatures]
    # the first is a certificate signature; the two code signatures are simple
    assert levels == [Level.AES, Level.SES, Level.SES]
    assert report.signatures[0].find(CheckId.EVIDENCE_RECORD) == ()
    records = read_evidence_records(second.path)
    assert [r.record.record_id for r in records] == [
        first.record.record_id,
        second.record.record_id,
    ]
    assert all(r.describes_signed_revision for r in records)


def test_a_timestamp_gives_the_record_trusted_time(
    tmp_path: Path,
    esig_sample_pdf: Path,
    esig_smtp_server: LocalSmtpServer,
    esig_trust_services: LocalTrustServices,
) -> None:
    session = _email_session(esig_sample_pdf, esig_smtp_server)
    tsa = TimestampService(url=esig_trust_services.tsa_url)
    platform = esig_trust_services.signer.device()  # its chain also issues the TSA
    result = session.seal(tmp_path / "bt.pdf", platform, timestamp=tsa)
    assert result.level is esig.BaselineLevel.B_T
    # B-T carries no revocation data: the signer's and the TSA's status are fetched
    report = esig.verify_pdf(
        result.path, trust=[esig_trust_services.root_certificate], allow_fetching=True
    )
    signature = _only(report)
    assert signature.signing_time_source.value == "timestamp"
    assert signature.signing_time is not None
    assert signature.signing_time >= result.record.when.replace(microsecond=0)
    assert _finding(signature, CheckId.EVIDENCE_RECORD).outcome is Outcome.PASSED
    assert signature.passed
    assert signature.level.level is Level.SES


# -- the independent judges -------------------------------------------------------------


def _pdfsig(path: Path) -> str:
    tool = require_tool("pdfsig")
    return subprocess.run(
        [tool, path], capture_output=True, text=True, timeout=60, check=False
    ).stdout


def test_pdfsig_and_mutool_accept_the_seal(sealed: SealedDocument) -> None:
    assert "Signature is Valid." in _pdfsig(sealed.path)
    assert "Total document signed" in _pdfsig(sealed.path)
    mutool = require_tool("mutool")
    run = subprocess.run(
        [mutool, "sign", "-v", sealed.path], capture_output=True, text=True, timeout=60, check=False
    )
    assert "The document is unchanged since signing." in run.stdout + run.stderr


def test_pyhankos_validator_accepts_the_seal(sealed: SealedDocument, esig_pki: TestPKI) -> None:
    with sealed.path.open("rb") as handle:
        reader = PdfFileReader(handle)
        [sig] = reader.embedded_signatures
        context = ValidationContext(trust_roots=[to_asn1(esig_pki.root.certificate)])
        status = validate_pdf_signature(sig, context)
    assert status.intact and status.valid and status.trusted
    assert status.bottom_line


def test_pyhankos_validator_rejects_a_changed_record(
    sealed: SealedDocument, esig_pki: TestPKI
) -> None:
    data = sealed.path.read_bytes()
    at = _record_offset(data)
    tampered = data[:at] + b"B" + data[at + 1 :]
    reader = PdfFileReader(io.BytesIO(tampered))
    [sig] = reader.embedded_signatures
    context = ValidationContext(trust_roots=[to_asn1(esig_pki.root.certificate)])
    status = validate_pdf_signature(sig, context)
    assert not status.bottom_line
    assert not (status.intact and status.valid)


def test_the_record_is_the_one_json_the_attribute_holds(sealed: SealedDocument) -> None:
    raw = sealed.record.canonical_json()
    assert raw.hex().encode() in sealed.path.read_bytes().lower()
    assert EvidenceRecord.from_json(raw) == sealed.record
