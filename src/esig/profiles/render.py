"""The text form of a certificate profile: :meth:`CertificateProfile.to_text`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from esig.identity import NameIdentity
from esig.law import BES
from esig.profiles.model import (
    Art6FieldResult,
    PersonKind,
    ProfileFinding,
    QualifiedMarkers,
    UnknownExtension,
)


class _Profile(Protocol):
    """What the text form reads of a :class:`~esig.profiles.CertificateProfile`.

    A protocol rather than the class itself: ``profile.py`` imports this module, so
    importing ``profile.py`` here would make a cycle.
    """

    @property
    def subject(self) -> NameIdentity: ...
    @property
    def issuer(self) -> NameIdentity: ...
    @property
    def serial_number(self) -> str: ...
    @property
    def not_before(self) -> datetime: ...
    @property
    def not_after(self) -> datetime: ...
    @property
    def person_kind(self) -> PersonKind: ...
    @property
    def person_kind_reason(self) -> str: ...
    @property
    def is_ca(self) -> bool: ...
    @property
    def qualified(self) -> QualifiedMarkers: ...
    @property
    def complete(self) -> bool: ...
    @property
    def fields(self) -> tuple[Art6FieldResult, ...]: ...
    @property
    def unknown_extensions(self) -> tuple[UnknownExtension, ...]: ...
    @property
    def findings(self) -> tuple[ProfileFinding, ...]: ...


def _joined(items: Iterable[object]) -> str:
    return ", ".join(str(item) for item in items)


def _identity_lines(label: str, identity: NameIdentity) -> list[str]:
    lines = [f"{label:<12} {identity.display}"]
    marker = identity.pseudonym_marker
    if marker is not None:
        lines.append(
            f"{'':<12} PSEUDONYM - not a real name ({marker.source}: {marker.value}) "
            f"[{BES.ART_3_F}]"
        )
    return lines


def _qualified_line(qualified: QualifiedMarkers) -> str:
    if not qualified.claims_qualified:
        return "does not claim to be qualified"
    claims = [
        name
        for name, on in (("QcCompliance", qualified.qc_compliance), ("QcSSCD", qualified.qc_sscd))
        if on
    ]
    claims += [str(p) for p in qualified.qc_policies]
    claims += [f"QcType {t}" for t in qualified.qc_types]
    qscd = "key in a QSCD claimed" if qualified.claims_qscd else "no QSCD claim"
    return f"claims qualified ({', '.join(claims)}); {qscd}"


def _render(profile: _Profile) -> list[str]:
    lines = [f"Certificate profile ({BES.ART_6})"]
    lines += _identity_lines("Subject:", profile.subject)
    lines += _identity_lines("Issuer:", profile.issuer)
    lines += [
        f"{'Serial:':<12} {profile.serial_number}",
        f"{'Valid:':<12} {profile.not_before.isoformat()} to {profile.not_after.isoformat()}",
        f"{'Kind:':<12} {profile.person_kind.value.replace('_', ' ')} "
        f"({profile.person_kind_reason})",
        f"{'CA:':<12} {'yes' if profile.is_ca else 'no'}",
        f"{'Qualified:':<12} {_qualified_line(profile.qualified)}",
    ]
    if profile.qualified.statements:
        lines.append(f"{'qcStatements:':<12} {_joined(profile.qualified.statements)}")
    lines.append(f"Art. 6(1): {'complete' if profile.complete else 'incomplete'}")
    for result in profile.fields:
        lines.append(
            f"  {result.field}  {result.status.value:<14} {result.citation}  [{result.location}]"
        )
        lines.append(f"     {result.detail}")
    if profile.unknown_extensions:
        unknown = ", ".join(
            f"{e.oid}{' (critical)' if e.critical else ''}" for e in profile.unknown_extensions
        )
        lines.append(f"Unknown extensions: {unknown}")
    lines += [f"Finding: {f.message}" for f in profile.findings]
    return lines
