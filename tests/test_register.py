"""The BES art. 4 register: recognitions, withdrawals, the two-week period, and QES."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from pydantic import ValidationError

import esig
from esig.issuance import Qualification, TestPKI
from esig.levels import AdesLabel, Level, RequirementId, RequirementStatus
from esig.trust.register import (
    CspRegister,
    RecognitionStatus,
    RegisteredProvider,
    RegisterError,
    Withdrawal,
    WithdrawalReason,
    load_register,
)

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI(now=NOW - 60 * DAY)


def _provider(
    pki: TestPKI, *, since: dt.datetime = NOW - 50 * DAY, withdrawal: Withdrawal | None = None
) -> RegisteredProvider:
    return RegisteredProvider(
        name="esig Test Trust Services",
        country="BQ",
        organization_identifier="NTRBQ-00000000",
        recognised_from=since,
        certificates=(pki.intermediate.certificate.public_bytes(Encoding.PEM).decode(),),
        withdrawal=withdrawal,
    )


ART5 = WithdrawalReason.NO_LONGER_MEETS_ART5


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (NOW - 51 * DAY, RecognitionStatus.NOT_YET_RECOGNISED),
        (NOW - 50 * DAY, RecognitionStatus.RECOGNISED),
        (NOW - 21 * DAY, RecognitionStatus.RECOGNISED),
        (NOW - 20 * DAY, RecognitionStatus.IN_GRACE_PERIOD),
        (NOW - 7 * DAY - dt.timedelta(seconds=1), RecognitionStatus.IN_GRACE_PERIOD),
        (NOW - 7 * DAY, RecognitionStatus.WITHDRAWN),
        (NOW, RecognitionStatus.WITHDRAWN),
    ],
)
def test_status_on_each_side_of_each_date(
    pki: TestPKI, moment: dt.datetime, expected: RecognitionStatus
) -> None:
    withdrawal = Withdrawal(reason=ART5, notified=NOW - 20 * DAY, effective=NOW - 7 * DAY)
    provider = _provider(pki, withdrawal=withdrawal)
    assert provider.status_at(moment) is expected
    register = CspRegister(providers=(provider,))
    signer = pki.issue_person("Rosa", "Martis")
    lookup = register.status_at([signer.certificate, *signer.chain], moment)
    assert lookup.status is expected
    assert lookup.recognised is expected.recognised


def test_withdrawal_on_request_has_no_grace_period(pki: TestPKI) -> None:
    provider = _provider(
        pki, withdrawal=Withdrawal(reason=WithdrawalReason.ON_REQUEST, effective=NOW - 5 * DAY)
    )
    assert provider.status_at(NOW - 6 * DAY) is RecognitionStatus.RECOGNISED
    assert provider.status_at(NOW - 5 * DAY) is RecognitionStatus.WITHDRAWN


def test_grace_period_longer_than_two_weeks_is_refused() -> None:
    with pytest.raises(ValidationError, match="at most two weeks"):
        Withdrawal(reason=ART5, notified=NOW - 20 * DAY, effective=NOW - 5 * DAY)
    Withdrawal(reason=ART5, notified=NOW - 19 * DAY, effective=NOW - 5 * DAY)  # 14 days: fine


def test_art5_withdrawal_needs_the_notification_date() -> None:
    with pytest.raises(ValidationError, match="notified"):
        Withdrawal(reason=ART5, effective=NOW)


def test_dates_need_a_time_zone(pki: TestPKI) -> None:
    with pytest.raises(ValidationError, match="time zone"):
        _provider(pki, since=dt.datetime(2024, 1, 1))


def test_unknown_issuer_is_not_registered(pki: TestPKI) -> None:
    register = CspRegister(providers=(_provider(pki),))
    other = TestPKI(organization="Elsewhere").issue_person("X", "Y")
    lookup = register.status_at([other.certificate, *other.chain], NOW)
    assert lookup.status is RecognitionStatus.NOT_REGISTERED
    assert not lookup.recognised


def test_yaml_round_trip_and_bad_files(pki: TestPKI, tmp_path: Path) -> None:
    register = CspRegister(
        providers=(
            _provider(
                pki,
                withdrawal=Withdrawal(
                    reason=ART5, notified=NOW - 20 * DAY, effective=NOW - 7 * DAY
                ),
            ),
        )
    )
    path = tmp_path / "register.yaml"
    path.write_text(register.to_yaml())
    assert load_register(path) == register
    with pytest.raises(RegisterError, match="does not exist"):
        load_register(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("providers: [ {name: X")
    with pytest.raises(RegisterError, match="not valid YAML"):
        load_register(bad)
    long_grace = register.to_yaml().replace(
        (NOW - 20 * DAY).isoformat().replace("+00:00", "Z"),
        (NOW - 30 * DAY).isoformat().replace("+00:00", "Z"),
    )
    if long_grace != register.to_yaml():
        bad.write_text(long_grace)
        with pytest.raises(RegisterError, match="two weeks"):
            load_register(bad)


def _qualified_report(
    pki: TestPKI, register: CspRegister, tmp_path: Path, esig_sample_pdf: Path, at: dt.datetime
) -> esig.SignatureReport:
    out = tmp_path / "q.pdf"
    signer = pki.issue_person("Rosa", "Martis", qualified=Qualification())
    esig.sign_pdf(esig_sample_pdf, out, signer.device())
    report = esig.verify_pdf(out, trust=[pki.root.certificate], register=register, at=at)
    return report.signatures[0]


def test_qualified_certificate_from_a_recognised_provider_is_qes(
    pki: TestPKI, tmp_path: Path, esig_sample_pdf: Path
) -> None:
    register = CspRegister(providers=(_provider(pki),))
    sig = _qualified_report(pki, register, tmp_path, esig_sample_pdf, NOW)
    assert sig.level.level is Level.QES
    assert sig.level.label is AdesLabel.QESIG
    assert "recognised" in sig.level.result(RequirementId.RECOGNISED_PROVIDER).evidence


def test_withdrawn_provider_is_not_qes_and_says_why(
    pki: TestPKI, tmp_path: Path, esig_sample_pdf: Path
) -> None:
    register = CspRegister(
        providers=(
            _provider(
                pki,
                withdrawal=Withdrawal(
                    reason=ART5, notified=NOW - 20 * DAY, effective=NOW - 7 * DAY
                ),
            ),
        )
    )
    sig = _qualified_report(pki, register, tmp_path, esig_sample_pdf, NOW)
    assert sig.level.level is Level.AES
    assert sig.level.label is AdesLabel.ADESIG_QC
    result = sig.level.result(RequirementId.RECOGNISED_PROVIDER)
    assert result.status is RequirementStatus.NOT_MET
    assert "withdrawn" in result.evidence


def test_within_the_grace_period_the_provider_still_counts(
    pki: TestPKI, tmp_path: Path, esig_sample_pdf: Path
) -> None:
    register = CspRegister(
        providers=(
            _provider(
                pki,
                withdrawal=Withdrawal(reason=ART5, notified=NOW - 2 * DAY, effective=NOW + 5 * DAY),
            ),
        )
    )
    sig = _qualified_report(pki, register, tmp_path, esig_sample_pdf, NOW)
    assert sig.level.level is Level.QES


def test_qualification_without_timestamp_is_judged_at_validation_time(
    pki: TestPKI, tmp_path: Path, esig_sample_pdf: Path
) -> None:
    # Recognised until 7 days ago. The signature claims to be made now-ish; without a
    # timestamp, validating "as of" 10 days ago says QES, validating now does not.
    register = CspRegister(
        providers=(
            _provider(
                pki,
                withdrawal=Withdrawal(reason=WithdrawalReason.ON_REQUEST, effective=NOW - 7 * DAY),
            ),
        )
    )
    then = _qualified_report(pki, register, tmp_path, esig_sample_pdf, NOW - 10 * DAY)
    now = _qualified_report(pki, register, tmp_path, esig_sample_pdf, NOW)
    assert then.level.result(RequirementId.RECOGNISED_PROVIDER).status is RequirementStatus.MET
    assert now.level.level is Level.AES


def test_cli_verify_with_register_and_at(
    pki: TestPKI, tmp_path: Path, esig_sample_pdf: Path
) -> None:
    import json
    import subprocess
    import sys

    register = CspRegister(
        providers=(
            _provider(
                pki,
                withdrawal=Withdrawal(reason=WithdrawalReason.ON_REQUEST, effective=NOW - 7 * DAY),
            ),
        )
    )
    register_file = tmp_path / "register.yaml"
    register_file.write_text(register.to_yaml())
    out = tmp_path / "q.pdf"
    esig.sign_pdf(
        esig_sample_pdf, out, pki.issue_person("Rosa", "Martis", qualified=Qualification()).device()
    )
    root = tmp_path / "root.pem"
    root.write_bytes(pki.root.certificate.public_bytes(Encoding.PEM))

    def level(*extra: str) -> str:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "esig.cli",
                "verify",
                str(out),
                "--trust",
                str(root),
                "--register",
                str(register_file),
                "--json",
                *extra,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode in (0, 1), done.stderr
        return str(json.loads(done.stdout)["signatures"][0]["level"]["level"])

    then = (NOW - 10 * DAY).date().isoformat()
    assert level("--at", then) == "QES"
    assert level() == "AES"
    bad = subprocess.run(
        [sys.executable, "-m", "esig.cli", "verify", str(out), "--at", "soon"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2 and "ISO 8601" in bad.stderr
