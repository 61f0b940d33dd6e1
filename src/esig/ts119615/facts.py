"""The inputs of the TS 119 615 procedure: what a certificate says, what a list says.

Plain frozen dataclasses, read by the adapter (trusted lists, through pyHanko's XML
classes) and by :mod:`esig.ts119615.certificate` (certificates, through cryptography);
the rules (:mod:`esig.ts119615.rules`) are pure functions over them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

__all__ = [
    "EIDAS_START",
    "Asi",
    "CertFacts",
    "Criteria",
    "KeyUsageCriterion",
    "QcStatementCriterion",
    "QualificationElement",
    "ServiceEntry",
    "is_post_eidas",
]


EIDAS_START = dt.datetime(2016, 6, 30, 22, 0, tzinfo=dt.UTC)
"""1 July 2016, 00:00 in Brussels: eIDAS applies (art. 52). A certificate issued, or a
list entry starting, at or after this moment is judged by the eIDAS rules."""


def is_post_eidas(moment: dt.datetime) -> bool:
    """``moment`` is at or after 1 July 2016 00:00 CET (DSS's ``EIDASUtils.isPostEIDAS``)."""
    return moment >= EIDAS_START


QC_COMPLIANCE = "0.4.0.1862.1.1"
QC_SSCD = "0.4.0.1862.1.4"
QC_TYPE = "0.4.0.1862.1.6"
QC_LEGISLATION = "0.4.0.1862.1.7"
QCT_ESIGN = "0.4.0.1862.1.6.1"
QCT_ESEAL = "0.4.0.1862.1.6.2"
QCT_WEB = "0.4.0.1862.1.6.3"
QCP = "0.4.0.1456.1.2"
"""ETSI TS 101 456 "QCP public": a qualified certificate (Directive 1999/93/EC)."""
QCP_PLUS = "0.4.0.1456.1.1"
"""ETSI TS 101 456 "QCP public + SSCD": a qualified certificate with its key in an SSCD."""


class Asi(StrEnum):
    """``AdditionalServiceInformation`` narrowing a CA/QC service (TS 119 612 5.5.9.4)."""

    FOR_ESIGNATURES = "ForeSignatures"
    FOR_ESEALS = "ForeSeals"
    FOR_WEB_AUTHENTICATION = "ForWebSiteAuthentication"


@dataclass(frozen=True)
class CertFacts:
    """What the certificate being judged says about itself."""

    not_before: dt.datetime
    qc_compliance: bool = False
    qc_sscd: bool = False
    qc_types: tuple[str, ...] = ()
    """``QcType`` values as dotted OIDs, in certificate order."""
    qc_legislation: tuple[str, ...] = ()
    """``QcCClegislation`` country codes: a qualified certificate of a non-EU law."""
    qc_statements: frozenset[str] = frozenset()
    """Every qcStatement's OID."""
    policies: frozenset[str] = frozenset()
    """The certificate's own ``certificatePolicies`` OIDs."""
    key_usage: frozenset[str] = frozenset()
    """Key usage bits set, named as TS 119 612 names them (``nonRepudiation`` …)."""
    extended_key_usage: frozenset[str] = frozenset()
    subject_attributes: frozenset[str] = frozenset()
    """OIDs of the attributes in the subject name."""
    description: str = ""
    """The certificate in words, for the evidence (subject name)."""


@dataclass(frozen=True)
class KeyUsageCriterion:
    """One ``KeyUsage`` criterion: every listed bit has the listed value."""

    set_bits: frozenset[str] = frozenset()
    clear_bits: frozenset[str] = frozenset()


@dataclass(frozen=True)
class QcStatementCriterion:
    """One ``QcStatement`` of a ``QcStatementSet`` criterion (TS 119 612 5.5.9.2.2)."""

    statement: str
    """The statement's OID."""
    qc_type: str | None = None
    """With ``QcType``: the type OID that must be among the certificate's."""
    legislation: str | None = None
    """With ``QcCClegislation``: the country code that must be among the certificate's."""


@dataclass(frozen=True)
class Criteria:
    """A ``CriteriaList`` (TS 119 612 5.5.9.2): criteria combined by an assertion."""

    assertion: Literal["all", "atLeastOne", "none"] = "all"
    key_usage: tuple[KeyUsageCriterion, ...] = ()
    policy_sets: tuple[frozenset[str], ...] = ()
    """Each set: all its OIDs must be among the certificate's policies."""
    subject_attributes: tuple[frozenset[str], ...] = ()
    extended_key_usage: tuple[frozenset[str], ...] = ()
    qc_statement_sets: tuple[tuple[QcStatementCriterion, ...], ...] = ()
    """Each set: every statement in it must be in the certificate."""
    nested: tuple[Criteria, ...] = ()


@dataclass(frozen=True)
class QualificationElement:
    """A ``QualificationElement``: qualifiers that apply to the certificates the criteria match."""

    qualifiers: tuple[str, ...]
    """Qualifier names (``QCWithQSCD`` …) for the known URIs, the URI itself otherwise."""
    criteria: Criteria


@dataclass(frozen=True)
class ServiceEntry:
    """One status period of a listed service (DSS's ``TrustServiceWrapper``)."""

    territory: str
    list_sequence: int
    provider: str
    service: str
    service_type: str
    """``ServiceTypeIdentifier`` URI."""
    status: str
    """``ServiceStatus`` URI."""
    start: dt.datetime
    end: dt.datetime | None = None
    """When the next status took over (None: the current status)."""
    asi: frozenset[Asi] = frozenset()
    elements: tuple[QualificationElement, ...] = ()
    history_index: int = 0
    """0 for the current status, 1 for the newest history entry, …"""
    list_index: int = 0
    """Which of the consulted lists it comes from."""
    list_acceptable: bool = True
    """The list passed the acceptance checks (a TSL version it can be read by …)."""
    list_problem: str | None = None
    unreadable: str | None = None
    """Why its extensions could not be interpreted; its qualifiers are then unknown."""
    extra: tuple[str, ...] = field(default=())
    """Anything else worth reporting about the entry."""

    @property
    def status_name(self) -> str:
        """The status's last URI segment (``granted`` …)."""
        return self.status.rstrip("/").rsplit("/", 1)[-1]

    @property
    def is_ca_qc(self) -> bool:
        """The service is a CA issuing qualified certificates (``Svctype/CA/QC``)."""
        return self.service_type.rstrip("/").endswith("/Svctype/CA/QC")

    def describe(self) -> str:
        """The entry in words, for the evidence."""
        period = f"from {self.start:%Y-%m-%d %H:%M}"
        if self.end is not None:
            period += f" to {self.end:%Y-%m-%d %H:%M}"
        return (
            f"{self.territory} #{self.list_sequence}, {self.provider!r}, service "
            f"{self.service!r}, {self.status_name} {period} UTC"
        )
