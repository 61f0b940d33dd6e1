"""Detached CAdES for any file: judged by OpenSSL, verified by esig the same way as PDFs."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.sign.validation import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext

from esig.errors import InputError, ServiceError, ServiceKind
from esig.levels import RequirementId, RequirementStatus
from esig.signing import BaselineLevel, TimestampService, sign_detached
from esig.testing import require_tool
from esig.testing.certomancer_config import Label
from esig.testing.services import LocalTrustServices
from esig.verification import (
    CheckId,
    Indication,
    Outcome,
    SigningTimeSource,
    SubIndication,
    verify_detached,
)
from tests._faulty import closed_port_url, misbehaving_server
from tests.conftest import flip_byte

pytestmark = pytest.mark.real

LEVELS = (BaselineLevel.B_B, BaselineLevel.B_T, BaselineLevel.B_LT)


def openssl_verify(p7s: Path, content: Path, root_pem: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            require_tool("openssl"), "cms", "-verify", "-binary", "-inform", "DER",
            "-in", str(p7s), "-content", str(content), "-CAfile", str(root_pem),
            "-out", os.devnull,
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def root_pem(
    tmp_path_factory: pytest.TempPathFactory, esig_trust_services: LocalTrustServices
) -> Path:
    path = tmp_path_factory.mktemp("cades-root") / "root.pem"
    path.write_bytes(esig_trust_services.root_certificate.public_bytes(Encoding.PEM))
    return path


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Not a PDF: any file can be signed. Large enough to span several read chunks."""
    path = tmp_path_factory.mktemp("cades-content") / "data.bin"
    path.write_bytes(os.urandom(3 * (1 << 20) + 12345))
    return path


@pytest.fixture(scope="module")
def tsa(esig_trust_services: LocalTrustServices) -> TimestampService:
    return TimestampService(url=esig_trust_services.tsa_url)


@pytest.fixture(scope="module")
def signatures(
    tmp_path_factory: pytest.TempPathFactory,
    content: Path,
    esig_trust_services: LocalTrustServices,
    tsa: TimestampService,
) -> dict[BaselineLevel, Path]:
    folder = tmp_path_factory.mktemp("cades-sigs")
    device = esig_trust_services.signer.device()
    made = {}
    before = hashlib.sha256(content.read_bytes()).hexdigest()
    for level in LEVELS:
        result = sign_detached(
            content,
            folder / f"{level.value}.p7s",
            device,
            level=level,
            timestamp=tsa if level.timestamped else None,
        )
        assert result.level is level
        assert result.size == result.path.stat().st_size
        made[level] = result.path
    assert hashlib.sha256(content.read_bytes()).hexdigest() == before
    return made


@pytest.mark.parametrize("level", LEVELS)
def test_openssl_verifies_what_esig_signs(
    level: BaselineLevel, signatures: dict[BaselineLevel, Path], content: Path, root_pem: Path
) -> None:
    done = openssl_verify(signatures[level], content, root_pem)
    assert done.returncode == 0, done.stderr
    assert "Verification successful" in done.stderr


@pytest.mark.parametrize("level", LEVELS)
def test_openssl_fails_when_one_content_byte_changes(
    tmp_path: Path,
    level: BaselineLevel,
    signatures: dict[BaselineLevel, Path],
    content: Path,
    root_pem: Path,
) -> None:
    changed = tmp_path / content.name
    changed.write_bytes(flip_byte(content.read_bytes(), 2 * (1 << 20) + 7))
    done = openssl_verify(signatures[level], changed, root_pem)
    assert done.returncode != 0
    assert "Verification failure" in done.stderr


def test_offline_b_t_says_the_tsa_revocation_status_is_unknown(
    signatures: dict[BaselineLevel, Path],
    content: Path,
    esig_trust_services: LocalTrustServices,
) -> None:
    root = esig_trust_services.root_certificate
    offline = verify_detached(signatures[BaselineLevel.B_T], content, trust=[root])
    (stamp,) = offline.signatures[0].find(CheckId.TIMESTAMP)
    assert stamp.outcome is Outcome.INDETERMINATE
    assert "could not be checked for revocation" in stamp.message
    assert "Time-Stamping Unit" in stamp.message
    fetched = verify_detached(
        signatures[BaselineLevel.B_T], content, trust=[root], allow_fetching=True
    )
    (stamp,) = fetched.signatures[0].find(CheckId.TIMESTAMP)
    assert stamp.outcome is Outcome.PASSED


@pytest.mark.parametrize("level", LEVELS)
def test_esig_verifies_the_detached_signature(
    level: BaselineLevel,
    signatures: dict[BaselineLevel, Path],
    content: Path,
    esig_trust_services: LocalTrustServices,
) -> None:
    root = esig_trust_services.root_certificate
    report = verify_detached(signatures[level], content, trust=[root])
    if not level.long_term:
        # B-B / B-T carry no revocation data: unknown offline (TRY_LATER), so fetch it
        assert report.signatures[0].sub_indication is SubIndication.TRY_LATER
        report = verify_detached(signatures[level], content, trust=[root], allow_fetching=True)
    assert report.passed, report.to_text()
    assert report.document_size == content.stat().st_size
    (signature,) = report.signatures
    assert signature.signer is not None and signature.signer.display == "Anna de Vries"
    expected = SigningTimeSource.TIMESTAMP if level.timestamped else SigningTimeSource.CLAIMED
    assert signature.signing_time_source is expected
    assert {f.check for f in signature.findings} >= {
        CheckId.SIGNED_DATA,
        CheckId.INTEGRITY,
        CheckId.SIGNED_CONTENT,
        CheckId.CERTIFICATE,
        CheckId.MODIFICATIONS,
    }
    assert signature.level.eidas_level.value == "AES"
    # BES art. 1(b): only B-LT carries what keeps it verifiable once outside sources go;
    # without it the decree's AES is not shown (eIDAS asks no such thing)
    verifiable = signature.level.result(RequirementId.VERIFIABLE_AT_ANY_TIME)
    long_term = level is BaselineLevel.B_LT
    assert ("carries what verifying it later needs" in verifiable.evidence) is long_term
    assert (verifiable.status is RequirementStatus.MET) is long_term
    assert signature.level.level.value == ("AES" if long_term else "SES")


@pytest.mark.parametrize("level", LEVELS)
def test_esig_fails_when_one_content_byte_changes(
    tmp_path: Path,
    level: BaselineLevel,
    signatures: dict[BaselineLevel, Path],
    content: Path,
    esig_trust_services: LocalTrustServices,
) -> None:
    changed = tmp_path / content.name
    changed.write_bytes(flip_byte(content.read_bytes(), 1))
    report = verify_detached(
        signatures[level], changed, trust=[esig_trust_services.root_certificate]
    )
    assert not report.passed
    (signature,) = report.signatures
    assert signature.sub_indication is SubIndication.HASH_FAILURE
    (integrity,) = signature.find(CheckId.INTEGRITY)
    assert integrity.outcome is Outcome.FAILED


def test_b_lt_carries_its_validation_data(signatures: dict[BaselineLevel, Path]) -> None:
    info = cms.ContentInfo.load(signatures[BaselineLevel.B_LT].read_bytes())
    signed_data = info["content"]
    kinds = [choice.name for choice in signed_data["crls"]]
    assert "crl" in kinds
    others = [
        c.chosen["other_rev_info_format"].native for c in signed_data["crls"] if c.name == "other"
    ]
    assert "ocsp_response" in others
    assert len(signed_data["certificates"]) >= 4  # signer, intermediate, root, TSA
    assert signed_data["version"].native == "v5"
    b_t = cms.ContentInfo.load(signatures[BaselineLevel.B_T].read_bytes())
    assert not b_t["content"]["crls"]


@pytest.mark.parametrize("level", [BaselineLevel.B_T, BaselineLevel.B_LT])
def test_only_b_lt_validates_offline_from_its_own_data(
    level: BaselineLevel,
    signatures: dict[BaselineLevel, Path],
    content: Path,
    esig_trust_services: LocalTrustServices,
) -> None:
    """pyHanko, no fetching, revocation data required: only what the signature carries."""
    signed_data = cms.ContentInfo.load(signatures[level].read_bytes())["content"]
    crls = [c.chosen for c in signed_data["crls"] or () if c.name == "crl"]
    ocsps = [c.chosen["other_rev_info"] for c in signed_data["crls"] or () if c.name == "other"]
    root = asn1_x509.Certificate.load(
        esig_trust_services.root_certificate.public_bytes(Encoding.DER)
    )
    context = ValidationContext(
        trust_roots=[root],
        other_certs=[c.chosen for c in signed_data["certificates"]],
        crls=crls,
        ocsps=ocsps,
        allow_fetching=False,
        revocation_mode="hard-fail",
    )

    async def validate() -> bool:
        with content.open("rb") as handle:
            status = await async_validate_detached_cms(handle, signed_data, context, context)
        ts = status.timestamp_validity
        return bool(status.bottom_line and ts is not None and ts.trusted)

    assert asyncio.run(validate()) is (level is BaselineLevel.B_LT)


def test_without_trust_the_certificate_is_indeterminate(
    signatures: dict[BaselineLevel, Path], content: Path
) -> None:
    report = verify_detached(signatures[BaselineLevel.B_B], content)
    assert not report.passed
    (finding,) = report.signatures[0].find(CheckId.CERTIFICATE)
    assert finding.outcome is Outcome.INDETERMINATE


def test_default_output_is_beside_the_content(
    tmp_path: Path, esig_trust_services: LocalTrustServices
) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("any file at all\n")
    result = sign_detached(target, None, esig_trust_services.signer.device())
    assert result.path == tmp_path / "notes.txt.p7s"


def test_b_lta_and_missing_tsa_are_refused_before_anything(
    tmp_path: Path, esig_trust_services: LocalTrustServices, tsa: TimestampService
) -> None:
    device = esig_trust_services.signer.device()
    with pytest.raises(InputError, match="B-LTA is not offered"):
        sign_detached(tmp_path / "x", None, device, level=BaselineLevel.B_LTA, timestamp=tsa)
    with pytest.raises(InputError, match="needs a time-stamping service"):
        sign_detached(tmp_path / "x", None, device, level=BaselineLevel.B_T)
    assert list(tmp_path.iterdir()) == []


def test_not_a_signature_is_an_input_error(tmp_path: Path, content: Path) -> None:
    bogus = tmp_path / "bogus.p7s"
    bogus.write_bytes(b"this is not CMS")
    with pytest.raises(InputError, match="not a CMS"):
        verify_detached(bogus, content)


@pytest.mark.parametrize("mode", ["500", "garbage-tsa", "slow", "refused"])
def test_tsa_fault_leaves_no_signature(
    tmp_path: Path, mode: str, esig_trust_services: LocalTrustServices
) -> None:
    target = tmp_path / "data.txt"
    target.write_text("sign me\n")
    with misbehaving_server() as base:
        url = closed_port_url("/tsa") if mode == "refused" else f"{base}/{mode}"
        with pytest.raises(ServiceError) as caught:
            sign_detached(
                target,
                None,
                esig_trust_services.signer.device(),
                level=BaselineLevel.B_T,
                timestamp=TimestampService(url=url, timeout=0.5),
            )
    assert (caught.value.kind, caught.value.service) == (ServiceKind.TSA, url)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.txt"]
    assert target.read_text() == "sign me\n"


# --- the command line -------------------------------------------------------------------------


def esig_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "esig.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_cli_sign_cades_then_verify(
    tmp_path: Path, root_pem: Path, esig_trust_services: LocalTrustServices
) -> None:
    issued = esig_trust_services.signer
    key = tmp_path / "key.pem"
    key.write_bytes(
        issued.private_key.private_bytes(
            Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert = tmp_path / "cert.pem"
    cert.write_bytes(issued.certificate.public_bytes(Encoding.PEM))
    chain = tmp_path / "chain.pem"
    chain.write_bytes(esig_trust_services.intermediate_certificate.public_bytes(Encoding.PEM))
    target = tmp_path / "invoice.xml"
    target.write_text("<invoice total='12.50'/>\n")
    done = esig_cli(
        "sign", "--format", "cades", str(target), "--key", str(key), "--cert", str(cert),
        "--chain", str(chain), "--tsa", esig_trust_services.tsa_url,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    p7s = tmp_path / "invoice.xml.p7s"
    assert "CADES B-T" in done.stdout and p7s.exists()
    assert openssl_verify(p7s, target, root_pem).returncode == 0
    done = esig_cli("verify", str(p7s), "--content", str(target), "--trust", str(root_pem))
    assert done.returncode == 1, done.stdout  # B-T: revocation unknown offline
    assert "TRY_LATER" in done.stdout
    done = esig_cli(
        "verify", str(p7s), "--content", str(target), "--trust", str(root_pem), "--allow-fetching"
    )
    assert done.returncode == 0, done.stdout
    assert "TOTAL-PASSED" in done.stdout
    target.write_text("<invoice total='99.50'/>\n")
    done = esig_cli("verify", str(p7s), "--content", str(target), "--trust", str(root_pem))
    assert done.returncode == 1
    assert "HASH_FAILURE" in done.stdout


# --- validation in the past: the signature timestamp is the proof of existence --------------


@pytest.fixture(scope="module")
def short_lived(
    tmp_path_factory: pytest.TempPathFactory,
    content: Path,
    esig_trust_services: LocalTrustServices,
    tsa: TimestampService,
) -> dict[BaselineLevel, Path]:
    """B-T and B-LT by a signer whose certificate expires in 30 days."""
    folder = tmp_path_factory.mktemp("cades-short")
    device = esig_trust_services.issued(Label.SHORT_LIVED_SIGNER).device()
    return {
        level: sign_detached(
            content, folder / f"{level.value}.p7s", device, level=level, timestamp=tsa
        ).path
        for level in (BaselineLevel.B_T, BaselineLevel.B_LT)
    }


def _after_expiry(services: LocalTrustServices) -> dt.datetime:
    return services.certificate(Label.SHORT_LIVED_SIGNER).not_valid_after_utc + dt.timedelta(days=2)


def _openssl_at(p7s: Path, content: Path, root_pem: Path, at: dt.datetime) -> str:
    """OpenSSL's verdict with the certificates judged at ``at`` (no revocation check)."""
    done = subprocess.run(
        [
            require_tool("openssl"), "cms", "-verify", "-binary", "-inform", "DER",
            "-in", str(p7s), "-content", str(content), "-CAfile", str(root_pem),
            "-attime", str(int(at.timestamp())), "-out", os.devnull,
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    return done.stdout + done.stderr


def test_b_lt_validates_offline_after_the_certificate_expired(
    short_lived: dict[BaselineLevel, Path],
    content: Path,
    root_pem: Path,
    esig_trust_services: LocalTrustServices,
) -> None:
    services = esig_trust_services
    at = _after_expiry(services)
    report = verify_detached(
        short_lived[BaselineLevel.B_LT], content, trust=[services.root_certificate], at=at
    )
    assert report.passed, report.signatures[0].findings
    (sig,) = report.signatures
    (finding,) = sig.find(CheckId.CERTIFICATE)
    assert "Validated in the past" in finding.message
    assert "expired on" in finding.message
    long_term = sig.long_term
    assert long_term is not None and long_term.passed and long_term.offline
    proven = long_term.proof_of_existence
    assert proven is not None and proven == sig.signing_time
    assert proven < services.certificate(Label.SHORT_LIVED_SIGNER).not_valid_after_utc
    assert any("Time-Stamping Unit" in name for name in long_term.assumed_not_revoked)
    # OpenSSL: the path is good at the timestamp's time, expired at the moment
    p7s = short_lived[BaselineLevel.B_LT]
    assert "Verification successful" in _openssl_at(p7s, content, root_pem, proven)
    assert "certificate has expired" in _openssl_at(p7s, content, root_pem, at)


def test_b_t_after_expiry_has_no_revocation_data_to_judge_with(
    short_lived: dict[BaselineLevel, Path], content: Path, esig_trust_services: LocalTrustServices
) -> None:
    services = esig_trust_services
    report = verify_detached(
        short_lived[BaselineLevel.B_T],
        content,
        trust=[services.root_certificate],
        at=_after_expiry(services),
    )
    (sig,) = report.signatures
    assert sig.indication is Indication.INDETERMINATE
    assert sig.sub_indication is SubIndication.OUT_OF_BOUNDS_NO_POE
    assert sig.long_term is None


def test_b_lt_stops_validating_once_its_timestamp_authority_expired(
    short_lived: dict[BaselineLevel, Path], content: Path, esig_trust_services: LocalTrustServices
) -> None:
    services = esig_trust_services
    at = services.tsa_certificate.not_valid_after_utc + dt.timedelta(days=30)
    report = verify_detached(
        short_lived[BaselineLevel.B_LT], content, trust=[services.root_certificate], at=at
    )
    (sig,) = report.signatures
    assert not sig.passed
    assert sig.long_term is None
    (finding,) = sig.find(CheckId.CERTIFICATE)
    assert finding.outcome is Outcome.INDETERMINATE


def test_stale_revocation_data_days_later_is_judged_at_the_timestamp(
    signatures: dict[BaselineLevel, Path], content: Path, esig_trust_services: LocalTrustServices
) -> None:
    """Still valid certificate, offline, the embedded OCSP long past its nextUpdate."""
    services = esig_trust_services
    report = verify_detached(
        signatures[BaselineLevel.B_LT],
        content,
        trust=[services.root_certificate],
        at=services.now + dt.timedelta(days=3),
    )
    assert report.passed, report.signatures[0].findings
    (sig,) = report.signatures
    (finding,) = sig.find(CheckId.CERTIFICATE)
    assert "no longer fresh" in finding.message
    assert sig.signing_time_source is SigningTimeSource.TIMESTAMP
