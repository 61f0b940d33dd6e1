"""The demo: sign and verify the bundled sample document on a throwaway test PKI.

:func:`run_demo` is what ``esig demo`` runs. It builds a root CA, an intermediate CA and
a signer certificate for a natural person in a temporary folder, signs the sample PDF
that ships with esig (PAdES baseline B-B) with a software key loaded from an encrypted
PKCS#12 file, verifies the result against the root, and writes the signed PDF, the
report (JSON and text) and the root certificate into ``output``.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from importlib.resources import as_file, files
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from esig._io import atomic_output
from esig._model import EsigModel
from esig.devices.software import SoftwareKey
from esig.issuance import KeyType, TestPKI
from esig.signing.pades import sign_pdf
from esig.verification.report import VerificationReport
from esig.verification.verifier import verify_pdf

__all__ = ["DemoResult", "run_demo", "sample_pdf"]


class DemoResult(EsigModel):
    """Where the demo wrote its files, and the verification report."""

    signed_pdf: Path
    report_json: Path
    report_text: Path
    trust_anchor: Path
    report: VerificationReport


def sample_pdf() -> bytes:
    """The sample document that ships with esig."""
    return files("esig").joinpath("data/sample.pdf").read_bytes()


def run_demo(
    output: str | os.PathLike[str] = "esig-demo",
    *,
    key_type: KeyType = KeyType.RSA_2048,
) -> DemoResult:
    """Sign and verify the sample document; write the results into ``output``."""
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="esig-demo-pki-") as tmp:
        pki = TestPKI(key_type)
        signer = pki.issue_person(
            "Anna",
            "de Vries",
            serial_number="PNOBQ-19800101-1234",
            email="anna.devries@example.org",
        )
        passphrase = secrets.token_urlsafe(24).encode()
        paths = pki.write(tmp, signer, passphrase)
        device = SoftwareKey.from_pkcs12(paths["signer_p12"], passphrase)
        del passphrase
        trust_anchor = out / "root.pem"
        with atomic_output(trust_anchor) as handle:
            handle.write(pki.root.certificate.public_bytes(Encoding.PEM))
        signed = out / "signed.pdf"
        with as_file(files("esig").joinpath("data/sample.pdf")) as source:
            sign_pdf(
                source,
                signed,
                device,
                reason="Demo: I agree to this document",
                location="Kralendijk, Bonaire",
            )
    report = verify_pdf(signed, trust=[trust_anchor])
    report_json = out / "report.json"
    with atomic_output(report_json) as handle:
        handle.write(report.model_dump_json(indent=2).encode())
    report_text = out / "report.txt"
    with atomic_output(report_text) as handle:
        handle.write(report.to_text().encode())
    return DemoResult(
        signed_pdf=signed,
        report_json=report_json,
        report_text=report_text,
        trust_anchor=trust_anchor,
        report=report,
    )
