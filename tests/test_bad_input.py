"""Bad input gives a failed check in a report or a clear EsigError — never a bare exception."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

import esig
from esig.devices import DeviceEvidence, DeviceKind, DigestAlgorithm, SignatureCreationDevice
from esig.issuance import IssuedCertificate, TestPKI
from esig.testing import require_tool
from esig.verification import CheckId, Indication, Outcome, SubIndication

_BYTE_RANGE = re.compile(rb"/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]( *)")


def _with_byte_range(signed: bytes, values: list[int]) -> bytes:
    match = _BYTE_RANGE.search(signed)
    assert match is not None
    text = ("/ByteRange [" + " ".join(str(v) for v in values) + "]").encode()
    span = match.end() - match.start()
    assert len(text) <= span
    return signed[: match.start()] + text.ljust(span) + signed[match.end() :]


@pytest.fixture
def signed(esig_device: esig.SoftwareKey) -> bytes:
    from esig.demo import sample_pdf

    return esig.sign_pdf_bytes(sample_pdf(), esig_device)


def _ranges(signed: bytes) -> list[int]:
    match = _BYTE_RANGE.search(signed)
    assert match is not None
    return [int(x) for x in match.groups()[:4]]


@pytest.mark.parametrize("kind", ["negative", "overlapping", "beyond the end"])
def test_broken_byte_ranges_fail(signed: bytes, esig_root_pem: Path, kind: str) -> None:
    _, b, c, d = _ranges(signed)
    values = {
        "negative": [0, b, c, -5],
        "overlapping": [0, b + 100, c - 100, d],
        "beyond the end": [0, b, c, d + 10_000],
    }[kind]
    report = esig.verify_pdf(_with_byte_range(signed, values), trust=[esig_root_pem])
    assert report.indication is Indication.TOTAL_FAILED
    sig = report.signatures[0]
    assert sig.find(CheckId.SIGNED_DATA)[0].outcome is Outcome.FAILED
    # BES art. 3(c): no whole signed revision can be handed back
    assert sig.find(CheckId.SIGNED_CONTENT)[0].outcome is not Outcome.PASSED


def test_signature_dictionary_without_contents(signed: bytes, esig_root_pem: Path) -> None:
    broken = signed.replace(b"/Contents <", b"/Contentz <", 1)
    report = esig.verify_pdf(broken, trust=[esig_root_pem])
    assert report.signatures
    assert report.indication is Indication.TOTAL_FAILED


def test_cms_that_does_not_parse(signed: bytes, esig_root_pem: Path) -> None:
    _, b, c, _ = _ranges(signed)
    garbage = signed[: b + 1] + b"41" * ((c - b - 2) // 2) + signed[c - 1 :]
    report = esig.verify_pdf(garbage, trust=[esig_root_pem])
    assert len(report.signatures) == 1
    sig = report.signatures[0]
    assert sig.indication is Indication.TOTAL_FAILED
    assert sig.sub_indication is SubIndication.FORMAT_FAILURE
    assert "cannot be read" in sig.find(CheckId.INTEGRITY)[0].message
    # BES art. 3(e): without a readable certificate no identity can be shown
    assert sig.signer is None
    assert sig.find(CheckId.IDENTITY)[0].outcome is Outcome.INDETERMINATE


def test_one_unreadable_signature_does_not_hide_the_others(
    esig_sample_pdf: Path, esig_pki: TestPKI, tmp_path: Path
) -> None:
    first = esig.sign_pdf_bytes(
        esig_sample_pdf.read_bytes(), esig_pki.issue_person("A", "B").device()
    )
    _, b, c, _ = _ranges(first)
    broken_first = first[: b + 1] + b"41" * ((c - b - 2) // 2) + first[c - 1 :]
    both = esig.sign_pdf_bytes(broken_first, esig_pki.issue_person("C", "D").device())
    report = esig.verify_pdf(both, trust=[esig_pki.root.certificate])
    assert [s.passed for s in report.signatures] == [False, True]


class _WrongCertificateDevice(SignatureCreationDevice):
    """Signs with one key but presents another signer's certificate."""

    def __init__(self, key_holder: IssuedCertificate, shown: IssuedCertificate) -> None:
        super().__init__(shown.certificate, shown.chain)
        self._real = key_holder.device()

    @property
    def evidence(self) -> DeviceEvidence:
        return DeviceEvidence(
            kind=DeviceKind.FAKE,
            description="wrong certificate",
            key_extractable=True,
            authentication_per_use=False,
            qscd_claimed=False,
        )

    def sign_digest(self, digest: bytes, algorithm: DigestAlgorithm) -> bytes:
        return self._real.sign_digest(digest, algorithm)


def test_certificate_that_does_not_match_the_signature(esig_pki: TestPKI) -> None:
    from esig.demo import sample_pdf

    device = _WrongCertificateDevice(
        esig_pki.issue_person("Real", "Signer"), esig_pki.issue_person("Claimed", "Signer")
    )
    signed = esig.sign_pdf_bytes(sample_pdf(), device)
    sig = esig.verify_pdf(signed, trust=[esig_pki.root.certificate]).signatures[0]
    assert sig.indication is Indication.TOTAL_FAILED
    assert sig.sub_indication is SubIndication.SIG_CRYPTO_FAILURE
    assert sig.level.level is esig.Level.NONE


def test_encrypted_document(
    esig_sample_pdf: Path, esig_device: esig.SoftwareKey, tmp_path: Path
) -> None:
    encrypted = tmp_path / "encrypted.pdf"
    subprocess.run(
        [
            require_tool("qpdf"),
            "--encrypt",
            "user",
            "owner",
            "256",
            "--",
            str(esig_sample_pdf),
            str(encrypted),
        ],
        check=True,
        capture_output=True,
    )
    with pytest.raises(esig.EncryptedDocumentError):
        esig.verify_pdf(encrypted)
    with pytest.raises(esig.EncryptedDocumentError):
        esig.sign_pdf(encrypted, tmp_path / "out.pdf", esig_device)
    assert not (tmp_path / "out.pdf").exists()


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-", b"%PDF-1.7\n" + b"\x00" * 5000, b"%PDF-1.7\ntrailer\n<< /Root 1 0 R >>\n%%EOF"],
)
def test_truncated_or_empty_documents(data: bytes) -> None:
    with pytest.raises(esig.EsigError):
        esig.verify_pdf(data)
