"""A signer's certificate that issued itself: its own finding, never QES, no anchor advice.

An end-entity certificate whose issuer is its own subject (or that verifies under its
own key) was made by the signer alone; its qualified claims (QcCompliance, QcSSCD, …)
carry no weight (BES art. 6(1)(a), (g); eIDAS art. 3(15)). Signed PDFs are made here with
such a certificate, with and without qualified claims, and with a CA-issued qualified
certificate as the counterpart.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

import esig
from esig.devices.software import SoftwareKey
from esig.issuance import Qualification, TestPKI, qualified_extensions
from esig.law import BES, EIDAS
from esig.levels import AdesLabel, Level, RequirementId, RequirementStatus
from esig.signing import sign_pdf
from esig.trust.register import CspRegister, RegisteredProvider
from esig.verification import CheckId, Outcome, PathStatus, SignatureReport
from esig.verification.self_issued import (
    names_match,
    self_issued_end_entity,
    signed_by_own_key,
)

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)
QES_REQUIREMENTS = (
    RequirementId.QUALIFIED_CERTIFICATE,
    RequirementId.QUALIFIED_DEVICE,
    RequirementId.RECOGNISED_PROVIDER,
)
ANCHOR_ADVICE = ("issuing root", "as a trust anchor", "give the")


def _name(
    common_name: str, *, country: str = "BQ", given: str = "Eva", surname: str = "Selfmade"
) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.GIVEN_NAME, given),
            x509.NameAttribute(NameOID.SURNAME, surname),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _self_issued(
    *,
    qualified: bool,
    ca: bool = False,
    issuer: x509.Name | None = None,
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | None = None,
) -> tuple[x509.Certificate, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey]:
    """A certificate signed with its own key; issuer = subject unless ``issuer`` is given."""
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = _name("Eva Selfmade")
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer or subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - 30 * DAY)
        .not_valid_after(NOW + 365 * DAY)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if qualified:
        for extension in qualified_extensions(Qualification(qscd=True)):
            builder = builder.add_extension(extension.value, critical=extension.critical)
    return builder.sign(key, hashes.SHA256()), key


def _sign(
    cert: x509.Certificate,
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    source: Path,
    out: Path,
    chain: tuple[x509.Certificate, ...] = (),
) -> Path:
    sign_pdf(source, out, SoftwareKey(key, cert, chain), reason="self-issued test")
    return out


@pytest.fixture(scope="module")
def qualified_self() -> tuple[x509.Certificate, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey]:
    return _self_issued(qualified=True)


@pytest.fixture
def qualified_self_pdf(
    qualified_self: tuple[x509.Certificate, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey],
    esig_sample_pdf: Path,
    tmp_path: Path,
) -> Path:
    cert, key = qualified_self
    return _sign(cert, key, esig_sample_pdf, tmp_path / "self-qualified.pdf")


def _self_finding(sig: SignatureReport) -> esig.Finding:
    found = sig.find(CheckId.SELF_ISSUED)
    assert len(found) == 1, [f.message for f in sig.findings]
    return found[0]


def _no_anchor_advice(text: str) -> None:
    for phrase in ANCHOR_ADVICE:
        assert phrase not in text, text


def _register_naming(cert: x509.Certificate) -> CspRegister:
    """A register that (wrongly) lists ``cert`` as a recognised provider's CA."""
    return CspRegister(
        providers=(
            RegisteredProvider(
                name="Eva Selfmade",
                country="BQ",
                recognised_from=NOW - 365 * DAY,
                certificates=(cert.public_bytes(Encoding.PEM).decode(),),
            ),
        )
    ).vouched_for("built by the test")


# --- a self-issued certificate with qualified claims ----------------------------------------


def test_untrusted_self_issued_qualified_claims_get_their_own_finding(
    qualified_self_pdf: Path,
) -> None:
    sig = esig.verify_pdf(qualified_self_pdf).signatures[0]

    finding = _self_finding(sig)
    assert finding.outcome is Outcome.INFO
    assert "issued itself" in finding.message
    assert "QcCompliance" in finding.message and "QcSSCD" in finding.message
    assert "carry no weight" in finding.message
    assert "never be qualified" in finding.message
    assert {BES.ART_6_1_A, BES.ART_6_1_G, EIDAS.ART_3_15} <= set(finding.citations)
    _no_anchor_advice(finding.message)

    assert sig.certificate_path is not None
    assert sig.certificate_path.status is PathStatus.NO_TRUST_ANCHOR
    (certificate,) = sig.find(CheckId.CERTIFICATE)
    assert "issued itself" in certificate.message
    assert "trust anchor" not in certificate.message
    _no_anchor_advice(certificate.message)

    assert sig.level.level is not Level.QES
    assert sig.level.level is Level.SES
    step = sig.level.next_step or ""
    assert "issued itself" in step
    _no_anchor_advice(step)
    for rid in QES_REQUIREMENTS:
        result = sig.level.result(rid)
        assert result.status is RequirementStatus.NOT_MET
        assert "issued itself" in result.evidence


def test_self_issued_given_as_trust_anchor_is_still_not_qualified(
    qualified_self: tuple[x509.Certificate, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey],
    qualified_self_pdf: Path,
) -> None:
    cert, _ = qualified_self
    sig = esig.verify_pdf(qualified_self_pdf, trust=[cert]).signatures[0]

    assert sig.certificate_path is not None
    assert sig.certificate_path.status is PathStatus.TRUSTED
    assert "yours alone" in sig.find(CheckId.CERTIFICATE)[0].message
    finding = _self_finding(sig)
    assert "QcCompliance" in finding.message and "QcSSCD" in finding.message
    assert "gave this certificate itself as trusted" in finding.message

    # the user's own trust can make it advanced, never qualified, and not "AdES-QC"
    assert sig.level.eidas_level is Level.AES
    assert sig.level.label is AdesLabel.ADESIG
    for rid in QES_REQUIREMENTS:
        result = sig.level.result(rid)
        assert result.status is RequirementStatus.NOT_MET, rid
        assert "issued itself" in result.evidence
    step = sig.level.eidas_next_step or ""
    assert step.startswith("Not qualified:") and "issued itself" in step
    assert "QcCompliance" in step
    assert (
        "no certification service provider"
        in sig.level.result(RequirementId.IDENTIFIES_SIGNATORY).evidence
    )


def test_a_register_that_lists_the_self_issued_certificate_does_not_make_it_qes(
    qualified_self: tuple[x509.Certificate, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey],
    qualified_self_pdf: Path,
) -> None:
    cert, _ = qualified_self
    sig = esig.verify_pdf(
        qualified_self_pdf, trust=[cert], register=_register_naming(cert)
    ).signatures[0]

    assert sig.level.eidas_level is Level.AES
    recognised = sig.level.result(RequirementId.RECOGNISED_PROVIDER)
    assert recognised.status is RequirementStatus.NOT_MET
    assert "issued itself" in recognised.evidence
    _self_finding(sig)


# --- the counterpart: a certificate a provider issued ---------------------------------------


def test_a_ca_issued_qualified_certificate_has_no_self_issued_finding(
    esig_sample_pdf: Path, tmp_path: Path
) -> None:
    pki = TestPKI(now=NOW - 60 * DAY)
    signer = pki.issue_person("Rosa", "Martis", qualified=Qualification())
    out = tmp_path / "ca-issued.pdf"
    sign_pdf(esig_sample_pdf, out, signer.device(), reason="counterpart")
    register = CspRegister(
        providers=(
            RegisteredProvider(
                name="esig Test Trust Services",
                country="BQ",
                recognised_from=NOW - 50 * DAY,
                certificates=(pki.intermediate.certificate.public_bytes(Encoding.PEM).decode(),),
            ),
        )
    ).vouched_for("built by the test")
    sig = esig.verify_pdf(out, trust=[pki.root.certificate], register=register).signatures[0]

    assert sig.find(CheckId.SELF_ISSUED) == ()
    assert all("issued itself" not in f.message for f in sig.findings)
    assert self_issued_end_entity(signer.certificate) is None
    assert sig.level.eidas_level is Level.QES
    assert sig.level.label is AdesLabel.QESIG


def test_a_self_signed_ca_certificate_is_not_reported_as_self_issued_end_entity() -> None:
    cert, _ = _self_issued(qualified=True, ca=True)
    assert self_issued_end_entity(cert) is None


# --- a self-signed certificate without qualified claims -------------------------------------


def test_self_signed_without_claims_says_so_without_claims(
    esig_sample_pdf: Path, tmp_path: Path
) -> None:
    cert, key = _self_issued(qualified=False)
    pdf = _sign(cert, key, esig_sample_pdf, tmp_path / "self-plain.pdf")

    sig = esig.verify_pdf(pdf).signatures[0]
    finding = _self_finding(sig)
    assert "issued itself" in finding.message
    assert "makes no qualified claims" in finding.message
    assert "QcCompliance" not in finding.message
    _no_anchor_advice(finding.message)
    certificate = sig.find(CheckId.CERTIFICATE)[0]
    assert "issued itself" in certificate.message
    assert "qualified claims" not in certificate.message
    _no_anchor_advice(certificate.message)

    trusted = esig.verify_pdf(pdf, trust=[cert]).signatures[0]
    assert trusted.level.eidas_level is Level.AES
    assert trusted.level.label is AdesLabel.ADESIG
    assert "issued itself" in (trusted.level.eidas_next_step or "")


# --- how self-issued is recognised ----------------------------------------------------------


def test_names_match_by_rfc_5280_rules() -> None:
    spaced = _name("eva   selfmade", country="bq", given="EVA", surname=" Selfmade ")
    assert spaced != _name("Eva Selfmade")  # not equal byte for byte ...
    assert names_match(spaced, _name("Eva Selfmade"))  # ... but the same name
    assert not names_match(_name("Eva Other"), _name("Eva Selfmade"))
    assert not names_match(x509.Name(list(_name("Eva Selfmade"))[:3]), _name("Eva Selfmade"))


def test_issuer_written_differently_is_still_self_issued() -> None:
    cased = _name("Eva  Selfmade", given="eva", surname="SELFMADE")
    cert, _ = _self_issued(qualified=True, issuer=cased)
    found = self_issued_end_entity(cert)
    assert found is not None
    assert found.names_match and found.own_signature
    assert found.claims[:2] == ("QcCompliance", "QcSSCD")


def test_own_key_signature_counts_when_the_issuer_name_is_another() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    cert, _ = _self_issued(qualified=True, issuer=_name("Some Authority"), key=key)
    assert signed_by_own_key(cert)
    found = self_issued_end_entity(cert)
    assert found is not None
    assert not found.names_match and found.own_signature
    assert "signed with its own key" in found.how


def test_a_ca_issued_certificate_is_not_signed_by_its_own_key() -> None:
    pki = TestPKI()
    signer = pki.issue_person("Rosa", "Martis", qualified=Qualification())
    assert not signed_by_own_key(signer.certificate)
    assert signed_by_own_key(pki.root.certificate)


# --- the reports and the command line -------------------------------------------------------


def test_text_json_and_html_show_the_finding(qualified_self_pdf: Path) -> None:
    report = esig.verify_pdf(qualified_self_pdf)
    message = _self_finding(report.signatures[0]).message

    assert message in report.to_text()
    data = json.loads(report.model_dump_json())
    checks = {f["check"]: f for f in data["signatures"][0]["findings"]}
    assert checks["self_issued"]["message"] == message
    assert "eIDAS art. 3(15)" in {c["label"] for c in checks["self_issued"]["citations"]}
    html = report.to_html()
    assert "self_issued" in html
    assert "issued itself" in html and "QcSSCD" in html


def test_cli_verify_prints_the_finding(qualified_self_pdf: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "esig.cli", "verify", str(qualified_self_pdf)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1, done.stderr
    assert "issued itself" in done.stdout
    assert "QcCompliance" in done.stdout and "carry no weight" in done.stdout
    assert "give the issuing root" not in done.stdout
