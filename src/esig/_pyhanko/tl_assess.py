"""The services of the loaded lists above a certificate, judged by esig's TS 119 615 rules.

The chain is walked up to the first certificate a listed service's digital identity
issued; every status period of every such service (from every list) goes to
:func:`esig.ts119615.qualify`, with the certificate's own facts. The answer is plain
data (:class:`RawAssessment`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

from esig._pyhanko.tl_reading import IndexedService, LoadedList
from esig.model.trusted_lists import StatusEntry, TrustedList
from esig.ts119615 import Outcome, ServiceEntry, qualify
from esig.ts119615.certificate import cert_facts
from esig.ts119615.facts import QCP, QCP_PLUS, QCT_ESEAL, QCT_ESIGN, QCT_WEB, CertFacts
from esig.ts119615.timestamps import TimestampOutcome, qualify_timestamp

__all__ = [
    "RawAssessment",
    "RawTimestampAssessment",
    "RegistryHandle",
    "ServiceMatch",
    "assess",
    "assess_timestamp",
    "build_registry",
]


_VERSION_GRACE_END = dt.datetime(2017, 6, 30, 22, 0, tzinfo=dt.UTC)
"""After this moment only TSL version 5 lists are acceptable (DSS's TLVersionCheck,
TS 119 612 v2.1.1); version 6 is the current edition of the format."""


@dataclass
class RegistryHandle:
    """The services of the loaded lists, with whether each list is acceptable."""

    services: list[tuple[int, IndexedService]] = field(default_factory=list)
    problems: dict[int, str] = field(default_factory=dict)
    """List index → why the list is not acceptable for qualification."""


@dataclass(frozen=True)
class ServiceMatch:
    """The listed service that issued the certificate (or a CA above it)."""

    list_index: int
    provider_name: str
    service_name: str
    status_at_moment: StatusEntry | None


@dataclass(frozen=True)
class RawAssessment:
    """What the lists say about one certificate at one moment."""

    match: ServiceMatch | None = None
    outcome: Outcome | None = None
    problem: str | None = None
    issued: dt.datetime | None = None
    """The certificate's notBefore: the moment of issuance TS 119 615 also judges."""
    claims: tuple[str, ...] = ()
    """What the certificate declares about itself (``QcCompliance``, ``QcType esign`` …)."""


def _version_problem(tl: TrustedList) -> str | None:
    if tl.version in (5, 6) or tl.issued < _VERSION_GRACE_END:
        return None
    return (
        f"the list {tl.territory} #{tl.sequence_number} is TSL version {tl.version}; only "
        "versions 5 and 6 are acceptable after 1 July 2017 (TS 119 612 v2)"
    )


def build_registry(lists: Sequence[LoadedList]) -> RegistryHandle:
    """The services of all the lists, remembering which list each came from."""
    handle = RegistryHandle()
    for list_index, loaded in enumerate(lists):
        problem = _version_problem(loaded.trusted_list)
        if problem is not None:
            handle.problems[list_index] = problem
        handle.services += [(list_index, service) for service in loaded.services]
    return handle


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _listed_issuers(
    handle: RegistryHandle, cert: x509.Certificate
) -> list[tuple[int, IndexedService]]:
    found: list[tuple[int, IndexedService]] = []
    for list_index, service in handle.services:
        if any(
            c.subject == cert.issuer and _issued_by(cert, c) for c in service.certificates
        ) and not any(s is service for _, s in found):
            found.append((list_index, service))
    return found


def _pick(
    issuers: list[tuple[int, IndexedService]],
    moment: dt.datetime,
    selected: ServiceEntry | None,
    owners: dict[int, tuple[int, IndexedService]],
) -> ServiceMatch:
    chosen = owners.get(id(selected)) if selected is not None else None
    list_index, service = chosen or issuers[0]
    status = service.service.status_at(moment)
    return ServiceMatch(
        list_index=list_index,
        provider_name=service.provider_name,
        service_name=(status or service.service.current).service_name,
        status_at_moment=status,
    )


def _placed(handle: RegistryHandle, found: list[tuple[int, IndexedService]]) -> list[ServiceEntry]:
    """Every status period of ``found``, marked with its list and whether it is acceptable."""
    entries: list[ServiceEntry] = []
    for list_index, service in found:
        problem = handle.problems.get(list_index)
        entries += [
            replace(e, list_index=list_index, list_acceptable=problem is None, list_problem=problem)
            for e in service.entries
        ]
    return entries


@dataclass(frozen=True)
class RawTimestampAssessment:
    """What the lists say about one timestamp's TSA."""

    outcome: TimestampOutcome
    services: tuple[str, ...] = ()
    """The listed services the TSA reaches, in words (provider, service, list)."""


def _identified_by(
    handle: RegistryHandle, cert: x509.Certificate
) -> list[tuple[int, IndexedService]]:
    """The services whose digital identity is ``cert`` itself (as lists name a TSU)."""
    return [(i, s) for i, s in handle.services if cert in s.certificates]


def assess_timestamp(
    handle: RegistryHandle,
    chain: Sequence[x509.Certificate],
    generation_time: dt.datetime,
    poe_time: dt.datetime | None = None,
) -> RawTimestampAssessment:
    """Find the listed services the TSA's ``chain`` reaches and judge the timestamp.

    A service is reached when its digital identity is a certificate of the chain (the
    TSA's own, as most lists name a time-stamping unit) or issued one, the nearest first.
    """
    found: list[tuple[int, IndexedService]] = []
    for cert in chain:
        found = _identified_by(handle, cert) or _listed_issuers(handle, cert)
        if found:
            break
    outcome = qualify_timestamp(_placed(handle, found), generation_time, poe_time)
    names = tuple(
        f"{service.provider_name!r}, {service.service.current.service_name!r}"
        for _, service in found
    )
    return RawTimestampAssessment(outcome=outcome, services=names)


def assess(
    handle: RegistryHandle, chain: Sequence[x509.Certificate], moment: dt.datetime
) -> RawAssessment:
    """Find the listed services above ``chain[0]`` and judge it by TS 119 615 at ``moment``."""
    issuers: list[tuple[int, IndexedService]] = []
    for depth, cert in enumerate(chain):
        issuers = _listed_issuers(handle, cert)
        if issuers:
            break
        if depth + 1 < len(chain) and not _issued_by(cert, chain[depth + 1]):
            return RawAssessment(
                problem=f"certificate {depth + 1} of the chain is not signed by the next one"
            )
    if not issuers:
        return RawAssessment()
    entries: list[ServiceEntry] = []
    owners: dict[int, tuple[int, IndexedService]] = {}
    for found in issuers:
        for placed in _placed(handle, [found]):
            entries.append(placed)
            owners[id(placed)] = found
    facts = cert_facts(chain[0])
    outcome = qualify(facts, entries, moment)
    signing = outcome.at_signing
    return RawAssessment(
        match=_pick(issuers, moment, signing.selected if signing else None, owners),
        outcome=outcome,
        issued=chain[0].not_valid_before_utc,
        claims=_claims(facts),
    )


_TYPE_NAMES = {QCT_ESIGN: "esign", QCT_ESEAL: "eseal", QCT_WEB: "web"}


def _claims(facts: CertFacts) -> tuple[str, ...]:
    found = []
    if facts.qc_compliance:
        found.append("QcCompliance")
    if facts.qc_sscd:
        found.append("QcSSCD")
    if facts.qc_types:
        found.append("QcType " + "/".join(_TYPE_NAMES.get(t, t) for t in facts.qc_types))
    if facts.qc_legislation:
        found.append("QcCClegislation " + "/".join(facts.qc_legislation))
    found += [name for oid, name in ((QCP, "QCP"), (QCP_PLUS, "QCP+")) if oid in facts.policies]
    return tuple(found)
