"""esig: electronic signatures that say, with citations to the law, which level they reach.

The recipes::

    import esig

    device = esig.SoftwareKey.from_pkcs12("signer.p12", passphrase)
    esig.sign_pdf("contract.pdf", "contract-signed.pdf", device)
    report = esig.verify_pdf("contract-signed.pdf", trust=["root.pem"])
    print(report.to_text())
    report.signatures[0].level.summary   # e.g. "Advanced (AES): ... met. Not qualified: ..."

Everything public is re-exported here; the submodules hold the details.
"""

from esig.devices import (
    CscDevice,
    DeviceEvidence,
    DeviceKind,
    DigestAlgorithm,
    SignatureCreationDevice,
    SignatureScheme,
    SoftwareKey,
    open_device,
)
from esig.errors import (
    CertificateLoadError,
    CorruptDocumentError,
    DocumentNotFoundError,
    EncryptedDocumentError,
    EsigError,
    InputError,
    KeyCertificateMismatchError,
    KeyLoadError,
    NotAPdfError,
    OutputError,
    ServiceError,
    ServiceKind,
    SigningError,
    VerificationError,
    WrongPassphraseError,
)
from esig.evidence import (
    EvidenceMethod,
    EvidenceRecord,
    EvidenceSession,
    OneTimeCodes,
    seal_with_evidence,
)
from esig.identity import NameIdentity
from esig.law import BES, EIDAS, ETSI, Citation, Instrument
from esig.levels import (
    AES,
    QES,
    SES,
    AdesLabel,
    Level,
    LevelAssessment,
    LevelDefinition,
    RequirementStatus,
)
from esig.signing import (
    BaselineLevel,
    DetachedSignature,
    DocPermission,
    ExtendedDocument,
    FieldLock,
    PadesLevel,
    SignatureFieldSpec,
    SignedDocument,
    SigningSession,
    TimestampService,
    ValidationServices,
    VisibleSignature,
    async_sign_pdf,
    extend_pdf,
    prepare_document,
    sign_detached,
    sign_many,
    sign_pdf,
    sign_pdf_bytes,
)
from esig.verification import (
    CheckId,
    Finding,
    Indication,
    Outcome,
    SignatureReport,
    VerificationReport,
    Verifier,
    async_verify_pdf,
    signed_revision,
    verify_detached,
    verify_pdf,
)
from esig.verification.conformance import BaselineConformance, ConformanceGap, GapCode

__version__ = "0.1.0"

__all__ = [
    "AES",
    "BES",
    "EIDAS",
    "ETSI",
    "QES",
    "SES",
    "AdesLabel",
    "BaselineConformance",
    "BaselineLevel",
    "CertificateLoadError",
    "CheckId",
    "Citation",
    "ConformanceGap",
    "CorruptDocumentError",
    "CscDevice",
    "DetachedSignature",
    "DeviceEvidence",
    "DeviceKind",
    "DigestAlgorithm",
    "DocPermission",
    "DocumentNotFoundError",
    "EncryptedDocumentError",
    "EsigError",
    "EvidenceMethod",
    "EvidenceRecord",
    "EvidenceSession",
    "ExtendedDocument",
    "FieldLock",
    "Finding",
    "GapCode",
    "Indication",
    "InputError",
    "Instrument",
    "KeyCertificateMismatchError",
    "KeyLoadError",
    "Level",
    "LevelAssessment",
    "LevelDefinition",
    "NameIdentity",
    "NotAPdfError",
    "OneTimeCodes",
    "Outcome",
    "OutputError",
    "PadesLevel",
    "RequirementStatus",
    "ServiceError",
    "ServiceKind",
    "SignatureCreationDevice",
    "SignatureFieldSpec",
    "SignatureReport",
    "SignatureScheme",
    "SignedDocument",
    "SigningError",
    "SigningSession",
    "SoftwareKey",
    "TimestampService",
    "ValidationServices",
    "VerificationError",
    "VerificationReport",
    "Verifier",
    "VisibleSignature",
    "WrongPassphraseError",
    "__version__",
    "async_sign_pdf",
    "async_verify_pdf",
    "extend_pdf",
    "open_device",
    "prepare_document",
    "seal_with_evidence",
    "sign_detached",
    "sign_many",
    "sign_pdf",
    "sign_pdf_bytes",
    "signed_revision",
    "verify_detached",
    "verify_pdf",
]
