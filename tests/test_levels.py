"""Levels from evidence: every requirement has a case that meets it and one that does not."""

from __future__ import annotations

import pytest

from esig.law import BES, EIDAS
from esig.levels import (
    AES,
    LEVELS,
    QES,
    SES,
    AdesLabel,
    Level,
    RequirementId,
    RequirementStatus,
    SignatureEvidence,
    assess_level,
)

QUALIFIED = SignatureEvidence(
    intact=True,
    signer_named=True,
    signer_certificate_bound=True,
    certificate_trusted=True,
    data_linked=True,
    qualified_certificate=True,
    qualified_device=True,
    recognised_provider=True,
    recognised_provider_source="test register",
    long_term_material=True,  # B-LT: a trusted timestamp and embedded revocation data
    signature_timestamped=True,
    revocation_data_embedded=True,
)


def _with(**changes: object) -> SignatureEvidence:
    return QUALIFIED.model_copy(update=changes)


def test_full_evidence_reaches_qes() -> None:
    assessment = assess_level(QUALIFIED)
    assert assessment.level is Level.QES
    assert assessment.label is AdesLabel.QESIG
    assert assessment.next_level is None and assessment.next_step is None
    assert all(r.status is RequirementStatus.MET for r in assessment.results)


@pytest.mark.parametrize(
    ("change", "failing", "reached"),
    [
        ({"intact": False}, RequirementId.DATA_ASSOCIATED, Level.NONE),
        ({"signer_named": False}, RequirementId.UNIQUELY_LINKED, Level.SES),
        ({"signer_certificate_bound": False}, RequirementId.UNIQUELY_LINKED, Level.SES),
        ({"signer_named": False}, RequirementId.IDENTIFIES_SIGNATORY, Level.SES),
        ({"certificate_trusted": False}, RequirementId.VERIFIABLE_AT_ANY_TIME, Level.SES),
        ({"certificate_trusted": False}, RequirementId.SOLE_CONTROL, Level.SES),
        ({"data_linked": False}, RequirementId.LINKED_TO_DATA, Level.SES),
        ({"qualified_certificate": False}, RequirementId.QUALIFIED_CERTIFICATE, Level.AES),
        ({"qualified_device": False}, RequirementId.QUALIFIED_DEVICE, Level.AES),
        ({"recognised_provider": False}, RequirementId.RECOGNISED_PROVIDER, Level.AES),
    ],
)
def test_each_requirement_can_fail(
    change: dict[str, object], failing: RequirementId, reached: Level
) -> None:
    assessment = assess_level(_with(**change))
    assert assessment.result(failing).status is RequirementStatus.NOT_MET
    assert assessment.level is reached


def test_unknown_trust_is_indeterminate_not_failed() -> None:
    assessment = assess_level(
        _with(certificate_trusted=None, certificate_problem="no trust anchor given")
    )
    assert assessment.level is Level.SES
    result = assessment.result(RequirementId.IDENTIFIES_SIGNATORY)
    assert result.status is RequirementStatus.INDETERMINATE
    assert result.evidence == "no trust anchor given"
    assert assessment.label is AdesLabel.INDETERMINATE_ADESIG


def test_aes_without_qualified_markers_names_what_is_missing() -> None:
    assessment = assess_level(
        _with(qualified_certificate=False, qualified_device=False, recognised_provider=None)
    )
    assert assessment.level is Level.AES
    assert assessment.label is AdesLabel.ADESIG
    step = assessment.next_step or ""
    assert step.startswith("Not qualified:")
    for citation in (BES.ART_2, BES.ART_4, BES.ART_6):
        assert str(citation) in step
    assert "Advanced (AES)" in assessment.summary


def test_qualified_certificate_without_qscd_is_adesig_qc() -> None:
    assessment = assess_level(_with(qualified_device=False))
    assert assessment.level is Level.AES
    assert assessment.label is AdesLabel.ADESIG_QC


def test_broken_signature_is_not_ades() -> None:
    assessment = assess_level(_with(intact=False))
    assert assessment.label is AdesLabel.NOT_ADES
    assert "No valid electronic signature" in assessment.summary


def test_seal_labels() -> None:
    assert assess_level(_with(is_seal=True)).label is AdesLabel.QESEAL
    seal = assess_level(_with(is_seal=True, qualified_device=False))
    assert seal.label is AdesLabel.ADESEAL_QC
    assert seal.level_name == "Advanced electronic seal"


def test_levels_are_cumulative_data_with_citations() -> None:
    assert [d.level for d in LEVELS] == [Level.SES, Level.AES, Level.QES]
    assert SES.defined_in == (EIDAS.ART_3_10,)
    aes_cites = {c for r in AES.requirements for c in r.citations}
    assert {BES.ART_1_A, BES.ART_1_B, BES.ART_1_C, BES.ART_1_D} <= aes_cites
    assert {EIDAS.ART_26_A, EIDAS.ART_26_B, EIDAS.ART_26_C, EIDAS.ART_26_D} <= aes_cites
    qes_cites = {c for r in QES.requirements for c in r.citations}
    assert {EIDAS.ART_3_12, BES.ART_2, BES.ART_4, BES.ART_6} <= qes_cites


def test_assessment_round_trips_through_json() -> None:
    assessment = assess_level(QUALIFIED)
    again = type(assessment).model_validate_json(assessment.model_dump_json())
    assert again == assessment


def test_no_source_of_recognised_providers_is_indeterminate_not_failed() -> None:
    # docs/levels.md: without a register or a trusted list, recognition is unknown, not
    # refused; the level stays AES and QES "could not be assessed".
    assessment = assess_level(_with(recognised_provider=None, recognised_provider_source=None))
    result = assessment.result(RequirementId.RECOGNISED_PROVIDER)
    assert result.status is RequirementStatus.INDETERMINATE
    assert "no source of recognised providers was given" in result.evidence
    assert assessment.level is Level.AES
    assert assessment.next_step is not None
    assert assessment.next_step.startswith("QES could not be assessed: no source")
    assert "Not qualified" not in assessment.next_step


def test_not_qualified_and_not_assessed_are_both_said() -> None:
    assessment = assess_level(
        _with(
            recognised_provider=None,
            recognised_provider_source=None,
            qualified_device=False,
            qualified_device_source=None,
        )
    )
    step = assessment.next_step or ""
    assert step.startswith("Not qualified: key not in a secure signature creation device")
    assert "Also not assessed: no source of recognised providers" in step


def test_a_seal_is_cited_under_the_seal_articles() -> None:
    assessment = assess_level(_with(is_seal=True))
    assert assessment.level is Level.QES
    assert assessment.label is AdesLabel.QESEAL
    cited = {c for r in assessment.results for c in r.requirement.citations}
    for seal_article in (EIDAS.ART_3_25, EIDAS.ART_36_A, EIDAS.ART_36_D, EIDAS.ART_3_27):
        assert seal_article in cited
    assert EIDAS.ART_38 in cited and EIDAS.ART_39 in cited
    for signature_article in (EIDAS.ART_3_10, EIDAS.ART_26_A, EIDAS.ART_3_12, EIDAS.ART_28):
        assert signature_article not in cited
    assert "eIDAS art. 36 a–d" in assessment.summary
    assert "eIDAS art. 26" not in assessment.summary
    linked = assessment.result(RequirementId.UNIQUELY_LINKED).requirement
    assert linked.title == "uniquely linked to the creator of the seal"


def test_a_signature_keeps_the_signature_articles() -> None:
    cited = {c for r in assess_level(QUALIFIED).results for c in r.requirement.citations}
    assert EIDAS.ART_26_A in cited and EIDAS.ART_3_12 in cited
    assert EIDAS.ART_36_A not in cited and EIDAS.ART_3_27 not in cited


B_B = {
    "long_term_material": False,
    "signature_timestamped": False,
    "revocation_data_embedded": False,
}


def test_a_b_b_signature_is_not_shown_verifiable_at_any_time() -> None:
    # BES art. 1(b): verifiable today is not verifiable at any time; without a timestamp
    # and embedded revocation data nothing it carries keeps it verifiable later
    assessment = assess_level(_with(**B_B))
    result = assessment.result(RequirementId.VERIFIABLE_AT_ANY_TIME)
    assert result.status is RequirementStatus.INDETERMINATE
    assert "no trusted signature timestamp and no embedded revocation data" in result.evidence
    assert "esig extend" in result.evidence
    assert assessment.level is Level.SES  # both instruments: the decree's art. 1(b) fails
    assert assessment.bes_level is Level.SES
    assert assessment.eidas_level is Level.QES  # eIDAS asks no such thing
    assert assessment.label is AdesLabel.QESIG  # the TS 119 172-4 label is eIDAS's
    assert "Under eIDAS alone: Qualified (QES) (QESig)." in assessment.summary
    assert assessment.eidas_next_step is None
    assert [r.requirement.id for r in assessment.missing_for_next] == [
        RequirementId.VERIFIABLE_AT_ANY_TIME
    ]


def test_a_timestamp_alone_still_lacks_revocation_data() -> None:
    assessment = assess_level(_with(**{**B_B, "signature_timestamped": True}))
    result = assessment.result(RequirementId.VERIFIABLE_AT_ANY_TIME)
    assert result.status is RequirementStatus.INDETERMINATE
    assert "no embedded revocation data" in result.evidence
    assert "timestamp" not in result.evidence.split("carries")[1].split(":")[0]


def test_long_term_material_makes_it_verifiable_at_any_time() -> None:
    assessment = assess_level(QUALIFIED)
    result = assessment.result(RequirementId.VERIFIABLE_AT_ANY_TIME)
    assert result.status is RequirementStatus.MET
    assert "trusted signature timestamp and embedded revocation data" in result.evidence
    assert assessment.level is assessment.eidas_level is assessment.bes_level is Level.QES
    assert "Under eIDAS alone" not in assessment.summary
