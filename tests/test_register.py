"""The BES art. 4 register: recognitions, withdrawals, the two-week period, authentication, QES.

BES art. 4(5) limits the *period to comply again* to two weeks; the withdrawal itself
may come later, never before that period has passed. Tests written for the earlier,
wrong reading (at most two weeks from the notice to the withdrawal) were changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from pydantic import ValidationError

import esig
from esig.issuance import Qualification, TestPKI
from esig.law import BES
from esig.levels import AdesLabel, Level, RequirementId, RequirementStatus
from esig.signing.cades import sign_detached
from esig.trust.register import (
    AuthenticationMethod,
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


SECOND = dt.timedelta(seconds=1)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (NOW - 51 * DAY, RecognitionStatus.NOT_YET_RECOGNISED),
        (NOW - 50 * DAY, RecognitionStatus.RECOGNISED),
        (NOW - 21 * DAY, RecognitionStatus.RECOGNISED),
        (NOW - 20 * DAY, RecognitionStatus.IN_GRACE_PERIOD),
        (NOW - 10 * DAY - SECOND, RecognitionStatus.IN_GRACE_PERIOD),
        (NOW - 10 * DAY, RecognitionStatus.WITHDRAWAL_PENDING),
        (NOW - 7 * DAY - SECOND, RecognitionStatus.WITHDRAWAL_PENDING),
        (NOW - 7 * DAY, RecognitionStatus.WITHDRAWN),
        (NOW, RecognitionStatus.WITHDRAWN),
    ],
)
def test_status_on_each_side_of_each_date(
    pki: TestPKI, moment: dt.datetime, expected: RecognitionStatus
) -> None:
    # notified 20 days ago, 10 days to comply again, withdrawn 3 days after they ended
    withdrawal = Withdrawal(
        reason=ART5, notified=NOW - 20 * DAY, compliance_period=10 * DAY, effective=NOW - 7 * DAY
    )
    provider = _provider(pki, withdrawal=withdrawal)
    assert provider.status_at(moment) is expected
    register = CspRegister(providers=(provider,)).vouched_for("built by the test")
    signer = pki.issue_person("Rosa", "Martis")
    lookup = register.status_at([signer.certificate, *signer.chain], moment)
    assert lookup.status is expected
    assert lookup.recognised is expected.recognised


def test_register_written_before_the_period_field_still_loads_when_consistent() -> None:
    # no compliance_period: the time from notice to withdrawal is the period (<= 14 days)
    old = Withdrawal(reason=ART5, notified=NOW - 20 * DAY, effective=NOW - 7 * DAY)
    assert old.compliance_period is None
    assert old.period_ends == NOW - 7 * DAY
    # 20 days from notice to withdrawal and no period given: cannot tell, refused
    with pytest.raises(ValidationError, match="compliance_period"):
        Withdrawal(reason=ART5, notified=NOW - 27 * DAY, effective=NOW - 7 * DAY)


def test_withdrawal_on_request_has_no_grace_period(pki: TestPKI) -> None:
    provider = _provider(
        pki, withdrawal=Withdrawal(reason=WithdrawalReason.ON_REQUEST, effective=NOW - 5 * DAY)
    )
    assert provider.status_at(NOW - 6 * DAY) is RecognitionStatus.RECOGNISED
    assert provider.status_at(NOW - 5 * DAY) is RecognitionStatus.WITHDRAWN
    assert provider.withdrawal is not None and provider.withdrawal.period_ends is None


def test_withdrawal_on_request_with_a_notice_or_period_is_refused() -> None:
    with pytest.raises(ValidationError, match="own request"):
        Withdrawal(
            reason=WithdrawalReason.ON_REQUEST, notified=NOW - 9 * DAY, effective=NOW - 5 * DAY
        )
    with pytest.raises(ValidationError, match="own request"):
        Withdrawal(
            reason=WithdrawalReason.ON_REQUEST, compliance_period=7 * DAY, effective=NOW - 5 * DAY
        )


def test_compliance_period_of_two_weeks_is_accepted_fifteen_days_refused() -> None:
    Withdrawal(
        reason=ART5, notified=NOW - 20 * DAY, compliance_period=14 * DAY, effective=NOW - 6 * DAY
    )
    with pytest.raises(ValidationError, match=r"15 days; BES art\. 4\(5\) allows at most two"):
        Withdrawal(
            reason=ART5,
            notified=NOW - 20 * DAY,
            compliance_period=15 * DAY,
            effective=NOW - 5 * DAY,
        )
    with pytest.raises(ValidationError, match="longer than nothing"):
        Withdrawal(
            reason=ART5, notified=NOW - 20 * DAY, compliance_period=dt.timedelta(0), effective=NOW
        )


def test_withdrawal_may_come_long_after_the_period() -> None:
    # The decree limits the period to comply again, not the time until the withdrawal:
    # 14 days to comply, withdrawn 40 days after the notice. (The old reading refused this.)
    late = Withdrawal(
        reason=ART5, notified=NOW - 45 * DAY, compliance_period=14 * DAY, effective=NOW - 5 * DAY
    )
    assert late.period_ends == NOW - 31 * DAY


def test_withdrawal_before_the_period_ends_is_refused() -> None:
    with pytest.raises(ValidationError, match="before the period to comply again ends"):
        Withdrawal(
            reason=ART5,
            notified=NOW - 20 * DAY,
            compliance_period=14 * DAY,
            effective=NOW - 10 * DAY,
        )
    with pytest.raises(ValidationError, match="before the period to comply again ends"):
        Withdrawal(reason=ART5, notified=NOW, compliance_period=DAY, effective=NOW - DAY)


def test_art5_withdrawal_needs_the_notification_date() -> None:
    with pytest.raises(ValidationError, match="notified"):
        Withdrawal(reason=ART5, effective=NOW)


def test_dates_need_a_time_zone(pki: TestPKI) -> None:
    with pytest.raises(ValidationError, match="time zone"):
        _provider(pki, since=dt.datetime(2024, 1, 1))


def test_unknown_issuer_is_not_registered(pki: TestPKI) -> None:
    register = CspRegister(providers=(_provider(pki),)).vouched_for("built by the test")
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
                    reason=ART5,
                    notified=NOW - 30 * DAY,
                    compliance_period=14 * DAY,
                    effective=NOW - 7 * DAY,
                ),
            ),
        )
    )
    path = tmp_path / "register.yaml"
    path.write_text(register.to_yaml())
    assert "compliance_period: P14D" in path.read_text()
    assert load_register(path) == register
    with pytest.raises(RegisterError, match="does not exist"):
        load_register(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("providers: [ {name: X")
    with pytest.raises(RegisterError, match="not valid YAML"):
        load_register(bad)
    long_period = register.to_yaml().replace("compliance_period: P14D", "compliance_period: P15D")
    assert long_period != register.to_yaml()
    bad.write_text(long_period)
    with pytest.raises(RegisterError) as refused:
        load_register(bad)
    message = str(refused.value)
    assert "BES art. 4(5)" in message and "15 days" in message
    assert "providers[0] (esig Test Trust Services).withdrawal" in message


def test_grantor_and_basis_round_trip_and_appear_in_the_explanation(
    pki: TestPKI, tmp_path: Path
) -> None:
    provider = _provider(pki).model_copy(
        update={
            "recognised_by": "Minister van Economische Zaken en Klimaat",
            "recognition_basis": "art. 5 met, decision EZK/2024-0117",
        }
    )
    register = CspRegister(providers=(provider,))
    path = tmp_path / "register.yaml"
    path.write_text(register.to_yaml())
    text = path.read_text()
    assert "recognised_by: Minister van Economische Zaken en Klimaat" in text
    assert "recognition_basis: art. 5 met, decision EZK/2024-0117" in text
    loaded = load_register(path, expected_sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    assert loaded.providers[0].recognised_by == "Minister van Economische Zaken en Klimaat"
    signer = pki.issue_person("Rosa", "Martis")
    lookup = loaded.status_at([signer.certificate, *signer.chain], NOW)
    assert lookup.recognised
    assert (
        "recognised by Minister van Economische Zaken en Klimaat (BES art. 4(2))"
        in lookup.explanation
    )
    assert "basis: art. 5 met, decision EZK/2024-0117 (BES art. 4(3))" in lookup.explanation
    assert BES.ART_4_2 in lookup.citations and BES.ART_4_3 in lookup.citations
    assert "not the Minister" not in lookup.explanation
    # the defaults: the Minister of Economic Affairs, art. 5 met
    default = CspRegister(providers=(_provider(pki),)).vouched_for("built by the test")
    lookup = default.status_at([signer.certificate, *signer.chain], NOW)
    assert "recognised by Minister of Economic Affairs (BES art. 4(2))" in lookup.explanation
    assert "the requirements of BES art. 5 are met (BES art. 4(3))" in lookup.explanation


def test_grantor_must_be_stated_and_another_grantor_is_flagged(pki: TestPKI) -> None:
    with pytest.raises(ValidationError, match=r"BES art\. 4\(2\)"):
        RegisteredProvider.model_validate({**_provider(pki).model_dump(), "recognised_by": " "})
    other = _provider(pki).model_copy(update={"recognised_by": "Acme Accreditation Ltd"})
    register = CspRegister(providers=(other,)).vouched_for("built by the test")
    signer = pki.issue_person("Rosa", "Martis")
    lookup = register.status_at([signer.certificate, *signer.chain], NOW)
    assert "not the Minister of Economic Affairs that art. 4(2) names" in lookup.explanation


# --- authentication (BES art. 4(6)) -------------------------------------------------------


@pytest.fixture(scope="module")
def ministry() -> TestPKI:
    return TestPKI(organization="Ministerie van Economische Zaken", now=NOW - 60 * DAY)


def _signed_register(
    pki: TestPKI, ministry: TestPKI, tmp_path: Path, register: CspRegister | None = None
) -> Path:
    path = tmp_path / "register.yaml"
    path.write_text((register or CspRegister(providers=(_provider(pki),))).to_yaml())
    seal = ministry.issue_legal_person("Ministerie van Economische Zaken", "NTRBQ-00000001")
    sign_detached(path, tmp_path / "register.yaml.p7s", seal.device())
    return path


def test_register_signed_by_the_authority_is_authenticated(
    pki: TestPKI, ministry: TestPKI, tmp_path: Path
) -> None:
    path = _signed_register(pki, ministry, tmp_path)
    register = load_register(path, authority=ministry.root.certificate)
    assert register.authenticated
    (how,) = register.authentication
    assert how.method is AuthenticationMethod.DETACHED_SIGNATURE
    assert "register.yaml.p7s" in how.detail and "Ministerie van Economische Zaken" in how.detail
    signer = pki.issue_person("Rosa", "Martis")
    lookup = register.status_at([signer.certificate, *signer.chain], NOW)
    assert lookup.authenticated and lookup.recognised
    assert BES.ART_4_6 not in lookup.citations
    # the authority given as a certificate file works the same
    pem = tmp_path / "authority.pem"
    pem.write_bytes(ministry.root.certificate.public_bytes(Encoding.PEM))
    assert load_register(path, authority=pem).authenticated


def test_tampered_register_fails_authentication(
    pki: TestPKI, ministry: TestPKI, tmp_path: Path
) -> None:
    path = _signed_register(pki, ministry, tmp_path)
    path.write_text(path.read_text().replace("NTRBQ-00000000", "NTRBQ-99999999"))
    with pytest.raises(RegisterError, match="changed after it was signed") as refused:
        load_register(path, authority=ministry.root.certificate)
    assert "BES art. 4(6)" in str(refused.value)


def test_register_signed_by_someone_else_or_unsigned_fails_authentication(
    pki: TestPKI, ministry: TestPKI, tmp_path: Path
) -> None:
    path = _signed_register(pki, ministry, tmp_path)
    stranger = TestPKI(organization="Not the Ministry")
    with pytest.raises(RegisterError, match="not the register authority"):
        load_register(path, authority=stranger.root.certificate)
    (tmp_path / "register.yaml.p7s").unlink()
    with pytest.raises(RegisterError, match=r"register\.yaml\.p7s does not exist"):
        load_register(path, authority=ministry.root.certificate)
    (tmp_path / "register.yaml.p7s").write_bytes(b"not a signature")
    with pytest.raises(RegisterError, match="signature"):
        load_register(path, authority=ministry.root.certificate)


def test_register_authenticated_by_a_published_digest(pki: TestPKI, tmp_path: Path) -> None:
    path = tmp_path / "register.yaml"
    path.write_text(CspRegister(providers=(_provider(pki),)).to_yaml())
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    register = load_register(path, expected_sha256=digest.upper())
    assert register.authenticated
    assert register.authentication[0].method is AuthenticationMethod.PUBLISHED_DIGEST
    with pytest.raises(RegisterError, match="not the published register"):
        load_register(path, expected_sha256="0" * 64)
    with pytest.raises(RegisterError, match="not a SHA-256"):
        load_register(path, expected_sha256="abc")


def test_a_register_file_cannot_declare_itself_authenticated(pki: TestPKI, tmp_path: Path) -> None:
    path = tmp_path / "register.yaml"
    text = CspRegister(providers=(_provider(pki),)).to_yaml()
    for key in ("authentication", "_authentication", "authenticated"):
        path.write_text(f"{key}: [{{method: caller, detail: trust me}}]\n{text}")
        with pytest.raises(RegisterError, match="breaks its rules"):
            load_register(path)


def test_unauthenticated_register_lookup_never_counts(pki: TestPKI, tmp_path: Path) -> None:
    path = tmp_path / "register.yaml"
    path.write_text(CspRegister(providers=(_provider(pki),)).to_yaml())
    register = load_register(path)
    assert not register.authenticated and register.authentication == ()
    signer = pki.issue_person("Rosa", "Martis")
    lookup = register.status_at([signer.certificate, *signer.chain], NOW)
    assert lookup.status is RecognitionStatus.RECOGNISED  # what the file says ...
    assert not lookup.recognised  # ... does not count
    assert not lookup.authenticated
    assert "not authenticated" in lookup.explanation and "BES art. 4(6)" in lookup.explanation
    assert BES.ART_4_6 in lookup.citations


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
    register = CspRegister(providers=(_provider(pki),)).vouched_for("built by the test")
    sig = _qualified_report(pki, register, tmp_path, esig_sample_pdf, NOW)
    assert sig.level.eidas_level is Level.QES
    assert sig.level.label is AdesLabel.QESIG
    evidence = sig.level.result(RequirementId.RECOGNISED_PROVIDER).evidence
    assert "recognised" in evidence
    assert "Minister of Economic Affairs (BES art. 4(2))" in evidence


def test_unauthenticated_register_cannot_make_a_signature_qes(
    pki: TestPKI, tmp_path: Path, esig_sample_pdf: Path
) -> None:
    path = tmp_path / "register.yaml"
    path.write_text(CspRegister(providers=(_provider(pki),)).to_yaml())
    unauthenticated = load_register(path)
    sig = _qualified_report(pki, unauthenticated, tmp_path, esig_sample_pdf, NOW)
    assert sig.level.eidas_level is Level.AES
    assert sig.level.label is AdesLabel.ADESIG_QC
    result = sig.level.result(RequirementId.RECOGNISED_PROVIDER)
    assert result.status is RequirementStatus.INDETERMINATE  # it establishes nothing
    assert "not authenticated" in result.evidence and "BES art. 4(6)" in result.evidence
    # the same file, authenticated by its published digest, does
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    authenticated = load_register(path, expected_sha256=digest)
    sig = _qualified_report(pki, authenticated, tmp_path, esig_sample_pdf, NOW)
    assert sig.level.eidas_level is Level.QES
    assert sig.level.result(RequirementId.RECOGNISED_PROVIDER).status is RequirementStatus.MET


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
    ).vouched_for("built by the test")
    sig = _qualified_report(pki, register, tmp_path, esig_sample_pdf, NOW)
    assert sig.level.eidas_level is Level.AES
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
    ).vouched_for("built by the test")
    sig = _qualified_report(pki, register, tmp_path, esig_sample_pdf, NOW)
    assert sig.level.eidas_level is Level.QES


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
    ).vouched_for("built by the test")
    then = _qualified_report(pki, register, tmp_path, esig_sample_pdf, NOW - 10 * DAY)
    now = _qualified_report(pki, register, tmp_path, esig_sample_pdf, NOW)
    assert then.level.result(RequirementId.RECOGNISED_PROVIDER).status is RequirementStatus.MET
    assert now.level.eidas_level is Level.AES


def test_cli_verify_with_register_and_at(
    pki: TestPKI, ministry: TestPKI, tmp_path: Path, esig_sample_pdf: Path
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
    register_file = _signed_register(pki, ministry, tmp_path, register)
    digest = hashlib.sha256(register_file.read_bytes()).hexdigest()
    authority = tmp_path / "authority.pem"
    authority.write_bytes(ministry.root.certificate.public_bytes(Encoding.PEM))
    out = tmp_path / "q.pdf"
    esig.sign_pdf(
        esig_sample_pdf, out, pki.issue_person("Rosa", "Martis", qualified=Qualification()).device()
    )
    root = tmp_path / "root.pem"
    root.write_bytes(pki.root.certificate.public_bytes(Encoding.PEM))

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
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

    def level(*extra: str) -> str:
        done = run(*extra)
        assert done.returncode in (0, 1), done.stderr
        return str(json.loads(done.stdout)["signatures"][0]["level"]["eidas_level"])

    then = (NOW - 10 * DAY).date().isoformat()
    assert level("--at", then, "--register-sha256", digest) == "QES"
    assert level("--at", then, "--register-authority", str(authority)) == "QES"
    assert level("--register-sha256", digest) == "AES"  # withdrawn by now
    assert level("--at", then) == "AES"  # not authenticated (BES art. 4(6))
    tampered = run("--register-sha256", "0" * 64)
    assert tampered.returncode == 2 and "not the published register" in tampered.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "esig.cli", "verify", str(out), "--at", "soon"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2 and "ISO 8601" in bad.stderr
