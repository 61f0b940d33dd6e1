"""Compare what a reader shows: the signed revision against the latest one, page by page.

Difference analysis of PDF objects can be fooled or can give up (shadow attacks build
on exactly that), so esig also *renders* both revisions and compares the pages as a
reader would display them (BES art. 3(a) and (g)). Rendering uses poppler's
``pdftoppm`` or, failing that, mupdf's ``mutool``; both are independent of pyHanko.
When neither is installed the comparison says so instead of guessing.

Filling a form changes what its widgets show, and only that. When esig's object analysis
names the fields that legitimately changed (:attr:`RevisionChanges.changed_fields`),
their rectangles are left out of the comparison (a pixel or two around them too), so a
change anywhere else is visible evidence against "form filling" (a shadow attack). Within
those rectangles two more checks run:

- the field's appearance must not hide the signed page content under it (the signed
  revision is drawn again without annotations, ``pdftoppm -hide-annotations``; ink there
  that the new appearance paints over is *covered*);
- a filled text or choice field's appearance must show its new value: the words that
  ``pdftotext -bbox`` finds in its rectangle, whitespace normalised, against /V (or the
  selected option's display text). Text the appearances add outside the rectangles
  counts as a change outside them, even where this renderer clips it.

Where ``pdftotext`` or ``-hide-annotations`` is missing the comparison says which check
did not run.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from esig._model import EsigModel
from esig._render import Renderer, find_renderer, render_pages
from esig.model.revision_changes import FieldRegion
from esig.verification.visual_regions import (
    Box,
    Frame,
    Gray,
    Word,
    find_text_tool,
    read_words,
)

__all__ = ["AppearanceMismatch", "PageRegion", "RevisionComparer", "VisualComparison"]

_DPI = 24
"""Low resolution: enough to see text and images change, cheap to render."""
_TIMEOUT_SECONDS = 60
_MAX_PAGES = 500


class PageRegion(EsigModel):
    """A region of a page where the shown revision differs from the signed one."""

    page: int
    """1-based page number."""
    rect: tuple[float, float, float, float]
    """``(x0, y0, x1, y1)`` in PDF default user space (points), normalised."""
    field: str | None = None
    """The changed field whose widget is concerned, when one is."""
    object_id: int | None = None
    """That widget's object number (latest revision)."""
    text: str | None = None
    """Text found there that the signed revision does not have, if any."""

    @property
    def where(self) -> str:
        """``page 1, x 72–300, y 500–560 (points)``."""
        x0, y0, x1, y1 = self.rect
        return f"page {self.page}, x {x0:g}–{x1:g}, y {y0:g}–{y1:g} (points)"


class AppearanceMismatch(EsigModel):
    """A filled field whose appearance shows other text than its value."""

    field: str
    object_id: int | None
    """The widget's object number (latest revision)."""
    page: int
    rect: tuple[float, float, float, float]
    """The widget's rectangle, PDF user space."""
    value: str
    """What the field holds (/V, or the selected option's display text)."""
    shown: str
    """What its appearance shows, as ``pdftotext`` reads it."""


class VisualComparison(EsigModel):
    """The signed revision and the displayed (latest) revision, rendered and compared."""

    renderer: str | None
    """The tool that rendered the pages, or None when none was available."""
    signed_pages: int | None = None
    latest_pages: int | None = None
    changed_pages: tuple[int, ...] = ()
    """1-based numbers of pages whose rendering differs (pages added or removed count)."""
    note: str | None = None
    """Why the comparison is incomplete, when it is."""
    allowed_fields: tuple[str, ...] = ()
    """Fields whose rectangles were left out of the comparison (they legitimately
    changed); empty when whole pages were compared."""
    outside: tuple[PageRegion, ...] = ()
    """Changes outside those rectangles: changed pixels, or text the signed revision
    does not have (only computed when there are such rectangles)."""
    covered: tuple[PageRegion, ...] = ()
    """Signed page content that a changed field's new appearance paints over."""
    mismatches: tuple[AppearanceMismatch, ...] = ()
    """Filled fields whose appearance does not show their value."""
    values_shown: tuple[str, ...] = ()
    """Filled fields whose appearance was read and shows their value."""
    checks_note: str | None = None
    """Which of the checks within the fields' rectangles did not run, and why."""

    @property
    def compared(self) -> bool:
        """Whether both revisions were rendered."""
        return self.signed_pages is not None and self.latest_pages is not None

    @property
    def visible_change(self) -> bool:
        """Whether a reader sees something other than what was signed."""
        return bool(self.changed_pages) or self.signed_pages != self.latest_pages


_PAD_PIXELS = 2
"""Around a field's rectangle: anti-aliasing and rounding of its edges."""
_PAD_POINTS = 1.0
_NOISE = 8
"""A grey level difference below this is no change (anti-aliasing)."""
_INK = 128
_ERASED = 96
"""A pixel of signed ink that gets this much lighter is painted over."""
_MIN_COVERED_PIXELS = 2


def _render(tool: Renderer, pdf: Path, out_dir: Path, **options: object) -> list[bytes]:
    return render_pages(
        tool,
        pdf,
        out_dir,
        dpi=_DPI,
        max_pages=_MAX_PAGES,
        timeout=_TIMEOUT_SECONDS,
        gray=True,
        **options,  # type: ignore[arg-type]
    )


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _shows(shown: str, region: FieldRegion) -> bool:
    """Whether the words read in the field's rectangle show its value."""
    value = region.shows or ""
    if region.among_options:
        return "".join(value.split()) in "".join(shown.split())
    return _normalised(shown) == _normalised(value) or "".join(shown.split()) == "".join(
        value.split()
    )


def _inside(word: Word, box: Box) -> bool:
    x, y = word.centre
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _padded(box: Box, pad: float) -> Box:
    return box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad


def _grow(box: list[int] | None, x: int, y: int) -> list[int]:
    if box is None:
        return [x, y, x + 1, y + 1]
    box[0], box[1] = min(box[0], x), min(box[1], y)
    box[2], box[3] = max(box[2], x + 1), max(box[3], y + 1)
    return box


def _changed_outside(
    before: Gray, after: Gray, masks: Sequence[tuple[int, int, int, int]]
) -> tuple[int, int, int, int] | None:
    """The bounding box of the pixels that changed outside ``masks``, or None."""
    found: list[int] | None = None
    for y in range(after.height):
        old, new = before.row(y), after.row(y)
        if old == new:
            continue
        spans = [(m[0], m[2]) for m in masks if m[1] <= y < m[3]]
        for x in range(after.width):
            if abs(old[x] - new[x]) > _NOISE and not any(a <= x < b for a, b in spans):
                found = _grow(found, x, y)
    return (found[0], found[1], found[2], found[3]) if found else None


def _covered_in(
    before: Gray, after: Gray, content: Gray, mask: tuple[int, int, int, int]
) -> tuple[int, int, int, int] | None:
    """Where, inside ``mask``, signed page ink was painted over (None: nowhere)."""
    found: list[int] | None = None
    count = 0
    for y in range(mask[1], min(mask[3], after.height)):
        old, new, ink = before.row(y), after.row(y), content.row(y)
        for x in range(mask[0], min(mask[2], after.width)):
            if ink[x] < _INK and new[x] - old[x] >= _ERASED:
                found, count = _grow(found, x, y), count + 1
    if found is None or count < _MIN_COVERED_PIXELS:
        return None
    return found[0], found[1], found[2], found[3]


class _Regions:
    """The comparison outside and within the fields' rectangles, one signed revision."""

    def __init__(self, regions: Sequence[FieldRegion]) -> None:
        self.by_page: dict[int, list[FieldRegion]] = {}
        for region in regions:
            self.by_page.setdefault(region.page, []).append(region)
        self.outside: list[PageRegion] = []
        self.covered: list[PageRegion] = []
        self.mismatches: list[AppearanceMismatch] = []
        self.shown: list[str] = []
        self.notes: list[str] = []

    def frame(self, page: int, width: float, height: float) -> Frame:
        regions = self.by_page.get(page)
        return Frame(regions[0].page_box if regions else None, width, height)

    def pixels(self, page: int, before: Gray, after: Gray, content: Gray | None) -> None:
        """Compare one page's images; note changes outside and signed ink covered."""
        frame = self.frame(page, after.width, after.height)
        if (before.width, before.height) != (after.width, after.height):
            whole = (0.0, 0.0, float(after.width), float(after.height))
            self.outside.append(PageRegion(page=page, rect=frame.to_pdf(whole)))
            return
        regions = self.by_page.get(page, [])
        masks = [frame.pixels(r.rect, _PAD_PIXELS) for r in regions]
        box = _changed_outside(before, after, masks)
        if box is not None:
            self.outside.append(PageRegion(page=page, rect=frame.to_pdf(box)))
        if content is None or (content.width, content.height) != (after.width, after.height):
            return
        for region, mask in zip(regions, masks, strict=True):
            hidden = _covered_in(before, after, content, mask)
            if hidden is not None:
                self.covered.append(
                    PageRegion(
                        page=page,
                        rect=frame.to_pdf(hidden),
                        field=region.field,
                        object_id=region.object_id,
                    )
                )

    def text(
        self,
        page: int,
        signed: tuple[float, float, list[Word]],
        latest: tuple[float, float, list[Word]],
    ) -> None:
        """Check the fields' appearances against their values; note new text outside."""
        width, height, words = latest
        frame = self.frame(page, width, height)
        regions = self.by_page.get(page, [])
        boxes = [_padded(frame.to_frame(r.rect), _PAD_POINTS) for r in regions]
        old = Counter((w.text, round(w.box[0]), round(w.box[1])) for w in signed[2])
        new = [w for w in words if not _take(old, w)]
        for region, box in zip(regions, boxes, strict=True):
            if region.shows is None:
                continue
            inside = [w for w in words if _inside(w, box)]
            shown = " ".join(w.text for w in inside)
            # page text under the field, there when signed, is no part of its appearance
            added = " ".join(w.text for w in new if _inside(w, box))
            if _shows(shown, region) or _shows(added, region):
                self.shown.append(region.field)
                continue
            if not shown:
                # drawn without text (paths, an image, a font the tool cannot use):
                # nothing to compare, and nothing guessed
                self.notes.append(
                    f"the appearance of {region.field!r} on page {page} shows no text that "
                    "pdftotext can read; it was not checked against the value"
                )
                continue
            self.mismatches.append(
                AppearanceMismatch(
                    field=region.field,
                    object_id=region.object_id,
                    page=page,
                    rect=region.rect,
                    value=region.shows or "",
                    shown=_normalised(added or shown),
                )
            )
        stray = sorted(
            (w for w in new if not any(_inside(w, b) for b in boxes)),
            key=lambda w: (round(w.box[3] / 2), w.box[0]),  # by line, then left to right
        )
        if stray:
            x0 = min(w.box[0] for w in stray)
            y0 = min(w.box[1] for w in stray)
            x1 = max(w.box[2] for w in stray)
            y1 = max(w.box[3] for w in stray)
            self.outside.append(
                PageRegion(
                    page=page,
                    rect=frame.to_pdf((x0, y0, x1, y1)),
                    text=_normalised(" ".join(w.text for w in stray))[:200],
                )
            )


def _take(counter: Counter[tuple[str, int, int]], word: Word) -> bool:
    """Whether the signed revision has ``word`` at the same place (once per occurrence)."""
    key = (word.text, round(word.box[0]), round(word.box[1]))
    if counter[key] > 0:
        counter[key] -= 1
        return True
    return False


class RevisionComparer:
    """Compares signed revisions against the latest revision of one document.

    The latest revision is rendered once, on first use, and reused for every signature.

    Args:
        latest: The whole document as a reader opens it (path or bytes).

    """

    def __init__(self, latest: Path | bytes) -> None:
        self._latest = latest
        self._tool: Renderer | None = None
        self._looked_up = False
        self._latest_pages: list[bytes] | None = None
        self._latest_path: Path | None = None
        self._latest_words: dict[int, tuple[float, float, list[Word]]] = {}
        self._error: str | None = None

    def _latest_file(self, folder: Path) -> Path:
        if self._latest_path is None or not self._latest_path.exists():
            latest = self._latest
            if isinstance(latest, bytes):
                path = folder / "latest.pdf"
                path.write_bytes(latest)
                latest = path
            self._latest_path = latest
        return self._latest_path

    def _latest_rendering(self, folder: Path) -> list[bytes]:
        if self._latest_pages is None:
            assert self._tool is not None
            self._latest_pages = _render(self._tool, self._latest_file(folder), folder / "latest")
        return self._latest_pages

    def compare(
        self, signed_revision: bytes, allowed: Sequence[FieldRegion] = ()
    ) -> VisualComparison:
        """Render ``signed_revision`` and compare it with the latest revision.

        ``allowed``: the rectangles of fields that legitimately changed (esig's object
        analysis). Without them whole pages are compared; with them, changes outside
        them are listed (:attr:`VisualComparison.outside`) and the fields' appearances
        checked.
        """
        if not self._looked_up:
            self._tool, self._looked_up = find_renderer(), True
        if self._tool is None:
            return VisualComparison(
                renderer=None,
                note="no renderer installed "
                "(poppler-utils or mupdf-tools); pages were not compared",
            )
        name = self._tool[0]
        with tempfile.TemporaryDirectory(prefix="esig-render-") as tmp:
            folder = Path(tmp)
            signed_pdf = folder / "signed.pdf"
            signed_pdf.write_bytes(signed_revision)
            try:
                after = self._latest_rendering(folder)
                before = _render(self._tool, signed_pdf, folder / "signed")
            except (OSError, subprocess.SubprocessError) as exc:
                return VisualComparison(renderer=name, note=f"rendering failed: {exc}")
            if not before or not after:
                which = "signed revision" if not before else "latest revision"
                return VisualComparison(
                    renderer=name,
                    signed_pages=len(before),
                    latest_pages=len(after),
                    note=f"the {which} could not be rendered",
                )
            changed = tuple(
                index + 1
                for index in range(max(len(before), len(after)))
                if index >= len(before) or index >= len(after) or before[index] != after[index]
            )
            result = VisualComparison(
                renderer=name,
                signed_pages=len(before),
                latest_pages=len(after),
                changed_pages=changed,
            )
            if not allowed:
                return result
            return self._within(result, allowed, (before, after), signed_pdf)

    def _within(
        self,
        result: VisualComparison,
        allowed: Sequence[FieldRegion],
        images: tuple[list[bytes], list[bytes]],
        signed_pdf: Path,
    ) -> VisualComparison:
        """``result`` with the comparison outside and within the fields' rectangles."""
        assert self._tool is not None
        before, after = images
        folder = signed_pdf.parent
        regions = _Regions(allowed)
        notes = []
        for page in result.changed_pages:
            if page > min(len(before), len(after)):
                continue
            old, new = Gray.parse(before[page - 1]), Gray.parse(after[page - 1])
            if old is None or new is None:
                notes.append(f"page {page} could not be read as an image")
                continue
            content = None
            if page in regions.by_page:
                content = self._content(signed_pdf, folder, page)
                if content is None:
                    notes.append(
                        f"{self._tool[0]} cannot draw a page without its annotations: "
                        "signed content covered by a field was not looked for"
                    )
            regions.pixels(page, old, new, content)
        notes.extend(self._text(regions, folder, signed_pdf))
        notes.extend(regions.notes)
        return result.model_copy(
            update={
                "allowed_fields": tuple(dict.fromkeys(r.field for r in allowed)),
                "outside": tuple(regions.outside),
                "covered": tuple(regions.covered),
                "mismatches": tuple(regions.mismatches),
                "values_shown": tuple(dict.fromkeys(regions.shown)),
                "checks_note": "; ".join(dict.fromkeys(notes)) or None,
            }
        )

    def _content(self, signed_pdf: Path, folder: Path, page: int) -> Gray | None:
        """Page ``page`` of the signed revision drawn without annotations (pdftoppm)."""
        assert self._tool is not None
        if self._tool[0] != "pdftoppm":
            return None
        try:
            images = render_pages(
                self._tool,
                signed_pdf,
                folder / f"content-{page}",
                dpi=_DPI,
                max_pages=page,
                timeout=_TIMEOUT_SECONDS,
                gray=True,
                first=page,
                hide_annotations=True,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return Gray.parse(images[0]) if images else None

    def _text(self, regions: _Regions, folder: Path, signed_pdf: Path) -> list[str]:
        """Read the pages with changed fields as text and check them; notes on failure."""
        tool = find_text_tool()
        if tool is None:
            return [
                "pdftotext (poppler-utils) is not installed: the fields' appearances were "
                "not checked against their values"
            ]
        pages = sorted(regions.by_page)
        first, last = pages[0], pages[-1]
        try:
            missing = [p for p in pages if p not in self._latest_words]
            if missing:
                self._latest_words.update(
                    read_words(
                        tool,
                        self._latest_file(folder),
                        min(missing),
                        max(missing),
                        _TIMEOUT_SECONDS,
                    )
                )
            signed = read_words(tool, signed_pdf, first, last, _TIMEOUT_SECONDS)
        except (OSError, subprocess.SubprocessError) as exc:
            return [f"pdftotext failed ({exc}): the fields' appearances were not checked"]
        notes = []
        for page in pages:
            if page not in signed or page not in self._latest_words:
                notes.append(f"page {page} could not be read as text")
                continue
            regions.text(page, signed[page], self._latest_words[page])
        return notes
