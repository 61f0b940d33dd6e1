"""Only esig's words on stderr: the libraries' warnings are caught where esig calls them."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import esig
from esig._library_warnings import caught_library_warnings, name_attribute_problems
from esig.demo import sample_pdf
from esig.issuance import TestPKI
from esig.testing.services import LocalTrustServices
from esig.verification import CheckId, Outcome

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _bad_country_signer(pki: TestPKI) -> esig.SoftwareKey:
    """A signer whose subject says country "BEL" (RFC 5280 allows two letters only)."""
    key = ec.generate_private_key(ec.SECP256R1())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "BEL", _validate=False),
                x509.NameAttribute(NameOID.COMMON_NAME, "Jan Peeters"),
            ]
        )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(pki.intermediate.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(pki.intermediate.private_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return esig.SoftwareKey(key, cert, [pki.intermediate.certificate, pki.root.certificate])


def test_a_malformed_name_attribute_is_named() -> None:
    pki = TestPKI()
    signer = _bad_country_signer(pki)
    problems = name_attribute_problems(signer.certificate)
    assert len(problems) == 1
    assert "subject" in problems[0] and "it was 3" in problems[0]
    person = pki.issue_person("Anna", "de Vries")
    assert name_attribute_problems(person.certificate) == ()


def test_a_malformed_name_attribute_is_a_finding_not_a_warning(tmp_path: Path) -> None:
    pki = TestPKI()
    signer = _bad_country_signer(pki)
    signed = tmp_path / "signed.pdf"
    _sign_sample(signed, signer)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any library warning reaching the caller fails
        report = esig.verify_pdf(signed, trust=[pki.root.certificate])
    sig = report.signatures[0]
    notes = [f for f in sig.findings if "malformed name attribute" in f.message]
    assert len(notes) == 1
    assert notes[0].check is CheckId.IDENTITY and notes[0].outcome is Outcome.INFO
    assert report.passed  # said, not judged


def _sign_sample(output: Path, signer: esig.SoftwareKey) -> None:
    from esig.demo import sample_pdf

    source = output.with_name("sample.pdf")
    source.write_bytes(sample_pdf())
    esig.sign_pdf(source, output, signer)


def test_esig_warnings_in_a_caught_block_are_reissued() -> None:
    class EsigNotice(UserWarning):
        pass

    EsigNotice.__module__ = "esig.example"
    with pytest.warns(EsigNotice), caught_library_warnings("testing") as caught:
        warnings.warn("esig's own", EsigNotice, stacklevel=1)
        warnings.warn("a library's", UserWarning, stacklevel=1)
    assert [w.message for w in caught] == ["a library's"]


def _stderr_of(*args: str) -> str:
    proc = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, check=False, timeout=300
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stderr


def test_importing_the_adapter_prints_nothing() -> None:
    # cryptography 51 deprecates DSA; pyHanko touches its classes on import.
    assert _stderr_of("-c", "import esig._pyhanko, esig.verification.algorithms") == ""


def test_demo_prints_nothing_on_stderr(tmp_path: Path) -> None:
    assert _stderr_of("-m", "esig.cli", "demo", "--output", str(tmp_path / "out")) == ""


@pytest.mark.real
@pytest.mark.parametrize(
    "name",
    ["dss/belgian_pki_multiple_ocsps.pdf", "isa/isa-3.pdf", "coverage/tail-uncovered.pdf"],
)
def test_verifying_documents_made_by_others_prints_nothing(name: str) -> None:
    from esig.testing import real_part_missing

    path = CORPUS / name
    if not path.exists():
        real_part_missing(f"the shared corpus ({path})")
    assert _stderr_of("-m", "esig.cli", "verify", str(path)) == ""


@pytest.mark.real
@pytest.mark.parametrize("kind", ["pdf", "cades"])
def test_verifying_with_fetching_prints_nothing(
    kind: str, tmp_path: Path, esig_trust_services: LocalTrustServices
) -> None:
    # pyhanko-certvalidator's default aiohttp fetcher left its client session open:
    # asyncio printed "Unclosed client session" after every fetching validation
    import importlib.util

    from cryptography.hazmat.primitives.serialization import Encoding

    assert importlib.util.find_spec("aiohttp") is not None, "aiohttp is what leaked"
    root = tmp_path / "root.pem"
    root.write_bytes(esig_trust_services.root_certificate.public_bytes(Encoding.PEM))
    device = esig_trust_services.signer.device()
    if kind == "pdf":
        target = tmp_path / "signed.pdf"
        (tmp_path / "sample.pdf").write_bytes(sample_pdf())
        esig.sign_pdf(tmp_path / "sample.pdf", target, device)
        args = [str(target)]
    else:
        content = tmp_path / "invoice.txt"
        content.write_text("total 12.00\n")
        target = esig.sign_detached(content, tmp_path / "invoice.txt.p7s", device).path
        args = [str(target), "--content", str(content)]
    proc = subprocess.run(
        [sys.executable, "-m", "esig.cli", "verify", *args, "--trust", str(root),
         "--allow-fetching"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == ""
