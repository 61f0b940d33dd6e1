"""The rules of ETSI TS 119 615 §4–5, one function per filter, check or strategy.

Each function keeps the name DSS gives the same rule (``eu.europa.esig.dss.validation.
process.qualification``) in its docstring, so the two can be compared line by line. A
*service* here is one status period of a listed service with the qualifiers whose
criteria match the certificate (:class:`Service`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from esig.ts119615.facts import (
    QCP,
    QCP_PLUS,
    QCT_ESEAL,
    QCT_ESIGN,
    QCT_WEB,
    Asi,
    CertFacts,
    Criteria,
    QcStatementCriterion,
    ServiceEntry,
    is_post_eidas,
)
from esig.ts119615.result import CertQualification, CertType

__all__ = [
    "KNOWN_QUALIFIERS",
    "Service",
    "by_certificate_type",
    "by_date",
    "calculate",
    "captured_qualifiers",
    "cert_type",
    "consistency_problems",
    "criteria_match",
    "is_granted",
    "pre_eidas_status_consistent",
    "qc_statement_consistent",
    "qscd",
    "qscd_consistent",
    "qualified",
    "type_consistent",
    "type_from_certificate",
]


QC_WITH_SSCD = "QCWithSSCD"
QC_NO_SSCD = "QCNoSSCD"
QC_SSCD_AS_IN_CERT = "QCSSCDStatusAsInCert"
QC_WITH_QSCD = "QCWithQSCD"
QC_NO_QSCD = "QCNoQSCD"
QC_QSCD_AS_IN_CERT = "QCQSCDStatusAsInCert"
QC_QSCD_ON_BEHALF = "QCQSCDManagedOnBehalf"
QC_FOR_LEGAL_PERSON = "QCForLegalPerson"
QC_FOR_ESIG = "QCForESig"
QC_FOR_ESEAL = "QCForESeal"
QC_FOR_WSA = "QCForWSA"
NOT_QUALIFIED = "NotQualified"
QC_STATEMENT = "QCStatement"

KNOWN_QUALIFIERS = frozenset(
    {
        QC_WITH_SSCD,
        QC_NO_SSCD,
        QC_SSCD_AS_IN_CERT,
        QC_WITH_QSCD,
        QC_NO_QSCD,
        QC_QSCD_AS_IN_CERT,
        QC_QSCD_ON_BEHALF,
        QC_FOR_LEGAL_PERSON,
        QC_FOR_ESIG,
        QC_FOR_ESEAL,
        QC_FOR_WSA,
        NOT_QUALIFIED,
        QC_STATEMENT,
    }
)
"""The qualifiers of TS 119 612 v2 (clause 5.5.9.2.3), by the last segment of their URI."""

_USAGE = {QC_FOR_ESIG: CertType.ESIG, QC_FOR_ESEAL: CertType.ESEAL, QC_FOR_WSA: CertType.WSA}
_ASI_OF = {
    CertType.ESIG: Asi.FOR_ESIGNATURES,
    CertType.ESEAL: Asi.FOR_ESEALS,
    CertType.WSA: Asi.FOR_WEB_AUTHENTICATION,
}
_QC_TYPES = ((QCT_ESIGN, CertType.ESIG), (QCT_ESEAL, CertType.ESEAL), (QCT_WEB, CertType.WSA))

_GRANTED = "granted"
_WITHDRAWN = "withdrawn"
_PRE_EIDAS_VALID = frozenset({"undersupervision", "supervisionincessation", "accredited"})


@dataclass(frozen=True)
class Service:
    """A status period of a listed service, with the qualifiers that apply to the certificate."""

    entry: ServiceEntry
    captured: tuple[str, ...]

    def has(self, *qualifiers: str) -> bool:
        """Any of ``qualifiers`` was captured."""
        return any(q in self.captured for q in qualifiers)

    @property
    def usages(self) -> tuple[str, ...]:
        """The captured usage qualifiers (``QCForESig`` / ``QCForESeal`` / ``QCForWSA``)."""
        return tuple(q for q in self.captured if q in _USAGE)

    @property
    def post_eidas(self) -> bool:
        """The status period started under eIDAS."""
        return is_post_eidas(self.entry.start)


# --- criteria (TS 119 612 5.5.9.2; DSS CriteriaListCondition and its conditions) ---------


def _statement_matches(wanted: QcStatementCriterion, cert: CertFacts) -> bool:
    if wanted.statement not in cert.qc_statements:
        return False
    if wanted.qc_type is not None and wanted.qc_type not in cert.qc_types:
        return False
    return wanted.legislation is None or wanted.legislation.upper() in {
        c.upper() for c in cert.qc_legislation
    }


def criteria_match(criteria: Criteria, cert: CertFacts) -> bool:
    """The certificate matches ``criteria`` (DSS ``CompositeCondition``).

    Each ``KeyUsage`` element, ``PolicySet``, other criterion and nested list is one
    condition; ``all`` needs every one, ``atLeastOne`` one, ``none`` none. With no
    condition at all, ``all`` and ``none`` match and ``atLeastOne`` does not.
    """
    results: list[bool] = []
    results += [
        u.set_bits <= cert.key_usage and not (u.clear_bits & cert.key_usage)
        for u in criteria.key_usage
    ]
    results += [oids <= cert.policies for oids in criteria.policy_sets]
    results += [oids <= cert.subject_attributes for oids in criteria.subject_attributes]
    results += [oids <= cert.extended_key_usage for oids in criteria.extended_key_usage]
    results += [
        all(_statement_matches(s, cert) for s in statements)
        for statements in criteria.qc_statement_sets
    ]
    results += [criteria_match(n, cert) for n in criteria.nested]
    if criteria.assertion == "atLeastOne":
        return any(results)
    if criteria.assertion == "none":
        return not any(results)
    return all(results)


def captured_qualifiers(entry: ServiceEntry, cert: CertFacts) -> tuple[str, ...]:
    """The qualifiers of every element whose criteria match (DSS ``getQualifiers``)."""
    found: list[str] = []
    for element in entry.elements:
        if criteria_match(element.criteria, cert):
            found += [q for q in element.qualifiers if q not in found]
    return tuple(found)


# --- what the certificate alone says -----------------------------------------------------


def _qc_by_policy(cert: CertFacts) -> bool:
    return QCP in cert.policies or QCP_PLUS in cert.policies


def qualified_from_certificate(cert: CertFacts) -> bool:
    """QualificationByCertificatePostEIDAS / PreEIDAS.

    Issued under eIDAS: QcCompliance. Before: QcCompliance, QCP or QCP+. Either way a
    ``QcCClegislation`` (a qualified certificate of a non-EU law) makes it not an EU one.
    """
    claims = cert.qc_compliance or (not is_post_eidas(cert.not_before) and _qc_by_policy(cert))
    return claims and not cert.qc_legislation


def type_from_certificate(cert: CertFacts) -> CertType:
    """TypeByCertificatePostEIDAS / PreEIDAS.

    Under eIDAS: exactly one known QcType gives the type; none with QcCompliance is an
    e-signature certificate (TS 119 615 Table 1); otherwise unknown. Before: a qualified
    certificate was for e-signatures.
    """
    if not is_post_eidas(cert.not_before):
        return CertType.ESIG if cert.qc_compliance or _qc_by_policy(cert) else CertType.UNKNOWN
    kinds = [kind for oid, kind in _QC_TYPES if oid in cert.qc_types]
    if len(kinds) == 1:
        return kinds[0]
    if not kinds and cert.qc_compliance:
        return CertType.ESIG
    return CertType.UNKNOWN


def qscd_from_certificate(cert: CertFacts) -> bool:
    """QSCDByCertificatePostEIDAS / PreEIDAS: QcSSCD; before eIDAS also QCP+."""
    if is_post_eidas(cert.not_before):
        return cert.qc_sscd
    return cert.qc_sscd or QCP_PLUS in cert.policies


# --- filters -------------------------------------------------------------------------------


def by_date(services: Iterable[Service], moment: dt.datetime) -> list[Service]:
    """ServiceByDateFilter: the periods holding at ``moment``, both ends included."""
    return [
        s
        for s in services
        if s.entry.start <= moment and (s.entry.end is None or moment <= s.entry.end)
    ]


def by_certificate_type(services: Iterable[Service], cert: CertFacts) -> list[Service]:
    """ServiceByCertificateTypeFilter (certificates issued under eIDAS only).

    A service is kept when its AdditionalServiceInformation names the certificate's own
    type, or when it overrules the type with exactly one usage qualifier whose ASI it
    names. ``QCForLegalPerson`` cancels ForeSignatures. A certificate of unknown type
    keeps every service.
    """
    if not is_post_eidas(cert.not_before):
        return list(services)
    own = type_from_certificate(cert)
    kept = []
    for s in services:
        asi = set(s.entry.asi)
        if s.has(QC_FOR_LEGAL_PERSON):
            asi.discard(Asi.FOR_ESIGNATURES)
        usages = {_USAGE[q] for q in s.usages}
        if not usages - {CertType.ESIG} and cert.qc_compliance:
            usages.add(CertType.ESIG)
        overrules = {u for u in usages if len(usages) == 1 and _ASI_OF[u] in asi}
        if own is CertType.UNKNOWN or _ASI_OF[own] in asi or overrules - {own}:
            kept.append(s)
    return kept


def is_granted(service: Service) -> bool:
    """GrantedServiceFilter: the status vouches for the service.

    Granted for a period under eIDAS; under supervision, in cessation or accredited for
    a period that started before (Directive 1999/93/EC).
    """
    name = service.entry.status_name
    return name == _GRANTED if service.post_eidas else name in _PRE_EIDAS_VALID


def pre_eidas_status_consistent(service: Service) -> bool:
    """TrustServiceStatusPreEIDASConsistency: before eIDAS there was no granted/withdrawn."""
    return service.post_eidas or service.entry.status_name not in {_GRANTED, _WITHDRAWN}


def qc_statement_consistent(service: Service) -> bool:
    """TrustServiceQCStatementConsistency: not QCStatement and NotQualified together."""
    return not (service.has(QC_STATEMENT) and service.has(NOT_QUALIFIED))


def type_consistent(service: Service) -> list[str]:
    """The four type conditions of ConsistentServiceByCertificateTypeFilter, failed ones named."""
    failed = []
    if service.has(QC_FOR_LEGAL_PERSON) and service.has(QC_FOR_ESIG):
        failed.append("LegalPerson: QCForLegalPerson together with QCForESig")
    usages = service.usages
    if len(usages) > 1:
        failed.append(f"Usage: several usage qualifiers ({', '.join(usages)})")
    asi = service.entry.asi
    if asi and len(usages) == 1 and _ASI_OF[_USAGE[usages[0]]] not in asi:
        failed.append(f"QualifierAndAdditionalServiceInfo: {usages[0]} without its ASI")
    if not service.post_eidas and (
        (asi and Asi.FOR_ESIGNATURES not in asi) or service.has(QC_FOR_ESEAL, QC_FOR_WSA)
    ):
        failed.append(
            "QualifierAndAdditionalServiceInfoPreEIDAS: only e-signature certificates were "
            "qualified before eIDAS"
        )
    return failed


def qscd_consistent(service: Service) -> list[str]:
    """The three QSCD conditions of ConsistentServiceByQSCDFilter, failed ones named."""
    failed = []
    with_ = service.has(
        QC_WITH_QSCD, QC_WITH_SSCD, QC_QSCD_AS_IN_CERT, QC_SSCD_AS_IN_CERT, QC_QSCD_ON_BEHALF
    )
    if with_ and service.has(QC_NO_QSCD, QC_NO_SSCD):
        failed.append("QSCD: a with-(Q)SCD qualifier together with a no-(Q)SCD one")
    if service.has(QC_QSCD_AS_IN_CERT, QC_SSCD_AS_IN_CERT) and service.has(
        QC_WITH_QSCD, QC_WITH_SSCD, QC_QSCD_ON_BEHALF
    ):
        failed.append("QSCDStatusAsInCert: 'as in the certificate' together with 'with QSCD'")
    if (
        service.post_eidas
        and service.has(QC_WITH_SSCD, QC_NO_SSCD)
        and not service.has(QC_WITH_QSCD, QC_NO_QSCD)
    ):
        failed.append("QSCDPostEIDAS: an SSCD qualifier without its QSCD one after eIDAS")
    return failed


def consistency_problems(service: Service) -> list[str]:
    """Every consistency condition the service fails (DSS ServiceConsistencyCheck, a warning)."""
    found = []
    if not qc_statement_consistent(service):
        found.append("QCStatement: QCStatement together with NotQualified")
    found += type_consistent(service)
    found += qscd_consistent(service)
    if not pre_eidas_status_consistent(service):
        found.append(f"StatusPreEIDAS: status {service.entry.status_name} before eIDAS")
    unknown = [q for q in service.captured if q not in KNOWN_QUALIFIERS]
    if unknown:
        found.append(f"QualifiersKnown: unknown qualifier {', '.join(unknown)}")
    return found


# --- strategies over one selected service ------------------------------------------------


def qualified(service: Service | None, cert: CertFacts) -> bool:
    """QualificationByTL: a granted service's NotQualified / QCStatement, else the certificate."""
    if service is None or not is_granted(service):
        return False
    if service.has(NOT_QUALIFIED):
        return False
    if service.has(QC_STATEMENT):
        return True
    return qualified_from_certificate(cert)


def cert_type(service: Service | None, is_qc: bool, cert: CertFacts) -> CertType:
    """TypeByTL: the certificate's type, as the list may overrule it.

    For a QC, a period before eIDAS means e-signature, one usage qualifier sets the
    type, several make it unknown; otherwise the certificate's own type.
    """
    if is_qc:
        if service is None:
            return CertType.UNKNOWN
        if not service.post_eidas:
            return CertType.ESIG
        usages = service.usages
        if len(usages) > 1:
            return CertType.UNKNOWN
        if usages:
            return _USAGE[usages[0]]
    return type_from_certificate(cert)


def qscd(service: Service | None, is_qc: bool, cert: CertFacts) -> bool:
    """QSCDByTL: the period's (Q)SCD qualifiers, else the certificate's own statement."""
    if service is None or not is_qc:
        return False
    if service.post_eidas:
        if service.has(QC_WITH_QSCD, QC_QSCD_ON_BEHALF):
            return True
        if service.has(QC_QSCD_AS_IN_CERT):
            return qscd_from_certificate(cert)
        if service.has(QC_NO_QSCD):
            return False
    else:
        if service.has(QC_WITH_SSCD):
            return True
        if service.has(QC_SSCD_AS_IN_CERT):
            return qscd_from_certificate(cert)
        if service.has(QC_NO_SSCD):
            return False
    return qscd_from_certificate(cert)


def calculate(cert: CertFacts, service: Service) -> CertQualification:
    """CertificateQualificationCalculator: the result if ``service`` alone decided."""
    is_qc = qualified(service, cert)
    kind = cert_type(service, is_qc, cert)
    return CertQualification.of(is_qc, kind, qscd(service, is_qc, cert))


def distinct_results(cert: CertFacts, services: Sequence[Service]) -> set[CertQualification]:
    """The results the services would give each on its own."""
    return {calculate(cert, s) for s in services}
