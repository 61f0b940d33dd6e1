"""The TS 119 615 procedure: a certificate's qualification from the trusted lists.

:func:`qualify` runs the procedure at the certificate's issuance and at the best
signature time (:func:`at_time`, DSS's ``CertQualificationAtTimeBlock``) and combines the
two (:func:`final`, DSS's ``FinalCertificateQualificationCalculator``). Every decision
is a :class:`~esig.ts119615.result.Step` of the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from esig.ts119615 import rules
from esig.ts119615.facts import CertFacts, ServiceEntry
from esig.ts119615.result import AtTime, CertQualification, CertType, Outcome, Step
from esig.ts119615.rules import Service

__all__ = ["at_time", "final", "qualify"]


def _names(services: Sequence[Service]) -> tuple[str, ...]:
    return tuple(s.entry.describe() for s in services)


def _na(kind: Literal["issuance", "signing"], moment: dt.datetime, steps: list[Step]) -> AtTime:
    return AtTime(kind, moment, CertQualification.NA, None, (), tuple(steps))


def at_time(
    cert: CertFacts,
    services: Sequence[Service],
    moment: dt.datetime,
    kind: Literal["issuance", "signing"],
) -> AtTime:
    """The certificate's qualification at ``moment`` from the services that issued it."""
    steps: list[Step] = []
    when = f"{moment:%Y-%m-%d %H:%M} UTC"

    def step(
        rule: str, ok: bool, detail: str, found: Sequence[Service] = (), *, warn: bool = False
    ) -> None:
        outcome: Literal["pass", "warn", "fail"] = "pass" if ok else ("warn" if warn else "fail")
        steps.append(Step(rule, outcome, detail, _names(found)))

    current = rules.by_date(services, moment)
    unreadable = [s for s in current if s.entry.unreadable]
    if unreadable:
        step(
            "ServiceInterpretable",
            False,
            "the list's qualifications for the period that holds cannot be interpreted "
            f"({unreadable[0].entry.unreadable}), so the qualification is not determinable",
            unreadable,
        )
        return _na(kind, moment, steps)
    later = all(s.entry.start > moment for s in services)
    step(
        "TrustServiceAtTime",
        bool(current),
        f"{len(current)} status period(s) of the issuing services hold on {when}"
        if current
        else f"no status period of the issuing services holds on {when}"
        + (" (the service was not yet listed then)" if later else ""),
        current,
    )
    ca_qc = [s for s in current if s.entry.is_ca_qc]
    step(
        "CaQc",
        bool(ca_qc),
        "a CA/QC service (qualified certificates)" if ca_qc else "no CA/QC service among them",
        ca_qc,
        warn=True,
    )
    if ca_qc:
        current = ca_qc
    typed = rules.by_certificate_type(current, cert)
    own = rules.type_from_certificate(cert)
    step(
        "TrustServicesByCertificateType",
        bool(typed),
        f"services for a certificate of type {own.value} (its own statements)"
        if typed
        else f"no service is for a certificate of type {own.value} (AdditionalServiceInformation)",
        typed,
    )
    current = typed
    for s in current:
        problems = rules.consistency_problems(s)
        if problems:
            step("ServiceConsistency", False, "; ".join(problems), (s,), warn=True)
    if len(current) > 1:
        results = rules.distinct_results(cert, current)
        if len(results) > 1:
            step(
                "IsNoQualificationConflictDetected",
                False,
                "the services that apply give different results "
                f"({', '.join(sorted(r.value for r in results))}), so the qualification is "
                "not determinable",
                current,
            )
            return AtTime(
                kind,
                moment,
                CertQualification.NA,
                None,
                (),
                tuple(steps),
                tuple(s.entry for s in current),
            )
        step("IsNoQualificationConflictDetected", True, "the services agree", current)
    current = [s for s in current if rules.pre_eidas_status_consistent(s)]
    granted = [s for s in current if rules.is_granted(s)]
    statuses = sorted({s.entry.status_name for s in current})
    step(
        "GrantedStatus",
        bool(granted),
        "granted (or, before eIDAS, supervised or accredited)"
        if granted
        else f"no service was granted then (status {', '.join(statuses) or 'none'})",
        granted or current,
    )
    if granted:
        current = granted
    if len(current) > 1:
        if len(rules.distinct_results(cert, current)) > 1:
            current = []
            step("IsAbleToSelectOneTrustService", False, "the granted services disagree")
        else:
            current = current[:1]
    selected = current[0] if current else None
    if selected is not None and not (selected.entry.is_ca_qc and rules.is_granted(selected)):
        step("ValidCAQC", False, "the service that applies is not a granted CA/QC", (selected,))
        selected, current = None, []
    elif selected is not None:
        step("ValidCAQC", True, "a granted CA/QC service", (selected,))
    for_qc = next((s for s in current if rules.qc_statement_consistent(s)), None)
    is_qc = rules.qualified(for_qc, cert)
    step("QualifiedCheck", is_qc, _qc_words(for_qc, cert, is_qc), (for_qc,) if for_qc else ())
    for_type = next((s for s in current if not rules.type_consistent(s)), None)
    ctype = rules.cert_type(for_type, is_qc, cert)
    step(
        "CertificateType",
        ctype is not CertType.UNKNOWN,
        _type_words(for_type, ctype, is_qc),
        (),
        warn=True,
    )
    for_qscd = next((s for s in current if not rules.qscd_consistent(s)), None)
    has_qscd = rules.qscd(for_qscd, is_qc, cert)
    step("QSCDCheck", has_qscd, _qscd_words(for_qscd, has_qscd, is_qc), (), warn=True)
    return AtTime(
        kind,
        moment,
        CertQualification.of(is_qc, ctype, has_qscd),
        selected.entry if selected else None,
        selected.captured if selected else (),
        tuple(steps),
    )


def _qc_words(service: Service | None, cert: CertFacts, is_qc: bool) -> str:
    if service is None:
        return "not qualified: no consistent granted CA/QC service"
    if service.has(rules.NOT_QUALIFIED):
        return "not qualified: the list's NotQualified qualifier applies"
    if service.has(rules.QC_STATEMENT):
        return "qualified: the list's QCStatement qualifier applies"
    if is_qc:
        return "qualified: the certificate's QcCompliance (or QCP/QCP+ before eIDAS)"
    if cert.qc_legislation:
        return (
            "not qualified: QcCClegislation "
            f"{', '.join(cert.qc_legislation)} — a qualified certificate of another law"
        )
    return "not qualified: the certificate does not claim it and no qualifier overrules"


def _type_words(service: Service | None, ctype: CertType, is_qc: bool) -> str:
    if is_qc and service is not None and service.usages:
        return f"type {ctype.value} from the list's {', '.join(service.usages)}"
    if is_qc and service is not None and not service.post_eidas:
        return "type esig: qualified before eIDAS"
    return f"type {ctype.value} from the certificate's own statements"


def _qscd_words(service: Service | None, has_qscd: bool, is_qc: bool) -> str:
    if not is_qc:
        return "no QSCD: not a qualified certificate"
    if service is None:
        return "no QSCD: no service consistent about the QSCD"
    decisive = [q for q in service.captured if "SCD" in q]
    source = f"the list's {', '.join(decisive)}" if decisive else "the certificate's QcSSCD"
    return f"{'QSCD' if has_qscd else 'no QSCD'} by {source}"


def final(at_issuance: AtTime, at_signing: AtTime) -> CertQualification:
    """FinalCertificateQualificationCalculator: both moments combined.

    Equal results stand; N/A at either moment is N/A; otherwise qualified only if
    qualified both times, the common type (else unknown), the QSCD of the signing time.
    """
    first, then = at_issuance.result, at_signing.result
    if first is then:
        return first
    if CertQualification.NA in (first, then):
        return CertQualification.NA
    kind = then.cert_type if first.cert_type is then.cert_type else CertType.UNKNOWN
    return CertQualification.of(first.qualified and then.qualified, kind, then.qscd)


def qualify(cert: CertFacts, entries: Sequence[ServiceEntry], moment: dt.datetime) -> Outcome:
    """The certificate's qualification at ``moment`` from the periods of its issuing services.

    ``entries`` are every status period of every listed service whose digital identity
    issued the certificate (or a CA above it), from every list consulted.
    """
    if not entries:
        step = Step("TrustedListReachedForCertificateChain", "fail", "no listed service issued it")
        return Outcome(None, None, CertQualification.NA, (step,))
    acceptable = [e for e in entries if e.list_acceptable]
    steps: list[Step] = []
    for entry in entries:
        if not entry.list_acceptable:
            steps.append(
                Step("AcceptableTrustedList", "fail", entry.list_problem or "", (entry.describe(),))
            )
    if not acceptable:
        steps.append(Step("AcceptableTrustedListPresence", "fail", "no acceptable list"))
        return Outcome(None, None, CertQualification.NA, tuple(steps))
    services = [Service(e, rules.captured_qualifiers(e, cert)) for e in acceptable]
    first = at_time(cert, services, cert.not_before, "issuance")
    then = at_time(cert, services, moment, "signing")
    return Outcome(first, then, final(first, then), tuple(steps))
