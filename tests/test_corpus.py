"""Documents and certificates made by others must get the verdicts in corpus/MANIFEST.md.

No trust anchors are given for these real files, so no signature can be TOTAL-PASSED:
the tests assert what the manifest says — integrity, coverage, changes after signing,
the certificate's art. 6 profile — and that nothing is an unqualified pass.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import esig
from esig.profiles import PersonKind, QcType
from esig.verification import (
    Attack,
    CheckId,
    Coverage,
    Indication,
    Outcome,
    SignatureReport,
    SubIndication,
)


@pytest.fixture(autouse=True)
def _quiet_pyhanko() -> None:
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)


def _verify(corpus: Path, name: str) -> esig.VerificationReport:
    return esig.verify_pdf(corpus / name)


def _outcome(sig: SignatureReport, check: CheckId) -> Outcome:
    return sig.find(check)[0].outcome


def _intact_and_unchanged(sig: SignatureReport) -> None:
    assert _outcome(sig, CheckId.INTEGRITY) is Outcome.PASSED
    assert sig.signed_range is not None and sig.signed_range.coverage is Coverage.ENTIRE_FILE
    assert _outcome(sig, CheckId.MODIFICATIONS) is Outcome.PASSED
    # no anchors were given: never an unqualified pass, never a failure either
    assert sig.indication is Indication.INDETERMINATE


@pytest.mark.parametrize(
    "name",
    [
        "shadow/hide-v1-signed.pdf",
        "shadow/replace-overlay-signed.pdf",
        "dss/pdf-signed-original.pdf",
    ],
)
def test_untouched_documents_are_intact_and_unchanged(corpus: Path, name: str) -> None:
    report = _verify(corpus, name)
    assert len(report.signatures) == 1
    _intact_and_unchanged(report.signatures[0])


@pytest.mark.parametrize(
    "name",
    [
        "shadow/replace-overlay-manipulated.pdf",
        "revisions/form-update-override-ap-sneaky.pdf",
    ],
)
def test_disallowed_changes_after_signing_fail(corpus: Path, name: str) -> None:
    first = _verify(corpus, name).signatures[0]
    assert _outcome(first, CheckId.INTEGRITY) is Outcome.PASSED
    assert _outcome(first, CheckId.MODIFICATIONS) is Outcome.FAILED
    assert first.indication is Indication.TOTAL_FAILED


@pytest.mark.parametrize(
    "name",
    [
        "shadow/hide-v1-manipulated-a.pdf",
        "shadow/hide-v1-manipulated-b.pdf",
    ],
)
def test_shadow_hide_is_flagged(corpus: Path, name: str) -> None:
    sig = _verify(corpus, name).signatures[0]
    assert sig.indication is Indication.TOTAL_FAILED
    assert _outcome(sig, CheckId.MODIFICATIONS) is not Outcome.PASSED


@pytest.mark.parametrize(
    "name",
    [
        "shadow/hide-v1-manipulated-a.pdf",
        "shadow/hide-v1-manipulated-b.pdf",
    ],
)
def test_shadow_hide_keeps_integrity_and_fails_modifications(corpus: Path, name: str) -> None:
    sig = _verify(corpus, name).signatures[0]
    assert _outcome(sig, CheckId.INTEGRITY) is Outcome.PASSED
    finding = sig.find(CheckId.MODIFICATIONS)[0]
    assert finding.outcome is Outcome.FAILED
    assert finding.attack is Attack.SHADOW_HIDE


@pytest.mark.parametrize(
    "name",
    [
        "coverage/tail-uncovered.pdf",
        "coverage/signature-gap-too-big.pdf",
        "coverage/one-byterange.pdf",
        "coverage/weird-byterange.pdf",
    ],
)
def test_non_standard_coverage_is_not_an_unqualified_pass(corpus: Path, name: str) -> None:
    sig = _verify(corpus, name).signatures[0]
    assert _outcome(sig, CheckId.INTEGRITY) is Outcome.PASSED  # the digest is intact
    assert _outcome(sig, CheckId.SIGNED_DATA) in (Outcome.FAILED, Outcome.INDETERMINATE)
    assert sig.indication is not Indication.TOTAL_PASSED


def test_bytes_outside_the_byte_range_changed(corpus: Path) -> None:
    sig = _verify(corpus, "dss/pdf-signed-out-of-byteRange.pdf").signatures[0]
    assert sig.indication is Indication.TOTAL_FAILED


@pytest.mark.parametrize(
    "name",
    [
        "revisions/form-update-override-ap.pdf",
        "revisions/two-fields-signed-twice-adobe.pdf",
    ],
)
def test_form_filling_after_signing_is_allowed(corpus: Path, name: str) -> None:
    report = _verify(corpus, name)
    assert len(report.signatures) == 2
    for sig in report.signatures:
        assert _outcome(sig, CheckId.INTEGRITY) is Outcome.PASSED
        assert _outcome(sig, CheckId.MODIFICATIONS) is Outcome.PASSED
        assert sig.indication is not Indication.TOTAL_FAILED
    followed = [
        s
        for s in report.signatures
        if s.signed_range and s.signed_range.coverage is Coverage.ENTIRE_REVISION
    ]
    assert followed, "the first signature was followed by a later revision"


def test_belgian_eid_signature(corpus: Path) -> None:
    sig = _verify(corpus, "dss/belgian_pki_multiple_ocsps.pdf").signatures[0]
    assert _outcome(sig, CheckId.INTEGRITY) is Outcome.PASSED
    assert sig.signer is not None and sig.signer.surname == "Kremer"
    profile = sig.signer_certificate
    assert profile is not None
    markers = profile.qualified
    assert markers.qc_compliance and markers.qc_sscd
    assert QcType.ESIGN in markers.qc_types
    assert profile.limits.disclosure_statements
    assert profile.person_kind is PersonKind.NATURAL_PERSON
    # the certificate claims qualified status; the level stays unproven without trust
    assert sig.level.level is esig.Level.SES


def test_incremental_saving_attack_is_flagged(corpus: Path) -> None:
    sig = _verify(corpus, "isa/isa-3.pdf").signatures[0]
    assert _outcome(sig, CheckId.INTEGRITY) is Outcome.PASSED  # the signed bytes are intact
    finding = sig.find(CheckId.MODIFICATIONS)[0]
    assert finding.outcome is Outcome.FAILED
    assert finding.attack is Attack.INCREMENTAL_SAVING
    assert sig.visual is not None and sig.visual.visible_change  # "Manipulated now Page!"
    assert sig.indication is Indication.TOTAL_FAILED


def test_corrupted_document_gets_a_report(corpus: Path) -> None:
    report = _verify(corpus, "dss/pdf-signed-corrupted.pdf")
    assert report.signatures
    assert _outcome(report.signatures[0], CheckId.INTEGRITY) is Outcome.FAILED
    integrity = report.signatures[0].find(CheckId.INTEGRITY)[0]
    assert integrity.sub_indication is SubIndication.HASH_FAILURE
    assert report.indication is Indication.TOTAL_FAILED
    assert report.problems  # says the PDF does not parse
