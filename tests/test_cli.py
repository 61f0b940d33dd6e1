"""The esig command: exit codes 0/1/2, JSON output, one-line errors, no secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from esig.issuance import TestPKI


def esig_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "esig.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def pki_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli-pki")
    pki = TestPKI()
    signer = pki.issue_person("Maria", "Gomez")
    return pki.write(folder, signer, b"correct horse battery staple")


def test_demo_signs_verifies_and_writes_its_files(tmp_path: Path) -> None:
    done = esig_cli("demo", "--output", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "TOTAL-PASSED" in done.stdout
    assert "Advanced (AES)" in done.stdout
    assert "BES art. 2" in done.stdout and "BES art. 4" in done.stdout
    out = tmp_path / "out"
    report = json.loads((out / "report.json").read_text())
    assert report["indication"] == "TOTAL-PASSED"
    assert report["signatures"][0]["level"]["eidas_level"] == "AES"
    again = esig_cli("verify", str(out / "signed.pdf"), "--trust", str(out / "root.pem"))
    assert again.returncode == 0


def test_demo_with_ec_key(tmp_path: Path) -> None:
    done = esig_cli("demo", "--key", "ec", "--output", str(tmp_path), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert "ecdsa" in report["signatures"][0]["integrity"]["signature_algorithm"]


def test_sign_then_verify(
    pki_files: dict[str, Path], esig_sample_pdf: Path, tmp_path: Path
) -> None:
    out = tmp_path / "signed.pdf"
    done = esig_cli(
        "sign",
        str(esig_sample_pdf),
        "-o",
        str(out),
        "--p12",
        str(pki_files["signer_p12"]),
        "--passphrase-env",
        "MY_PASS",
        env={"MY_PASS": "correct horse battery staple"},
    )
    assert done.returncode == 0, done.stderr
    assert "Maria Gomez" in done.stdout
    verified = esig_cli("verify", str(out), "--trust", str(pki_files["root"]), "--json")
    assert verified.returncode == 0
    assert json.loads(verified.stdout)["signatures"][0]["signer"]["display"] == "Maria Gomez"


def test_verify_without_trust_exits_1(signed_pdf: Path) -> None:
    done = esig_cli("verify", str(signed_pdf))
    assert done.returncode == 1
    assert "INDETERMINATE" in done.stdout


def test_wrong_passphrase_exits_2_with_one_line_and_no_secret(
    pki_files: dict[str, Path], esig_sample_pdf: Path, tmp_path: Path
) -> None:
    secret = "this-is-the-wrong-one"
    out = tmp_path / "signed.pdf"
    done = esig_cli(
        "sign",
        str(esig_sample_pdf),
        "-o",
        str(out),
        "--p12",
        str(pki_files["signer_p12"]),
        env={"ESIG_PASSPHRASE": secret},
    )
    assert done.returncode == 2
    assert done.stderr.startswith("esig: error:")
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert secret not in done.stderr + done.stdout
    assert not out.exists()


@pytest.mark.parametrize("content", [None, b"not a pdf at all"])
def test_bad_input_exits_2(tmp_path: Path, content: bytes | None) -> None:
    doc = tmp_path / "x.pdf"
    if content is not None:
        doc.write_bytes(content)
    done = esig_cli("verify", str(doc))
    assert done.returncode == 2
    assert done.stderr.startswith("esig: error:")
    assert "Traceback" not in done.stderr


def test_unreadable_trust_anchor_exits_2(signed_pdf: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "root.pem"
    bogus.write_text("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    done = esig_cli("verify", str(signed_pdf), "--trust", str(bogus))
    assert done.returncode == 2
    assert "trust anchor" in done.stderr


def test_usage_error_exits_2() -> None:
    done = esig_cli("verify")
    assert done.returncode == 2


def test_tampered_document_exits_1(signed_pdf: Path, esig_pki: TestPKI, tmp_path: Path) -> None:
    from tests.conftest import flip_byte

    data = signed_pdf.read_bytes()
    tampered = tmp_path / "t.pdf"
    tampered.write_bytes(flip_byte(data, data.index(b"/MediaBox") + 2))
    root = tmp_path / "root.pem"
    root.write_bytes(esig_pki.root.certificate.public_bytes(Encoding.PEM))
    done = esig_cli("verify", str(tampered), "--trust", str(root))
    assert done.returncode == 1
    assert "HASH_FAILURE" in done.stdout


def test_cert_show_marks_qualified_markers_and_pseudonyms(tmp_path: Path) -> None:
    pki = TestPKI()
    cert = tmp_path / "p.pem"
    cert.write_bytes(pki.issue_pseudonym("Blue Flamingo").certificate.public_bytes(Encoding.PEM))
    done = esig_cli("cert", "show", str(cert))
    assert done.returncode == 0, done.stderr
    assert "Blue Flamingo (pseudonym)" in done.stdout
    assert "BES art. 6(1)(b)" in done.stdout
    as_json = esig_cli("cert", "show", str(cert), "--json")
    assert json.loads(as_json.stdout)["subject"]["is_pseudonym"] is True


def test_cert_show_garbage_exits_2(tmp_path: Path) -> None:
    junk = tmp_path / "junk.cer"
    junk.write_bytes(b"\x30\x03\x02\x01")
    done = esig_cli("cert", "show", str(junk))
    assert done.returncode == 2
    assert done.stderr.startswith("esig: error:")


def test_extract_signed_revision(esig_sample_pdf: Path, esig_pki: TestPKI, tmp_path: Path) -> None:
    import esig

    first = tmp_path / "one.pdf"
    both = tmp_path / "two.pdf"
    esig.sign_pdf(esig_sample_pdf, first, esig_pki.issue_person("A", "One").device())
    esig.sign_pdf(first, both, esig_pki.issue_person("B", "Two").device())
    root = tmp_path / "root.pem"
    root.write_bytes(esig_pki.root.certificate.public_bytes(Encoding.PEM))

    out = tmp_path / "signed-by-one.pdf"
    ambiguous = esig_cli("verify", str(both), "--trust", str(root), "--extract-signed", str(out))
    assert ambiguous.returncode == 2 and "--field" in ambiguous.stderr
    done = esig_cli(
        "verify",
        str(both),
        "--trust",
        str(root),
        "--extract-signed",
        str(out),
        "--field",
        "Signature1",
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == first.read_bytes()  # exactly what the first signer signed
