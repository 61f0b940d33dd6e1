"""Page regions for the visual check: PDF rectangles as pixels, grey images, page text.

:mod:`esig.verification.visual` compares renderings *outside* the rectangles of fields
that legitimately changed. This module holds the pieces it needs:

- :class:`Frame`: one page drawn at some size (an image, or ``pdftotext``'s word
  boxes), mapping PDF default user space to that drawing and back — the visible box's
  origin (crop box within the media box), the rotation and the scale taken into account;
- :class:`Gray`: a PGM image as ``pdftoppm -gray`` and ``mutool draw -c gray`` write it;
- :func:`read_words`: the words of some pages with their boxes (``pdftotext -bbox``).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from esig.model.revision_changes import PageBox

__all__ = ["Box", "Frame", "Gray", "Word", "find_text_tool", "read_words"]

Box = tuple[float, float, float, float]
"""``(x0, y0, x1, y1)`` with x0 ≤ x1 and y0 ≤ y1."""

_LETTER = PageBox(box=(0.0, 0.0, 612.0, 792.0))


@dataclass(frozen=True)
class Frame:
    """A page drawn ``width`` × ``height`` units large (top-left origin, y downwards)."""

    page: PageBox | None
    width: float
    height: float

    def _geometry(self) -> tuple[PageBox, float, float]:
        page = self.page or _LETTER
        x0, y0, x1, y1 = page.box
        shown_w, shown_h = (y1 - y0, x1 - x0) if page.rotate in (90, 270) else (x1 - x0, y1 - y0)
        return page, self.width / shown_w, self.height / shown_h

    def _point(self, x: float, y: float) -> tuple[float, float]:
        page, sx, sy = self._geometry()
        bx0, by0, bx1, by1 = page.box
        if page.rotate == 90:
            return (y - by0) * sx, (x - bx0) * sy
        if page.rotate == 180:
            return (bx1 - x) * sx, (y - by0) * sy
        if page.rotate == 270:
            return (by1 - y) * sx, (bx1 - x) * sy
        return (x - bx0) * sx, (by1 - y) * sy

    def _back(self, u: float, v: float) -> tuple[float, float]:
        page, sx, sy = self._geometry()
        bx0, by0, bx1, by1 = page.box
        a, b = u / sx, v / sy
        if page.rotate == 90:
            return bx0 + b, by0 + a
        if page.rotate == 180:
            return bx1 - a, by0 + b
        if page.rotate == 270:
            return bx1 - b, by1 - a
        return bx0 + a, by1 - b

    def to_frame(self, rect: Box) -> Box:
        """A rectangle in PDF user space, in this frame's units."""
        (u0, v0), (u1, v1) = self._point(rect[0], rect[1]), self._point(rect[2], rect[3])
        return min(u0, u1), min(v0, v1), max(u0, u1), max(v0, v1)

    def to_pdf(self, box: Box) -> Box:
        """A box of this frame, in PDF user space (rounded to a tenth of a point)."""
        (x0, y0), (x1, y1) = self._back(box[0], box[1]), self._back(box[2], box[3])
        return (
            round(min(x0, x1), 1),
            round(min(y0, y1), 1),
            round(max(x0, x1), 1),
            round(max(y0, y1), 1),
        )

    def pixels(self, rect: Box, pad: int) -> tuple[int, int, int, int]:
        """The pixels ``rect`` covers, ``pad`` pixels more on each side, clipped."""
        u0, v0, u1, v1 = self.to_frame(rect)
        return (
            max(0, int(u0) - pad),
            max(0, int(v0) - pad),
            min(int(self.width), int(u1) + 1 + pad),
            min(int(self.height), int(v1) + 1 + pad),
        )


_PGM_HEADER = re.compile(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s")


@dataclass(frozen=True)
class Gray:
    """A grey image, one byte a pixel, rows top to bottom."""

    width: int
    height: int
    pixels: bytes

    @classmethod
    def parse(cls, data: bytes) -> Gray | None:
        """The image of an 8-bit binary PGM file, or None when it is not one."""
        match = _PGM_HEADER.match(data)
        if match is None or int(match.group(3)) > 255:
            return None
        width, height = int(match.group(1)), int(match.group(2))
        pixels = data[match.end() : match.end() + width * height]
        if len(pixels) != width * height:
            return None
        return cls(width, height, pixels)

    def row(self, y: int) -> bytes:
        """Row ``y`` of pixels."""
        return self.pixels[y * self.width : (y + 1) * self.width]


@dataclass(frozen=True)
class Word:
    """A word as ``pdftotext -bbox`` reads it: its text and box (points, top-left origin)."""

    text: str
    box: Box

    @property
    def centre(self) -> tuple[float, float]:
        """The middle of the word's box."""
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2


def find_text_tool() -> str | None:
    """The path of poppler's ``pdftotext``, or None when it is not installed."""
    return shutil.which("pdftotext")


_PAGE = re.compile(rb'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.DOTALL)
_WORD = re.compile(
    rb'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)</word>'
)


def read_words(
    tool: str, pdf: Path, first: int, last: int, timeout: float
) -> dict[int, tuple[float, float, list[Word]]]:
    """Page number → (width, height, words) for pages ``first``–``last`` of ``pdf``.

    Raises ``OSError`` or ``subprocess.SubprocessError`` when the tool cannot run.
    """
    done = subprocess.run(
        [tool, "-q", "-bbox", "-f", str(first), "-l", str(last), str(pdf), "-"],
        capture_output=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "LC_ALL": "C"},
    )
    pages: dict[int, tuple[float, float, list[Word]]] = {}
    for offset, page in enumerate(_PAGE.finditer(done.stdout)):
        words = [
            Word(
                html.unescape(m.group(5).decode("utf-8", "replace")),
                (float(m.group(1)), float(m.group(2)), float(m.group(3)), float(m.group(4))),
            )
            for m in _WORD.finditer(page.group(3))
        ]
        pages[first + offset] = (float(page.group(1)), float(page.group(2)), words)
    return pages
