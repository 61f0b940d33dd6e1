"""The trusted lists' answer about one timestamp: :class:`TimestampListQualification`.

Built from esig's rules for timestamps (:mod:`esig.ts119615.timestamps`, after DSS's
timestamp qualification): ``QTSA`` when a granted qualified time-stamp service
(``TSA/QTST``) issued it, at its generation time and at its earliest proof of existence;
``TSA`` when the TSA is listed but was not that; ``N/A`` when it reaches no acceptable
list. A qualified electronic time stamp enjoys the presumption of eIDAS art. 41(2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from esig._model import EsigModel
from esig.law import EIDAS, Citation
from esig.trust.tl_qualification import QualificationStep, StepMoment, report_steps
from esig.ts119615.result import Step
from esig.ts119615.timestamps import TimestampQualification

if TYPE_CHECKING:
    from esig._pyhanko.tl_assess import RawTimestampAssessment

__all__ = ["TimestampListQualification", "TimestampQualification", "timestamp_answer"]


class TimestampListQualification(EsigModel):
    """What the trusted lists say about one timestamp, and why.

    .. versionadded:: 0.2.0
    """

    kind: Literal["timestamp-list-qualification"] = "timestamp-list-qualification"
    qualification: TimestampQualification
    """``QTSA`` (qualified), ``TSA`` (listed, not qualified then) or ``N/A``."""
    generation_time: dt.datetime
    """The time the token states (genTime)."""
    poe_time: dt.datetime
    """Its earliest proof of existence: the oldest timestamp over it, else the moment of
    validation."""
    services: tuple[str, ...] = ()
    """The listed services the TSA reaches (provider, service)."""
    steps: tuple[QualificationStep, ...] = ()
    """Each decision, named as DSS names it."""
    explanation: str
    citations: tuple[Citation, ...] = ()

    @property
    def qualified(self) -> bool:
        """A qualified electronic time stamp (eIDAS art. 3(34), 42)."""
        return self.qualification is TimestampQualification.QTSA


_WORDS = {
    TimestampQualification.QTSA: "a qualified electronic time stamp",
    TimestampQualification.TSA: "not a qualified electronic time stamp",
    TimestampQualification.NA: "not determined by the trusted lists",
}


def timestamp_answer(
    raw: RawTimestampAssessment, generation_time: dt.datetime, poe_time: dt.datetime
) -> TimestampListQualification:
    """The report's form of one timestamp's assessment."""
    outcome = raw.outcome
    moments: list[tuple[StepMoment, Sequence[Step]]] = [("lists", outcome.steps)]
    moments += [(at.kind, at.steps) for at in (outcome.at_generation, outcome.at_poe) if at]
    steps = report_steps(moments)
    failed = [s.detail for s in steps if s.outcome == "fail"]
    why = failed[0] if failed else "a granted TSA/QTST service issued it, at both moments"
    where = f" ({'; '.join(raw.services)})" if raw.services else ""
    return TimestampListQualification(
        qualification=outcome.final,
        generation_time=generation_time,
        poe_time=poe_time,
        services=raw.services,
        steps=steps,
        explanation=f"{outcome.final.value}: {_WORDS[outcome.final]}{where}; {why}.",
        citations=(
            (EIDAS.ART_42, EIDAS.ART_41_2, EIDAS.ART_3_34)
            if outcome.final is TimestampQualification.QTSA
            else (EIDAS.ART_42,)
        ),
    )
