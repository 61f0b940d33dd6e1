"""A PDF of text lines as real text (issue #19: a searchable certificate of completion)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import esig
from esig.errors import InputError
from esig.issuance import TestPKI
from esig.signing import text_document
from esig.testing import TestSigners, require_tool

DIGEST = "9a00c8114006f9544fde10bd80c8f9f88b16ac4c71e2c87ae166efd26ecf1e68"


def _text(path: Path, *args: str) -> str:
    return subprocess.run(
        [require_tool("pdftotext"), *args, str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_every_line_is_text_that_pdftotext_extracts_on_as_many_pages_as_needed(
    tmp_path: Path,
) -> None:
    long = "Level reached: " + "Advanced (AES) under eIDAS art. 26(a)–(d); " * 6
    lines = ["Certificate of completion", "", "Signer 1: Anna de Vries — Señora", DIGEST, long]
    lines += [f"event {n}" for n in range(120)]
    path = tmp_path / "c.pdf"
    path.write_bytes(text_document(lines, title="Completion 7"))
    text = _text(path)
    for expected in ("Certificate of completion", "Anna de Vries — Señora", DIGEST, "event 119"):
        assert expected in text
    # the long line was wrapped, never cut: all its words are there
    assert " ".join(text.split()).count("under eIDAS art. 26(a)–(d);") == 6
    info = subprocess.run(
        [require_tool("pdfinfo"), str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert "Title:           Completion 7" in info
    pages = int(next(x for x in info.splitlines() if x.startswith("Pages:")).split()[1])
    assert pages == 3
    assert "event 119" in _text(path, "-f", "3", "-l", "3")
    images = subprocess.run(
        [require_tool("pdfimages"), "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert images == []  # text, not a picture of text


def test_the_document_can_be_sealed_and_bad_input_is_refused(
    esig_signers: TestSigners, esig_pki: TestPKI
) -> None:
    sealed = esig.sign_pdf_bytes(text_document(["sealed text"]), esig_signers.seal.device())
    [signature] = esig.verify_pdf(sealed, trust=[esig_pki.root.certificate]).signatures
    assert signature.indication is esig.Indication.TOTAL_PASSED
    with pytest.raises(InputError, match="control character"):
        text_document(["two\nlines"])
    with pytest.raises(InputError, match="font size"):
        text_document(["x"], font_size=2)
