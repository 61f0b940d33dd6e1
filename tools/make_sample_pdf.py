"""Regenerate ``src/esig/data/sample.pdf``, the document ``esig demo`` signs.

Run from the project root: ``python tools/make_sample_pdf.py``.
"""

from pathlib import Path

from pyhanko.pdf_utils import generic, writer

LINES = [
    (24, "Agreement of sale"),
    (12, "The seller transfers to the buyer the goods described in the annex,"),
    (12, "for the price of USD 1 250, payable within thirty days."),
    (12, "Signed electronically. This sample document ships with esig and is"),
    (12, "used by `esig demo` to show how a signature is made and verified."),
]


def _content() -> bytes:
    ops = ["BT"]
    y = 760
    for size, text in LINES:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"/F1 {size} Tf 1 0 0 1 72 {y} Tm ({escaped}) Tj")
        y -= 2 * size + 6
    ops.append("ET")
    return "\n".join(ops).encode("ascii")


def main() -> None:
    """Write the sample PDF into the package data folder."""
    w = writer.PdfFileWriter()
    font = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Font"),
            generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
            generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica"),
            generic.NameObject("/Encoding"): generic.NameObject("/WinAnsiEncoding"),
        }
    )
    stream = generic.StreamObject(stream_data=_content())
    stream.compress()
    page = writer.PageObject(
        contents=w.add_object(stream),
        media_box=(0, 0, 612, 792),
        resources=generic.DictionaryObject(
            {
                generic.NameObject("/Font"): generic.DictionaryObject(
                    {generic.NameObject("/F1"): w.add_object(font)}
                ),
            }
        ),
    )
    w.insert_page(page)
    target = Path(__file__).resolve().parents[1] / "src" / "esig" / "data" / "sample.pdf"
    with target.open("wb") as out:
        w.write(out)
    print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
