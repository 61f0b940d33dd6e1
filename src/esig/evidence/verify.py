"""What the verifier makes of an evidence record found in a seal's signed attributes.

:func:`evidence_record_finding` turns the record's bytes into the ``evidence_record``
finding of a signature report, and into the facts the level assessment needs
(:class:`~esig.levels.SignatureEvidence` ``sealed_by_platform``, ``evidence_*``).

.. versionadded:: 0.2.0
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from esig._pyhanko.evidence_attr import is_session_record
from esig.evidence.errors import EvidenceRecordError
from esig.evidence.record import CodeAuthentication, EvidenceRecord
from esig.law import BES, EIDAS
from esig.verification.report import CheckId, Finding, Outcome, SubIndication

__all__ = ["evidence_record_finding"]

_CITATIONS = (BES.ART_3_E, BES.ART_2_2, EIDAS.ART_26_A)
_SESSION_CITATIONS = (BES.ART_2_1_B, BES.ART_2_2)


def _session_facts(evidence: Any) -> dict[str, Any]:
    """What a session's device evidence tells the level assessment (BES art. 2(1)(a)).

    The record is the signer's own, inside their signature: evidence that the key was
    not in a secure device (a software key, an exportable key, no QSCD claimed, 1° or
    3° not shown) overrides a certificate's or a list's claim of a QSCD.
    """
    device = evidence.device
    not_shown = [f for f in evidence.assessment[:2] if f.status.value != "met"]
    reasons: list[str] = []
    if device.kind.value == "software":
        reasons.append(f"the key was a software key ({device.description})")
    elif not device.qscd_claimed:
        reasons.append(f"{device.description} was not declared a secure signature device")
    reasons.extend(f"{f.citation.label} not shown: {_as_clause(f.message)}" for f in not_shown)
    facts: dict[str, Any] = {
        "device_evidence": "; ".join(f.message.rstrip(".") for f in evidence.assessment[:2])
    }
    if reasons:
        facts["device_not_secure"] = "the signing session's own evidence shows " + "; ".join(
            reasons
        )
    return facts


def _as_clause(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _session_finding(raw: bytes, base_sha256: str | None) -> tuple[Finding, dict[str, Any]]:
    """A signing session's evidence (BES art. 2) in the signer's own signature."""
    from esig.signing.session import SessionEvidence  # noqa: PLC0415 - import cycle

    try:
        evidence = SessionEvidence.model_validate_json(raw)
    except ValidationError as exc:
        return Finding(
            check=CheckId.EVIDENCE_RECORD,
            outcome=Outcome.FAILED,
            citations=_SESSION_CITATIONS,
            sub_indication=SubIndication.FORMAT_FAILURE,
            message=f"The signing-session evidence cannot be read: {exc.error_count()} "
            f"problem(s), first: {exc.errors()[0]['msg']}.",
        ), {}
    if base_sha256 != evidence.document_sha256:
        return Finding(
            check=CheckId.EVIDENCE_RECORD,
            outcome=Outcome.FAILED,
            citations=_SESSION_CITATIONS,
            sub_indication=SubIndication.HASH_FAILURE,
            message="The signing-session evidence describes another document than the one "
            "the signature extends.",
        ), {}
    met = [f for f in evidence.assessment if f.status.value == "met"]
    return Finding(
        check=CheckId.EVIDENCE_RECORD,
        outcome=Outcome.PASSED,
        citations=_SESSION_CITATIONS,
        message=f"Signing-session evidence: the document was presented "
        f"({evidence.page_count} page(s), {'rendered' if evidence.rendered else 'not rendered'}) "
        f"and the risk disclosure {evidence.disclosure.title!r} acknowledged before signing; "
        f"{len(met)} of {len(evidence.assessment)} BES art. 2 requirements shown met.",
    ), _session_facts(evidence)


def _who(record: EvidenceRecord) -> str:
    reached = [s.recipient for s in record.how if isinstance(s, CodeAuthentication)]
    return f"{record.who.name} ({', '.join(reached)})" if reached else record.who.name


def evidence_record_finding(raw: bytes, base_sha256: str | None) -> tuple[Finding, dict[str, Any]]:
    """The finding on a sealed evidence record, and the level facts it supports.

    Args:
        raw: The record's bytes from the signed attributes (b"" when malformed there).
        base_sha256: SHA-256 of the file's first ``what.document_size`` bytes, or None
            when they are not inside the seal's revision.

    """
    if is_session_record(raw):
        return _session_finding(raw, base_sha256)
    facts: dict[str, Any] = {"sealed_by_platform": True}
    try:
        record = EvidenceRecord.from_json(raw)
    except EvidenceRecordError as exc:
        problem = exc.message.removeprefix("The evidence record cannot be read: ")
        facts["evidence_problem"] = f"the evidence record is malformed ({problem})"
        return (
            Finding(
                check=CheckId.EVIDENCE_RECORD,
                outcome=Outcome.FAILED,
                citations=_CITATIONS,
                sub_indication=SubIndication.FORMAT_FAILURE,
                message=f"{exc.message}. Nothing shows who agreed to the document.",
            ),
            facts,
        )
    who = _who(record)
    facts.update(
        evidence_signatory=who,
        evidence_method=record.method.value,
        evidence_ties_signer=record.ties_signer_uniquely,
    )
    what = record.what
    if base_sha256 != what.document_sha256:
        problem = (
            f"the evidence record describes another document (SHA-256 "
            f"{what.document_sha256[:16]}…, {what.document_size} bytes) than the one the "
            "seal extends"
        )
        facts["evidence_problem"] = problem
        return (
            Finding(
                check=CheckId.EVIDENCE_RECORD,
                outcome=Outcome.FAILED,
                citations=_CITATIONS,
                sub_indication=SubIndication.HASH_FAILURE,
                message=f"{problem[0].upper()}{problem[1:]}: it is not evidence for this document.",
            ),
            facts,
        )
    supports = (
        "a one-time code ties the signature to this person (strong evidence of who agreed), "
        "but it authorised the platform's key, not one under their sole control: a simple "
        "electronic signature, never advanced or qualified"
        if record.ties_signer_uniquely
        else f"a {record.method.value} does not tie the signature to one person, so it is "
        "a simple electronic signature"
    )
    return (
        Finding(
            check=CheckId.EVIDENCE_RECORD,
            outcome=Outcome.PASSED,
            citations=_CITATIONS,
            message=f"Signed by {who} through {record.platform}'s seal: {record.summary} "
            f"The record describes the document the seal extends; {supports}.",
        ),
        facts,
    )
