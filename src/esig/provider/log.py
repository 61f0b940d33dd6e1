"""The provider's event log: append-only, hash-chained, every record signed (BES art. 5(k)).

Each record holds its sequence number, time, kind, operator and payload (canonical
JSON), the hash of the record before it and its own SHA-256 over all of these; the CA's
key signs that hash. A signed *head* (last sequence and hash) closes the chain, so
removing the newest records shows as well. :func:`audit_events` recomputes everything
and names the first record that was deleted, altered, moved or forged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from esig.provider.ca_signing import CaSigner
from esig.provider.models import AuditFinding, AuditProblem, EventKind, LogEvent
from esig.provider.store import EventRow, LogHeadRow, format_time, parse_time

__all__ = [
    "GENESIS_HASH",
    "SignatureCheck",
    "append_event",
    "audit_chain",
    "audit_events",
    "canonical_json",
    "current_head",
    "event_row",
    "head_row",
    "head_text",
    "record_hash",
    "to_log_event",
]

GENESIS_HASH: Final = "0" * 64
"""The previous hash of the first record."""

SignatureCheck = Callable[[str, str], bool]
"""Whether a base64 signature (second) is the CA's over a text (first)."""

_HEAD_ID: Final = 1
_MOVE_WINDOW: Final = 64
"""How far from its place a moved record is looked for."""


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(
    *, sequence: int, time: str, kind: str, operator: str, payload: str, previous_hash: str
) -> str:
    """SHA-256 (hex) over a record's fields and the hash of the record before it."""
    fields = {
        "sequence": sequence,
        "time": time,
        "kind": kind,
        "operator": operator,
        "payload": payload,
        "previous_hash": previous_hash,
    }
    return hashlib.sha256(canonical_json(fields).encode()).hexdigest()


def _row_hash(row: EventRow, sequence: int | None = None) -> str:
    return record_hash(
        sequence=row.sequence if sequence is None else sequence,
        time=row.time,
        kind=row.kind,
        operator=row.operator,
        payload=row.payload,
        previous_hash=row.previous_hash,
    )


def head_text(sequence: int, digest: str) -> str:
    """What the CA signs for the log's head."""
    return f"esig-log-head:{sequence}:{digest}"


def append_event(
    session: Session,
    signer: CaSigner,
    *,
    time: dt.datetime,
    kind: EventKind,
    operator: str,
    payload: dict[str, Any],
) -> EventRow:
    """Add one record after the current head, sign it, and move the signed head."""
    head = session.scalars(
        select(LogHeadRow).where(LogHeadRow.id == _HEAD_ID).with_for_update()
    ).one_or_none()
    sequence = 1 if head is None else head.sequence + 1
    previous = GENESIS_HASH if head is None else head.record_hash
    row = EventRow(
        sequence=sequence,
        time=format_time(time),
        kind=kind.value,
        operator=operator,
        payload=canonical_json(payload),
        previous_hash=previous,
    )
    row.record_hash = _row_hash(row)
    row.signature = signer.sign_text(row.record_hash)
    session.add(row)
    head_signature = signer.sign_text(head_text(sequence, row.record_hash))
    if head is None:
        session.add(
            LogHeadRow(
                id=_HEAD_ID,
                sequence=sequence,
                record_hash=row.record_hash,
                signature=head_signature,
            )
        )
    else:
        head.sequence, head.record_hash, head.signature = sequence, row.record_hash, head_signature
    session.flush()
    return row


def to_log_event(row: EventRow) -> LogEvent:
    """A stored record as a :class:`LogEvent`."""
    return LogEvent(
        sequence=row.sequence,
        time=parse_time(row.time),
        kind=EventKind(row.kind),
        operator=row.operator,
        payload=row.payload,
        previous_hash=row.previous_hash,
        record_hash=row.record_hash,
        signature=row.signature,
    )


def _finding(problem: AuditProblem, sequence: int | None, detail: str) -> AuditFinding:
    return AuditFinding(problem=problem, sequence=sequence, detail=detail)


def _moved_from(row: EventRow) -> int | None:
    """The position a record was signed at, if only its sequence number was changed."""
    for original in range(max(1, row.sequence - _MOVE_WINDOW), row.sequence + _MOVE_WINDOW + 1):
        if original != row.sequence and _row_hash(row, original) == row.record_hash:
            return original
    return None


def _check_record(row: EventRow, previous_hash: str, verify: SignatureCheck) -> AuditFinding | None:
    if _row_hash(row) != row.record_hash:
        original = _moved_from(row)
        if original is not None:
            return _finding(
                AuditProblem.REORDERED,
                row.sequence,
                f"record {row.sequence} was written as record {original}",
            )
        return _finding(
            AuditProblem.ALTERED,
            row.sequence,
            f"record {row.sequence} ({row.kind}) no longer matches its hash",
        )
    if not verify(row.record_hash, row.signature):
        return _finding(
            AuditProblem.FORGED, row.sequence, f"record {row.sequence} is not signed by the CA"
        )
    if row.previous_hash != previous_hash:
        return _finding(
            AuditProblem.REORDERED,
            row.sequence,
            f"record {row.sequence} does not follow record {row.sequence - 1}",
        )
    return None


def _check_head(
    head: LogHeadRow | None, last: EventRow | None, verify: SignatureCheck
) -> AuditFinding | None:
    if head is None:
        if last is None:
            return None
        return _finding(AuditProblem.MISSING, None, "the signed head of the log is missing")
    if not verify(head_text(head.sequence, head.record_hash), head.signature):
        return _finding(
            AuditProblem.FORGED, head.sequence, "the log's head is not signed by the CA"
        )
    if last is None or last.sequence < head.sequence:
        first = 1 if last is None else last.sequence + 1
        return _finding(
            AuditProblem.MISSING,
            first,
            f"the log ends at record {first - 1}; its signed head says {head.sequence}",
        )
    if last.sequence > head.sequence or last.record_hash != head.record_hash:
        return _finding(
            AuditProblem.FORGED,
            head.sequence + 1,
            f"records after the signed head ({head.sequence}) were added outside esig",
        )
    return None


def audit_events(
    session: Session, signer: CaSigner
) -> tuple[Sequence[EventRow], int, tuple[AuditFinding, ...]]:
    """Every record in order, the head's sequence, and what is wrong with the chain."""
    rows = session.scalars(select(EventRow).order_by(EventRow.sequence)).all()
    head = session.get(LogHeadRow, _HEAD_ID)
    return (
        rows,
        head.sequence if head is not None else 0,
        audit_chain(rows, head, signer.verify_text),
    )


def audit_chain(
    rows: Sequence[EventRow], head: LogHeadRow | None, verify: SignatureCheck
) -> tuple[AuditFinding, ...]:
    """What is wrong with the records ``rows`` (in sequence order) and their signed head.

    Works on rows read from the database or rebuilt from an exported bundle
    (:func:`event_row`); ``verify`` checks the CA's signatures.
    """
    findings: list[AuditFinding] = []
    expected, previous_hash = 1, GENESIS_HASH
    for row in rows:
        gap = row.sequence != expected
        if gap and row.sequence > expected:
            missing = (
                f"record {expected} is missing"
                if row.sequence == expected + 1
                else f"records {expected}-{row.sequence - 1} are missing"
            )
            findings.append(_finding(AuditProblem.MISSING, expected, missing))
        finding = _check_record(row, previous_hash, verify)
        if finding is not None and not (gap and finding.problem is AuditProblem.REORDERED):
            findings.append(finding)
        expected, previous_hash = row.sequence + 1, row.record_hash
    head_finding = _check_head(head, rows[-1] if rows else None, verify)
    if head_finding is not None:
        findings.append(head_finding)
    return tuple(findings)


def event_row(event: LogEvent) -> EventRow:
    """A :class:`LogEvent` (as exported) back as a record, to audit without the database."""
    return EventRow(
        sequence=event.sequence,
        time=format_time(event.time),
        kind=event.kind.value,
        operator=event.operator,
        payload=event.payload,
        previous_hash=event.previous_hash,
        record_hash=event.record_hash,
        signature=event.signature,
    )


def head_row(sequence: int, digest: str, signature: str) -> LogHeadRow:
    """A signed head (as exported) back as the head record."""
    return LogHeadRow(id=_HEAD_ID, sequence=sequence, record_hash=digest, signature=signature)


def current_head(session: Session) -> LogHeadRow | None:
    """The log's signed head as stored."""
    return session.get(LogHeadRow, _HEAD_ID)
