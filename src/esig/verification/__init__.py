"""Verifying signatures: the BES art. 3 checks and the report."""

from esig.verification.render import render_text
from esig.verification.report import (
    CertificatePath,
    CertificateSummary,
    CheckId,
    Coverage,
    Finding,
    Indication,
    Integrity,
    ModificationLevel,
    Outcome,
    PathStatus,
    SignatureReport,
    SignedRange,
    SigningTimeSource,
    SubIndication,
    VerificationReport,
)
from esig.verification.verifier import TrustInput, Verifier, async_verify_pdf, verify_pdf

__all__ = [
    "CertificatePath",
    "CertificateSummary",
    "CheckId",
    "Coverage",
    "Finding",
    "Indication",
    "Integrity",
    "ModificationLevel",
    "Outcome",
    "PathStatus",
    "SignatureReport",
    "SignedRange",
    "SigningTimeSource",
    "SubIndication",
    "TrustInput",
    "VerificationReport",
    "Verifier",
    "async_verify_pdf",
    "render_text",
    "verify_pdf",
]
