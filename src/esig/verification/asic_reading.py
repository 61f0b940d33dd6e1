"""What the signature readers of ASiC containers share: the protocol and small helpers.

A reader (:class:`AsicSignatureReader`) claims signature files by name and returns one
:class:`ReadSignature` per signature in a file: CAdES in :mod:`esig.verification.asic`,
XAdES in :mod:`esig.verification.asic_xades`. Both resolve the names their signatures
give to the container's files with :meth:`AsicContainer.entry_for`.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from esig.asic.container import AsicContainer, SignatureFileKind
from esig.law import Citation
from esig.verification.report import CheckId, Finding, Outcome, SignatureReport, SubIndication
from esig.verification.verifier import Verifier

__all__ = ["AsicSignatureReader", "Coverage", "ReadSignature", "finding", "listing"]


@dataclass
class Coverage:
    """What one signature's references (its manifest's, or its own) found in the container."""

    covered: set[str] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)
    """References to names the container does not hold."""
    changed: list[str] = field(default_factory=list)
    """Files whose digest differs from the signed one."""
    unknown_algorithm: list[str] = field(default_factory=list)
    """Files whose digest algorithm esig does not know."""
    references: int = 0
    """How many references were followed."""


@dataclass(frozen=True)
class ReadSignature:
    """One signature of a container, verified: its report and the files it covers.

    .. versionadded:: 0.2.0
    """

    report: SignatureReport
    covers: frozenset[str]
    """The data files the signature covers (present in the container)."""
    problems: tuple[str, ...] = ()
    """Problems of the container this signature's files show (e.g. a dangling manifest)."""
    embedded_archive: bool | None = None
    """A CAdES signature's own archive-time-stamp-v3 attributes (ASiC-S B-LTA; an ASiC-E
    signature may carry them too) are all sound (True) or not (False); None: it has none."""


class AsicSignatureReader(Protocol):
    """A signature format inside ASiC containers: which files are its, how to verify them.

    .. versionadded:: 0.2.0
    """

    kind: SignatureFileKind

    async def read(
        self, container: AsicContainer, name: str, verifier: Verifier
    ) -> tuple[ReadSignature, ...]:
        """Verify every signature in the signature file ``name`` of ``container``."""
        ...


def finding(
    check: CheckId,
    outcome: Outcome,
    message: str,
    citations: tuple[Citation, ...],
    sub: SubIndication | None = None,
) -> Finding:
    """A finding, positionally."""
    return Finding(
        check=check, outcome=outcome, message=message, citations=citations, sub_indication=sub
    )


def listing(names: Iterable[str]) -> str:
    """Names, sorted, for a message: the first ten and how many more."""
    ordered = sorted(names)
    shown = ", ".join(ordered[:10])
    return shown + (f" and {len(ordered) - 10} more" if len(ordered) > 10 else "")
