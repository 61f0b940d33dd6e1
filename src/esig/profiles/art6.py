"""The checks of BES art. 6(1), letters a–h, and the exemptions of art. 6(2).

Each letter has one check that looks at the certificate's facts and gives a
:class:`~esig.profiles.FieldStatus` with a detail; a MISSING letter the provider is
exempted from becomes EXEMPTED.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography import x509

from esig.identity import NameIdentity
from esig.law import BES, Citation
from esig.profiles.model import (
    Art6Field,
    Art6FieldResult,
    FieldStatus,
    IssuerSignature,
    PublicKeyInfo,
    UsageLimits,
)

_LOCATIONS: dict[Art6Field, str] = {
    Art6Field.A: "issuer DN: O, C, organizationIdentifier",
    Art6Field.B: "subject DN: CN, givenName + surname, pseudonym (2.5.4.65), O",
    Art6Field.C: "subject DN: title, O, OU, organizationIdentifier",
    Art6Field.D: "subjectPublicKeyInfo",
    Art6Field.E: "validity: notBefore, notAfter",
    Art6Field.F: "serialNumber, with the issuer DN",
    Art6Field.G: "signatureAlgorithm, signatureValue",
    Art6Field.H: (
        "keyUsage, extendedKeyUsage, certificatePolicies, "
        "qcStatements: QcLimitValue, QcRetentionPeriod, QcPDS"
    ),
}


@dataclass(frozen=True)
class Art6Facts:
    """Everything the art. 6(1) checks look at, read from one certificate by the readers."""

    cert: x509.Certificate
    subject: NameIdentity
    issuer: NameIdentity
    public_key: PublicKeyInfo
    key_malformed: bool
    signature: IssuerSignature
    limits: UsageLimits


_Verdict = tuple[FieldStatus, str]


def _check_a(facts: Art6Facts) -> _Verdict:
    issuer = facts.issuer
    absent = [
        label for label, value in (("O", issuer.organization), ("C", issuer.country)) if not value
    ]
    if absent:
        name = issuer.rfc4514 or "(empty name)"
        return FieldStatus.MISSING, f"issuer DN has no {' and no '.join(absent)}: {name}"
    detail = f"{issuer.organization} ({issuer.country})"
    if issuer.organization_identifier:
        detail += f", organizationIdentifier {issuer.organization_identifier}"
    return FieldStatus.PRESENT, detail


def _check_b(facts: Art6Facts) -> _Verdict:
    subject = facts.subject
    named = (
        subject.common_name
        or (subject.given_name and subject.surname)
        or subject.pseudonym
        or subject.organization
    )
    if not named:
        return FieldStatus.MISSING, (
            "subject DN names no one: no CN, givenName + surname, pseudonym or O"
        )
    marker = subject.pseudonym_marker
    if marker is not None:
        return FieldStatus.PRESENT, (
            f"pseudonym, identified as such ({marker.source}: {marker.value}): {subject.display}"
        )
    return FieldStatus.PRESENT, subject.display


def _check_c(facts: Art6Facts) -> _Verdict:
    subject = facts.subject
    attributes = (
        ("title", subject.title),
        ("O", subject.organization),
        ("OU", subject.organizational_unit),
        ("organizationIdentifier", subject.organization_identifier),
    )
    found = [f"{label} {value}" for label, value in attributes if value]
    if not found:
        return FieldStatus.NOT_APPLICABLE, (
            "no specific attribute (title, organization); asked for only where relevant"
        )
    return FieldStatus.PRESENT, "; ".join(found)


def _check_d(facts: Art6Facts) -> _Verdict:
    key = facts.public_key
    if facts.key_malformed:
        return FieldStatus.INVALID, key.problem or "the public key cannot be decoded"
    if key.problem is not None:
        return FieldStatus.PRESENT, f"{key.algorithm_oid} key ({key.problem})"
    return FieldStatus.PRESENT, key.describe()


def _check_e(facts: Art6Facts) -> _Verdict:
    start, end = facts.cert.not_valid_before_utc, facts.cert.not_valid_after_utc
    period = f"{start.isoformat()} to {end.isoformat()}"
    if end < start:
        return FieldStatus.INVALID, f"the validity period ends before it starts: {period}"
    return FieldStatus.PRESENT, period


def _check_f(facts: Art6Facts) -> _Verdict:
    serial = facts.cert.serial_number
    if serial <= 0:
        return FieldStatus.INVALID, f"serial number {serial} is not positive (RFC 5280 §4.1.2.2)"
    if not facts.issuer.rfc4514:
        return FieldStatus.INVALID, (
            f"serial number {serial:x} identifies a certificate only with its issuer's "
            "name, and the issuer DN is empty"
        )
    return FieldStatus.PRESENT, f"serial number {serial:x}, issuer {facts.issuer.rfc4514}"


def _check_g(facts: Art6Facts) -> _Verdict:
    signature = facts.signature
    detail = f"{signature.algorithm}; {signature.reason}"
    if signature.verified is False:
        return FieldStatus.INVALID, detail
    return FieldStatus.PRESENT, detail


def _check_h(facts: Art6Facts) -> _Verdict:
    limits = facts.limits
    if limits.unreadable:
        names = ", ".join(str(n) for n in limits.unreadable)
        return FieldStatus.INVALID, f"limits on use cannot be read from {names}"
    if not limits.has_limits:
        return FieldStatus.NOT_APPLICABLE, "no limits on use stated"
    return FieldStatus.PRESENT, "; ".join(_limit_lines(limits))


_CHECKS: dict[Art6Field, Callable[[Art6Facts], _Verdict]] = {
    Art6Field.A: _check_a,
    Art6Field.B: _check_b,
    Art6Field.C: _check_c,
    Art6Field.D: _check_d,
    Art6Field.E: _check_e,
    Art6Field.F: _check_f,
    Art6Field.G: _check_g,
    Art6Field.H: _check_h,
}


def art6_results(facts: Art6Facts, exemptions: frozenset[Art6Field]) -> tuple[Art6FieldResult, ...]:
    """Check each letter of art. 6(1), a to h, in order; an exempted MISSING one is EXEMPTED."""
    return tuple(
        _field_result(letter, check(facts), exemptions) for letter, check in _CHECKS.items()
    )


def _field_result(
    letter: Art6Field, verdict: _Verdict, exemptions: frozenset[Art6Field]
) -> Art6FieldResult:
    status, detail = verdict
    exempted_by: Citation | None = None
    if status is FieldStatus.MISSING and letter in exemptions:
        status, exempted_by = FieldStatus.EXEMPTED, BES.ART_6_2
        detail = f"{detail}; exempted under {BES.ART_6_2}"
    return Art6FieldResult(
        field=letter,
        citation=letter.citation,
        status=status,
        location=_LOCATIONS[letter],
        detail=detail,
        exempted_by=exempted_by,
    )


def _joined(items: Iterable[object]) -> str:
    return ", ".join(str(item) for item in items)


def _limit_lines(limits: UsageLimits) -> list[str]:
    lines: list[str] = []
    if limits.key_usage is not None:
        lines.append("keyUsage " + (", ".join(limits.key_usage) or "(none set)"))
    if limits.extended_key_usage:
        lines.append("extendedKeyUsage " + _joined(limits.extended_key_usage))
    if limits.policies:
        lines.append("policies " + _joined(limits.policies))
    if limits.limit_value is not None:
        lines.append(f"QcLimitValue {limits.limit_value}")
    if limits.retention_period_years is not None:
        lines.append(f"QcRetentionPeriod {limits.retention_period_years} years")
    if limits.disclosure_statements:
        pds = ", ".join(f"{s.url} ({s.language})" for s in limits.disclosure_statements)
        lines.append(f"QcPDS {pds}")
    return lines
