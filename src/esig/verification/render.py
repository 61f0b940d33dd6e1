"""Text rendering of verification reports, for terminals and logs."""

from __future__ import annotations

from esig.levels import RequirementStatus
from esig.model.revision_changes import ObjectChange
from esig.trust.tl_qualification import TrustedListQualification
from esig.verification.conformance import XADES_FORMAT
from esig.verification.report_parts import Outcome
from esig.verification.report_view import ReportView, SignatureView

__all__ = ["change_line", "conformance_kind", "render_text"]

_MARK = {
    Outcome.PASSED: "PASS",
    Outcome.FAILED: "FAIL",
    Outcome.INDETERMINATE: "INDET",
    Outcome.INFO: "INFO",
}
_REQ_MARK = {
    RequirementStatus.MET: "met",
    RequirementStatus.NOT_MET: "not met",
    RequirementStatus.INDETERMINATE: "unknown",
}


def render_text(report: ReportView) -> str:
    """The whole report as plain text: verdict, then every signature with its checks."""
    count = len(report.signatures)
    lines = [
        f"Document:  {report.document}",
        f"           {report.document_size} bytes, SHA-256 {report.document_sha256}",
        f"Verdict:   {report.indication.value} ({count} signature{'s' if count != 1 else ''})",
    ]
    if report.validation_time is not None:
        lines.append(
            f"As of:     {report.validation_time:%Y-%m-%d %H:%M:%S %Z} (validation time asked for)"
        )
    lines += [f"Problem:   {p}" for p in report.problems]
    for index, signature in enumerate(report.signatures, start=1):
        lines.append("")
        lines += _signature_lines(index, signature)
    return "\n".join(lines) + "\n"


def _signature_lines(index: int, sig: SignatureView) -> list[str]:
    verdict = sig.indication.value
    if sig.sub_indication is not None:
        verdict += f" / {sig.sub_indication.value}"
    lines = [f"Signature {index} (field {sig.field_name!r})", f"  Verdict:     {verdict}"]
    if sig.signatory is not None:
        lines.append(f"  Signatory:   {sig.signatory} (from the sealed evidence record)")
        lines.append(f"  Sealed by:   {sig.signer.display if sig.signer else '(unknown)'}")
    else:
        lines.append(f"  Signer:      {sig.signer.display if sig.signer else '(unknown)'}")
    if sig.signing_time is not None:
        lines.append(
            f"  Signed at:   {sig.signing_time:%Y-%m-%d %H:%M:%S %Z} "
            f"({sig.signing_time_source.value})"
        )
    if sig.signed_range is not None:
        rng = sig.signed_range
        rest = (
            "the signature value"
            if rng.is_latest_revision
            else "the signature value and what was added later"
        )
        lines.append(
            f"  Covers:      {rng.coverage.value}, revision {rng.revision} of "
            f"{rng.total_revisions} ({rng.covered_bytes} of {rng.file_size} bytes; "
            f"the rest is {rest})"
        )
    if sig.visual is not None:
        lines.append(f"  Pages:       {_visual_text(sig)}")
    if sig.changes_after_signing:
        lines.append("  Changed after signing (esig's analysis, by value):")
        shown = sig.changes_after_signing[:_MAX_CHANGES]
        lines.extend(f"    {change_line(c)}" for c in shown)
        if len(sig.changes_after_signing) > len(shown):
            lines.append(f"    … and {len(sig.changes_after_signing) - len(shown)} more (JSON)")
    if sig.certificate_path is not None:
        path = " -> ".join(c.subject.display for c in sig.certificate_path.chain)
        lines.append(f"  Certificate: {sig.certificate_path.status.value}: {path}")
    lines.append(f"  Level:       {sig.level.summary}")
    lines.append(f"  Label:       {sig.level.label.value} (ETSI TS 119 172-4)")
    lines += _trusted_list_lines(sig.trusted_list_qualification)
    lines += _timestamp_list_lines(sig)
    if sig.covered_files:
        lines.extend(_covered_lines(sig))
    if sig.conformance is not None:
        lines.append(f"  {conformance_kind(sig)} conformance: {sig.conformance.summary}")
    if sig.long_term is not None:
        lines.append(f"  Long-term:   {_long_term_text(sig)}")
    lines.append("  Checks:")
    for finding in sig.findings:
        cited = "; ".join(c.label for c in finding.citations)
        attack = f" Recognised: {finding.attack.value}." if finding.attack else ""
        lines.append(f"    {_MARK[finding.outcome]:<5} [{cited}] {finding.message}{attack}")
    lines.append("  Requirements:")
    for result in sig.level.results:
        lines.append(
            f"    {_REQ_MARK[result.status]:<7} {result.requirement.level.value} "
            f"[{result.cited}] {result.requirement.title}: {result.evidence}"
        )
    return lines


_MAX_CHANGES = 20


def _timestamp_list_lines(sig: SignatureView) -> list[str]:
    """What the lists say about the signature timestamp (QTSA / TSA / N/A), when asked."""
    data = sig.validation_data
    if data is None:
        return []
    return [
        f"  Timestamp:   {token.list_qualification.explanation}"
        for token in data.timestamps
        if token.list_qualification is not None
    ]


def conformance_kind(sig: SignatureView) -> str:
    """The baseline the conformance is judged against: XAdES, CAdES or PAdES.

    ``XAdES`` when it was judged as EN 319 132-1 (a XML signature, alone or in a
    container); ``CAdES`` for another signature in a container (EN 319 122-1); else
    ``PAdES``.
    """
    if sig.conformance is not None and sig.conformance.subfilter == XADES_FORMAT:
        return "XAdES"
    return "CAdES" if sig.covered_files or sig.field_name.startswith("META-INF/") else "PAdES"


def _covered_lines(sig: SignatureView) -> list[str]:
    """The files a container signature covers, one a line, with a short digest."""
    shown = sig.covered_files[:_MAX_CHANGES]
    lines = [f"  Files:       {len(sig.covered_files)} covered (SHA-256)"]
    lines += [f"    {f.name}  {f.sha256[:16]}…" for f in shown]
    if len(sig.covered_files) > len(shown):
        lines.append(f"    … and {len(sig.covered_files) - len(shown)} more (JSON)")
    return lines


_STEP_MARK = {"pass": "ok", "warn": "warn", "fail": "FAIL", "info": "info"}


def _trusted_list_lines(answer: TrustedListQualification | None) -> list[str]:
    """The trusted lists' answer: the result, then each step that decided or warned."""
    if answer is None:
        return []
    result = answer.certificate_qualification
    lines = [
        f"  Trusted lists: {result.value if result else 'not consulted'} "
        f"(ETSI TS 119 615) — {answer.source_text}"
    ]
    for step in answer.steps:
        if step.outcome == "pass" and step.rule not in _SHOWN_RULES:
            continue
        lines.append(
            f"    {_STEP_MARK[step.outcome]:<5} {step.moment:<8} {step.rule}: {step.detail}"
        )
    return lines


_SHOWN_RULES = frozenset({"QualifiedCheck", "CertificateType", "QSCDCheck", "ValidCAQC"})


def change_line(change: ObjectChange) -> str:
    """One change after signing in words: kind, what, and where (object, page)."""
    where = [f"object {change.object_id}" if change.object_id is not None else ""]
    if change.page is not None and f"page {change.page}" not in change.description:
        where.append(f"page {change.page}")
    place = ", ".join(w for w in where if w)
    return f"{change.kind.value}: {change.description}" + (f" ({place})" if place else "")


def _visual_text(sig: SignatureView) -> str:
    visual = sig.visual
    assert visual is not None
    if not visual.compared:
        return f"not compared ({visual.note})"
    if not visual.visible_change:
        return (
            f"signed and shown revisions look the same ({visual.latest_pages} page(s), "
            f"rendered with {visual.renderer})"
        )
    changed = ", ".join(str(p) for p in visual.changed_pages)
    line = (
        f"page(s) {changed} look different from the signed revision "
        f"({visual.signed_pages} signed, {visual.latest_pages} shown; {visual.renderer})"
    )
    if visual.allowed_fields:
        fields = ", ".join(repr(f) for f in visual.allowed_fields)
        outside = "; ".join(r.where for r in visual.outside)
        line += (
            f"; outside the changed fields ({fields}): {outside}"
            if outside
            else f"; only within the changed fields ({fields})"
        )
    return line


def _long_term_text(sig: SignatureView) -> str:
    lt = sig.long_term
    assert lt is not None
    moment = f"{lt.validated_at:%Y-%m-%d %H:%M:%S %Z}"
    source = "offline, from the document's own data" if lt.offline else "with fetched data"
    if lt.passed:
        proof = (
            f"; proven to exist at {lt.proof_of_existence:%Y-%m-%d %H:%M:%S %Z}"
            if lt.proof_of_existence is not None
            else ""
        )
        return f"validated in the past as of {moment} ({source}){proof}"
    why = f": {lt.sub_indication.value}" if lt.sub_indication is not None else ""
    return f"not validated in the past as of {moment} ({source}){why}"
