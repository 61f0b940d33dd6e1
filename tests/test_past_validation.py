"""Validation in the past: a B-LTA signature outlives its signer's certificate.

Documents are signed today against certomancer's Animator (``esig_trust_services``),
by a signer whose certificate expires a month later and by one revoked ten days
later. "The future" is the ``at`` of the verifier, and the Animator answers as of a
chosen moment (``answering_at``): no test sleeps or freezes the clock. Validation at a
later moment is offline unless a test says otherwise; the judges are esig, pyHanko's
own validator and poppler's pdfsig.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore, async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from typer.testing import CliRunner

from esig.cli import app
from esig.demo import sample_pdf
from esig.signing import PadesLevel, TimestampService, extend_pdf, sign_pdf
from esig.testing.certomancer_config import LATER_REVOKED_DAYS, Label
from esig.testing.services import LocalTrustServices
from esig.verification import verify_pdf
from esig.verification.report import (
    CheckId,
    Indication,
    Outcome,
    PathStatus,
    SignatureReport,
    SubIndication,
)
from tests.test_ltv import pdfsig_verdicts

pytestmark = pytest.mark.real

LEVELS = (PadesLevel.B_B, PadesLevel.B_T, PadesLevel.B_LT, PadesLevel.B_LTA)


def _sign(services: LocalTrustServices, folder: Path, label: Label) -> dict[PadesLevel, Path]:
    source = folder / "sample.pdf"
    source.write_bytes(sample_pdf())
    tsa = TimestampService(url=services.tsa_url, timeout=10)
    made = {}
    for level in LEVELS:
        out = folder / f"{label}-{level.value}.pdf"
        sign_pdf(
            source,
            out,
            services.issued(label).device(),
            level=level,
            timestamp=tsa if level.timestamped else None,
        )
        made[level] = out
    return made


@pytest.fixture(scope="module")
def short_lived(
    esig_trust_services: LocalTrustServices, tmp_path_factory: pytest.TempPathFactory
) -> dict[PadesLevel, Path]:
    """Signed today at every level by a signer whose certificate expires in 30 days."""
    return _sign(esig_trust_services, tmp_path_factory.mktemp("past"), Label.SHORT_LIVED_SIGNER)


@pytest.fixture(scope="module")
def later_revoked(
    esig_trust_services: LocalTrustServices, tmp_path_factory: pytest.TempPathFactory
) -> dict[PadesLevel, Path]:
    """Signed today at every level by a signer who will be revoked in ten days."""
    return _sign(esig_trust_services, tmp_path_factory.mktemp("later"), Label.LATER_REVOKED_SIGNER)


def _after_expiry(services: LocalTrustServices) -> dt.datetime:
    expiry = services.certificate(Label.SHORT_LIVED_SIGNER).not_valid_after_utc
    return expiry + dt.timedelta(days=2)


def _only(path: Path, services: LocalTrustServices, **kwargs: object) -> SignatureReport:
    report = verify_pdf(path, trust=[services.root_certificate], **kwargs)  # type: ignore[arg-type]
    (signature,) = report.signatures
    return signature


def _certificate(signature: SignatureReport) -> tuple[Outcome, str]:
    (finding,) = signature.find(CheckId.CERTIFICATE)
    return finding.outcome, finding.message


# --- today: every level passes, in three judges --------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_every_level_passes_today(
    level: PadesLevel, short_lived: dict[PadesLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    # B-B and B-T carry no revocation data: checked by fetching (offline: TRY_LATER)
    fetch = level in {PadesLevel.B_B, PadesLevel.B_T}
    signature = _only(short_lived[level], esig_trust_services, allow_fetching=fetch)
    assert signature.passed, signature.findings
    assert signature.long_term is None
    assert pdfsig_verdicts(short_lived[level]) == ["Signature is Valid."]


def test_b_lta_is_intact_and_trusted_in_pyhanko_from_its_dss(
    short_lived: dict[PadesLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    root = asn1_x509.Certificate.load(
        esig_trust_services.root_certificate.public_bytes(Encoding.DER)
    )

    async def judge() -> bool:
        with short_lived[PadesLevel.B_LTA].open("rb") as handle:
            reader = PdfFileReader(handle)
            context = DocumentSecurityStore.read_dss(reader).as_validation_context(
                {"trust_roots": [root], "allow_fetching": False}
            )
            assert isinstance(context, ValidationContext)
            status = await async_validate_pdf_signature(
                reader.embedded_regular_signatures[0], context, context
            )
            return bool(status.bottom_line)

    assert asyncio.run(judge())


# --- after the signer's certificate expired: B-LTA proves itself with document timestamps -


@pytest.mark.parametrize("when", ["after-expiry", "2031-01-01"])
def test_b_lta_passes_after_the_certificate_expired_offline(
    when: str, short_lived: dict[PadesLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    services = esig_trust_services
    at = (
        _after_expiry(services)
        if when == "after-expiry"
        else dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
    )
    expiry = services.certificate(Label.SHORT_LIVED_SIGNER).not_valid_after_utc
    assert at > expiry
    signature = _only(short_lived[PadesLevel.B_LTA], services, at=at)
    assert signature.passed, signature.findings
    outcome, message = _certificate(signature)
    assert outcome is Outcome.PASSED
    assert "Validated in the past" in message
    assert "expired on" in message
    assert signature.certificate_path is not None
    assert signature.certificate_path.status is PathStatus.TRUSTED
    long_term = signature.long_term
    assert long_term is not None and long_term.passed and long_term.offline
    assert long_term.validated_at == at
    assert long_term.proof_of_existence is not None
    assert long_term.proof_of_existence < expiry
    assert long_term.document_timestamps == 1
    # offline, the one assumption is named: the latest document timestamp's TSA
    assert any("Time-Stamping Unit" in name for name in long_term.assumed_not_revoked)


def test_b_lta_stops_validating_once_its_timestamp_authority_expired(
    short_lived: dict[PadesLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    """Without renewal (esig extend), the document timestamp loses its force too."""
    tsa_expiry = esig_trust_services.tsa_certificate.not_valid_after_utc
    signature = _only(
        short_lived[PadesLevel.B_LTA], esig_trust_services, at=tsa_expiry + dt.timedelta(days=30)
    )
    assert not signature.passed
    outcome, message = _certificate(signature)
    assert outcome is Outcome.INDETERMINATE
    assert "expired on" in message
    assert signature.long_term is not None and not signature.long_term.passed


@pytest.mark.parametrize(
    ("level", "why"),
    [
        (PadesLevel.B_B, "no trusted timestamp"),
        (PadesLevel.B_T, "no revocation data"),
    ],
)
def test_lower_levels_are_indeterminate_after_the_certificate_expired(
    level: PadesLevel,
    why: str,
    short_lived: dict[PadesLevel, Path],
    esig_trust_services: LocalTrustServices,
) -> None:
    signature = _only(
        short_lived[level], esig_trust_services, at=_after_expiry(esig_trust_services)
    )
    assert signature.indication is Indication.INDETERMINATE
    outcome, message = _certificate(signature)
    assert outcome is Outcome.INDETERMINATE
    assert "expired on" in message
    assert why in message
    assert signature.sub_indication is SubIndication.OUT_OF_BOUNDS_NO_POE
    assert signature.long_term is not None and not signature.long_term.passed


# --- B-LT after expiry: judged as of its signature timestamp (EN 319 102-1 past validation) --


def test_b_lt_passes_after_the_certificate_expired_at_its_signature_timestamp(
    short_lived: dict[PadesLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    """The signature timestamp proves T; the DSS shows the certificate good at T."""
    services = esig_trust_services
    at = _after_expiry(services)
    expiry = services.certificate(Label.SHORT_LIVED_SIGNER).not_valid_after_utc
    assert expiry < at < services.tsa_certificate.not_valid_after_utc
    path = short_lived[PadesLevel.B_LT]
    signature = _only(path, services, at=at)
    assert signature.passed, signature.findings
    outcome, message = _certificate(signature)
    assert outcome is Outcome.PASSED
    assert "Validated in the past" in message
    assert f"expired on {expiry:%Y-%m-%d %H:%M:%S} UTC" in message
    assert "its timestamp and the revocation data issued at or after it" in message
    assert signature.certificate_path is not None
    assert signature.certificate_path.status is PathStatus.TRUSTED
    long_term = signature.long_term
    assert long_term is not None and long_term.passed and long_term.offline
    assert long_term.validated_at == at
    assert long_term.document_timestamps == 0
    proven = long_term.proof_of_existence
    assert proven is not None and proven == signature.signing_time and proven < expiry
    # offline, the signature timestamp's TSA is taken as not revoked since T, and said so
    assert any("Time-Stamping Unit" in name for name in long_term.assumed_not_revoked)
    assert "taken as not revoked since" in message
    # pyHanko agrees: not at the moment, but as of T with the DSS (data issued at T)
    assert not _pyhanko_trusts(path, services, moment=at)
    assert _pyhanko_trusts(path, services, moment=proven, retroactive_revinfo=True)


def test_b_lt_is_indeterminate_once_its_timestamp_authority_expired(
    short_lived: dict[PadesLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    """The signature timestamp itself must still be valid: an expired TSA needs B-LTA."""
    services = esig_trust_services
    at = services.tsa_certificate.not_valid_after_utc + dt.timedelta(days=30)
    signature = _only(short_lived[PadesLevel.B_LT], services, at=at)
    assert signature.indication is Indication.INDETERMINATE
    outcome, message = _certificate(signature)
    assert outcome is Outcome.INDETERMINATE
    assert "expired on" in message
    assert "no document timestamp covers it" in message
    assert signature.long_term is not None and not signature.long_term.passed


def test_b_lt_revoked_after_its_signature_timestamp_passes(
    later_revoked: dict[PadesLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    """Revoked after T, known by fetching: the DSS still shows the certificate good at T."""
    services = esig_trust_services
    revoked = services.now + dt.timedelta(days=LATER_REVOKED_DAYS)
    at = revoked + dt.timedelta(days=10)
    with services.answering_at(at):
        signature = _only(later_revoked[PadesLevel.B_LT], services, at=at, allow_fetching=True)
    assert signature.passed, signature.findings
    outcome, message = _certificate(signature)
    assert outcome is Outcome.PASSED
    assert "was revoked on" in message
    assert signature.long_term is not None
    proven = signature.long_term.proof_of_existence
    assert proven is not None and proven < revoked


# --- revoked after signing: the proof of existence predates the revocation ---------------


def test_revocation_after_signing_is_unknown_offline_and_harmless(
    later_revoked: dict[PadesLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    """Offline, after the certificate expired: the embedded data is all there is."""
    at = dt.datetime(2032, 1, 1, tzinfo=dt.UTC)
    assert at > esig_trust_services.certificate(Label.LATER_REVOKED_SIGNER).not_valid_after_utc
    signature = _only(later_revoked[PadesLevel.B_LTA], esig_trust_services, at=at)
    assert signature.passed, signature.findings
    assert signature.long_term is not None and signature.long_term.offline


def test_revocation_after_the_proven_signing_time_passes(
    later_revoked: dict[PadesLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    services = esig_trust_services
    revoked = services.now + dt.timedelta(days=LATER_REVOKED_DAYS)
    at = revoked + dt.timedelta(days=10)
    with services.answering_at(at):
        signature = _only(later_revoked[PadesLevel.B_LTA], services, at=at, allow_fetching=True)
    assert signature.passed, signature.findings
    outcome, message = _certificate(signature)
    assert outcome is Outcome.PASSED
    assert "was revoked on" in message
    assert signature.long_term is not None
    assert signature.long_term.proof_of_existence is not None
    assert signature.long_term.proof_of_existence < revoked
    assert not signature.long_term.offline


def test_revocation_after_a_signature_timestamp_alone_is_indeterminate(
    later_revoked: dict[PadesLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    """B-T: the timestamp predates the revocation, but the revocation data has no POE."""
    services = esig_trust_services
    at = services.now + dt.timedelta(days=LATER_REVOKED_DAYS + 10)
    with services.answering_at(at):
        signature = _only(later_revoked[PadesLevel.B_T], services, at=at, allow_fetching=True)
    assert signature.indication is Indication.INDETERMINATE
    outcome, message = _certificate(signature)
    assert outcome is Outcome.INDETERMINATE
    assert "was revoked on" in message
    assert "no document timestamp covers it" in message


def test_revocation_without_proof_of_existence_is_indeterminate(
    later_revoked: dict[PadesLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    """EN 319 102-1: made before or after the revocation? Unknown: REVOKED_NO_POE."""
    services = esig_trust_services
    at = services.now + dt.timedelta(days=LATER_REVOKED_DAYS + 10)
    with services.answering_at(at):
        signature = _only(later_revoked[PadesLevel.B_B], services, at=at, allow_fetching=True)
    assert signature.indication is Indication.INDETERMINATE
    assert signature.sub_indication is SubIndication.REVOKED_NO_POE
    outcome, message = _certificate(signature)
    assert outcome is Outcome.INDETERMINATE
    assert "was revoked on" in message
    assert "no trusted timestamp" in message
    assert "cannot be decided" in message


def test_revocation_before_signing_fails(
    esig_trust_services: LocalTrustServices, tmp_path: Path
) -> None:
    services = esig_trust_services
    source = tmp_path / "sample.pdf"
    source.write_bytes(sample_pdf())
    out = tmp_path / "revoked-b-t.pdf"
    sign_pdf(
        source,
        out,
        services.revoked_signer.device(),
        level=PadesLevel.B_T,
        timestamp=TimestampService(url=services.tsa_url, timeout=10),
    )
    signature = _only(out, services, allow_fetching=True)
    assert signature.indication is Indication.TOTAL_FAILED
    outcome, message = _certificate(signature)
    assert outcome is Outcome.FAILED
    assert "was revoked on" in message
    assert "not before the revocation" in message


# --- days later, offline: the embedded revocation data is no longer fresh -----------------


def _days_later(services: LocalTrustServices) -> dt.datetime:
    """Well past the embedded OCSP responses' and CRLs' nextUpdate, before any expiry."""
    return services.now + dt.timedelta(days=3)


def _pyhanko_trusts(path: Path, services: LocalTrustServices, **context: object) -> bool:
    """pyHanko's validator on the document's DSS alone (no network, revocation required)."""
    root = asn1_x509.Certificate.load(services.root_certificate.public_bytes(Encoding.DER))

    async def judge() -> bool:
        with path.open("rb") as handle:
            reader = PdfFileReader(handle)
            ctx = DocumentSecurityStore.read_dss(reader).as_validation_context(
                {
                    "trust_roots": [root],
                    "allow_fetching": False,
                    "revocation_mode": "require",
                    **context,
                }
            )
            assert isinstance(ctx, ValidationContext)
            status = await async_validate_pdf_signature(
                reader.embedded_regular_signatures[0], ctx, ctx
            )
            return bool(status.bottom_line)

    return asyncio.run(judge())


@pytest.mark.parametrize("level", [PadesLevel.B_LT, PadesLevel.B_LTA])
def test_stale_revocation_data_is_judged_at_the_signature_timestamp(
    level: PadesLevel, short_lived: dict[PadesLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    """Revocation data issued at the signature timestamp speaks for that time."""
    services = esig_trust_services
    at = _days_later(services)
    path = short_lived[level]
    signature = _only(path, services, at=at)
    assert signature.passed, signature.findings
    outcome, message = _certificate(signature)
    assert outcome is Outcome.PASSED
    assert "no longer fresh" in message
    long_term = signature.long_term
    assert long_term is not None and long_term.passed and long_term.offline
    assert long_term.proof_of_existence == signature.signing_time
    assert any("Time-Stamping Unit" in name for name in long_term.assumed_not_revoked)
    (timestamp,) = signature.find(CheckId.TIMESTAMP)
    assert "as of the timestamp's time" in timestamp.message
    assert signature.find(CheckId.REVOCATION) == ()
    # pyHanko agrees: stale at the moment, good as of the timestamp's time
    proven = long_term.proof_of_existence
    assert proven is not None
    assert not _pyhanko_trusts(path, services, moment=at)
    assert _pyhanko_trusts(path, services, moment=proven, retroactive_revinfo=True)


def test_stale_revocation_data_without_a_timestamp_stays_indeterminate(
    short_lived: dict[PadesLevel, Path], esig_trust_services: LocalTrustServices, tmp_path: Path
) -> None:
    """B-B with validation data added: no signature time is proven, so nothing to judge at."""
    services = esig_trust_services
    with_data = tmp_path / "b-b-with-dss.pdf"
    extend_pdf(short_lived[PadesLevel.B_B], with_data, level=PadesLevel.B_LT)
    assert _only(with_data, services).passed
    signature = _only(with_data, services, at=_days_later(services))
    assert signature.indication is Indication.INDETERMINATE
    assert signature.sub_indication is SubIndication.TRY_LATER
    (revocation,) = signature.find(CheckId.REVOCATION)
    assert "stale" in revocation.message
    assert signature.long_term is None or not signature.long_term.passed


# --- the command line ----------------------------------------------------------------------


def test_cli_verify_at_2031_offline(
    short_lived: dict[PadesLevel, Path], esig_trust_services: LocalTrustServices, tmp_path: Path
) -> None:
    root = tmp_path / "root.pem"
    root.write_bytes(esig_trust_services.root_certificate.public_bytes(Encoding.PEM))
    runner = CliRunner()
    lta = runner.invoke(
        app,
        ["verify", str(short_lived[PadesLevel.B_LTA]), "--trust", str(root), "--at", "2031-01-01"],
    )
    assert lta.exit_code == 0, lta.output
    assert "Validated in the past" in lta.output
    b_t = runner.invoke(
        app,
        ["verify", str(short_lived[PadesLevel.B_T]), "--trust", str(root), "--at", "2031-01-01"],
    )
    assert b_t.exit_code == 1, b_t.output
    assert "no revocation data" in b_t.output
