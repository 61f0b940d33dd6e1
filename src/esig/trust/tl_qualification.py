"""The trusted lists' answer about one certificate: :class:`TrustedListQualification`.

Built from esig's TS 119 615 procedure (:mod:`esig.ts119615`): the certificate's
qualification at its issuance and at the moment judged, combined, with every step as
evidence (:class:`QualificationStep`) and the list warnings (expired, not
authenticated, refused).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from pydantic import computed_field, model_validator

from esig._model import EsigModel
from esig.law import BES, EIDAS, Citation
from esig.model.trusted_lists import (
    CertificateType,
    Qualifier,
    SignatureStatus,
    TrustedList,
    TrustServiceStatus,
    day_text,
)
from esig.ts119615 import AtTime, CertQualification, Outcome, Step

if TYPE_CHECKING:
    from esig._pyhanko.trusted_lists import RawAssessment

__all__ = ["QualificationStep", "StepMoment", "TrustedListQualification", "answer", "report_steps"]

_QUALIFIER_NAMES = frozenset(q.value for q in Qualifier)


StepMoment = Literal["lists", "issuance", "signing", "generation", "poe"]
"""The part of a qualification procedure a step belongs to (:attr:`QualificationStep.moment`)."""


class QualificationStep(EsigModel):
    """One decision of the TS 119 615 procedure, as evidence in a report."""

    moment: StepMoment
    """Which part of the procedure: list acceptance, at issuance, at the signing time
    (a certificate); at the generation time, at the earliest proof of existence (a
    timestamp)."""
    rule: str
    """The rule, named as the EU's reference validator (DSS) names it."""
    outcome: Literal["pass", "warn", "fail", "info"]
    detail: str
    entries: tuple[str, ...] = ()
    """The list entries involved (list, provider, service, status period)."""


class TrustedListQualification(EsigModel):
    """What the trusted lists say about one certificate at one moment, and why."""

    kind: Literal["trusted-list-qualification"] = "trusted-list-qualification"
    moment: dt.datetime
    """The moment asked about (normally the signing time)."""
    qualified: bool | None
    """The certificate was qualified (None: no listed service issued it, or the lists do
    not determine it — see :attr:`certificate_qualification`)."""
    certificate_type: CertificateType = CertificateType.UNKNOWN
    qscd: bool | None = None
    """The private key was in a QSCD (None when ``qualified`` is None)."""
    qscd_managed_on_behalf: bool = False
    """The QSCD is managed by the provider on the signatory's behalf (remote signing)."""
    certificate_qualification: CertQualification | None = None
    """The TS 119 615 result (``QC for eSig with QSCD`` … ``N/A``; N/A too when no listed
    service issued the certificate)."""
    qualification_at_issuance: CertQualification | None = None
    """The result at the certificate's issuance (notBefore)."""
    service_name: str | None = None
    provider_name: str | None = None
    territory: str | None = None
    status: TrustServiceStatus | None = None
    """The service's status at the moment (None: the service was not listed then)."""
    status_since: dt.datetime | None = None
    qualifiers: tuple[Qualifier, ...] = ()
    """The qualifiers whose criteria match the certificate, in the list entry that decided."""
    list_sequence_number: int | None = None
    list_signature: SignatureStatus | None = None
    """How the list that answered was authenticated."""
    list_expired: bool = False
    """That list's ``NextUpdate`` had passed when the question was asked."""
    issued: dt.datetime | None = None
    """The certificate's notBefore, the second moment judged (TS 119 615 "at issuance")."""
    qualified_at_issuance: bool | None = None
    """The lists made the certificate qualified when it was issued (None: not judged)."""
    conflicting_services: tuple[str, ...] = ()
    """List entries that applied and gave different results (the answer is then N/A)."""
    steps: tuple[QualificationStep, ...] = ()
    """The procedure's decisions, in order."""
    explanation: str
    citations: tuple[Citation, ...] = (BES.ART_4, EIDAS.ART_22, EIDAS.ART_3_12)

    @model_validator(mode="after")
    def _consistent(self) -> TrustedListQualification:
        if self.qualified is None and self.qscd is not None:
            raise ValueError("the QSCD is not established when qualification is not")
        if self.qualified and (self.service_name is None or self.qscd is None):
            raise ValueError("a qualified answer names its service and says whether QSCD")
        if self.qscd_managed_on_behalf and not self.qscd:
            raise ValueError("a QSCD managed on behalf is a QSCD")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def source_text(self) -> str:
        """Where the answer comes from, for a report (``trusted list BE #81, service …``)."""
        if self.territory is None:
            return "trusted lists (no listed service issued the certificate)"
        text = f"trusted list {self.territory}"
        if self.list_sequence_number is not None:
            text += f" #{self.list_sequence_number}"
        if self.service_name:
            text += f", service {self.service_name!r}"
        if self.provider_name:
            text += f" of {self.provider_name}"
        if self.list_signature is not SignatureStatus.VERIFIED:
            text += " (list not authenticated)"
        if self.list_expired:
            text += " (list expired)"
        return text


def report_steps(
    moments: Iterable[tuple[StepMoment, Sequence[Step]]],
) -> tuple[QualificationStep, ...]:
    """The procedure's steps, moment by moment, in the report's form."""
    return tuple(
        QualificationStep(
            moment=moment, rule=s.rule, outcome=s.outcome, detail=s.detail, entries=s.entries
        )
        for moment, steps in moments
        for s in steps
    )


def _steps(outcome: Outcome) -> tuple[QualificationStep, ...]:
    moments: list[tuple[StepMoment, Sequence[Step]]] = [("lists", outcome.steps)]
    moments += [(at.kind, at.steps) for at in (outcome.at_issuance, outcome.at_signing) if at]
    return report_steps(moments)


_RESULT_RULES = ("QualifiedCheck", "CertificateType", "QSCDCheck")


def _moment_words(at: AtTime | None, label: str) -> str:
    if at is None:
        return ""
    decisive = [s for s in at.steps if s.outcome == "fail" and s.rule not in _RESULT_RULES]
    if decisive:
        why = decisive[0].detail
    else:
        why = "; ".join(s.detail for s in at.steps if s.rule in _RESULT_RULES)
    return f"{label} ({day_text(at.moment)}): {at.result.value} ({why})."


def _conflicts(outcome: Outcome) -> tuple[str, ...]:
    for at in (outcome.at_signing, outcome.at_issuance):
        if at is not None and at.conflicting:
            return tuple(dict.fromkeys(e.service for e in at.conflicting))
    return ()


def answer(
    raw: RawAssessment,
    moment: dt.datetime,
    asked: dt.datetime,
    lists: tuple[TrustedList, ...],
    lotl: TrustedList | None = None,
) -> TrustedListQualification:
    """The answer for a report from the assessment of one certificate."""
    if raw.match is None or raw.outcome is None:
        text = (
            f"Not assessed: {raw.problem}."
            if raw.problem
            else "No service in the trusted lists consulted has issued this certificate or "
            "its chain: the lists do not say whether it is qualified (TS 119 615: N/A)."
        )
        return TrustedListQualification(
            moment=moment,
            qualified=None,
            certificate_qualification=CertQualification.NA,
            steps=(
                QualificationStep(
                    moment="lists",
                    rule="TrustedListReachedForCertificateChain",
                    outcome="fail",
                    detail=raw.problem or "no listed service issued the certificate or its chain",
                ),
            ),
            explanation=text,
        )
    match, outcome = raw.match, raw.outcome
    tl = lists[match.list_index]
    status = match.status_at_moment
    expired = tl.is_expired(asked)
    where = f"{match.service_name!r} of {match.provider_name} (trusted list {tl.territory})"
    result = outcome.final
    signing = outcome.at_signing
    issuance = outcome.at_issuance
    determined = result is not CertQualification.NA
    is_qc = result.qualified if determined else None
    captured = signing.captured if signing else ()
    qscd = result.qscd if determined else None
    parts = [f"The certificate was issued under {where}."]
    parts.append(
        f"The certificate itself declares {', '.join(raw.claims)}."
        if raw.claims
        else "The certificate itself declares no qcStatement."
    )
    parts.append(
        f"The list's qualifiers matching it: {', '.join(captured)}."
        if captured
        else "No qualifier of the list matches it."
    )
    parts.append(_moment_words(issuance, "At its issuance"))
    parts.append(_moment_words(signing, "At the moment judged"))
    verdict = "not determinable (N/A)" if not determined else result.value
    parts.append(f"Result (ETSI TS 119 615, esig's rules): {verdict}.")
    parts += _warnings(tl, expired, asked, lotl)
    return TrustedListQualification(
        moment=moment,
        qualified=is_qc,
        certificate_type=CertificateType(result.cert_type.value),
        qscd=qscd,
        qscd_managed_on_behalf=bool(qscd) and "QCQSCDManagedOnBehalf" in captured,
        certificate_qualification=result,
        qualification_at_issuance=issuance.result if issuance else None,
        service_name=match.service_name,
        provider_name=match.provider_name,
        territory=tl.territory,
        status=status.status if status else None,
        status_since=status.since if status else None,
        qualifiers=tuple(Qualifier(c) for c in captured if c in _QUALIFIER_NAMES),
        list_sequence_number=tl.sequence_number,
        list_signature=tl.signature.status,
        list_expired=expired,
        issued=raw.issued,
        qualified_at_issuance=(
            issuance.result.qualified
            if issuance and issuance.result is not CertQualification.NA
            else None
        ),
        conflicting_services=_conflicts(outcome),
        steps=_steps(outcome),
        explanation=" ".join(p for p in parts if p),
    )


def _warnings(
    tl: TrustedList, expired: bool, asked: dt.datetime, lotl: TrustedList | None = None
) -> list[str]:
    found = []
    if expired:
        due = day_text(tl.next_update) if tl.next_update else "never (the scheme was closed)"
        found.append(
            f"Warning: the list (sequence {tl.sequence_number}) was due for its next update "
            f"{due} and had expired on {day_text(asked)}; a newer list may say otherwise."
        )
    if lotl is not None and lotl.is_expired(asked):
        due = day_text(lotl.next_update) if lotl.next_update else "never"
        found.append(
            f"Warning: the list of trusted lists that authenticated it ({lotl.territory}, "
            f"sequence {lotl.sequence_number}) was due for its next update {due} and had "
            f"expired on {day_text(asked)}; the lists and signers it names may have changed "
            "since."
        )
    if tl.signature.status is not SignatureStatus.VERIFIED:
        found.append(f"Warning: the list was not authenticated ({tl.signature.reason}).")
    return found
