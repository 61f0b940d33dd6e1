"""A PDF of plain text lines, as real text: for audit trails and certificates of completion.

:func:`text_document` lays out lines on A4 pages in the font esig uses for visible
signatures (DejaVu Sans, embedded and subset, with a ToUnicode map), so the text can be
searched, selected and extracted, e.g. by ``pdftotext``; it is not an image. Long lines
are wrapped at word boundaries. Sign the result like any PDF::

    data = text_document(["Certificate of completion", "", "Signer 1: Anna de Vries"])
    sealed = sign_pdf_bytes(data, platform_device)

.. versionadded:: 0.3.0
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Final

from esig.errors import InputError
from esig.model.appearance import find_font

__all__ = ["text_document"]

A4: Final = (595.28, 841.89)
"""The page size, in points."""
_MARGIN: Final = 50.0
_CHAR_WIDTH: Final = 0.6
"""A generous average advance of DejaVu Sans, in em: wrapping never runs off the page."""
_MAX_LINES: Final = 100_000


def text_document(lines: Sequence[str], *, title: str | None = None, font_size: int = 10) -> bytes:
    """A PDF (A4 pages) of ``lines``, each drawn as text, wrapped to the page width.

    Args:
        lines: The text, one entry per line ('' for an empty line).
        title: The document title (its /Info /Title), if any.
        font_size: The font size in points (6 to 24).

    Raises:
        InputError: The font size is out of range, there are too many lines, or a line
            holds a control character.
        FontError: No font for the text is installed.

    """
    from esig._pyhanko.text_pdf import text_pages_pdf  # noqa: PLC0415 - keep import esig light

    if not 6 <= font_size <= 24:
        raise InputError(f"The font size must be between 6 and 24 points, not {font_size}")
    if len(lines) > _MAX_LINES:
        raise InputError(f"At most {_MAX_LINES} lines, not {len(lines)}")
    for line in lines:
        if any(ord(c) < 32 for c in line):
            raise InputError(f"A line holds a control character (one line per entry): {line!r}")
    width = int((A4[0] - 2 * _MARGIN) / (_CHAR_WIDTH * font_size))
    wrapped: list[str] = []
    for line in lines:
        indent = line[: len(line) - len(line.lstrip(" "))]
        wrapped += textwrap.wrap(
            line, width, subsequent_indent=indent + "    ", break_on_hyphens=False
        ) or [""]
    leading = round(font_size * 1.3)
    per_page = max(1, int((A4[1] - 2 * _MARGIN) // leading))
    pages = [wrapped[i : i + per_page] for i in range(0, len(wrapped), per_page)] or [[""]]
    return text_pages_pdf(
        pages,
        font=find_font(),
        font_size=font_size,
        leading=leading,
        page_size=A4,
        margin=_MARGIN,
        title=title,
    )
