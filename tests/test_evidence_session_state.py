"""An evidence session kept between requests (state / resume) and a visible seal (issue #19).

A web portal serves each step of an evidence session in its own request: it stores
:meth:`EvidenceSession.state` and continues with :meth:`EvidenceSession.resume`. The
seal can show where the owner placed the signer's box, with the signer's drawing.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import esig
from esig.evidence import (
    EvidenceMethod,
    EvidenceSession,
    EvidenceSessionState,
    Signatory,
    drawn_signature,
    read_evidence_records,
)
from esig.issuance import TestPKI
from esig.levels import Level
from esig.signing import VisibleSignature
from esig.signing.session import DocumentChangedError, NotAcknowledgedError
from esig.testing import TestSigners, require_tool
from tests.test_evidence_methods import png_bytes

ANNA = Signatory(name="Anna de Vries", email="anna@example.org")


def _stored(session: EvidenceSession) -> EvidenceSessionState:
    """What a portal writes to its database and reads back in the next request."""
    return EvidenceSessionState.model_validate_json(session.state().model_dump_json())


def test_a_session_resumed_from_its_state_seals_what_was_presented(
    tmp_path: Path, esig_sample_pdf: Path, esig_signers: TestSigners, esig_pki: TestPKI
) -> None:
    first = EvidenceSession(
        esig_sample_pdf, signatory=ANNA, method=EvidenceMethod.DRAWN, platform="Portal"
    )
    presented = first.present()
    state = _stored(first)
    assert state.presentation is not None
    assert state.presentation.document_sha256 == presented.document_sha256
    assert state.presentation.pages == ()  # renderings are not kept in the state

    second = EvidenceSession.resume(esig_sample_pdf, state)
    second.acknowledge(second.disclosure.content_hash)
    third = EvidenceSession.resume(esig_sample_pdf, _stored(second))
    third.add_step(drawn_signature(png_bytes(), strokes=[[(1, 1, 0), (5, 3, 20)]]))
    sealed = EvidenceSession.resume(esig_sample_pdf, _stored(third)).seal(
        tmp_path / "sealed.pdf", esig_signers.seal.device()
    )

    [found] = read_evidence_records(sealed.path)
    assert found.describes_signed_revision
    assert found.record.what.presented_at == presented.presented_at
    # the renderings are not in the state, but the record still says every page was shown
    assert found.record.what.pages_presented == len(presented.pages) == 1
    assert found.record.disclosure.acknowledged_at == third.state().acknowledged.acknowledged_at  # type: ignore[union-attr]
    [signature] = esig.verify_pdf(sealed.path, trust=[esig_pki.root.certificate]).signatures
    assert signature.level.level is Level.SES


def test_a_resumed_session_still_refuses_a_changed_document_or_a_missing_step(
    tmp_path: Path, esig_sample_pdf: Path, esig_signers: TestSigners
) -> None:
    session = EvidenceSession(
        esig_sample_pdf, signatory=ANNA, method=EvidenceMethod.DRAWN, platform="Portal"
    )
    session.present()
    state = _stored(session)
    with pytest.raises(NotAcknowledgedError):
        EvidenceSession.resume(esig_sample_pdf, state).seal(
            tmp_path / "x.pdf", esig_signers.seal.device()
        )

    other = tmp_path / "other.pdf"
    other.write_bytes(esig_sample_pdf.read_bytes() + b"\n% changed\n")
    resumed = EvidenceSession.resume(other, state)
    resumed.acknowledge(resumed.disclosure.content_hash)
    resumed.add_step(drawn_signature(png_bytes()))
    with pytest.raises(DocumentChangedError):
        resumed.seal(tmp_path / "y.pdf", esig_signers.seal.device())
    assert not (tmp_path / "y.pdf").exists()


def test_a_visible_seal_shows_the_drawing_in_the_owners_box(
    tmp_path: Path, esig_sample_pdf: Path, esig_signers: TestSigners
) -> None:
    pdfsig = require_tool("pdfsig")
    session = EvidenceSession(
        esig_sample_pdf, signatory=ANNA, method=EvidenceMethod.DRAWN, platform="Portal"
    )
    session.present()
    session.acknowledge(session.disclosure.content_hash)
    session.add_step(drawn_signature(png_bytes((120, 40))))
    box = VisibleSignature(page=1, box=(72, 72, 272, 142), image_data=png_bytes((120, 40)))
    sealed = session.seal(tmp_path / "v.pdf", esig_signers.seal.device(), appearance=box)
    assert sealed.visible
    plain = session.seal(tmp_path / "p.pdf", esig_signers.seal.device())
    assert not plain.visible

    out = subprocess.run([pdfsig, str(sealed.path)], capture_output=True, text=True, check=False)
    assert "Signature is Valid." in out.stdout
    # the drawing is an image on page 1 of the visible seal, and only there; the text
    # inside the box names the platform that sealed
    pdfimages, pdftotext = require_tool("pdfimages"), require_tool("pdftotext")
    for path, images in ((sealed.path, 1), (plain.path, 0)):
        listing = subprocess.run(
            [pdfimages, "-list", "-f", "1", "-l", "1", str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()[2:]
        assert len([line for line in listing if line.strip()]) == images
    # the box is 72..272 x 72..142 points from the lower left of a letter page (792 high)
    crop = ("-f", "1", "-l", "1", "-x", "72", "-y", "650", "-W", "200", "-H", "70")
    inside = subprocess.run(
        [pdftotext, *crop, str(sealed.path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Sealed by" in inside


def test_page_boxes_give_each_pages_size_and_refuse_what_is_not_a_pdf(
    esig_sample_pdf: Path, tmp_path: Path
) -> None:
    from esig.errors import NotAPdfError
    from esig.signing import page_boxes

    data = esig_sample_pdf.read_bytes()
    [page] = page_boxes(data)
    assert (page.page, page.width, page.height) == (1, 612.0, 792.0)  # US letter
    assert page_boxes(esig_sample_pdf) == (page,)
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"GIF89a")
    with pytest.raises(NotAPdfError):
        page_boxes(fake)
    assert fake.read_bytes() == b"GIF89a"
