"""Verifying signatures: the BES art. 3 checks and the report."""

from esig.verification.cades import async_verify_detached, verify_detached
from esig.verification.html import render_html
from esig.verification.render import render_text
from esig.verification.report import (
    Attack,
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
from esig.verification.verifier import (
    TrustInput,
    Verifier,
    async_verify_pdf,
    signed_revision,
    verify_pdf,
)
from esig.verification.visual import VisualComparison

__all__ = [
    "Attack",
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
    "VisualComparison",
    "async_verify_detached",
    "async_verify_pdf",
    "render_html",
    "render_text",
    "signed_revision",
    "verify_detached",
    "verify_pdf",
]
