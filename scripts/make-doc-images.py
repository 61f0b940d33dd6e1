"""Make the pictures of docs/signing.md: a page signed by three signers, in order.

Run from the repository root: ``.venv/bin/python scripts/make-doc-images.py``. Needs
poppler's ``pdftoppm`` and DejaVu Sans (Debian: fonts-dejavu-core). Writes
``docs/images/three-signers.png`` (the lower part of page 1, 100 dpi): a certification
signature by Анна Петрова, an approval with a drawn signature, and a signature on behalf
of a company with the function from the certificate.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

import esig
from esig.demo import sample_pdf
from esig.issuance import TestPKI
from esig.signing import (
    DocPermission,
    FieldLock,
    SignatureFieldSpec,
    VisibleSignature,
    prepare_document,
)

OUT = Path(__file__).resolve().parent.parent / "docs" / "images" / "three-signers.png"


def main() -> None:
    """Sign the sample three times and render the signatures' part of page 1."""
    pki = TestPKI()
    author = pki.issue_person("Анна", "Петрова")
    approver = pki.issue_person("Ελένη", "Παπαδοπούλου")
    officer = pki.issue_person("Jan", "Pieters", organization="Acme Bonaire N.V.", title="Director")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        (tmp / "in.pdf").write_bytes(sample_pdf())
        drawn = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
        ImageDraw.Draw(drawn).line(
            [(10, 80), (60, 25), (95, 70), (150, 30), (200, 65), (290, 35)],
            fill=(20, 40, 160, 255),
            width=6,
        )
        drawn.save(tmp / "drawn.png")
        prepared = prepare_document(
            tmp / "in.pdf",
            tmp / "prepared.pdf",
            [
                SignatureFieldSpec(name="Author", box=(40, 40, 290, 120)),
                SignatureFieldSpec(
                    name="Approval", box=(310, 40, 570, 120), lock=FieldLock.include("Approval")
                ),
                SignatureFieldSpec(name="Company", box=(40, 140, 290, 220)),
            ],
        )
        first = esig.sign_pdf(
            prepared.path,
            tmp / "1.pdf",
            author.device(),
            field_name="Author",
            certify=DocPermission.FORM_FILLING,
            reason="Author of the agreement",
        )
        second = esig.sign_pdf(
            first.path,
            tmp / "2.pdf",
            approver.device(),
            appearance=VisibleSignature(field="Approval", image=tmp / "drawn.png"),
            reason="Approved",
        )
        third = esig.sign_pdf(
            second.path,
            tmp / "3.pdf",
            officer.device(),
            field_name="Company",
            reason="For the company",
        )
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "100",
                "-f",
                "1",
                "-l",
                "1",
                "-png",
                "-singlefile",
                str(third.path),
                str(tmp / "page"),
            ],
            check=True,
        )
        page = Image.open(tmp / "page.png")
        # the lower part of the page: y from 230 pt to the bottom (792 pt), at 100 dpi
        crop = page.crop((0, int((792 - 230) * 100 / 72), page.width, page.height))
        OUT.parent.mkdir(parents=True, exist_ok=True)
        crop.convert("P", palette=Image.Palette.ADAPTIVE, colors=64).save(OUT, optimize=True)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
