"""Attacks on signed PDFs, built here: each is flagged with its class; its twin passes.

Each test signs the sample document with esig, then plays the attacker with pyHanko's
incremental writer (or by appending raw bytes, as the published attacks do).
"""

from __future__ import annotations

import io
import re

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers

import esig
from esig._pyhanko.signer import DeviceSigner
from esig.demo import sample_pdf
from esig.issuance import TestPKI
from esig.verification import Attack, CheckId, Indication, Outcome


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI()


@pytest.fixture(scope="module")
def signed(pki: TestPKI) -> bytes:
    return esig.sign_pdf_bytes(sample_pdf(), pki.issue_person("Anna", "de Vries").device())


def _modifications(pki: TestPKI, data: bytes) -> tuple[esig.SignatureReport, esig.Finding]:
    sig = esig.verify_pdf(data, trust=[pki.root.certificate]).signatures[0]
    return sig, sig.find(CheckId.MODIFICATIONS)[0]


def test_the_untouched_twin_passes(pki: TestPKI, signed: bytes) -> None:
    sig, finding = _modifications(pki, signed)
    assert sig.indication is Indication.TOTAL_PASSED
    assert finding.outcome is Outcome.PASSED and finding.attack is None


def test_incremental_saving_attack(pki: TestPKI, signed: bytes) -> None:
    # content after the signed revision that is no valid incremental update
    attacked = signed + b"\n9 0 obj\n(You owe us USD 99 999)\nendobj\n"
    sig, finding = _modifications(pki, attacked)
    assert sig.find(CheckId.INTEGRITY)[0].outcome is Outcome.PASSED
    assert finding.outcome is Outcome.FAILED
    assert finding.attack is Attack.INCREMENTAL_SAVING
    assert sig.indication is Indication.TOTAL_FAILED


def test_whitespace_after_the_signed_revision_is_harmless(pki: TestPKI, signed: bytes) -> None:
    sig, finding = _modifications(pki, signed + b"\r\n\n  \n")
    assert finding.outcome is Outcome.PASSED
    assert sig.indication is Indication.TOTAL_PASSED


def test_shadow_replace(pki: TestPKI, signed: bytes) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Contents"] = writer.add_object(
        generic.StreamObject(
            stream_data=b"BT /F1 24 Tf 1 0 0 1 72 700 Tm (Price: USD 99 999) Tj ET"
        )
    )
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)

    sig, finding = _modifications(pki, out.getvalue())
    assert finding.outcome is Outcome.FAILED
    assert finding.attack is Attack.SHADOW_REPLACE
    assert sig.visual is not None and sig.visual.changed_pages == (1,)


def _append_revision(data: bytes, idnum: int, body: bytes) -> bytes:
    """Append an update that redefines object ``idnum`` with ``body``, xref and trailer."""
    reader = PdfFileReader(io.BytesIO(data))
    size = int(reader.trailer["/Size"])
    root = reader.trailer.raw_get("/Root")
    prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    offset = len(data) + 1
    update = b"\n" + f"{idnum} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(data) + len(update)
    xref = (
        f"xref\n0 1\n0000000000 65535 f \n{idnum} 1\n{offset:010d} 00000 n \n"
        f"trailer\n<< /Size {size} /Root {root.idnum} {root.generation} R /Prev {prev} >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return data + update + xref


def test_shadow_hide_with_a_malformed_redefinition(pki: TestPKI, signed: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(signed))
    contents = reader.root["/Pages"]["/Kids"][0].get_object().raw_get("/Contents")
    # The attacker redefines the page's content stream with a stream that strict parsers
    # cannot read (its /Length lies and it has no endstream), as the RUB demos do.
    attacked = _append_revision(signed, contents.idnum, b"<< /Length 99999 >>\nstream\nBT ET")
    sig, finding = _modifications(pki, attacked)
    assert sig.find(CheckId.INTEGRITY)[0].outcome is Outcome.PASSED
    assert finding.outcome is Outcome.FAILED
    assert finding.attack is Attack.SHADOW_HIDE
    assert sig.indication is Indication.TOTAL_FAILED


def _certify(pki: TestPKI, permission: fields.MDPPerm) -> bytes:
    device = pki.issue_person("Clara", "Certifier").device()
    meta = signers.PdfSignatureMetadata(
        field_name="Certification",
        certify=True,
        docmdp_permissions=permission,
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(sample_pdf()))
    out = io.BytesIO()
    signers.PdfSigner(meta, signer=DeviceSigner(device)).sign_pdf(writer, output=out)
    return out.getvalue()


def _add_annotation(data: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    annot = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/Text"),
                generic.NameObject("/Rect"): generic.ArrayObject(
                    [generic.NumberObject(x) for x in (100, 100, 120, 120)]
                ),
                generic.NameObject("/Contents"): generic.TextStringObject("Void"),
            }
        )
    )
    annots = page["/Annots"]  # keeps the signature widget that is already there
    annots.append(annot)
    writer.update_container(annots if isinstance(annots, generic.IndirectObject) else page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_annotation_added_to_a_certified_document(pki: TestPKI) -> None:
    certified = _certify(pki, fields.MDPPerm.NO_CHANGES)
    twin, _ = _modifications(pki, certified)
    assert twin.indication is Indication.TOTAL_PASSED

    sig, finding = _modifications(pki, _add_annotation(certified))
    assert finding.outcome is Outcome.FAILED
    assert finding.attack is Attack.CERTIFIED_DOCUMENT_CHANGED
    assert sig.indication is Indication.TOTAL_FAILED


def test_annotation_allowed_when_the_certification_permits_it(pki: TestPKI) -> None:
    certified = _certify(pki, fields.MDPPerm.ANNOTATE)
    sig, finding = _modifications(pki, _add_annotation(certified))
    # allowed, not an attack; the note's icon changes the page, so esig says so (INFO)
    assert finding.outcome is Outcome.INFO and finding.attack is None
    assert "Text on page 1" in finding.message
    assert sig.indication is Indication.TOTAL_PASSED


def test_signature_added_to_a_form_fillable_certified_document(pki: TestPKI) -> None:
    certified = _certify(pki, fields.MDPPerm.FILL_FORMS)
    second = esig.sign_pdf_bytes(certified, pki.issue_person("Piet", "Second").device())
    report = esig.verify_pdf(second, trust=[pki.root.certificate])
    assert [s.field_name for s in report.signatures] == ["Certification", "Signature1"]
    assert report.signatures[0].find(CheckId.MODIFICATIONS)[0].outcome is Outcome.PASSED
    assert report.passed


def test_esig_refuses_to_sign_a_document_certified_against_all_changes(pki: TestPKI) -> None:
    certified = _certify(pki, fields.MDPPerm.NO_CHANGES)
    with pytest.raises(esig.SigningError, match="forbids all changes"):
        esig.sign_pdf_bytes(certified, pki.issue_person("Piet", "Second").device())


def test_weird_byte_range_is_named_signature_wrapping(corpus: object) -> None:
    from pathlib import Path

    assert isinstance(corpus, Path)
    sig = esig.verify_pdf(corpus / "coverage" / "weird-byterange.pdf").signatures[0]
    finding = sig.find(CheckId.SIGNED_DATA)[0]
    assert finding.outcome is Outcome.FAILED
    assert finding.attack is Attack.SIGNATURE_WRAPPING
