"""Render PDF pages with an independent tool: poppler's ``pdftoppm``, else mupdf's ``mutool``.

Used to show a document to a signer (BES art. 2(1)(b)) and to compare what a reader
shows before and after signing (BES art. 3(a), (g)). The renderers are separate
programs, independent of pyHanko.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

__all__ = ["Renderer", "find_renderer", "render_pages"]

Renderer = tuple[str, str]
"""The renderer's name (``pdftoppm`` or ``mutool``) and the path of its program."""


def find_renderer() -> Renderer | None:
    """The first renderer installed, or None."""
    for name in ("pdftoppm", "mutool"):
        path = shutil.which(name)
        if path is not None:
            return name, path
    return None


def render_pages(
    tool: Renderer,
    pdf: Path,
    out_dir: Path,
    *,
    dpi: int,
    max_pages: int,
    timeout: float,
    gray: bool,
    first: int = 1,
    hide_annotations: bool = False,
) -> list[bytes]:
    """Render pages ``first`` to ``max_pages`` of ``pdf`` into ``out_dir``; return each image.

    Grey pages come as PGM (cheap to compare byte for byte), colour pages as PNG (to show
    to a person). ``hide_annotations`` draws the page content alone (``pdftoppm`` only;
    ``mutool`` always draws them). Raises ``OSError`` or ``subprocess.SubprocessError``
    when the tool cannot run or times out; a page the tool cannot draw is simply missing.
    """
    name, path = tool
    out_dir.mkdir(exist_ok=True)
    ext = "pgm" if gray else "png"
    if name == "pdftoppm":
        args = [
            path,
            *(["-gray"] if gray else ["-png"]),
            *(["-hide-annotations"] if hide_annotations else []),
            "-f",
            str(first),
            "-r",
            str(dpi),
            "-q",
            "-l",
            str(max_pages),
            str(pdf),
            str(out_dir / "p"),
        ]
    else:
        args = [
            path,
            "draw",
            "-q",
            "-r",
            str(dpi),
            *(["-c", "gray"] if gray else []),
            "-o",
            str(out_dir / f"p-%05d.{ext}"),
            str(pdf),
            f"{first}-{max_pages}",
        ]
    subprocess.run(
        args, capture_output=True, timeout=timeout, check=False, env={**os.environ, "LC_ALL": "C"}
    )
    return [p.read_bytes() for p in sorted(out_dir.glob(f"p-*.{ext}"))]
