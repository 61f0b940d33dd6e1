"""Compare what a reader shows: the signed revision against the latest one, page by page.

Difference analysis of PDF objects can be fooled or can give up (shadow attacks build
on exactly that), so esig also *renders* both revisions and compares the pages as a
reader would display them (BES art. 3(a) and (g)). Rendering uses poppler's
``pdftoppm`` or, failing that, mupdf's ``mutool``; both are independent of pyHanko.
When neither is installed the comparison says so instead of guessing.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from esig._model import EsigModel
from esig._render import Renderer, find_renderer, render_pages

__all__ = ["RevisionComparer", "VisualComparison"]

_DPI = 24
"""Low resolution: enough to see text and images change, cheap to render."""
_TIMEOUT_SECONDS = 60
_MAX_PAGES = 500


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

    @property
    def compared(self) -> bool:
        """Whether both revisions were rendered."""
        return self.signed_pages is not None and self.latest_pages is not None

    @property
    def visible_change(self) -> bool:
        """Whether a reader sees something other than what was signed."""
        return bool(self.changed_pages) or self.signed_pages != self.latest_pages


def _render(tool: Renderer, pdf: Path, out_dir: Path) -> list[bytes]:
    return render_pages(
        tool, pdf, out_dir, dpi=_DPI, max_pages=_MAX_PAGES, timeout=_TIMEOUT_SECONDS, gray=True
    )


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
        self._error: str | None = None

    def _latest_rendering(self, folder: Path) -> list[bytes]:
        if self._latest_pages is None:
            assert self._tool is not None
            latest = self._latest
            if isinstance(latest, bytes):
                path = folder / "latest.pdf"
                path.write_bytes(latest)
                latest = path
            self._latest_pages = _render(self._tool, latest, folder / "latest")
        return self._latest_pages

    def compare(self, signed_revision: bytes) -> VisualComparison:
        """Render ``signed_revision`` and compare it with the latest revision."""
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
        return VisualComparison(
            renderer=name, signed_pages=len(before), latest_pages=len(after), changed_pages=changed
        )
