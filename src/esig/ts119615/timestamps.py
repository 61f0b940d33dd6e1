"""Whether the trusted lists make a timestamp qualified (eIDAS art. 42): QTSA, TSA or N/A.

esig's own rules, following the EU's reference validator (DSS's
``TimestampQualificationBlock`` and ``TimestampQualificationAtTimeBlock``): the TSA's
certificate must reach a listed service through an acceptable list; then, at the
timestamp's generation time and again at its earliest proof of existence, a service of
type ``TSA/QTST`` with a granted status at that moment must be among those services.
Qualified at both moments gives ``QTSA``; a list reached without that, ``TSA``; no list
reached or none acceptable, ``N/A``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from esig.ts119615.facts import ServiceEntry
from esig.ts119615.result import Step
from esig.ts119615.rules import Service, by_date, is_granted

__all__ = [
    "QTST_SERVICE_TYPE",
    "TimestampAtTime",
    "TimestampOutcome",
    "TimestampQualification",
    "qualify_timestamp",
]

QTST_SERVICE_TYPE = "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST"
"""The service type of a qualified electronic time stamp service (TS 119 612 5.5.1.1)."""


class TimestampQualification(StrEnum):
    """A timestamp's qualification (DSS's ``TimestampQualification``)."""

    QTSA = "QTSA"
    """A qualified electronic time stamp (eIDAS art. 3(34), 42)."""
    TSA = "TSA"
    """A timestamp from a listed TSA that was not a granted qualified service then."""
    NA = "N/A"
    """Not determinable: the TSA reaches no acceptable trusted list."""


@dataclass(frozen=True)
class TimestampAtTime:
    """The timestamp's qualification at one moment."""

    kind: Literal["generation", "poe"]
    """At the time the TSA states (genTime) or at its earliest proof of existence."""
    moment: dt.datetime
    result: TimestampQualification
    selected: ServiceEntry | None
    """A granted QTST status period holding at the moment, when one was found."""
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class TimestampOutcome:
    """What the trusted lists say about one timestamp."""

    final: TimestampQualification
    at_generation: TimestampAtTime | None
    at_poe: TimestampAtTime | None
    steps: tuple[Step, ...] = ()
    """The steps before the two moments (the lists reached and their acceptance)."""

    @property
    def all_steps(self) -> tuple[Step, ...]:
        """Every step, in order."""
        found = list(self.steps)
        for moment in (self.at_generation, self.at_poe):
            if moment is not None:
                found += moment.steps
        return tuple(found)


def _is_qtst(entry: ServiceEntry) -> bool:
    return entry.service_type.rstrip("/") == QTST_SERVICE_TYPE


def _at_time(
    kind: Literal["generation", "poe"], moment: dt.datetime, entries: Sequence[ServiceEntry]
) -> TimestampAtTime:
    when = "the generation time" if kind == "generation" else "the earliest POE"
    qtst = [e for e in entries if _is_qtst(e)]
    granted = [e for e in qtst if is_granted(Service(e, ()))]
    holding = [s.entry for s in by_date((Service(e, ()) for e in granted), moment)]
    checks = [
        ("QTSTCheck", qtst, "a service of type TSA/QTST is among the TSA's services"),
        ("GrantedStatusCheck", granted, "a QTST status period is granted"),
        (
            "GrantedStatusAtTimeCheck",
            holding,
            f"a granted QTST status holds at {when} ({moment:%Y-%m-%d %H:%M:%S} UTC)",
        ),
    ]
    steps: list[Step] = []
    for rule, kept, words in checks:  # each check runs only when the one before passed
        steps.append(
            Step(
                rule,
                "pass" if kept else "fail",
                words if kept else f"no {words.removeprefix('a ')}",
                tuple(e.describe() for e in kept),
            )
        )
        if not kept:
            break
    result = TimestampQualification.QTSA if holding else TimestampQualification.TSA
    return TimestampAtTime(kind, moment, result, holding[0] if holding else None, tuple(steps))


def qualify_timestamp(
    entries: Sequence[ServiceEntry],
    generation_time: dt.datetime,
    poe_time: dt.datetime | None = None,
) -> TimestampOutcome:
    """Judge a timestamp from the status periods of the services its TSA reaches.

    Args:
        entries: Every status period of every listed service whose digital identity is
            the TSA's certificate or a CA above it (empty: no list reached).
        generation_time: The time the token states (genTime).
        poe_time: Its earliest proof of existence: the oldest timestamp over it, else the
            validation moment (default: the generation time).

    """
    if not entries:
        step = Step(
            "TrustedListReachedForCertificateChain",
            "fail",
            "the TSA's certificate reaches no service of a trusted list",
        )
        return TimestampOutcome(TimestampQualification.NA, None, None, (step,))
    steps = [
        Step(
            "TrustedListReachedForCertificateChain",
            "pass",
            "the TSA's certificate reaches a service of a trusted list",
            tuple(dict.fromkeys(e.describe() for e in entries)),
        )
    ]
    acceptable = [e for e in entries if e.list_acceptable]
    refused = sorted({e.list_problem for e in entries if not e.list_acceptable and e.list_problem})
    steps.append(
        Step(
            "AcceptableTrustedListPresence",
            "pass" if acceptable else "fail",
            "an acceptable list holds the TSA's service"
            if acceptable
            else "no acceptable list holds the TSA's service: " + "; ".join(refused),
        )
    )
    if not acceptable:
        return TimestampOutcome(TimestampQualification.NA, None, None, tuple(steps))
    at_generation = _at_time("generation", generation_time, acceptable)
    at_poe = _at_time("poe", poe_time or generation_time, acceptable)
    both = at_generation.result is at_poe.result is TimestampQualification.QTSA
    final = TimestampQualification.QTSA if both else TimestampQualification.TSA
    return TimestampOutcome(final, at_generation, at_poe, tuple(steps))
