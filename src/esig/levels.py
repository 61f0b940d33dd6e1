"""Signature levels — SES, AES, QES — assessed from evidence, with citations.

The three levels are data: :data:`SES`, :data:`AES` and :data:`QES` are
:class:`LevelDefinition` values whose :attr:`~LevelDefinition.requirements` say, with
citations, what a signature must show to reach them. Each level includes the ones
below it.

A :class:`LevelAssessment` is computed from :class:`SignatureEvidence` (what
verification established), never from the name of a signing method: it lists every
requirement as met, not met or indeterminate with the evidence, the level reached, and
what is missing for the next level up.

The same ladder serves electronic **seals** (legal persons), cited under eIDAS art.
3(25)–(27), 36, 38 and 39 (:data:`~esig.level_ladder.SEAL_LEVELS`), with seal labels.

A signature **without a personal certificate** (a one-time code, a click, a drawing;
:mod:`esig.evidence`) is the platform's seal carrying an evidence record. Its
signatory is the person in the record, not the seal's subject. The signatory's act is a
simple signature: a code that ties the signer uniquely is strong evidence of who agreed
(art. 26(a), (b) met), but it authorised the *platform's* key, so no signature creation
data was under the signatory's sole control (eIDAS art. 26(c), BES art. 1(c) not met).
It is never advanced or qualified, whatever the seal's certificate; the seal itself is
the platform's (advanced or qualified) seal.
"""

from __future__ import annotations

from typing import Literal

from pydantic import computed_field

from esig._model import EsigModel
from esig.law import EIDAS, Instrument
from esig.level_ladder import (
    AES,
    LEVELS,
    QES,
    SEAL_LEVELS,
    SES,
    AdesLabel,
    Level,
    LevelDefinition,
    Requirement,
    RequirementId,
    RequirementStatus,
)
from esig.ts119615.labels import signature_label
from esig.ts119615.result import CertQualification

__all__ = [
    "AES",
    "LEVELS",
    "QES",
    "SEAL_LEVELS",
    "SES",
    "AdesLabel",
    "Level",
    "LevelAssessment",
    "LevelDefinition",
    "Requirement",
    "RequirementId",
    "RequirementResult",
    "RequirementStatus",
    "SignatureEvidence",
    "assess_level",
]


_LEVEL_NAMES = {
    Level.NONE: "No valid electronic signature",
    Level.SES: "Simple (SES)",
    Level.AES: "Advanced (AES)",
    Level.QES: "Qualified (QES)",
}
_SEAL_NAMES = {
    Level.NONE: "No valid electronic seal",
    Level.SES: "Simple electronic seal",
    Level.AES: "Advanced electronic seal",
    Level.QES: "Qualified electronic seal",
}


class SignatureEvidence(EsigModel):
    """What verification established about one signature: the input of the assessment.

    Tri-state fields use ``None`` for "not established".
    """

    intact: bool
    """The digest matches the signed bytes and the signature value verifies."""
    signer_named: bool
    """The certificate names one signatory (name or pseudonym, BES art. 6(1)(b))."""
    signer_certificate_bound: bool
    """The signed attributes bind the signer's certificate (ESS signing-certificate)."""
    certificate_trusted: bool | None
    """The certificate path reached a trust anchor and was valid (None: no anchor given)."""
    certificate_problem: str | None = None
    """Why the path is not trusted, in words, when it is not."""
    data_linked: bool
    """Coverage and changes after signing leave the signed data unaltered."""
    data_problem: str | None = None
    """What breaks the link to the data, when it is broken."""
    long_term_material: bool = False
    """A timestamp and embedded validation data keep it verifiable after expiry."""
    signature_timestamped: bool = False
    """A trusted signature timestamp proves when it was made."""
    revocation_data_embedded: bool = False
    """The document carries revocation data (OCSP responses, CRLs) for its certificates."""
    qualified_certificate: bool = False
    """The certificate is qualified (its own QcCompliance / QCP claim, or a trusted list)."""
    qualified_certificate_source: str | None = None
    """Where that comes from."""
    certificate_content_missing: tuple[str, ...] = ()
    """The items of BES art. 6(1) the certificate lacks or holds wrongly (not exempted under
    art. 6(2)), one clause each with its letter; a qualified certificate has none."""
    certificate_content_unchecked: tuple[str, ...] = ()
    """The items of BES art. 6(1) that could not be checked (e.g. the issuer's signature,
    6(1)(g), without the issuer's certificate from a validated path)."""
    qualified_device: bool = False
    """Evidence that the key is in a QSCD (QcSSCD, a *-qscd policy, or a trusted list)."""
    qualified_device_source: str | None = None
    """Where the QSCD evidence comes from."""
    recognised_provider: bool | None = None
    """The issuer was recognised at signing time (None: no register or trusted list given,
    or only an unauthenticated register, which establishes nothing under BES art. 4(6))."""
    recognised_provider_source: str | None = None
    """Which register or list said so."""
    self_issued_certificate: str | None = None
    """Why the signer's certificate can never be qualified when it issued itself (an end
    entity whose issuer is its own subject, no CA), as one clause; None when it did not.
    No provider other than the signer vouches for it, so its qualified claims and any
    register or list entry count for nothing (BES art. 6(1)(a), (g); eIDAS art. 3(15))."""
    device_not_secure: str | None = None
    """Why the signature's own device evidence (a signing session's record in its signed
    attributes) shows that the key was not in a secure signature creation device; it
    overrides a certificate's or a trusted list's QSCD claim (BES art. 2(1)(a))."""
    device_evidence: str | None = None
    """What that device evidence shows about the key's uniqueness and sole control
    (BES art. 2(1)(a) 1° and 3°), in words."""
    is_seal: bool = False
    """The certificate is for a legal person (an electronic seal)."""
    trusted_list_qualification: CertQualification | None = None
    """The trusted lists' TS 119 615 qualification of the certificate, when a list was
    consulted about it: the TS 119 172-4 label then follows it (DSS's matrix)."""
    sealed_by_platform: bool = False
    """The signature is a platform's seal carrying an evidence record (:mod:`esig.evidence`):
    the signatory is the person the record names."""
    evidence_signatory: str | None = None
    """The person the evidence record names (claimed name, with the address a code went to)."""
    evidence_method: str | None = None
    """How that person agreed, in words (e.g. ``email one-time code``)."""
    evidence_ties_signer: bool = False
    """The record ties the signature to one person (a code entered from their own mailbox
    or phone); a click or a drawing alone does not."""
    evidence_problem: str | None = None
    """Why the record cannot be relied on (malformed, another document), when it cannot."""


class RequirementResult(EsigModel):
    """A requirement with the verdict on it and the evidence behind the verdict."""

    requirement: Requirement
    status: RequirementStatus
    evidence: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cited(self) -> str:
        """The requirement's citations as one label, e.g. ``eIDAS art. 26(a); BES art. 1(a)``."""
        return "; ".join(c.label for c in self.requirement.citations)


class LevelAssessment(EsigModel):
    """The level a signature reaches, why, and what the next level up would need."""

    level: Level
    """The level both instruments agree on: every requirement of it met, eIDAS's and the
    BES decree's (see :attr:`eidas_level` and :attr:`bes_level` for each alone)."""
    is_seal: bool
    results: tuple[RequirementResult, ...]
    """Every requirement of every level, in ladder order."""
    label: AdesLabel
    """The ETSI TS 119 172-4 label, judged under eIDAS (:attr:`eidas_level`)."""
    eidas_level: Level = Level.NONE
    """The level under eIDAS alone: the requirements citing eIDAS (art. 3(10)–(12), 26,
    28, 29 or the seal articles)."""
    bes_level: Level = Level.NONE
    """The level under the BES decree alone: the requirements citing it (art. 1, 2, 4,
    6), with SES as the definition of an electronic signature. It differs from
    :attr:`eidas_level` where the instruments differ: art. 1(b) asks that a signature
    can be verified at any time, eIDAS art. 26(b) that it identifies the signatory."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def level_name(self) -> str:
        """e.g. ``Advanced (AES)`` or ``Advanced electronic seal``."""
        return (_SEAL_NAMES if self.is_seal else _LEVEL_NAMES)[self.level]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def next_level(self) -> Level | None:
        """The level above the one reached, or None at the top."""
        return _next_level(self.level)

    @property
    def missing_for_next(self) -> tuple[RequirementResult, ...]:
        """The requirements of the next level up that are not met."""
        return _missing(self.results, self.level)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def next_step(self) -> str | None:
        """One sentence a non-lawyer understands: what the next level would need."""
        return _next_step(self.results, self.level, seal=self.is_seal)

    @property
    def eidas_missing_for_next(self) -> tuple[RequirementResult, ...]:
        """:attr:`missing_for_next` under eIDAS alone (from :attr:`eidas_level`)."""
        eidas = tuple(r for r in self.results if _cites(r, Instrument.EIDAS))
        return _missing(eidas, self.eidas_level)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def eidas_next_step(self) -> str | None:
        """:attr:`next_step` under eIDAS alone (from :attr:`eidas_level`)."""
        eidas = tuple(r for r in self.results if _cites(r, Instrument.EIDAS))
        return _next_step(eidas, self.eidas_level, seal=self.is_seal)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> str:
        """The level with the provisions met and the next step; eIDAS's view where it differs."""
        name = self.level_name
        if self.level is Level.NONE:
            failed = [r for r in self.results if r.status is not RequirementStatus.MET]
            # the reason it is not even simple is the whole story; no "next step" to add
            return f"{name}: {failed[0].evidence} ({failed[0].cited})." if failed else name
        met = _met_citations(self.level, seal=self.is_seal)
        text = f"{name}: {met} met."
        step = self.next_step
        if step:
            text += f" {step}"
        if self.eidas_level is not self.level:
            names = _SEAL_NAMES if self.is_seal else _LEVEL_NAMES
            text += f" Under eIDAS alone: {names[self.eidas_level]} ({self.label.value})."
            eidas_step = self.eidas_next_step
            if eidas_step:
                text += f" {eidas_step}"
        return text

    def result(self, requirement: RequirementId) -> RequirementResult:
        """The result for one requirement."""
        for r in self.results:
            if r.requirement.id is requirement:
                return r
        raise KeyError(requirement)  # pragma: no cover - every id is assessed


def _next_level(level: Level) -> Level | None:
    order = [Level.NONE, Level.SES, Level.AES, Level.QES]
    index = order.index(level)
    return order[index + 1] if index + 1 < len(order) else None


def _missing(results: tuple[RequirementResult, ...], level: Level) -> tuple[RequirementResult, ...]:
    target = _next_level(level)
    return tuple(
        r
        for r in results
        if r.requirement.level == target and r.status is not RequirementStatus.MET
    )


def _next_step(results: tuple[RequirementResult, ...], level: Level, *, seal: bool) -> str | None:
    """What the level above ``level`` would need, in one or two sentences."""
    missing = _missing(results, level)
    target = _next_level(level)
    if target is None or not missing:
        return None
    name = (_SEAL_NAMES if seal else _LEVEL_NAMES)[target]
    failed = [r for r in missing if r.status is RequirementStatus.NOT_MET]
    unknown = [r for r in missing if r.status is RequirementStatus.INDETERMINATE]
    parts = []
    if failed:
        parts.append(f"Not {name.split(' ')[0].lower()}: {_reasons(failed)}.")
    if unknown:
        head = "Also not assessed" if failed else f"{_short(name)} could not be assessed"
        parts.append(f"{head}: {_reasons(unknown)}.")
    return " ".join(parts)


def _reasons(results: list[RequirementResult]) -> str:
    """The results' evidence as clauses, each with its citations, same clauses merged."""
    grouped: dict[str, list[str]] = {}
    for r in results:
        grouped.setdefault(_as_clause(r.evidence), []).extend(
            c.label for c in r.requirement.citations
        )
    return "; ".join(
        f"{text} ({'; '.join(dict.fromkeys(cites))})" for text, cites in grouped.items()
    )


def _short(name: str) -> str:
    """``Qualified (QES)`` → ``QES``; a seal's name as it is."""
    return name[name.index("(") + 1 : -1] if name.endswith(")") else name


def _as_clause(sentence: str) -> str:
    """A sentence made into a clause: no final period, a lower-case first word."""
    text = sentence.strip().rstrip(".")
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return text


def _met_citations(level: Level, *, seal: bool) -> str:
    if level is Level.SES:
        return str(EIDAS.ART_3_25 if seal else EIDAS.ART_3_10)
    labels = ["BES art. 1 a–d", "eIDAS art. 36 a–d" if seal else "eIDAS art. 26 a–d"]
    if level is Level.QES:
        labels += ["BES art. 2, 4, 6", str(EIDAS.ART_3_27 if seal else EIDAS.ART_3_12)]
    return ", ".join(labels)


def assess_level(evidence: SignatureEvidence) -> LevelAssessment:
    """Compute the level a signature reaches from what verification established."""
    verdicts = {
        **_ses_verdicts(evidence),
        **_aes_verdicts(evidence),
        **_qes_verdicts(evidence),
    }
    # an evidence-based signature is the person's, not the platform's seal
    seal = evidence.is_seal and not evidence.sealed_by_platform
    ladder = SEAL_LEVELS if seal else LEVELS
    results = tuple(
        RequirementResult(requirement=req, status=verdicts[req.id][0], evidence=verdicts[req.id][1])
        for definition in ladder
        for req in definition.requirements
    )
    reached = _reached(ladder, results)
    eidas = tuple(r for r in results if _cites(r, Instrument.EIDAS))
    bes = tuple(r for r in results if r.requirement.level is Level.SES or _cites(r, Instrument.BES))
    eidas_level = _reached(ladder, eidas)
    return LevelAssessment(
        level=reached,
        is_seal=seal,
        results=results,
        label=_label(eidas_level, eidas, evidence),
        eidas_level=eidas_level,
        bes_level=_reached(ladder, bes),
    )


def _cites(result: RequirementResult, instrument: Instrument) -> bool:
    return any(c.instrument is instrument for c in result.requirement.citations)


def _reached(ladder: tuple[LevelDefinition, ...], results: tuple[RequirementResult, ...]) -> Level:
    """The highest level of ``ladder`` whose requirements in ``results`` are all met."""
    reached = Level.NONE
    for definition in ladder:
        own = [r for r in results if r.requirement.level is definition.level]
        if all(r.status is RequirementStatus.MET for r in own):
            reached = definition.level
        else:
            break
    return reached


_Verdict = tuple[RequirementStatus, str]
_MET = RequirementStatus.MET
_NOT_MET = RequirementStatus.NOT_MET
_INDETERMINATE = RequirementStatus.INDETERMINATE


def _ses_verdicts(ev: SignatureEvidence) -> dict[RequirementId, _Verdict]:
    if ev.intact:
        return {
            RequirementId.DATA_ASSOCIATED: (
                _MET,
                "the signature value verifies over the signed data",
            )
        }
    return {
        RequirementId.DATA_ASSOCIATED: (
            _NOT_MET,
            "the signature value does not verify over the signed data",
        )
    }


def _trust_verdict(ev: SignatureEvidence, met_text: str) -> _Verdict:
    if ev.certificate_trusted:
        return _MET, met_text
    problem = ev.certificate_problem or "the certificate path was not validated"
    if ev.certificate_trusted is None:
        return _INDETERMINATE, problem
    return _NOT_MET, problem


def _verifiable_verdict(ev: SignatureEvidence, what: str) -> _Verdict:
    """BES art. 1(b): what the signature carries for verifying it later, not only today.

    Met when a trusted signature timestamp and embedded revocation data keep it
    verifiable after its certificate expires or its status stops being published
    (PAdES B-LT and B-LTA); without them it is verifiable today but that is not shown
    for later: indeterminate, with what is missing.
    """
    if ev.long_term_material:
        return _trust_verdict(
            ev,
            f"{what} carries what verifying it later needs: a trusted signature timestamp "
            "and embedded revocation data",
        )
    missing = [
        text
        for present, text in (
            (ev.signature_timestamped, "no trusted signature timestamp"),
            (ev.revocation_data_embedded, "no embedded revocation data"),
        )
        if not present
    ]
    verdict = _trust_verdict(ev, "")
    if verdict[0] is not _MET:
        return verdict
    return (
        _INDETERMINATE,
        f"{what} verifies today against a trust anchor, but it carries "
        f"{' and '.join(missing)}: once the certificate expires or its status is no longer "
        "published, nothing it holds lets it be verified (give it a timestamp and its "
        "validation data: B-LT or B-LTA, e.g. with esig extend)",
    )


def _aes_verdicts(ev: SignatureEvidence) -> dict[RequirementId, _Verdict]:
    if not ev.intact:
        broken = (_NOT_MET, "the signature value does not verify")
        return {
            rid: broken
            for rid in (
                RequirementId.UNIQUELY_LINKED,
                RequirementId.IDENTIFIES_SIGNATORY,
                RequirementId.VERIFIABLE_AT_ANY_TIME,
                RequirementId.SOLE_CONTROL,
                RequirementId.LINKED_TO_DATA,
            )
        }
    if ev.sealed_by_platform:
        return _evidence_aes_verdicts(ev)
    verdicts: dict[RequirementId, _Verdict] = {}
    if not ev.signer_named:
        verdicts[RequirementId.UNIQUELY_LINKED] = (_NOT_MET, "the certificate names no signatory")
    elif not ev.signer_certificate_bound:
        verdicts[RequirementId.UNIQUELY_LINKED] = (
            _NOT_MET,
            "the signed attributes do not bind the signer's certificate",
        )
    else:
        verdicts[RequirementId.UNIQUELY_LINKED] = _trust_verdict(
            ev, "the certificate names one signatory and the signature binds that certificate"
        )
    if ev.signer_named:
        verdicts[RequirementId.IDENTIFIES_SIGNATORY] = _trust_verdict(
            ev,
            "a valid certificate from a trusted issuer names the signatory"
            if ev.self_issued_certificate is None
            else "the certificate names the signatory and was trusted as it is; it issued "
            "itself, so only that trust, no certification service provider, vouches for "
            "the name",
        )
    else:
        verdicts[RequirementId.IDENTIFIES_SIGNATORY] = (
            _NOT_MET,
            "the certificate names no signatory",
        )
    verdicts[RequirementId.VERIFIABLE_AT_ANY_TIME] = _verifiable_verdict(ev, "the signature")
    verdicts[RequirementId.SOLE_CONTROL] = _trust_verdict(
        ev,
        "made with the private key certified to the signatory"
        + (
            f"; the signing session's device evidence: {ev.device_evidence}"
            if ev.device_evidence
            else ""
        ),
    )
    if ev.data_linked:
        verdicts[RequirementId.LINKED_TO_DATA] = (
            _MET,
            "the signature covers the signed revision and nothing changed it since",
        )
    else:
        verdicts[RequirementId.LINKED_TO_DATA] = (
            _NOT_MET,
            ev.data_problem or "the signed data were changed after signing",
        )
    return verdicts


def _evidence_aes_verdicts(ev: SignatureEvidence) -> dict[RequirementId, _Verdict]:
    """AES for a platform seal with an evidence record: the signatory is in the record."""
    who = ev.evidence_signatory or "the signatory"
    how = ev.evidence_method or "the recorded method"
    problem = ev.evidence_problem
    verdicts: dict[RequirementId, _Verdict] = {}
    if problem is not None:
        broken = (_NOT_MET, f"the evidence record cannot be relied on: {problem}")
        verdicts[RequirementId.UNIQUELY_LINKED] = broken
        verdicts[RequirementId.IDENTIFIES_SIGNATORY] = broken
        verdicts[RequirementId.SOLE_CONTROL] = broken
    elif ev.evidence_ties_signer:
        verdicts[RequirementId.UNIQUELY_LINKED] = _trust_verdict(
            ev,
            f"the sealed evidence record ties the signature to {who}: a {how} reached "
            "only them and was entered correctly",
        )
        verdicts[RequirementId.IDENTIFIES_SIGNATORY] = _trust_verdict(
            ev, f"the evidence record, sealed by a trusted platform, identifies {who}"
        )
        # The code authorised the platform's key: signature creation data under the
        # signatory's sole control (eIDAS art. 26(c), BES art. 1(c)) it is not. A code
        # reaches AES only when it releases a key certified to that signatory alone (a
        # remote device with their own certificate), which is not a platform seal.
        verdicts[RequirementId.SOLE_CONTROL] = (
            _NOT_MET,
            f"the {how} authorised the platform's seal, made with the platform's key: no "
            f"signature creation data under {who}'s sole control made it (a code reaches "
            "AES only when it releases a key certified to that signatory alone, such as a "
            "remote signing credential in their name)",
        )
    else:
        loose = (
            _NOT_MET,
            f"a {how} does not tie the signature to one person: anyone at the screen can "
            f"click, and a drawing can be copied ({who} is only claimed)",
        )
        verdicts[RequirementId.UNIQUELY_LINKED] = loose
        verdicts[RequirementId.IDENTIFIES_SIGNATORY] = loose
        verdicts[RequirementId.SOLE_CONTROL] = loose
    verdicts[RequirementId.VERIFIABLE_AT_ANY_TIME] = _verifiable_verdict(ev, "the platform's seal")
    if problem is not None:
        verdicts[RequirementId.LINKED_TO_DATA] = (_NOT_MET, problem)
    elif ev.data_linked:
        verdicts[RequirementId.LINKED_TO_DATA] = (
            _MET,
            "the seal covers the signed revision and the evidence record, and nothing "
            "changed them since",
        )
    else:
        verdicts[RequirementId.LINKED_TO_DATA] = (
            _NOT_MET,
            ev.data_problem or "the signed data were changed after sealing",
        )
    return verdicts


def _evidence_qes_verdicts(ev: SignatureEvidence) -> dict[RequirementId, _Verdict]:
    """Never QES: the signatory holds no qualified certificate and no QSCD."""
    who = ev.evidence_signatory or "the signatory"
    how = ev.evidence_method or "the recorded method"
    return {
        RequirementId.QUALIFIED_CERTIFICATE: (
            _NOT_MET,
            f"the signatory, {who}, holds no qualified certificate: the certificate is "
            "the platform's seal, whatever its own qualification",
        ),
        RequirementId.QUALIFIED_DEVICE: (
            _NOT_MET,
            f"a {how} uses no qualified signature creation device under the control of {who}",
        ),
        RequirementId.RECOGNISED_PROVIDER: (
            _NOT_MET,
            f"no recognised certification service provider certified a key of {who}",
        ),
    }


def _qes_verdicts(ev: SignatureEvidence) -> dict[RequirementId, _Verdict]:
    if ev.sealed_by_platform:
        return _evidence_qes_verdicts(ev)

    if ev.self_issued_certificate is not None:
        never = (_NOT_MET, ev.self_issued_certificate)
        return {
            RequirementId.QUALIFIED_CERTIFICATE: never,
            RequirementId.QUALIFIED_DEVICE: never,
            RequirementId.RECOGNISED_PROVIDER: never,
        }

    def because(source: str | None) -> str:
        return f" ({source})" if source else ""

    verdicts: dict[RequirementId, _Verdict] = {}
    if ev.qualified_certificate and ev.certificate_content_missing:
        verdicts[RequirementId.QUALIFIED_CERTIFICATE] = (
            _NOT_MET,
            "the certificate claims to be qualified but lacks what BES art. 6(1) asks of "
            f"its content: {'; '.join(ev.certificate_content_missing)}",
        )
    elif ev.qualified_certificate and ev.certificate_content_unchecked:
        verdicts[RequirementId.QUALIFIED_CERTIFICATE] = (
            _INDETERMINATE,
            "the certificate claims to be qualified, but part of the content BES art. 6(1) "
            f"asks could not be checked: {'; '.join(ev.certificate_content_unchecked)}",
        )
    elif ev.qualified_certificate:
        source = ev.qualified_certificate_source or "the certificate (QcCompliance)"
        verdicts[RequirementId.QUALIFIED_CERTIFICATE] = (
            _MET,
            f"a qualified certificate according to {source}, with the content BES art. 6(1) asks",
        )
    else:
        verdicts[RequirementId.QUALIFIED_CERTIFICATE] = (
            _NOT_MET,
            "the certificate is not a qualified certificate"
            f"{because(ev.qualified_certificate_source)}",
        )
    if ev.device_not_secure is not None:
        claimed = (
            f", which overrides the claim of {ev.qualified_device_source}"
            if ev.qualified_device
            else ""
        )
        verdicts[RequirementId.QUALIFIED_DEVICE] = (
            _NOT_MET,
            f"key not in a secure signature creation device: {ev.device_not_secure}{claimed}",
        )
    elif ev.qualified_device:
        source = ev.qualified_device_source or "the certificate"
        verdicts[RequirementId.QUALIFIED_DEVICE] = (
            _MET,
            f"{source} attests a secure signature creation device",
        )
    else:
        verdicts[RequirementId.QUALIFIED_DEVICE] = (
            _NOT_MET,
            f"key not in a secure signature creation device{because(ev.qualified_device_source)}",
        )
    if ev.recognised_provider:
        source = ev.recognised_provider_source or "the register"
        verdicts[RequirementId.RECOGNISED_PROVIDER] = (
            _MET,
            f"the issuer was recognised at the best signature time ({source})",
        )
    elif ev.recognised_provider is None and ev.recognised_provider_source:
        verdicts[RequirementId.RECOGNISED_PROVIDER] = (
            _INDETERMINATE,
            "whether the issuer was recognised could not be established: "
            f"{ev.recognised_provider_source}",
        )
    elif ev.recognised_provider is None:
        verdicts[RequirementId.RECOGNISED_PROVIDER] = (
            _INDETERMINATE,
            "no source of recognised providers was given (a BES art. 4 register or a "
            "trusted list), so whether the issuer was recognised is not known",
        )
    else:
        verdicts[RequirementId.RECOGNISED_PROVIDER] = (
            _NOT_MET,
            "certificate not issued by a provider recognised at the best signature time"
            f"{because(ev.recognised_provider_source)}",
        )
    return verdicts


def _ades_indication(
    reached: Level, results: tuple[RequirementResult, ...]
) -> Literal["passed", "indeterminate", "failed"]:
    """The AdES validation result (EN 319 102-1) as the level ladder established it."""
    if reached in (Level.AES, Level.QES):
        return "passed"
    if any(
        r.requirement.level in (Level.SES, Level.AES) and r.status is RequirementStatus.NOT_MET
        for r in results
    ):
        return "failed"
    return "indeterminate"


def _label(
    reached: Level, results: tuple[RequirementResult, ...], ev: SignatureEvidence
) -> AdesLabel:
    if ev.trusted_list_qualification is not None and not ev.sealed_by_platform:
        return signature_label(_ades_indication(reached, results), ev.trusted_list_qualification)
    seal = ev.is_seal and not ev.sealed_by_platform
    if reached is Level.QES:
        return AdesLabel.QESEAL if seal else AdesLabel.QESIG
    if reached is Level.AES:
        qc = any(
            r.requirement.id is RequirementId.QUALIFIED_CERTIFICATE
            and r.status is RequirementStatus.MET
            for r in results
        )
        if qc:
            return AdesLabel.ADESEAL_QC if seal else AdesLabel.ADESIG_QC
        return AdesLabel.ADESEAL if seal else AdesLabel.ADESIG
    aes_failed = any(
        r.requirement.level is Level.AES and r.status is RequirementStatus.NOT_MET for r in results
    )
    if reached is Level.SES and not aes_failed:
        return AdesLabel.INDETERMINATE_ADESEAL if seal else AdesLabel.INDETERMINATE_ADESIG
    return AdesLabel.NOT_ADES
