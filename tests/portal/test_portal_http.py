"""The portal over HTTP: the whole path, then every refusal the issue asks for."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import esig
from esig.evidence import EvidenceMethod, read_evidence_records
from esig.levels import Level
from esig.testing import require_tool
from tests.portal.conftest import RunningPortal, owner_client, upload
from tests.portal.flows import sign_with_code, sign_with_drawing


def esig_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


ANNA, BEN = "anna@example.org", "ben@example.org"


def test_two_signers_in_order_then_the_owner_downloads_a_document_that_verifies(
    running_portal: RunningPortal, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    portal = running_portal
    owner = owner_client(portal)
    created = upload(
        owner,
        esig_sample_pdf.read_bytes(),
        [("Anna de Vries", ANNA, "email_code"), ("Ben Martis", BEN, "drawn")],
    )
    assert created.status_code == 200
    envelope = str(created.url).rsplit("/", 1)[1]
    page = owner.get(f"/envelopes/{envelope}")
    from tests.portal.conftest import csrf_of

    owner.post(f"/envelopes/{envelope}/send", data={"csrf": csrf_of(page.text)})
    assert portal.mail_to(BEN, "Please sign") == []  # Ben waits for Anna

    assert "Thank you, Anna de Vries" in sign_with_code(portal, portal.link_for(ANNA), ANNA).text
    assert "Thank you, Ben Martis" in sign_with_drawing(portal, portal.link_for(BEN)).text

    signed = owner.get(f"/envelopes/{envelope}/signed.pdf")
    assert signed.headers["content-type"] == "application/pdf"
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed.content)
    report = esig.verify_pdf(path, trust=portal.config.trust)  # type: ignore[arg-type]
    assert [s.field_name for s in report.signatures] == ["Signer1", "Signer2"]
    assert all(s.indication is esig.Indication.TOTAL_PASSED for s in report.signatures)
    # an email code and a drawing are simple signatures however sealed (docs/evidence.md)
    assert [s.level.level for s in report.signatures] == [Level.SES, Level.SES]
    records = read_evidence_records(path)
    assert [r.record.who.name for r in records] == ["Anna de Vries", "Ben Martis"]
    assert [r.record.method for r in records] == [EvidenceMethod.EMAIL_CODE, EvidenceMethod.DRAWN]
    assert all(r.describes_signed_revision for r in records)
    pdfsig = subprocess.run(
        [require_tool("pdfsig"), str(path)], capture_output=True, text=True, check=False
    ).stdout
    assert pdfsig.count("Signature is Valid.") == 2, pdfsig

    certificate = owner.get(f"/envelopes/{envelope}/completion.pdf")
    cert_path = tmp_path / "completion.pdf"
    cert_path.write_bytes(certificate.content)
    [seal] = esig.verify_pdf(cert_path, trust=portal.config.trust).signatures  # type: ignore[arg-type]
    assert seal.indication is esig.Indication.TOTAL_PASSED
    # its text is real PDF text: every version's digest, who, how, the level
    lines = subprocess.run(
        [require_tool("pdftotext"), str(cert_path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    digests = [esig_sha(p) for p in (esig_sample_pdf, path)]
    assert all(d in lines for d in digests)
    assert "Signer 1: Anna de Vries <anna@example.org>" in lines
    assert "Method: Drawn signature" in lines
    assert lines.count("Level reached: Simple") == 2
    # the owner sees each signature's level
    levels = owner.get(f"/envelopes/{envelope}").text
    assert levels.count('class="level" title="Simple') == 2, levels
