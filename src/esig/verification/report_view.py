"""What the text and HTML renderers read of a report: its shape, as protocols.

:class:`~esig.verification.report.SignatureReport` and
:class:`~esig.verification.report.VerificationReport` have these attributes (mypy
checks it where they hand themselves to a renderer). The renderers depend on this
shape, not on the report module, so the report's ``to_text()`` and ``to_html()``
can call them without an import cycle.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from esig.identity import NameIdentity
from esig.levels import LevelAssessment
from esig.model.coverage import ModificationLevel
from esig.model.revision_changes import ObjectChange
from esig.trust.tl_qualification import TrustedListQualification
from esig.verification.conformance import BaselineConformance
from esig.verification.report_parts import (
    CertificatePath,
    CertificateSummary,
    CoveredFile,
    Finding,
    Indication,
    Integrity,
    LongTermValidation,
    SignedRange,
    SigningTimeSource,
    SubIndication,
    ValidationData,
)
from esig.verification.visual import VisualComparison

__all__ = ["ReportView", "SignatureView"]


class SignatureView(Protocol):
    """One signature's report, as the renderers read it."""

    @property
    def field_name(self) -> str:
        """The signature field's name."""

    @property
    def signer(self) -> NameIdentity | None:
        """Who signed, as the certificate names them."""

    @property
    def signatory(self) -> str | None:
        """The person a platform's seal signs for (from its evidence record), if any."""

    @property
    def signing_time(self) -> dt.datetime | None:
        """When the signature was made."""

    @property
    def signing_time_source(self) -> SigningTimeSource:
        """Where the signing time comes from."""

    @property
    def signed_range(self) -> SignedRange | None:
        """Which bytes and revision the signature covers."""

    @property
    def integrity(self) -> Integrity | None:
        """Digest and signature value."""

    @property
    def certificate_path(self) -> CertificatePath | None:
        """The signer's certificate and its path."""

    @property
    def modifications(self) -> ModificationLevel:
        """What changed after signing."""

    @property
    def visual(self) -> VisualComparison | None:
        """The signed and the displayed revision compared."""

    @property
    def changes_after_signing(self) -> tuple[ObjectChange, ...]:
        """The later revisions as esig analysed them, one entry per changed entry."""

    @property
    def long_term(self) -> LongTermValidation | None:
        """Validation in the past."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding."""

    @property
    def level(self) -> LevelAssessment:
        """The level assessment."""

    @property
    def trusted_list_qualification(self) -> TrustedListQualification | None:
        """What the trusted lists said about the signer's certificate, step by step."""

    @property
    def conformance(self) -> BaselineConformance | None:
        """The baseline level (PAdES; CAdES in a container) claimed and reached."""

    @property
    def validation_data(self) -> ValidationData | None:
        """The objects the validation used (for the ETSI report)."""

    @property
    def covered_files(self) -> tuple[CoveredFile, ...]:
        """A container signature's files, with their SHA-256 (empty: not a container)."""

    @property
    def indication(self) -> Indication:
        """The verdict."""

    @property
    def sub_indication(self) -> SubIndication | None:
        """Why, when it did not pass."""


class ReportView(Protocol):
    """A document's report, as the renderers read it."""

    @property
    def document(self) -> str:
        """The document's name."""

    @property
    def document_sha256(self) -> str:
        """SHA-256 of the document (hex)."""

    @property
    def document_size(self) -> int:
        """Its size in bytes."""

    @property
    def verified_at(self) -> dt.datetime:
        """The time of verification."""

    @property
    def validation_time(self) -> dt.datetime | None:
        """The moment the signatures were judged as of, when not the time of verification."""

    @property
    def trust_anchors(self) -> tuple[CertificateSummary, ...]:
        """The trust anchors the verifier was given."""

    @property
    def signatures(self) -> tuple[SignatureView, ...]:
        """Every signature's report."""

    @property
    def problems(self) -> tuple[str, ...]:
        """Problems with the document as a whole."""

    @property
    def indication(self) -> Indication:
        """The overall verdict."""
