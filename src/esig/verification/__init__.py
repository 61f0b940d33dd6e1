"""Verifying signatures: the BES art. 3 checks and the report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from esig._lazy import lazy_exports

if TYPE_CHECKING:
    from esig.verification.asic import async_verify_asic, verify_asic
    from esig.verification.cades import async_verify_detached, verify_detached
    from esig.verification.etsi_report import (
        async_to_etsi_xml,
        async_write_etsi_report,
        to_etsi_xml,
        validate_etsi_xml,
        write_etsi_report,
    )
    from esig.verification.html import render_html
    from esig.verification.render import render_text
    from esig.verification.report import (
        Attack,
        CertificatePath,
        CertificateSummary,
        CheckId,
        Coverage,
        CoveredFile,
        Finding,
        Indication,
        Integrity,
        ModificationLevel,
        Outcome,
        PathStatus,
        RevocationToken,
        SignatureReport,
        SignedRange,
        SigningTimeSource,
        SubIndication,
        TimestampToken,
        ValidationData,
        VerificationReport,
    )
    from esig.verification.verifier import (
        TrustInput,
        Verifier,
        async_verify_pdf,
        signed_revision,
        verify_pdf,
    )
    from esig.verification.visual import AppearanceMismatch, PageRegion, VisualComparison
    from esig.verification.xades import async_verify_xml, verify_xml

_WHERE: dict[str, str] = {
    "AppearanceMismatch": "esig.verification.visual",
    "Attack": "esig.verification.report",
    "CertificatePath": "esig.verification.report",
    "CertificateSummary": "esig.verification.report",
    "CheckId": "esig.verification.report",
    "Coverage": "esig.verification.report",
    "Finding": "esig.verification.report",
    "Indication": "esig.verification.report",
    "Integrity": "esig.verification.report",
    "ModificationLevel": "esig.verification.report",
    "Outcome": "esig.verification.report",
    "PageRegion": "esig.verification.visual",
    "PathStatus": "esig.verification.report",
    "RevocationToken": "esig.verification.report",
    "SignatureReport": "esig.verification.report",
    "SignedRange": "esig.verification.report",
    "CoveredFile": "esig.verification.report",
    "SigningTimeSource": "esig.verification.report",
    "SubIndication": "esig.verification.report",
    "TimestampToken": "esig.verification.report",
    "ValidationData": "esig.verification.report",
    "TrustInput": "esig.verification.verifier",
    "VerificationReport": "esig.verification.report",
    "Verifier": "esig.verification.verifier",
    "VisualComparison": "esig.verification.visual",
    "async_verify_asic": "esig.verification.asic",
    "async_verify_detached": "esig.verification.cades",
    "async_verify_pdf": "esig.verification.verifier",
    "render_html": "esig.verification.html",
    "render_text": "esig.verification.render",
    "signed_revision": "esig.verification.verifier",
    "async_to_etsi_xml": "esig.verification.etsi_report",
    "async_write_etsi_report": "esig.verification.etsi_report",
    "to_etsi_xml": "esig.verification.etsi_report",
    "validate_etsi_xml": "esig.verification.etsi_report",
    "write_etsi_report": "esig.verification.etsi_report",
    "verify_asic": "esig.verification.asic",
    "verify_detached": "esig.verification.cades",
    "verify_pdf": "esig.verification.verifier",
    "async_verify_xml": "esig.verification.xades",
    "verify_xml": "esig.verification.xades",
}
"""Each public name and the module that defines it: imported on first use."""


__all__ = [
    "AppearanceMismatch",
    "Attack",
    "CertificatePath",
    "CertificateSummary",
    "CheckId",
    "Coverage",
    "CoveredFile",
    "Finding",
    "Indication",
    "Integrity",
    "ModificationLevel",
    "Outcome",
    "PageRegion",
    "PathStatus",
    "RevocationToken",
    "SignatureReport",
    "SignedRange",
    "SigningTimeSource",
    "SubIndication",
    "TimestampToken",
    "TrustInput",
    "ValidationData",
    "VerificationReport",
    "Verifier",
    "VisualComparison",
    "async_to_etsi_xml",
    "async_verify_asic",
    "async_verify_detached",
    "async_verify_pdf",
    "async_verify_xml",
    "async_write_etsi_report",
    "render_html",
    "render_text",
    "signed_revision",
    "to_etsi_xml",
    "validate_etsi_xml",
    "verify_asic",
    "verify_detached",
    "verify_pdf",
    "verify_xml",
    "write_etsi_report",
]

__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
