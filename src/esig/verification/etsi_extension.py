"""esig's extension of the ETSI TS 119 102-2 report: the legal findings and the level.

TS 119 102-2 reports what EN 319 102-1 validation established; it has no element for
the legal reading esig adds. That reading goes in one ``esig:Assessment`` element of
the namespace ``urn:esig:validation-report:1`` inside each signature report's
``OtherInformation`` (the standard's ``xs:any`` extension point, processed laxly):

.. code-block:: xml

    <esig:Assessment field="Signature1" indication="TOTAL-PASSED">
      <esig:Level level="AES" eidas="AES" bes="AES" seal="false" label="AdESig">…</esig:Level>
      <esig:Finding check="integrity" outcome="passed">
        <esig:Message>…</esig:Message>
        <esig:Citation instrument="BES" article="3" letter="b">BES art. 3(b)</esig:Citation>
      </esig:Finding>
      <esig:Requirement id="…" level="AES" status="met">…</esig:Requirement>
      <esig:TrustedListQualification qualified="true" moment="…">
        <esig:Step moment="signing" rule="QSCDByTL" outcome="pass"><esig:Detail>…
      </esig:TrustedListQualification>
      <esig:TimestampQualification qualification="QTSA" generationTime="…" poeTime="…">…
      <esig:Conformance claimed="B-T" reached="B-T">…</esig:Conformance>
    </esig:Assessment>

The first signature report also carries ``esig:Document`` (name, SHA-256, size, the
problems of the document as a whole). The names mirror the JSON report's fields.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from esig.law import Citation
from esig.trust.tl_qualification import QualificationStep
from esig.verification.etsi_objects import ESIG_NS, xml_time
from esig.verification.report_view import ReportView, SignatureView

__all__ = ["assessment_element", "document_element"]


def _add(parent: Any, tag: str, text: str | None = None, **attrs: str | None) -> Any:
    element = parent.makeelement(
        f"{{{ESIG_NS}}}{tag}",
        {k: v for k, v in attrs.items() if v is not None},
        nsmap={"esig": ESIG_NS},
    )
    parent.append(element)
    if text is not None:
        element.text = text
    return element


def _citation(parent: Any, citation: Citation) -> None:
    _add(
        parent,
        "Citation",
        citation.label,
        instrument=citation.instrument.value,
        article=str(citation.article),
        paragraph=None if citation.paragraph is None else str(citation.paragraph),
        letter=citation.letter,
        point=citation.point,
    )


def document_element(parent: Any, report: ReportView) -> Any:
    """Append ``esig:Document``: the document, its digest, its problems as a whole."""
    document = _add(
        parent,
        "Document",
        name=report.document,
        sha256=report.document_sha256,
        size=str(report.document_size),
        indication=report.indication.value,
    )
    for problem in report.problems:
        _add(document, "Problem", problem)
    return document


def assessment_element(parent: Any, signature: SignatureView) -> Any:
    """Append ``esig:Assessment``: one signature's findings, level and qualification."""
    assessment = _add(
        parent,
        "Assessment",
        field=signature.field_name,
        indication=signature.indication.value,
        subIndication=signature.sub_indication.value if signature.sub_indication else None,
    )
    level = signature.level
    _add(
        assessment,
        "Level",
        level.summary,
        level=level.level.value,
        eidas=level.eidas_level.value,
        bes=level.bes_level.value,
        seal="true" if level.is_seal else "false",
        label=level.label.value,
    )
    for finding in signature.findings:
        element = _add(
            assessment,
            "Finding",
            check=finding.check.value,
            outcome=finding.outcome.value,
            subIndication=finding.sub_indication.value if finding.sub_indication else None,
            attack=finding.attack.value if finding.attack else None,
        )
        _add(element, "Message", finding.message)
        for citation in finding.citations:
            _citation(element, citation)
    for result in level.results:
        element = _add(
            assessment,
            "Requirement",
            id=result.requirement.id.value,
            level=result.requirement.level.value,
            status=result.status.value,
        )
        _add(element, "Title", result.requirement.title)
        _add(element, "Evidence", result.evidence)
        for citation in result.requirement.citations:
            _citation(element, citation)
    _qualification(assessment, signature)
    conformance = signature.conformance
    if conformance is not None:
        _add(
            assessment,
            "Conformance",
            conformance.summary,
            subFilter=conformance.subfilter,
            claimed=conformance.claimed.value if conformance.claimed else None,
            reached=conformance.reached.value if conformance.reached else None,
        )
    return assessment


def _qualification(assessment: Any, signature: SignatureView) -> None:
    answer = signature.trusted_list_qualification
    if answer is None:
        return
    qualified = None if answer.qualified is None else ("true" if answer.qualified else "false")
    element = _add(
        assessment,
        "TrustedListQualification",
        moment=xml_time(answer.moment),
        qualified=qualified,
        certificateQualification=(
            answer.certificate_qualification.value if answer.certificate_qualification else None
        ),
        service=answer.service_name,
        territory=answer.territory,
    )
    _explained(element, answer.explanation, answer.steps, answer.citations)
    data = signature.validation_data
    for token in data.timestamps if data is not None else ():
        judged = token.list_qualification
        if judged is None:
            continue
        element = _add(
            assessment,
            "TimestampQualification",
            qualification=judged.qualification.value,
            generationTime=xml_time(judged.generation_time),
            poeTime=xml_time(judged.poe_time),
        )
        _explained(element, judged.explanation, judged.steps, judged.citations)


def _explained(
    element: Any,
    explanation: str,
    steps: Sequence[QualificationStep],
    citations: Sequence[Citation],
) -> None:
    """The explanation, each step of the procedure and the citations of a qualification."""
    _add(element, "Explanation", explanation)
    for step in steps:
        step_element = _add(
            element, "Step", moment=step.moment, rule=step.rule, outcome=step.outcome
        )
        _add(step_element, "Detail", step.detail)
        for entry in step.entries:
            _add(step_element, "Entry", entry)
    for citation in citations:
        _citation(element, citation)
