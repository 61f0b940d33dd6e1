"""The verification report: what was checked, with what result, under which provision.

Every model is frozen pydantic. The verdicts use the words of ETSI EN 319 102-1
(TOTAL-PASSED, TOTAL-FAILED, INDETERMINATE with a sub-indication) and are **computed**
from the findings, never stored beside them, so they cannot disagree.

Serialise with ``report.model_dump_json()``; read a text form with
:func:`esig.verification.render.render_text`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from pydantic import computed_field

from esig._model import EsigModel
from esig.identity import NameIdentity
from esig.levels import LevelAssessment
from esig.model.coverage import Coverage, ModificationLevel
from esig.model.revision_changes import ObjectChange
from esig.profiles import CertificateProfile
from esig.trust.tl_qualification import TrustedListQualification
from esig.verification.conformance import BaselineConformance
from esig.verification.html import render_html, render_signature_html
from esig.verification.render import render_text
from esig.verification.report_parts import (
    Attack,
    CertificatePath,
    CertificateSummary,
    CheckId,
    CoveredFile,
    Finding,
    Indication,
    Integrity,
    LongTermValidation,
    Outcome,
    PathStatus,
    RevocationToken,
    SignedRange,
    SigningTimeSource,
    SubIndication,
    TimestampToken,
    ValidationData,
)
from esig.verification.visual import VisualComparison

if TYPE_CHECKING:
    from esig.devices.base import SignatureCreationDevice
    from esig.model.baseline import TimestampService

__all__ = [
    "Attack",
    "CertificatePath",
    "CertificateSummary",
    "CheckId",
    "Coverage",
    "CoveredFile",
    "Finding",
    "Indication",
    "Integrity",
    "LongTermValidation",
    "ModificationLevel",
    "Outcome",
    "PathStatus",
    "RevocationToken",
    "SignatureReport",
    "SignedRange",
    "SigningTimeSource",
    "SubIndication",
    "TimestampToken",
    "ValidationData",
    "VerificationReport",
    "report_json_schema",
]


class SignatureReport(EsigModel):
    """Everything esig established about one signature."""

    field_name: str
    signer: NameIdentity | None
    """Who signed, as the certificate names them (None: no certificate found). For a
    platform's seal over an evidence record, this is the sealing party; the person who
    agreed is :attr:`signatory`."""
    signatory: str | None = None
    """The person a platform's seal signs for, as its sealed evidence record names them
    (with the address a code reached); None when the signature is the signer's own."""
    signer_certificate: CertificateProfile | None = None
    """The signer's certificate read against BES art. 6 (None: no certificate found)."""
    signing_time: dt.datetime | None
    signing_time_source: SigningTimeSource
    signed_range: SignedRange | None
    integrity: Integrity | None
    certificate_path: CertificatePath | None
    modifications: ModificationLevel
    visual: VisualComparison | None = None
    changes_after_signing: tuple[ObjectChange, ...] = ()
    """esig's analysis of the later revisions: each entry that differs from the signed
    revision, with its kind, the object and the page (empty: no change, or none found)."""
    pyhanko_modification: ModificationLevel | None = None
    """pyHanko's own verdict on the later revisions, kept beside esig's (None: not run)."""
    """The signed revision and the displayed one, rendered and compared (when they differ)."""
    long_term: LongTermValidation | None = None
    """Validation in the past, when the certificate was no longer good at the moment."""
    findings: tuple[Finding, ...]
    level: LevelAssessment
    trusted_list_qualification: TrustedListQualification | None = None
    """What the trusted lists said about the signer's certificate (ETSI TS 119 615), with
    every step of the procedure: which list, service, status period and qualifier decided."""
    conformance: BaselineConformance | None = None
    """The baseline level claimed and reached: PAdES (EN 319 142-1) for PDF signatures,
    CAdES (EN 319 122-1) for the CAdES signatures of an ASiC container."""
    validation_data: ValidationData | None = None
    """The objects the validation used (signature value, timestamp token, OCSP responses,
    CRLs), as the ETSI TS 119 102-2 report lists them (None: not recorded)."""
    covered_files: tuple[CoveredFile, ...] = ()
    """A container signature's (ASiC) files that it covers and that are there, by name,
    each with its SHA-256; empty for PDF and detached signatures.

    .. versionadded:: 0.2.0"""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def indication(self) -> Indication:
        """TOTAL-FAILED if any finding failed, INDETERMINATE if any is, else TOTAL-PASSED."""
        outcomes = {f.outcome for f in self.findings}
        if Outcome.FAILED in outcomes:
            return Indication.TOTAL_FAILED
        if Outcome.INDETERMINATE in outcomes:
            return Indication.INDETERMINATE
        return Indication.TOTAL_PASSED

    @computed_field  # type: ignore[prop-decorator]
    @property
    def sub_indication(self) -> SubIndication | None:
        """The sub-indication of the first finding that decides the indication."""
        decisive = {
            Indication.TOTAL_FAILED: Outcome.FAILED,
            Indication.INDETERMINATE: Outcome.INDETERMINATE,
        }.get(self.indication)
        for finding in self.findings:
            if finding.outcome is decisive and finding.sub_indication is not None:
                return finding.sub_indication
        return None

    @property
    def passed(self) -> bool:
        """Whether this signature is TOTAL-PASSED."""
        return self.indication is Indication.TOTAL_PASSED

    def find(self, check: CheckId) -> tuple[Finding, ...]:
        """The findings of one check."""
        return tuple(f for f in self.findings if f.check is check)

    def _repr_html_(self) -> str:
        """The signature as HTML, for Jupyter."""
        return render_signature_html(self)


class VerificationReport(EsigModel):
    """The report on one document: every signature in it, and the overall verdict."""

    schema_version: Literal[1] = 1
    document: str
    """The document's name (path as given, or ``<bytes>``)."""
    document_sha256: str
    document_size: int
    verified_at: dt.datetime
    """The time of verification (UTC)."""
    validation_time: dt.datetime | None = None
    """The moment the signatures were judged as of, when asked for one (``at=``,
    ``--at``); None: as of :attr:`verified_at`."""
    trust_anchors: tuple[CertificateSummary, ...]
    """The trust anchors the verifier was given."""
    signatures: tuple[SignatureReport, ...]
    problems: tuple[str, ...] = ()
    """Problems with the document as a whole (e.g. it holds no signature)."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def indication(self) -> Indication:
        """TOTAL-PASSED only when there is at least one signature and every one passed."""
        if not self.signatures:
            return Indication.INDETERMINATE
        found = {s.indication for s in self.signatures}
        for worst in (Indication.TOTAL_FAILED, Indication.INDETERMINATE):
            if worst in found:
                return worst
        return Indication.TOTAL_PASSED

    @property
    def passed(self) -> bool:
        """Whether every signature passed (and there is one)."""
        return self.indication is Indication.TOTAL_PASSED

    def to_text(self) -> str:
        """The report as plain text for a terminal or a log."""
        return render_text(self)

    def to_html(self) -> str:
        """The report as a self-contained HTML fragment (inline CSS, no scripts)."""
        return render_html(self)

    def to_etsi_xml(
        self,
        *,
        seal: SignatureCreationDevice | None = None,
        timestamp: TimestampService | None = None,
    ) -> bytes:
        """The report as an ETSI TS 119 102-2 (v1.4.1) ``ValidationReport``, UTF-8 XML.

        esig's findings, citations and level are in an extension element of the
        namespace ``urn:esig:validation-report:1``; see
        :mod:`esig.verification.etsi_report`. With ``seal``, the report carries that
        device's enveloped XAdES signature (B-T with ``timestamp``).

        .. versionadded:: 0.1.0
        .. versionchanged:: 0.2.0
            ``seal`` and ``timestamp``.
        """
        from esig.verification.etsi_report import to_etsi_xml  # noqa: PLC0415 - lxml on use

        return to_etsi_xml(self, seal=seal, timestamp=timestamp)

    def _repr_html_(self) -> str:
        """The report as HTML, for Jupyter."""
        return self.to_html()


def report_json_schema() -> dict[str, Any]:
    """The published JSON Schema of the JSON form of :class:`VerificationReport`.

    It describes ``report.model_dump_json()`` output, computed fields (``indication``,
    ``display``, ``is_pseudonym``, …) included; ``esig schema report`` prints it.
    """
    return VerificationReport.model_json_schema(mode="serialization")
