"""The outputs of the TS 119 615 procedure: the certificate's qualification and its evidence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from esig.ts119615.facts import ServiceEntry

__all__ = [
    "AtTime",
    "CertQualification",
    "CertType",
    "Outcome",
    "Step",
]


class CertType(StrEnum):
    """What a certificate is for, as TS 119 615 determines it."""

    ESIG = "esig"
    ESEAL = "eseal"
    WSA = "web"
    UNKNOWN = "unknown"


class CertQualification(StrEnum):
    """The qualification of a certificate (DSS's ``CertificateQualification``)."""

    QC_ESIG_QSCD = "QC for eSig with QSCD"
    QC_ESEAL_QSCD = "QC for eSeal with QSCD"
    QC_UNKNOWN_QSCD = "QC for unknown type with QSCD"
    QC_ESIG = "QC for eSig"
    QC_ESEAL = "QC for eSeal"
    QC_WSA = "QC for WSA"
    QC_UNKNOWN = "QC for unknown type"
    CERT_ESIG = "Certificate for eSig"
    CERT_ESEAL = "Certificate for eSeal"
    CERT_WSA = "Certificate for WSA"
    CERT_UNKNOWN = "Certificate for unknown type"
    NA = "N/A"
    """Not determinable: no acceptable list, or services that contradict each other."""

    @property
    def qualified(self) -> bool:
        """A qualified certificate (of any type)."""
        return self.name.startswith("QC_")

    @property
    def qscd(self) -> bool:
        """Qualified, with its private key in a QSCD."""
        return self.name.endswith("_QSCD")

    @property
    def cert_type(self) -> CertType:
        """The type (unknown for N/A)."""
        for kind in (CertType.ESIG, CertType.ESEAL, CertType.WSA):
            if f"_{kind.name}" in self.name:
                return kind
        return CertType.UNKNOWN

    @classmethod
    def of(cls, qualified: bool, kind: CertType, qscd: bool) -> CertQualification:
        """DSS's ``CertQualificationMatrix``: the value for (QC?, type, QSCD?)."""
        if not qualified:
            return cls[f"CERT_{kind.name}"]
        if kind is CertType.WSA:
            return cls.QC_WSA
        return cls[f"QC_{kind.name}{'_QSCD' if qscd else ''}"]


@dataclass(frozen=True)
class Step:
    """One decision of the procedure, for the report's evidence chain."""

    rule: str
    """The rule's name, as DSS names the filter, check or strategy (``QSCDByTL`` …)."""
    outcome: Literal["pass", "warn", "fail", "info"]
    detail: str
    entries: tuple[str, ...] = ()
    """The list entries involved, in words."""


@dataclass(frozen=True)
class AtTime:
    """The certificate's qualification at one moment."""

    kind: Literal["issuance", "signing"]
    """At the certificate's issuance (notBefore) or at the best signature time."""
    moment: dt.datetime
    result: CertQualification
    selected: ServiceEntry | None
    """The list entry that decided, when one was selected."""
    captured: tuple[str, ...]
    """The qualifiers of that entry whose criteria match the certificate."""
    steps: tuple[Step, ...]
    conflicting: tuple[ServiceEntry, ...] = ()
    """The entries that applied and gave different results (the result is then N/A)."""


@dataclass(frozen=True)
class Outcome:
    """The qualification of a certificate from the trusted lists (TS 119 615 §4)."""

    at_issuance: AtTime | None
    at_signing: AtTime | None
    final: CertQualification
    steps: tuple[Step, ...] = ()
    """Steps before the two moments (list acceptance)."""

    @property
    def all_steps(self) -> tuple[Step, ...]:
        """Every step, in order."""
        found = list(self.steps)
        for moment in (self.at_issuance, self.at_signing):
            if moment is not None:
                found += moment.steps
        return tuple(found)
