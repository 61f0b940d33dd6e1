"""The validator's parts of the ETSI TS 119 102-2 report: who validated, and against what.

``SignatureValidator`` names the validator with ``DigitalId`` elements (the TS 119 612
``DigitalIdentityType``): always ``tsl:Other`` holding ``esig:Validator`` (the software
and its version); when the report is sealed, also the seal's certificate
(``tsl:X509Certificate``) and its subject (``tsl:X509SubjectName``), the identity whose
signature the report carries.

``ValidationConstraintsEvaluationReport``, in each signature report, says what esig
applied:

- ``SignatureValidationPolicy``: esig validates with its built-in rules, not with a
  validation policy document identified by an OID and a digest, so the identifier is
  ``XAdES:SignaturePolicyImplied`` and ``PolicyName`` names the rules.
- one ``ValidationConstraint`` per check esig ran on the signature
  (:class:`~esig.verification.report_parts.CheckId`, as
  ``urn:esig:validation-report:1:constraint:CHECK``), status *applied*, with the check's
  verdict as ``ValidationStatus`` (none for a check that only informs). The certificate
  check carries the trust anchors it was given, the validation time and the trusted list
  that answered; the algorithm check carries the rules of
  :data:`~esig.verification.algorithms.DEFAULT_POLICY`.

DSS fills ``ValidationConstraint`` the same way with its own building blocks
(``urn:cef:dss:bbb:…``) and leaves ``SignatureValidator`` out.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from esig._version import VERSION
from esig.verification.algorithms import DEFAULT_POLICY, AlgorithmRule, RuleKind
from esig.verification.etsi_objects import (
    ESIG_NS,
    VR_NS,
    XADES_NS,
    main_indication_uri,
    sub,
    sub_indication_uri,
    xml_time,
)
from esig.verification.report_parts import CheckId, Finding, Indication, Outcome
from esig.verification.report_view import ReportView, SignatureView

__all__ = [
    "CONSTRAINT_APPLIED",
    "CONSTRAINT_PREFIX",
    "PARAMETER_PREFIX",
    "POLICY_NAME",
    "TSL_NS",
    "constraints_element",
    "validator_element",
]

TSL_NS = "http://uri.etsi.org/02231/v2#"
"""The namespace of ETSI TS 119 612 (the types of ``DigitalId``)."""
CONSTRAINT_APPLIED = "urn:etsi:019102:constraintStatus:applied"
"""``ConstraintStatus/Status``: the constraint was applied."""
CONSTRAINT_PREFIX = f"{ESIG_NS}:constraint:"
"""``ValidationConstraintIdentifier`` of an esig check: this prefix and the check's name."""
PARAMETER_PREFIX = f"{ESIG_NS}:parameter:"
"""The ``Type`` of a constraint's parameter: this prefix and ``trust-anchor``,
``validation-time``, ``trusted-list`` or ``weak-algorithm``."""
POLICY_NAME = (
    "esig built-in validation rules (EN 319 102-1 processes as pyHanko implements them; "
    "the checks of BES art. 3; algorithm rules of esig.verification.algorithms)"
)
"""``PolicyName``: esig has no validation policy document with an OID."""


def validator_element(parent: Any, seal: x509.Certificate | None) -> Any:
    """Append ``SignatureValidator``: esig and its version; the seal's identity if sealed."""
    validator = sub(parent, VR_NS, "SignatureValidator")
    if seal is not None:
        der = seal.public_bytes(Encoding.DER)
        sub(
            sub(validator, VR_NS, "DigitalId"),
            TSL_NS,
            "X509Certificate",
            base64.b64encode(der).decode("ascii"),
        )
        sub(
            sub(validator, VR_NS, "DigitalId"),
            TSL_NS,
            "X509SubjectName",
            seal.subject.rfc4514_string(),
        )
    other = sub(sub(validator, VR_NS, "DigitalId"), TSL_NS, "Other")
    software = other.makeelement(
        f"{{{ESIG_NS}}}Validator", {"name": "esig", "version": VERSION}, nsmap={"esig": ESIG_NS}
    )
    other.append(software)
    return validator


def constraints_element(parent: Any, report: ReportView, signature: SignatureView) -> Any:
    """Append ``ValidationConstraintsEvaluationReport``: the policy and each check applied."""
    section = sub(parent, VR_NS, "ValidationConstraintsEvaluationReport")
    policy = sub(section, VR_NS, "SignatureValidationPolicy")
    sub(sub(policy, VR_NS, "SignaturePolicyIdentifier"), XADES_NS, "SignaturePolicyImplied")
    sub(policy, VR_NS, "PolicyName", POLICY_NAME)
    checks: dict[CheckId, list[Finding]] = {}
    for finding in signature.findings:
        checks.setdefault(finding.check, []).append(finding)
    for check, findings in checks.items():
        constraint = sub(section, VR_NS, "ValidationConstraint")
        sub(constraint, VR_NS, "ValidationConstraintIdentifier", CONSTRAINT_PREFIX + check.value)
        for kind, value in _parameters(check, report, signature):
            parameter = sub(constraint, VR_NS, "ValidationConstraintParameter")
            sub(parameter, VR_NS, "Type", PARAMETER_PREFIX + kind)
            sub(parameter, VR_NS, "Value", value)
        sub(sub(constraint, VR_NS, "ConstraintStatus"), VR_NS, "Status", CONSTRAINT_APPLIED)
        _verdict(constraint, findings)
    return section


def _parameters(
    check: CheckId, report: ReportView, signature: SignatureView
) -> list[tuple[str, str]]:
    if check is CheckId.ALGORITHMS:
        return [("weak-algorithm", _rule_text(rule)) for rule in DEFAULT_POLICY]
    if check is not CheckId.CERTIFICATE:
        return []
    found = [
        ("trust-anchor", f"{anchor.subject.display} (SHA-256 {anchor.sha256_fingerprint})")
        for anchor in report.trust_anchors
    ]
    found.append(("validation-time", xml_time(report.validation_time or report.verified_at)))
    answer = signature.trusted_list_qualification
    if answer is not None and (answer.territory or answer.service_name):
        where = ", ".join(p for p in (answer.territory, answer.service_name) if p)
        found.append(("trusted-list", where))
    return found


def _rule_text(rule: AlgorithmRule) -> str:
    what = (
        rule.name
        if rule.kind is RuleKind.DIGEST
        else f"{rule.name} keys under {rule.min_bits} bits"
    )
    return f"{what}: weak from {xml_time(rule.weak_from)} ({rule.source})"


_WORST_FIRST = (
    (Outcome.FAILED, Indication.TOTAL_FAILED),
    (Outcome.INDETERMINATE, Indication.INDETERMINATE),
    (Outcome.PASSED, Indication.TOTAL_PASSED),
)


def _verdict(constraint: Any, findings: Sequence[Finding]) -> None:
    """``ValidationStatus``: the check's worst outcome (none when it only informs)."""
    outcomes = {f.outcome for f in findings}
    decisive = next(((o, i) for o, i in _WORST_FIRST if o in outcomes), None)
    if decisive is None:
        return
    outcome, indication = decisive
    status = sub(constraint, VR_NS, "ValidationStatus")
    sub(status, VR_NS, "MainIndication", main_indication_uri(indication))
    if outcome is Outcome.PASSED:
        return
    reason = next(
        (f.sub_indication for f in findings if f.outcome is outcome and f.sub_indication), None
    )
    uri = sub_indication_uri(reason) if reason is not None else None
    if uri is not None:
        sub(status, VR_NS, "SubIndication", uri)
