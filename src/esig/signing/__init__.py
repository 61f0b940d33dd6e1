"""Creating signatures: PAdES for PDF documents, detached CAdES for any file."""

from esig.signing.appearance import AppearanceLine, FontError, VisibleSignature
from esig.signing.baseline import (
    BaselineLevel,
    BaselineRequest,
    PadesLevel,
    TimestampService,
    ValidationServices,
)
from esig.signing.batch import BatchResult, async_sign_many, sign_many
from esig.signing.cades import DetachedSignature, async_sign_detached, sign_detached
from esig.signing.certification import CertificationError, DocPermission, FieldLock, LockScope
from esig.signing.disclosures import RiskDisclosure, SigningMethod, disclosure_for
from esig.signing.extend import ExtendedDocument, async_extend_pdf, extend_pdf
from esig.signing.fields import (
    PreparedDocument,
    SignatureField,
    SignatureFieldSpec,
    prepare_document,
    signature_fields,
)
from esig.signing.pades import SignedDocument, async_sign_pdf, sign_pdf, sign_pdf_bytes
from esig.signing.session import SessionEvidence, SigningSession, read_session_evidence

__all__ = [
    "AppearanceLine",
    "BaselineLevel",
    "BaselineRequest",
    "BatchResult",
    "CertificationError",
    "DetachedSignature",
    "DocPermission",
    "ExtendedDocument",
    "FieldLock",
    "FontError",
    "LockScope",
    "PadesLevel",
    "PreparedDocument",
    "RiskDisclosure",
    "SessionEvidence",
    "SignatureField",
    "SignatureFieldSpec",
    "SignedDocument",
    "SigningMethod",
    "SigningSession",
    "TimestampService",
    "ValidationServices",
    "VisibleSignature",
    "async_extend_pdf",
    "async_sign_detached",
    "async_sign_many",
    "async_sign_pdf",
    "disclosure_for",
    "extend_pdf",
    "prepare_document",
    "read_session_evidence",
    "sign_detached",
    "sign_many",
    "sign_pdf",
    "sign_pdf_bytes",
    "signature_fields",
]
