"""The certificate of completion: a PDF audit trail of one envelope, sealed by the platform.

Who signed, when, by which method, the level each signature reaches according to
:func:`esig.verify_pdf` (with the requirements and their citations), the SHA-256 of
every version of the document, and the envelope's events. The pages are drawn with
Pillow (already installed with esig's image support) and written as a PDF; the platform
then seals that PDF with :func:`esig.sign_pdf`, so the certificate is tamper-evident too.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

import esig
from esig.signing.appearance import find_font

from .service import METHOD_LABEL

if TYPE_CHECKING:
    from .models import Envelope
    from .service import Portal

_DPI = 100
_WIDTH, _HEIGHT = int(8.27 * _DPI), int(11.69 * _DPI)  # A4
_MARGIN, _SIZE, _LINE = 60, 13, 18
_WRAP = 95


def completion_lines(envelope: Envelope, report: esig.VerificationReport) -> list[tuple[str, bool]]:
    """The certificate's text: (line, bold)."""
    out: list[tuple[str, bool]] = [
        ("Certificate of completion", True),
        (f"Envelope {envelope.id}: {envelope.title}", False),
        (f"Owner: {envelope.owner.email}", False),
        (
            f"Created {envelope.created_at:%Y-%m-%d %H:%M:%S} UTC; completed "
            f"{envelope.completed_at:%Y-%m-%d %H:%M:%S} UTC"
            if envelope.completed_at
            else f"Created {envelope.created_at:%Y-%m-%d %H:%M:%S} UTC; not completed",
            False,
        ),
        ("", False),
        ("Document versions (SHA-256)", True),
    ]
    for document in envelope.documents:
        what = "as uploaded" if document.version == 1 else f"after signature {document.version - 1}"
        out.append((f"v{document.version} {what}, {document.size} bytes:", False))
        out.append((f"    {document.sha256}", False))
    by_field = {s.field_name: s for s in report.signatures}
    for signer in envelope.signers:
        out += [("", False), (f"Signer {signer.position}: {signer.name} <{signer.email}>", True)]
        out.append((f"Method: {METHOD_LABEL[signer.method]}; box on page {signer.page}", False))
        if signer.signed_at is None:
            out.append(("Not signed.", False))
            continue
        out.append(
            (
                f"Signed at {signer.signed_at:%Y-%m-%d %H:%M:%S} UTC, field {signer.field_name}",
                False,
            )
        )
        signature = by_field.get(signer.field_name)
        if signature is None:
            out.append(("The signature was not found in the document.", False))
            continue
        out.append((f"Verification: {signature.indication.value}", False))
        out.append((f"Level reached: {signature.level.level_name}", False))
        for result in signature.level.results:
            out.append((f"  - {result.cited}", False))
    out += [("", False), ("Events", True)]
    for event in envelope.events:
        out.append((f"{event.at:%Y-%m-%d %H:%M:%S} UTC  {event.actor}: {event.what}", False))
    return out


def completion_certificate(
    portal: Portal, envelope: Envelope, report: esig.VerificationReport
) -> Path:
    """Write the sealed certificate of completion of ``envelope``; return its path."""
    font_path = find_font()
    regular = ImageFont.truetype(str(font_path), _SIZE)
    bold = ImageFont.truetype(str(font_path), _SIZE + 3)
    pages: list[Image.Image] = []
    y = _HEIGHT
    draw: ImageDraw.ImageDraw | None = None
    for text, strong in completion_lines(envelope, report):
        for piece in textwrap.wrap(text, _WRAP, subsequent_indent="    ") or [""]:
            if draw is None or y > _HEIGHT - _MARGIN:
                pages.append(Image.new("RGB", (_WIDTH, _HEIGHT), "white"))
                draw, y = ImageDraw.Draw(pages[-1]), _MARGIN
            draw.text((_MARGIN, y), piece, fill="black", font=bold if strong else regular)
            y += _LINE + (6 if strong else 0)
    folder = portal.config.data_dir / "completion"
    folder.mkdir(exist_ok=True)
    plain = folder / f"{envelope.id}-unsealed.pdf"
    pages[0].save(plain, "PDF", resolution=_DPI, save_all=True, append_images=pages[1:])
    sealed = folder / f"{envelope.id}.pdf"
    esig.sign_pdf(
        plain,
        sealed,
        portal.config.seal_device,
        reason="Certificate of completion",
        field_name="PortalCompletion",
    )
    return sealed
