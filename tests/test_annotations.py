"""Annotations after signing: allowed where the signature permits them, nowhere else.

ISO 32000-2 12.8.2.2.2 (table 257): DocMDP P=3 permits "annotation creation, deletion
and modification"; P=2 and P=1 do not. Each document is signed or certified with esig,
then a reviewer (or an attacker) adds a revision with pyHanko's incremental writer, as
a PDF editor would. Judged by esig, by pyHanko's own validator and by pdfsig.
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel as PyHankoLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

import esig
from esig._pyhanko.signer import to_asn1
from esig.demo import sample_pdf
from esig.issuance import TestPKI
from esig.signing import DocPermission
from esig.testing import require_tool
from esig.verification import Attack, CheckId, Indication, ModificationLevel, Outcome

Edit = Callable[[IncrementalPdfFileWriter, generic.DictionaryObject], None]


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI()


def _sign(pki: TestPKI, tmp: Path, certify: DocPermission | None) -> bytes:
    source, out = tmp / "in.pdf", tmp / f"signed-{certify}.pdf"
    source.write_bytes(sample_pdf())
    esig.sign_pdf(source, out, pki.issue_person("Clara", "Certifier").device(), certify=certify)
    return out.read_bytes()


@pytest.fixture(scope="module")
def documents(pki: TestPKI, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    tmp = tmp_path_factory.mktemp("annotations")
    return {
        "P3": _sign(pki, tmp, DocPermission.ANNOTATIONS),
        "P2": _sign(pki, tmp, DocPermission.FORM_FILLING),
        "P1": _sign(pki, tmp, DocPermission.NO_CHANGES),
        "approval": _sign(pki, tmp, None),
    }


def _name(value: str) -> generic.NameObject:
    return generic.NameObject(value)


def _annotation(subtype: str, rect: tuple[int, ...], **extra: generic.PdfObject) -> dict:
    entries: dict = {
        _name("/Type"): _name("/Annot"),
        _name("/Subtype"): _name(subtype),
        _name("/Rect"): generic.ArrayObject([generic.NumberObject(x) for x in rect]),
        _name("/Contents"): generic.TextStringObject("Reviewed"),
    }
    entries.update({_name(f"/{k}"): v for k, v in extra.items()})
    return entries


def _add(subtype: str = "/Text", **extra: generic.PdfObject) -> Edit:
    def edit(writer: IncrementalPdfFileWriter, page: generic.DictionaryObject) -> None:
        annot = writer.add_object(
            generic.DictionaryObject(_annotation(subtype, (100, 100, 120, 120), **extra))
        )
        page["/Annots"].append(annot)

    return edit


def _revise(data: bytes, *edits: Edit) -> bytes:
    """One incremental update of page 1, as a PDF editor saves it."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    for edit in edits:
        edit(writer, page)
    annots = page.raw_get("/Annots")
    writer.update_container(
        annots.get_object() if isinstance(annots, generic.IndirectObject) else page
    )
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _verify(pki: TestPKI, data: bytes) -> tuple[esig.SignatureReport, esig.Finding]:
    sig = esig.verify_pdf(data, trust=[pki.root.certificate]).signatures[0]
    return sig, sig.find(CheckId.MODIFICATIONS)[0]


def _allowed(pki: TestPKI, data: bytes) -> esig.Finding:
    sig, finding = _verify(pki, data)
    assert finding.outcome in (Outcome.PASSED, Outcome.INFO), finding.message
    assert finding.attack is None
    assert sig.indication is Indication.TOTAL_PASSED
    return finding


def _rejected(pki: TestPKI, data: bytes) -> esig.Finding:
    sig, finding = _verify(pki, data)
    assert sig.find(CheckId.INTEGRITY)[0].outcome is Outcome.PASSED  # the signed bytes are intact
    assert finding.outcome is Outcome.FAILED, finding.message
    assert sig.indication is Indication.TOTAL_FAILED
    return finding


# -- the permission decides ------------------------------------------------------------


def test_a_comment_is_allowed_by_a_certification_that_permits_annotations(
    pki: TestPKI, documents: dict[str, bytes]
) -> None:
    untouched, _ = _verify(pki, documents["P3"])
    assert untouched.indication is Indication.TOTAL_PASSED
    finding = _allowed(pki, _revise(documents["P3"], _add("/Text")))
    assert "Text on page 1" in finding.message
    # the note's icon changes how the page looks: said, not judged
    assert finding.outcome is Outcome.INFO
    assert "may cover the signed content" in finding.message
    assert "--extract-signed" in finding.message


@pytest.mark.parametrize("permission", ["P2", "P1"])
def test_the_same_comment_fails_where_the_certification_does_not_permit_it(
    pki: TestPKI, documents: dict[str, bytes], permission: str
) -> None:
    finding = _rejected(pki, _revise(documents[permission], _add("/Text")))
    assert finding.attack is Attack.CERTIFIED_DOCUMENT_CHANGED
    assert "Text on page 1" in finding.message
    assert "does not permit annotations" in finding.message


def test_a_comment_after_an_approval_signature_is_allowed(
    pki: TestPKI, documents: dict[str, bytes]
) -> None:
    # Without DocMDP the format allows any incremental change; esig keeps its policy
    # of allowing form filling and annotations, and nothing else.
    finding = _allowed(pki, _revise(documents["approval"], _add("/Highlight")))
    assert "Highlight on page 1" in finding.message


def test_several_markup_annotations_with_appearances_and_popups(
    pki: TestPKI, documents: dict[str, bytes]
) -> None:
    def square_with_popup(writer: IncrementalPdfFileWriter, page: generic.DictionaryObject) -> None:
        appearance = writer.add_object(
            generic.StreamObject(
                {
                    _name("/Type"): _name("/XObject"),
                    _name("/Subtype"): _name("/Form"),
                    _name("/BBox"): generic.ArrayObject(
                        [generic.NumberObject(x) for x in (0, 0, 50, 30)]
                    ),
                },
                stream_data=b"1 0 0 RG 2 w 1 1 48 28 re S",
            )
        )
        square = writer.add_object(
            generic.DictionaryObject(
                _annotation(
                    "/Square",
                    (300, 500, 350, 530),
                    AP=generic.DictionaryObject({_name("/N"): appearance}),
                )
            )
        )
        popup = writer.add_object(
            generic.DictionaryObject(_annotation("/Popup", (360, 500, 460, 560), Parent=square))
        )
        square.get_object()[_name("/Popup")] = popup
        page["/Annots"].extend([square, popup])

    data = _revise(documents["P3"], square_with_popup, _add("/Ink"), _add("/StrikeOut"))
    finding = _allowed(pki, data)
    for what in ("Square on page 1", "Popup on page 1", "Ink on page 1", "StrikeOut on page 1"):
        assert what in finding.message


def test_annotations_added_after_signing_may_be_changed_and_removed_again(
    pki: TestPKI, documents: dict[str, bytes]
) -> None:
    commented = _revise(documents["P3"], _add("/Text"))
    writer = IncrementalPdfFileWriter(io.BytesIO(commented))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    note = page["/Annots"][-1].get_object()
    note[_name("/Contents")] = generic.TextStringObject("Reviewed twice")
    writer.update_container(note)
    out = io.BytesIO()
    writer.write(out)
    _allowed(pki, out.getvalue())

    def remove_last(_writer: IncrementalPdfFileWriter, pg: generic.DictionaryObject) -> None:
        del pg["/Annots"][-1]

    removed = _revise(commented, remove_last)
    finding = _allowed(pki, removed)
    assert finding.outcome is Outcome.PASSED  # three revisions, the page looks as signed


# -- what P=3 still does not allow -----------------------------------------------------


def test_a_link_that_runs_javascript_is_not_a_comment(
    pki: TestPKI, documents: dict[str, bytes]
) -> None:
    action = generic.DictionaryObject(
        {_name("/S"): _name("/JavaScript"), _name("/JS"): generic.TextStringObject("app.alert(1)")}
    )
    finding = _rejected(pki, _revise(documents["P3"], _add("/Link", A=action)))
    assert "Link" in finding.message
    # a markup type does not make an action acceptable either
    finding = _rejected(pki, _revise(documents["P3"], _add("/Text", A=action)))
    assert "action" in finding.message


@pytest.mark.parametrize("subtype", ["/Redact", "/Sound", "/Screen", "/Widget"])
def test_annotation_types_that_are_not_comments_are_rejected(
    pki: TestPKI, documents: dict[str, bytes], subtype: str
) -> None:
    _rejected(pki, _revise(documents["P3"], _add(subtype)))


def test_a_comment_cannot_carry_a_change_to_the_page_content(
    pki: TestPKI, documents: dict[str, bytes]
) -> None:
    def replace_content(writer: IncrementalPdfFileWriter, page: generic.DictionaryObject) -> None:
        page["/Contents"] = writer.add_object(
            generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 700 Td (Price: USD 99 999) Tj ET")
        )

    finding = _rejected(pki, _revise(documents["P3"], _add("/Text"), replace_content))
    assert finding.attack is Attack.CERTIFIED_DOCUMENT_CHANGED
    assert "page 1 was changed beyond its /Annots" in finding.message


def test_the_signed_annotations_must_stay(pki: TestPKI, documents: dict[str, bytes]) -> None:
    # the certification's own widget is in /Annots: taking it out hides the signature
    def drop_signed(_writer: IncrementalPdfFileWriter, page: generic.DictionaryObject) -> None:
        del page["/Annots"][0]

    finding = _rejected(pki, _revise(documents["P3"], drop_signed, _add("/Text")))
    assert "present when the document was signed were removed" in finding.message


def test_an_annots_entry_may_not_point_at_signed_objects(
    pki: TestPKI, documents: dict[str, bytes]
) -> None:
    # an "annotation" that is really the page's own content stream, or the catalog
    reader = PdfFileReader(io.BytesIO(documents["P3"]))
    contents = reader.root["/Pages"]["/Kids"][0].get_object().raw_get("/Contents")

    def reuse(_writer: IncrementalPdfFileWriter, page: generic.DictionaryObject) -> None:
        page["/Annots"].append(generic.IndirectObject(contents.idnum, contents.generation, None))

    _rejected(pki, _revise(documents["P3"], reuse))


def test_an_opaque_annotation_over_the_signed_text_is_reported(
    pki: TestPKI, documents: dict[str, bytes]
) -> None:
    def cover(writer: IncrementalPdfFileWriter, page: generic.DictionaryObject) -> None:
        box = page["/MediaBox"]
        appearance = writer.add_object(
            generic.StreamObject(
                {
                    _name("/Type"): _name("/XObject"),
                    _name("/Subtype"): _name("/Form"),
                    _name("/BBox"): generic.ArrayObject(list(box)),
                },
                stream_data=b"1 g 0 0 2000 2000 re f",
            )
        )
        annot = writer.add_object(
            generic.DictionaryObject(
                {
                    **_annotation("/FreeText", tuple(int(x) for x in box)),
                    _name("/AP"): generic.DictionaryObject({_name("/N"): appearance}),
                }
            )
        )
        page["/Annots"].append(annot)

    finding = _allowed(pki, _revise(documents["P3"], cover))
    assert finding.outcome is Outcome.INFO
    assert "FreeText on page 1" in finding.message
    assert "may cover the signed content" in finding.message


# -- the other judges ------------------------------------------------------------------


def test_pyhanko_default_policy_rejects_what_esig_allows_under_p3(
    pki: TestPKI, documents: dict[str, bytes]
) -> None:
    """pyHanko 0.38 counts annotations as 'other': its default policy is stricter."""
    data = _revise(documents["P3"], _add("/Text"))
    reader = PdfFileReader(io.BytesIO(data))
    context = ValidationContext(trust_roots=[to_asn1(pki.root.certificate)])
    status = validate_pdf_signature(reader.embedded_signatures[0], context)
    assert status.intact and status.valid
    assert status.modification_level is PyHankoLevel.OTHER
    assert status.docmdp_ok is False
    # esig's policy classifies the same revision, and P=3 allows it
    assert _verify(pki, data)[0].modifications is ModificationLevel.ANNOTATIONS


def test_pdfsig_still_validates_the_signed_revision(
    pki: TestPKI, documents: dict[str, bytes], tmp_path: Path
) -> None:
    commented = tmp_path / "commented.pdf"
    commented.write_bytes(_revise(documents["P3"], _add("/Text")))
    out = subprocess.run(
        [require_tool("pdfsig"), str(commented)], capture_output=True, text=True, check=False
    ).stdout
    assert "Signature is Valid." in out
    assert "Not total document signed" in out


def test_an_annotation_cannot_define_an_object_the_signed_page_already_uses(
    pki: TestPKI,
) -> None:
    """The dangling-reference trick: the signed page names an object nobody defined yet.

    A later revision defines it as content and hides it among an annotation's new
    objects; the signed revision's own use of it keeps it unexplained.
    """
    writer = IncrementalPdfFileWriter(io.BytesIO(sample_pdf()))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    dangling = int(writer.trailer["/Size"]) + 40
    page["/Contents"] = generic.ArrayObject(
        [page.raw_get("/Contents"), generic.IndirectObject(dangling, 0, writer)]
    )
    writer.update_container(page)
    prepared = io.BytesIO()
    writer.write(prepared)
    signed = esig.sign_pdf_bytes(prepared.getvalue(), pki.issue_person("Anna", "Lid").device())
    _allowed(pki, signed)

    def define_it(writer: IncrementalPdfFileWriter, page: generic.DictionaryObject) -> None:
        fake = b"BT /F1 24 Tf 72 650 Td (Price: USD 99 999) Tj ET"
        while True:
            obj = writer.add_object(generic.StreamObject(stream_data=fake))
            if obj.idnum >= dangling:
                break
        assert obj.idnum == dangling
        annot = writer.add_object(
            generic.DictionaryObject(
                _annotation(
                    "/Square", (0, 0, 1, 1), AP=generic.DictionaryObject({_name("/N"): obj})
                )
            )
        )
        page["/Annots"].append(annot)

    finding = _rejected(pki, _revise(signed, define_it))
    # esig compares what the signed page resolves to: its /Contents now draws more
    assert "page 1 was changed beyond its /Annots (/Contents)" in finding.message
