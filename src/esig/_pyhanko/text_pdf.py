"""A PDF of plain text, written with pyHanko's text layout (real text, not an image).

Each page holds one :class:`pyhanko.pdf_utils.text.TextBox` in the font esig uses for
visible signatures (an embedded, subset TrueType font with a ToUnicode map), so every
word can be searched, selected and extracted (``pdftotext``).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from pathlib import Path

from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.text import TextBox, TextBoxStyle
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

from esig._pyhanko.appearance import QuietSubsetWarnings

__all__ = ["text_pages_pdf"]

logging.getLogger("fontTools.subset").addFilter(QuietSubsetWarnings())


def text_pages_pdf(
    pages: Sequence[Sequence[str]],
    *,
    font: Path,
    font_size: int,
    leading: int,
    page_size: tuple[float, float],
    margin: float,
    title: str | None,
) -> bytes:
    """One PDF page per entry of ``pages``, each line of it drawn top-left as text."""
    writer = PdfFileWriter()  # type: ignore[no-untyped-call]
    if title:
        info = generic.DictionaryObject(  # type: ignore[no-untyped-call]
            {generic.NameObject("/Title"): generic.TextStringObject(title)}
        )
        writer.set_info(info)
    width, height = page_size
    rule = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MIN,
        y_align=layout.AxisAlignment.ALIGN_MAX,
        margins=layout.Margins.uniform(0),  # type: ignore[no-untyped-call]
    )
    style = TextBoxStyle(
        font=GlyphAccumulatorFactory(str(font), font_size=font_size),
        font_size=font_size,
        leading=leading,
        box_layout_rule=rule,
    )
    for lines in pages:
        box = TextBox(
            style,
            writer,
            box=layout.BoxConstraints(width - 2 * margin, height - 2 * margin),
        )
        box.content = "\n".join(lines)
        drawn = box.render()  # type: ignore[no-untyped-call]
        stream = generic.StreamObject(
            stream_data=b"q 1 0 0 1 %g %g cm\n" % (margin, margin) + drawn + b"\nQ"
        )
        page = PageObject(  # type: ignore[no-untyped-call]
            contents=writer.add_object(stream),
            media_box=(0, 0, width, height),
            resources=box.resources.as_pdf_object(),
        )
        writer.insert_page(page)  # type: ignore[no-untyped-call]
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()
