"""One pyHanko registry over the loaded lists, and the assessment of a certificate.

The listed service above a chain, pyHanko's ``QualificationAssessor`` at the moment
and at issuance, conflicting definitions told apart from none; the answers are plain
data (:class:`RawAssessment`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from pyhanko.sign.ades import qualified_asn1
from pyhanko.sign.validation.qualified.assess import QualificationAssessor
from pyhanko.sign.validation.qualified.q_status import (
    QcPrivateKeyManagementType,
    QualifiedStatus,
)
from pyhanko.sign.validation.qualified.tsp import (
    CAServiceInformation,
    QcCertType,
    QTSTServiceInformation,
    QualifiedServiceInformation,
    TSPRegistry,
)
from pyhanko_certvalidator.authority import AuthorityWithCert, TrustAnchor
from pyhanko_certvalidator.path import ValidationPath

from esig._pyhanko.signer import to_asn1
from esig._pyhanko.tl_reading import IndexedService, LoadedList
from esig.model.trusted_lists import (
    ServiceType,
    StatusEntry,
    TrustServiceStatus,
)

__all__ = [
    "RawAssessment",
    "RegistryHandle",
    "ServiceMatch",
    "Verdict",
    "assess",
    "build_registry",
]


_QC_TYPES = {
    QcCertType.QC_ESIGN: "esig",
    QcCertType.QC_ESEAL: "eseal",
    QcCertType.QC_WEB: "web",
}


_KEY_MANAGEMENT = {
    QcPrivateKeyManagementType.UNKNOWN: "none",
    QcPrivateKeyManagementType.QSCD: "qscd",
    QcPrivateKeyManagementType.QSCD_DELEGATED: "qscd_delegated",
    QcPrivateKeyManagementType.QSCD_BY_POLICY: "qscd_by_policy",
}


_STATEMENT_NAMES = {
    "qc_compliance": "QcCompliance",
    "qc_sscd": "QcSSCD",
    "qc_type": "QcType",
}


@dataclass
class RegistryHandle:
    """pyHanko's registry over several lists, and where each definition came from."""

    registry: TSPRegistry
    services: list[tuple[int, IndexedService]] = field(default_factory=list)
    origins: dict[int, tuple[int, IndexedService]] = field(default_factory=dict)
    """``id(definition)`` → (list index, service)."""
    keep: list[QualifiedServiceInformation] = field(default_factory=list)


@dataclass(frozen=True)
class ServiceMatch:
    """The listed service that issued the certificate (or a CA above it)."""

    list_index: int
    provider_name: str
    service_name: str
    status_at_moment: StatusEntry | None


@dataclass(frozen=True)
class Verdict:
    """pyHanko's QualificationAssessor's answer, as plain data."""

    qualified: bool
    certificate_type: str
    """``esig``, ``eseal`` or ``web``."""
    key_management: str
    """``none``, ``qscd``, ``qscd_delegated`` or ``qscd_by_policy``."""
    service_name: str
    qualifiers: tuple[str, ...]
    certificate_claims: tuple[str, ...]


@dataclass(frozen=True)
class RawAssessment:
    """What the lists say about one certificate at one moment."""

    match: ServiceMatch | None = None
    verdict: Verdict | None = None
    applicable_services: tuple[str, ...] = ()
    """Service definitions valid at the moment when pyHanko found no consistent one."""
    conflicting_services: tuple[str, ...] = ()
    """Service definitions that apply at the moment and give different answers."""
    problem: str | None = None
    issued: dt.datetime | None = None
    """The certificate's notBefore: the moment of issuance TS 119 615 also judges."""
    qualified_at_issuance: bool | None = None
    """The lists made the certificate qualified when it was issued (None: not asked)."""
    type_at_issuance: str | None = None
    """Its type then (``esig`` …), when it was qualified then."""


class _Authority(AuthorityWithCert):
    """An authority whose identity (normalised subject name + key) is computed once.

    pyHanko recomputes it (an LDAP string preparation of the name) on every hash: with
    one authority per service definition, that was most of the time taken to load a
    large list.
    """

    @cached_property
    def hashable(self) -> Any:
        """The authority's identity, as pyHanko's ``AuthorityWithCert`` defines it."""
        return super().hashable


def build_registry(lists: Sequence[LoadedList]) -> RegistryHandle:
    """One pyHanko registry over all the lists, remembering where each definition came from."""
    handle = RegistryHandle(TSPRegistry())
    authorities: dict[bytes, _Authority] = {}

    def register(table: Any, definition: QualifiedServiceInformation) -> None:
        for cert in definition.base_info.provider_certs:
            authority = authorities.setdefault(cert.sha256, _Authority(cert))
            table[authority].add(definition)

    for list_index, loaded in enumerate(lists):
        for service in loaded.services:
            handle.services.append((list_index, service))
        for definition, service_index in loaded.definitions:
            # what TSPRegistry.register_ca / register_tst do, with shared authorities
            if isinstance(definition, CAServiceInformation):
                register(handle.registry._ca_cert_to_si, definition)
            elif isinstance(definition, QTSTServiceInformation):
                register(handle.registry._tst_cert_to_si, definition)
            handle.keep.append(definition)
            handle.origins[id(definition)] = (list_index, loaded.services[service_index])
    return handle


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _listed_issuers(
    handle: RegistryHandle, cert: x509.Certificate
) -> list[tuple[int, IndexedService, x509.Certificate]]:
    found = []
    for list_index, service in handle.services:
        for candidate in service.certificates:
            if candidate.subject == cert.issuer and _issued_by(cert, candidate):
                found.append((list_index, service, candidate))
    return found


def _claims(cert: asn1_x509.Certificate) -> tuple[str, ...]:
    claims = []
    for statement in qualified_asn1.get_qc_statements(cert):
        kind = statement["statement_id"].native
        if kind == "qc_type":
            types = "/".join(
                str(t.native).removeprefix("qct_") for t in statement["statement_info"]
            )
            claims.append(f"QcType {types}")
        elif kind in _STATEMENT_NAMES:
            claims.append(_STATEMENT_NAMES[kind])
    return tuple(claims)


_NEVER = StatusEntry(
    status=TrustServiceStatus.OTHER,
    status_uri="",
    since=dt.datetime.min.replace(tzinfo=dt.UTC),
    service_name="",
    service_type=ServiceType.OTHER,
    service_type_uri="",
)


def _pick(
    issuers: list[tuple[int, IndexedService, x509.Certificate]],
    moment: dt.datetime,
    chosen: tuple[int, IndexedService] | None,
) -> ServiceMatch:
    def status(service: IndexedService) -> StatusEntry | None:
        return service.service.status_at(moment)

    ranked = sorted(
        issuers,
        key=lambda item: (
            chosen is None or chosen[1] is not item[1],
            (status(item[1]) or _NEVER).status is not TrustServiceStatus.GRANTED,
            status(item[1]) is None,
        ),
    )
    list_index, service, _ = ranked[0]
    return ServiceMatch(
        list_index=list_index,
        provider_name=service.provider_name,
        service_name=(status(service) or service.service.current).service_name,
        status_at_moment=status(service),
    )


@dataclass(frozen=True)
class _Judgement:
    """pyHanko's answer at one moment, with the service definitions behind it."""

    status: QualifiedStatus | None
    definition: QualifiedServiceInformation | None
    applicable: tuple[str, ...]
    conflicting: tuple[str, ...]


def _judge(handle: RegistryHandle, path: ValidationPath, when: dt.datetime) -> _Judgement:
    result = QualificationAssessor(handle.registry).check_entity_cert_qualified(path, when)
    if result.service_definition is not None:
        return _Judgement(result.status, result.service_definition, (), ())
    applicable = list(handle.registry.applicable_tsps_on_path(path, when))
    names = tuple(sd.base_info.service_name for sd in applicable)
    # pyHanko answers "not qualified" both when no definition applies to a certificate
    # of this type and when several apply and contradict each other; DSS reports the
    # latter as not determinable (IsNoQualificationConflictDetectedCheck): tell them apart
    leaf = path.leaf
    prelim = QualificationAssessor._process_qc_statements(leaf)
    outcomes: dict[Any, list[str]] = {}
    for sd in applicable:
        putative = QualificationAssessor._apply_sd_qualifications(leaf, prelim, sd.qualifications)
        if QualificationAssessor._check_cd_applicable(sd.base_info, putative):
            outcomes.setdefault(putative, []).append(sd.base_info.service_name)
    conflicting = (
        tuple(n for group in outcomes.values() for n in group) if len(outcomes) > 1 else ()
    )
    return _Judgement(None, None, names, conflicting)


def assess(
    handle: RegistryHandle, chain: Sequence[x509.Certificate], moment: dt.datetime
) -> RawAssessment:
    """Find the listed service above ``chain[0]`` and ask pyHanko's assessor about it."""
    issuers: list[tuple[int, IndexedService, x509.Certificate]] = []
    depth = 0
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
    for list_index, service, _listed in issuers:
        why = service.unreadable_at(moment)
        if why is not None:
            return RawAssessment(
                match=_pick(issuers, moment, (list_index, service)),
                problem=f"the list's entry for the service at that moment cannot be "
                f"interpreted ({why})",
            )
    issued = chain[0].not_valid_before_utc
    try:
        leaf = to_asn1(chain[0])
        anchor = TrustAnchor(AuthorityWithCert(to_asn1(issuers[0][2])))
        intermediates = [to_asn1(c) for c in reversed(chain[1 : depth + 1])]
        path = ValidationPath(anchor, intermediates, leaf)
        judged = _judge(handle, path, moment)
        at_issuance = _judge(handle, path, issued)
        claims = _claims(leaf)
    except (NotImplementedError, ValueError, TypeError, KeyError) as exc:
        return RawAssessment(
            match=_pick(issuers, moment, None),
            problem=f"the certificate's qcStatements cannot be assessed ({exc})",
        )
    then = at_issuance.status
    base = RawAssessment(
        issued=issued,
        qualified_at_issuance=bool(then and then.qualified),
        type_at_issuance=_QC_TYPES.get(then.qc_type, "esig") if then and then.qualified else None,
    )
    definition = judged.definition
    if definition is None or judged.status is None:
        return replace(
            base,
            match=_pick(issuers, moment, None),
            applicable_services=judged.applicable,
            conflicting_services=judged.conflicting,
        )
    origin = handle.origins.get(id(definition))
    qualifiers = sorted(
        {
            q.value
            for qualification in definition.qualifications
            if qualification.criteria_list.matches(leaf)
            for q in qualification.qualifiers
        }
    )
    status = judged.status
    return replace(
        base,
        match=_pick(issuers, moment, origin),
        verdict=Verdict(
            qualified=status.qualified,
            certificate_type=_QC_TYPES.get(status.qc_type, "esig"),
            key_management=_KEY_MANAGEMENT.get(status.qc_key_security, "none"),
            service_name=definition.base_info.service_name,
            qualifiers=tuple(qualifiers),
            certificate_claims=claims,
        ),
    )
