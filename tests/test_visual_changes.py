"""Form filling judged by what the pages show: outside the filled fields, and inside them.

A later revision that only fills in a form may change what a page shows within the
rectangles of the fields that changed, and there only the fields' new values. Each
document is built here: the sample page with a form in its blank lower half (and one
field laid over the signed price line), signed with esig, then filled with pyHanko's
incremental writer, honestly or as an attacker would.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

import esig
from esig.demo import sample_pdf
from esig.issuance import TestPKI
from esig.model.revision_changes import PageBox
from esig.verification import Attack, CheckId, Indication, Outcome
from esig.verification import visual as visual_module
from esig.verification.visual_regions import Frame

pytestmark = pytest.mark.skipif(
    visual_module.find_renderer() is None or visual_module.find_text_tool() is None,
    reason="needs poppler-utils (pdftoppm, pdftotext)",
)

Edit = Callable[[IncrementalPdfFileWriter], None]

NAME_RECT = (72.0, 400.0, 222.0, 418.0)
"""A text field in the blank lower half of the page."""
REMARKS_RECT = (70.0, 670.0, 400.0, 690.0)
"""A text field laid over the signed line "for the price of USD 1 250, …"."""
COLOUR_RECT = (72.0, 360.0, 222.0, 378.0)
"""A combo box whose options pair an export value with the text shown."""


def _name(value: str) -> generic.NameObject:
    return generic.NameObject(value)


def _array(*xs: float) -> generic.ArrayObject:
    return generic.ArrayObject([generic.FloatObject(x) for x in xs])


def _helvetica() -> generic.DictionaryObject:
    return generic.DictionaryObject(
        {
            _name("/Type"): _name("/Font"),
            _name("/Subtype"): _name("/Type1"),
            _name("/BaseFont"): _name("/Helvetica"),
        }
    )


def _appearance(rect: tuple[float, ...], drawing: str) -> generic.StreamObject:
    """A form XObject for a widget of ``rect``, with Helvetica as /Helv."""
    width, height = rect[2] - rect[0], rect[3] - rect[1]
    return generic.StreamObject(
        {
            _name("/Type"): _name("/XObject"),
            _name("/Subtype"): _name("/Form"),
            _name("/BBox"): _array(0, 0, width, height),
            _name("/Resources"): generic.DictionaryObject(
                {_name("/Font"): generic.DictionaryObject({_name("/Helv"): _helvetica()})}
            ),
        },
        stream_data=drawing.encode(),
    )


def _text(value: str) -> str:
    """What a form filler draws for a text value: the value, 10 pt, on the baseline."""
    return f"/Tx BMC BT /Helv 10 Tf 0 g 2 5 Td ({value}) Tj ET EMC"


def _form_document() -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(sample_pdf()))
    page_ref = writer.root["/Pages"]["/Kids"].raw_get(0)
    page = page_ref.get_object()

    def field(name: str, kind: str, rect: tuple[float, ...], **extra: generic.PdfObject) -> object:
        return writer.add_object(
            generic.DictionaryObject(
                {
                    _name("/Type"): _name("/Annot"),
                    _name("/Subtype"): _name("/Widget"),
                    _name("/FT"): _name(kind),
                    _name("/T"): generic.TextStringObject(name),
                    _name("/Rect"): _array(*rect),
                    _name("/F"): generic.NumberObject(4),
                    _name("/P"): page_ref,
                    _name("/DA"): generic.TextStringObject("/Helv 10 Tf 0 g"),
                    _name("/AP"): generic.DictionaryObject(
                        {_name("/N"): writer.add_object(_appearance(rect, "/Tx BMC EMC"))}
                    ),
                    **{_name(k): v for k, v in extra.items()},
                }
            )
        )

    options = generic.ArrayObject(
        [
            generic.ArrayObject([generic.TextStringObject(e), generic.TextStringObject(d)])
            for e, d in (("R", "Red"), ("B", "Blue"))
        ]
    )
    fields = [
        field("Name", "/Tx", NAME_RECT),
        field("Remarks", "/Tx", REMARKS_RECT),
        field(
            "Colour", "/Ch", COLOUR_RECT, **{"/Opt": options, "/Ff": generic.NumberObject(1 << 17)}
        ),
    ]
    page[_name("/Annots")] = generic.ArrayObject(fields)
    writer.update_container(page)
    writer.root[_name("/AcroForm")] = writer.add_object(
        generic.DictionaryObject(
            {
                _name("/Fields"): generic.ArrayObject(fields),
                _name("/DR"): generic.DictionaryObject(
                    {_name("/Font"): generic.DictionaryObject({_name("/Helv"): _helvetica()})}
                ),
            }
        )
    )
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI()


@pytest.fixture(scope="module")
def signed(pki: TestPKI) -> bytes:
    return esig.sign_pdf_bytes(_form_document(), pki.issue_person("Anna", "de Vries").device())


def _widget(writer: IncrementalPdfFileWriter, name: str) -> generic.DictionaryObject:
    fields = writer.root["/AcroForm"]["/Fields"]
    for index in range(len(fields)):
        if str(fields[index].get("/T")) == name:
            return fields[index]
    raise AssertionError(name)


def _fill(name: str, value: str, drawing: str, rect: tuple[float, ...] = NAME_RECT) -> Edit:
    def fill(writer: IncrementalPdfFileWriter) -> None:
        widget = _widget(writer, name)
        widget[_name("/V")] = generic.TextStringObject(value)
        widget[_name("/AP")] = generic.DictionaryObject(
            {_name("/N"): writer.add_object(_appearance(rect, drawing))}
        )
        writer.update_container(widget)

    return fill


def _revise(data: bytes, edit: Edit) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    edit(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _verify(pki: TestPKI, data: bytes) -> tuple[esig.VerificationReport, esig.Finding]:
    report = esig.verify_pdf(data, trust=[pki.root.certificate])
    return report, report.signatures[0].find(CheckId.MODIFICATIONS)[0]


def _widget_id(report: esig.VerificationReport, field: str) -> int:
    return next(
        c.object_id
        for c in report.signatures[0].changes_after_signing
        if c.field == field and c.object_id is not None
    )


# --- legitimate form filling ---------------------------------------------------------


def test_a_filled_text_field_that_shows_its_value_passes(pki: TestPKI, signed: bytes) -> None:
    report, finding = _verify(
        pki, _revise(signed, _fill("Name", "Jan Jansen", _text("Jan Jansen")))
    )
    sig = report.signatures[0]
    assert finding.outcome is Outcome.PASSED and finding.attack is None, finding.message
    assert sig.indication is Indication.TOTAL_PASSED
    visual = sig.visual
    assert visual is not None
    # the page's pixels did change, inside the field's rectangle only
    assert visual.changed_pages == (1,)
    assert visual.allowed_fields == ("Name",)
    assert visual.outside == () and visual.covered == () and visual.mismatches == ()
    assert "change only within the fields that changed ('Name')" in finding.message
    assert "the appearance of 'Name' shows the new value" in finding.message
    assert visual.values_shown == ("Name",)


def test_a_combo_box_that_shows_its_option_display_text_passes(pki: TestPKI, signed: bytes) -> None:
    chosen = _fill("Colour", "B", _text("Blue"), COLOUR_RECT)
    _, finding = _verify(pki, _revise(signed, chosen))
    assert finding.outcome is Outcome.PASSED and finding.attack is None, finding.message


def test_without_pdftotext_the_values_are_not_checked_and_the_report_says_so(
    pki: TestPKI, signed: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(visual_module, "find_text_tool", lambda: None)
    lying = _fill("Name", "Jan Jansen", _text("Piet Pietersen"))
    _, finding = _verify(pki, _revise(signed, lying))
    assert finding.outcome is Outcome.PASSED  # nothing guessed
    assert "pdftotext (poppler-utils) is not installed" in finding.message


# --- attacks --------------------------------------------------------------------------


def test_an_appearance_that_draws_over_signed_content_outside_its_field(
    pki: TestPKI, signed: bytes
) -> None:
    # the value is right and drawn in the field; the same appearance also paints a white
    # box and a new price over the signed price line, 280 points above the field
    overlay = _text("Jan Jansen") + (
        " 1 g -2 270 300 20 re f 0 g BT /Helv 10 Tf 0 275 Td (Price: USD 99 999) Tj ET"
    )
    attacked = _revise(signed, _fill("Name", "Jan Jansen", overlay))
    report, finding = _verify(pki, attacked)
    assert finding.outcome is Outcome.FAILED
    assert finding.attack is Attack.SHADOW_OVERLAY
    assert report.signatures[0].indication is Indication.TOTAL_FAILED
    assert "only fill in the form ('Name')" in finding.message
    assert "page 1, x " in finding.message and "text 'Price: USD 99 999'" in finding.message
    region = report.signatures[0].visual.outside[0]  # type: ignore[union-attr]
    assert region.page == 1
    # the new words sit where the appearance put them: 275 pt above the field's bottom
    assert 72 <= region.rect[0] < 80 and 670 <= region.rect[1] < 690
    # what the user sees, in every form of the report
    text, page = report.to_text(), report.to_html()
    assert "Recognised: shadow attack (overlay)." in text
    assert "outside the changed fields ('Name'): page 1, x " in text  # the Pages: line
    assert "Price: USD 99 999" in text and "Price: USD 99 999" in page
    assert "Recognised: shadow attack (overlay)." in page
    data = json.loads(report.model_dump_json())
    visual = data["signatures"][0]["visual"]
    assert visual["outside"][0]["page"] == 1
    assert visual["outside"][0]["text"] == "Price: USD 99 999"
    findings = data["signatures"][0]["findings"]
    assert any(f["attack"] == "shadow attack (overlay)" for f in findings)


def test_a_field_laid_over_signed_text_that_paints_it_over(pki: TestPKI, signed: bytes) -> None:
    # "Remarks" lies over the signed price line, transparent when signed; "filled", its
    # appearance paints that line white and writes its value there
    width = REMARKS_RECT[2] - REMARKS_RECT[0]
    cover = f"1 g 0 0 {width} 20 re f " + _text("USD 99 999")
    attacked = _revise(signed, _fill("Remarks", "USD 99 999", cover, REMARKS_RECT))
    report, finding = _verify(pki, attacked)
    assert finding.outcome is Outcome.FAILED, finding.message
    assert finding.attack is Attack.SHADOW_OVERLAY
    widget = _widget_id(report, "Remarks")
    assert f"the field 'Remarks' (object {widget}) paints over signed content at page 1" in (
        finding.message
    )
    covered = report.signatures[0].visual.covered  # type: ignore[union-attr]
    assert covered[0].field == "Remarks" and covered[0].object_id == widget


def test_an_appearance_that_shows_other_text_than_the_value(pki: TestPKI, signed: bytes) -> None:
    lying = _fill("Name", "Jan Jansen", _text("Piet Pietersen"))
    report, finding = _verify(pki, _revise(signed, lying))
    assert finding.outcome is Outcome.FAILED
    assert finding.attack is Attack.APPEARANCE_MISMATCH
    assert report.signatures[0].indication is Indication.TOTAL_FAILED
    widget = _widget_id(report, "Name")
    said = (
        f"the appearance of the field 'Name' (object {widget}) on page 1 shows "
        "'Piet Pietersen' while its value is 'Jan Jansen'"
    )
    assert said in finding.message
    assert {c.label for c in finding.citations} >= {"BES art. 3(a)", "BES art. 3(g)"}
    assert said in report.to_text() and "Recognised: appearance mismatch." in report.to_text()
    assert said.replace("'", "&#x27;") in report.to_html()
    mismatch = json.loads(report.model_dump_json())["signatures"][0]["visual"]["mismatches"][0]
    assert mismatch == {
        "field": "Name",
        "object_id": widget,
        "page": 1,
        "rect": list(NAME_RECT),
        "value": "Jan Jansen",
        "shown": "Piet Pietersen",
    }


def test_a_combo_box_that_shows_another_option(pki: TestPKI, signed: bytes) -> None:
    _, finding = _verify(pki, _revise(signed, _fill("Colour", "B", _text("Red"), COLOUR_RECT)))
    assert finding.attack is Attack.APPEARANCE_MISMATCH
    assert "shows 'Red' while its value is 'Blue'" in finding.message


def test_a_widget_moved_over_the_signed_content_still_fails(pki: TestPKI, signed: bytes) -> None:
    def move(writer: IncrementalPdfFileWriter) -> None:
        widget = _widget(writer, "Name")
        widget[_name("/Rect")] = _array(*REMARKS_RECT)
        widget[_name("/V")] = generic.TextStringObject("USD 99 999")
        writer.update_container(widget)

    _, finding = _verify(pki, _revise(signed, move))
    assert finding.outcome is Outcome.FAILED
    assert finding.attack is Attack.SHADOW_OVERLAY
    assert "'Name'" in finding.message and "rectangle" in finding.message


# --- geometry -------------------------------------------------------------------------


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_a_rectangle_maps_to_pixels_and_back_on_a_cropped_rotated_page(rotate: int) -> None:
    # a crop box that does not start at the origin; 2 pixels a point
    page = PageBox(box=(100.0, 50.0, 400.0, 450.0), rotate=rotate)
    size = (800.0, 600.0) if rotate in (90, 270) else (600.0, 800.0)
    frame = Frame(page, *size)
    rect = (150.0, 100.0, 200.0, 120.0)
    box = frame.to_frame(rect)
    assert frame.to_pdf(box) == rect
    expected = {
        0: (100.0, 660.0, 200.0, 700.0),  # from the top-left corner (100, 450)
        90: (100.0, 100.0, 140.0, 200.0),  # the bottom-left corner comes to the top left
        180: (400.0, 100.0, 500.0, 140.0),
        270: (660.0, 400.0, 700.0, 500.0),
    }
    assert box == expected[rotate]
    assert frame.pixels(rect, 2) == tuple(
        int(v) for v in (box[0] - 2, box[1] - 2, box[2] + 3, box[3] + 3)
    )


def test_nothing_is_rendered_when_the_later_revisions_draw_nothing(
    pki: TestPKI, signed: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_rendering(*_args: object, **_kwargs: object) -> list[bytes]:
        raise AssertionError("rendered although nothing drawn changed")

    monkeypatch.setattr(visual_module, "render_pages", no_rendering)
    second = esig.sign_pdf_bytes(signed, pki.issue_person("Piet", "Second").device())
    report, finding = _verify(pki, second)
    assert finding.outcome is Outcome.PASSED
    visual = report.signatures[0].visual
    assert visual is not None and (visual.note or "").startswith("not rendered")
