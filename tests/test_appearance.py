"""Visible signatures, checked on the rendered page: poppler's pdftotext, pdfimages, pdftoppm.

Each check has a passing and a failing side: the text is in the box and not elsewhere,
the image is there only when asked, a missing glyph or font is a clear FontError.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

import esig
from esig.issuance import TestPKI
from esig.signing import FontError, VisibleSignature
from esig.signing.appearance import AppearanceLine, appearance_lines, find_font, level_claim
from esig.testing import require_tool
from esig.testing.signers import TestSigners

pytestmark = pytest.mark.real

PAGE_HEIGHT = 792.0  # the sample PDF is US Letter
BOX = (300.0, 60.0, 560.0, 150.0)


def _run(tool: str, *args: str) -> str:
    done = subprocess.run(
        [require_tool(tool), *args], capture_output=True, text=True, timeout=60, check=False
    )
    return done.stdout


def _text_in(path: Path, box: tuple[float, float, float, float], page: int = 1) -> str:
    """Pdftotext of an area given in PDF points from the lower left."""
    x1, y1, x2, y2 = box
    top = PAGE_HEIGHT - y2
    return _run(
        "pdftotext",
        "-f",
        str(page),
        "-l",
        str(page),
        "-x",
        str(int(x1)),
        "-y",
        str(int(top)),
        "-W",
        str(int(x2 - x1)),
        "-H",
        str(int(y2 - y1)),
        str(path),
        "-",
    )


def _images(path: Path) -> list[str]:
    listing = _run("pdfimages", "-list", "-f", "1", "-l", "1", str(path))
    return [line.split()[2] for line in listing.splitlines()[2:] if line.strip()]


def _drawn(path: Path, *, alpha: bool = True) -> Path:
    image = Image.new("RGBA" if alpha else "RGB", (300, 100), (0, 0, 0, 0) if alpha else "white")
    ImageDraw.Draw(image).line(
        [(10, 80), (80, 20), (150, 70), (290, 30)], fill=(0, 0, 200, 255), width=8
    )
    image.save(path)
    return path


@pytest.fixture(scope="module")
def greek(esig_pki: TestPKI) -> esig.SoftwareKey:
    return esig_pki.issue_person("Ελένη", "Παπαδοπούλου").device()


@pytest.mark.parametrize(("given", "surname"), [("Ελένη", "Παπαδοπούλου"), ("Анна", "Петрова")])
def test_non_latin_name_renders_in_the_box(
    given: str, surname: str, esig_pki: TestPKI, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    device = esig_pki.issue_person(given, surname).device()
    out = tmp_path / "visible.pdf"
    signed = esig.sign_pdf(
        esig_sample_pdf,
        out,
        device,
        appearance=VisibleSignature(page=1, box=BOX),
        reason="Gelezen en goedgekeurd",
    )
    assert signed.visible and signed.warnings == ()
    inside = _text_in(out, BOX)
    assert f"Signed by {given} {surname}" in inside
    assert "Reason: Gelezen en goedgekeurd" in inside
    assert "Level: Advanced electronic signature (claimed)" in inside
    # the other corner of the page holds no signature text
    assert "Signed by" not in _text_in(out, (40, 60, 290, 150))
    # and the embedded font is a subset of DejaVu Sans
    fonts = _run("pdffonts", str(out))
    assert "DejaVuSans" in fonts
    assert esig.verify_pdf(out, trust=[esig_pki.root.certificate]).passed


def test_company_identity_lines(
    esig_signers: TestSigners, esig_pki: TestPKI, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    out = tmp_path / "company.pdf"
    esig.sign_pdf(
        esig_sample_pdf,
        out,
        esig_signers.company_officer.device(),
        appearance=VisibleSignature(box=BOX),
    )
    inside = _text_in(out, BOX)
    assert "On behalf of Acme Bonaire N.V." in inside
    assert "Function: Director" in inside
    person = tmp_path / "person.pdf"
    esig.sign_pdf(
        esig_sample_pdf, person, esig_signers.person.device(), appearance=VisibleSignature(box=BOX)
    )
    assert "On behalf of" not in _text_in(person, BOX)
    assert "Function:" not in _text_in(person, BOX)


def test_lines_follow_the_certificate_and_the_choice(esig_signers: TestSigners) -> None:
    import datetime as dt

    when = dt.datetime(2026, 11, 24, 10, 30, tzinfo=dt.UTC)
    lines = appearance_lines(esig_signers.company_officer.certificate, signed_at=when, reason="OK")
    assert lines == (
        "Signed by Jan Pieters",
        "On behalf of Acme Bonaire N.V.",
        "Function: Director",
        "Date: 2026-11-24 10:30 UTC",
        "Reason: OK",
        "Level: Advanced electronic signature (claimed)",
    )
    only = appearance_lines(
        esig_signers.seal.certificate,
        signed_at=when,
        lines=(AppearanceLine.NAME, AppearanceLine.LEVEL),
    )
    assert only == ("Sealed by Bonaire Port Authority", "Level: Advanced electronic seal (claimed)")
    assert level_claim(esig_signers.qualified_person.certificate).startswith("Qualified")
    assert level_claim(esig_signers.person.certificate).startswith("Advanced")
    pseudonym = appearance_lines(esig_signers.pseudonym.certificate, signed_at=when)
    assert pseudonym[0] == "Signed by Blue Flamingo (pseudonym)"


def test_image_is_on_the_page_only_when_asked(
    greek: esig.SoftwareKey, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    image = _drawn(tmp_path / "drawn.png")
    with_image = tmp_path / "with.pdf"
    esig.sign_pdf(
        esig_sample_pdf, with_image, greek, appearance=VisibleSignature(box=BOX, image=image)
    )
    without = tmp_path / "without.pdf"
    esig.sign_pdf(esig_sample_pdf, without, greek, appearance=VisibleSignature(box=BOX))
    assert _images(with_image).count("image") == 1
    assert _images(without) == []
    # the drawn stroke is blue pixels inside the box on the rendered page
    for path, expected in ((with_image, True), (without, False)):
        prefix = tmp_path / path.stem
        subprocess.run(
            [
                require_tool("pdftoppm"),
                "-r",
                "72",
                "-f",
                "1",
                "-l",
                "1",
                "-png",
                str(path),
                str(prefix),
            ],
            check=True,
            timeout=60,
        )
        page = Image.open(next(tmp_path.glob(f"{path.stem}*.png"))).convert("RGB")
        x1, y1, x2, y2 = (int(v) for v in BOX)
        area = page.crop((x1, int(PAGE_HEIGHT) - y2, x2, int(PAGE_HEIGHT) - y1))
        blue = sum(1 for r, g, b in area.get_flattened_data() if b > 150 and r < 80 and g < 80)
        assert (blue > 50) is expected, blue


def test_image_as_bytes_and_bad_images(
    greek: esig.SoftwareKey, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    data = _drawn(tmp_path / "d.png", alpha=False).read_bytes()
    out = tmp_path / "bytes.pdf"
    esig.sign_pdf(
        esig_sample_pdf,
        out,
        greek,
        appearance=VisibleSignature(box=BOX, image_data=data, lines=()),
    )
    assert _images(out).count("image") == 1
    svg = tmp_path / "s.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    bad = tmp_path / "bad.pdf"
    with pytest.raises(esig.InputError, match="PNG or JPEG"):
        esig.sign_pdf(esig_sample_pdf, bad, greek, appearance=VisibleSignature(box=BOX, image=svg))
    assert not bad.exists()


def test_missing_glyph_and_missing_font_are_clear_errors(
    esig_pki: TestPKI, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    chinese = esig_pki.issue_person("明", "王").device()
    out = tmp_path / "out.pdf"
    with pytest.raises(FontError, match="no glyph") as caught:
        esig.sign_pdf(esig_sample_pdf, out, chinese, appearance=VisibleSignature(box=BOX))
    assert set(caught.value.missing) == {"明", "王"}
    assert not out.exists()
    with pytest.raises(FontError, match="does not exist"):
        esig.sign_pdf(
            esig_sample_pdf,
            out,
            chinese,
            appearance=VisibleSignature(box=BOX, font=tmp_path / "none.ttf"),
        )
    not_a_font = tmp_path / "x.ttf"
    not_a_font.write_bytes(b"not a font")
    with pytest.raises(FontError, match="cannot be used"):
        esig.sign_pdf(
            esig_sample_pdf, out, chinese, appearance=VisibleSignature(box=BOX, font=not_a_font)
        )
    assert find_font().name == "DejaVuSans.ttf"


def test_box_outside_page_and_unknown_field(
    greek: esig.SoftwareKey, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.pdf"
    with pytest.raises(esig.InputError, match="outside page 1"):
        esig.sign_pdf(
            esig_sample_pdf, out, greek, appearance=VisibleSignature(box=(500, 700, 900, 800))
        )
    with pytest.raises(esig.InputError, match="no signature field"):
        esig.sign_pdf(esig_sample_pdf, out, greek, appearance=VisibleSignature(field="Nope"))
    with pytest.raises(ValueError, match="box for a new field"):
        VisibleSignature()
    assert not out.exists()


_XMP = """<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<pdfaid:part>{part}</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>"""


def _mark_pdfa(source: Path, output: Path, part: int) -> Path:
    """Give the PDF an XMP packet claiming PDF/A-``part``b (the claim esig reads)."""
    import io

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata.xmp_xml import MetadataStream

    writer = IncrementalPdfFileWriter(io.BytesIO(source.read_bytes()))
    stream = MetadataStream(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Metadata"),
            generic.pdf_name("/Subtype"): generic.pdf_name("/XML"),
        },
        stream_data=_XMP.format(part=part).encode(),
    )
    writer.root[generic.pdf_name("/Metadata")] = writer.add_object(stream)
    writer.update_root()
    buffer = io.BytesIO()
    writer.write(buffer)
    output.write_bytes(buffer.getvalue())
    return output


@pytest.mark.parametrize(("part", "flattened"), [(1, True), (2, False), (None, False)])
def test_pdfa_1_input_gets_an_opaque_image_and_a_warning(
    part: int | None,
    flattened: bool,
    greek: esig.SoftwareKey,
    esig_sample_pdf: Path,
    tmp_path: Path,
) -> None:
    source = (
        esig_sample_pdf if part is None else _mark_pdfa(esig_sample_pdf, tmp_path / "a.pdf", part)
    )
    out = tmp_path / "signed.pdf"
    signed = esig.sign_pdf(
        source, out, greek, appearance=VisibleSignature(box=BOX, image=_drawn(tmp_path / "d.png"))
    )
    kinds = _images(out)
    assert ("smask" in kinds) is not flattened
    assert bool(signed.warnings) is flattened
    if flattened:
        assert "PDF/A-1b" in signed.warnings[0]
    expanded = tmp_path / "qdf.pdf"
    subprocess.run(
        [require_tool("qpdf"), "--qdf", "--object-streams=disable", str(out), str(expanded)],
        check=False,
        timeout=60,
    )
    assert (b"/CIDSet" in expanded.read_bytes()) is flattened
