"""The certificate of completion: a PDF audit trail of one envelope, sealed by the platform.

Who signed, when, by which method, the level each signature reaches according to
:func:`esig.verify_pdf` (with the requirements and their citations), the SHA-256 of
every version of the document, and the envelope's events. The text is laid out as real
PDF text by :func:`esig.signing.text_document` (searchable; ``pdftotext`` extracts it),
then the platform seals it with :func:`esig.sign_pdf_bytes`, so it is tamper-evident too.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import esig
from esig.signing import text_document

from .config import METHOD_LABEL

if TYPE_CHECKING:
    from .models import Envelope
    from .service import Portal


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
        signature = by_field.get(signer.field_name or "")
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
    lines: list[str] = []
    for text, _heading in completion_lines(envelope, report):
        lines.append(text)
    data = text_document(lines, title=f"Certificate of completion, envelope {envelope.id}")
    sealed = esig.sign_pdf_bytes(
        data,
        portal.config.seal_device,
        reason="Certificate of completion",
        field_name="PortalCompletion",
    )
    folder = portal.config.data_dir / "completion"
    folder.mkdir(exist_ok=True)
    path = folder / f"{envelope.id}.pdf"
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".part", delete=False) as out:
        out.write(sealed)
    os.replace(out.name, path)  # whole or not at all, also for two downloads at once
    return path
