"""What esig signs must satisfy tools we did not write: pdfsig, mutool, qpdf, pyHanko."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from esig.testing import require_tool
from tests.conftest import flip_byte


def _run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    return done.stdout + done.stderr


def test_pdfsig_says_valid_and_total_document_signed(signed_pdf: Path) -> None:
    out = _run(require_tool("pdfsig"), str(signed_pdf))
    assert "Signature is Valid." in out
    assert "Total document signed" in out
    assert "ETSI.CAdES.detached" in out


def test_mutool_says_unchanged_since_signing(signed_pdf: Path) -> None:
    out = _run(require_tool("mutool"), "sign", "-v", str(signed_pdf))
    assert "The document is unchanged since signing." in out
    assert "Digest error" not in out


def test_qpdf_finds_no_errors(signed_pdf: Path) -> None:
    done = subprocess.run(
        [require_tool("qpdf"), "--check", str(signed_pdf)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No syntax or stream encoding errors" in done.stdout


def test_pdfsig_agrees_a_flipped_byte_breaks_the_signature(
    signed_pdf: Path, tmp_path: Path
) -> None:
    data = signed_pdf.read_bytes()
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(flip_byte(data, data.index(b"/MediaBox") + 2))
    out = _run(require_tool("pdfsig"), str(tampered))
    assert "Signature is Valid." not in out
    assert "Digest Mismatch." in out


def test_pyhanko_validator_agrees(signed_pdf: Path, esig_pki: object) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from esig._pyhanko.signer import to_asn1
    from esig.issuance import TestPKI

    assert isinstance(esig_pki, TestPKI)
    with signed_pdf.open("rb") as handle:
        reader = PdfFileReader(handle)
        context = ValidationContext(trust_roots=[to_asn1(esig_pki.root.certificate)])
        status = validate_pdf_signature(reader.embedded_signatures[0], context)
    assert status.bottom_line
    assert status.intact and status.valid and status.trusted


@pytest.mark.parametrize("flip_at", ["content", "signature"])
def test_esig_and_pdfsig_agree_on_tampering(
    signed_pdf: Path, esig_root_pem: Path, tmp_path: Path, flip_at: str
) -> None:
    import esig
    from tests.test_sign_verify import signature_value_offset

    data = signed_pdf.read_bytes()
    if flip_at == "content":
        offset = data.index(b"/MediaBox") + 2
        tampered_bytes = flip_byte(data, offset)
    else:
        offset = signature_value_offset(data)
        new = b"0" if data[offset : offset + 1] != b"0" else b"1"
        tampered_bytes = data[:offset] + new + data[offset + 1 :]
    tampered = tmp_path / f"{flip_at}.pdf"
    tampered.write_bytes(tampered_bytes)

    report = esig.verify_pdf(tampered, trust=[esig_root_pem])
    pdfsig = _run(require_tool("pdfsig"), str(tampered))
    assert not report.passed
    assert "Signature is Valid." not in pdfsig
