"""Placing each signer's box on the rendered page, by dragging it (the owner's draft page).

The owner sees the document's pages as esig presents them to signers
(:func:`esig.signing.session.present_pdf`), one pixel per point, with every signer's box
drawn where it will be. ``static/place.js`` lets the owner drag a box; on release it
posts the page and the box in PDF units (points from the page's lower left), which
:func:`place_box` checks and stores while the envelope is still a draft.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from esig.signing import VisibleSignature, page_boxes
from esig.signing.session import present_pdf

from .config import PortalError
from .models import EnvelopeStatus, Event, Signer
from .service import Portal

_RENDERINGS: dict[tuple[str, int], bytes] = {}
_RENDERINGS_LOCK = threading.Lock()
_MAX_CACHED = 64


@dataclass(frozen=True)
class PageView:
    """One page as the owner's page shows it: its number and size in points."""

    number: int
    width: float
    height: float


def page_views(path: Path) -> list[PageView]:
    """The pages of the document at ``path`` with their sizes (US letter when unreadable)."""
    return [
        PageView(p.page, p.width or 612.0, p.height or 792.0) for p in page_boxes(path.read_bytes())
    ]


def rendered_page(path: Path, sha256: str, number: int) -> bytes:
    """Page ``number`` of the document, rendered as signers see it (cached by digest)."""
    key = (sha256, number)
    with _RENDERINGS_LOCK:
        found = _RENDERINGS.get(key)
    if found is not None:
        return found
    pages = present_pdf(path.read_bytes()).pages
    if not 1 <= number <= len(pages):
        raise PortalError("No such page", 404)
    with _RENDERINGS_LOCK:
        if len(_RENDERINGS) >= _MAX_CACHED:
            _RENDERINGS.clear()
        for n, png in enumerate(pages, start=1):
            _RENDERINGS[(sha256, n)] = png
    return pages[number - 1]


def place_box(
    portal: Portal,
    owner: object,
    envelope_id: int,
    *,
    position: int,
    page: int,
    box: tuple[float, float, float, float],
) -> None:
    """Move signer ``position``'s box to ``box`` (x1, y1, x2, y2 in points) on ``page``."""
    envelope = portal.envelope_of(owner, envelope_id)  # type: ignore[arg-type]
    if envelope.status is not EnvelopeStatus.DRAFT:
        raise PortalError("The boxes are fixed once the envelope is sent", 409)
    views = page_views(Path(envelope.current.path))
    if not 1 <= page <= len(views):
        raise PortalError(f"Page {page} is not in the document")
    view = views[page - 1]
    x1, y1, x2, y2 = box
    try:
        VisibleSignature(page=page, box=box)
    except ValueError:
        raise PortalError("The box is not a rectangle") from None
    if x1 < 0 or y1 < 0 or x2 > view.width or y2 > view.height:
        raise PortalError("The box must lie on the page")
    with portal.sessions.begin() as db:
        signer = db.scalar(
            select(Signer).where(Signer.envelope_id == envelope_id, Signer.position == position)
        )
        if signer is None:
            raise PortalError("No such signer", 404)
        signer.page, signer.x1, signer.y1, signer.x2, signer.y2 = page, x1, y1, x2, y2
        db.add(
            Event(
                envelope_id=envelope_id,
                actor=envelope.owner.email,
                what=f"placed {signer.name}'s box on page {page} at "
                f"({x1:g}, {y1:g})–({x2:g}, {y2:g})",
            )
        )
