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
from esig.identity import NameIdentity
from esig.law import BES, EIDAS, Citation, Instrument
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
    ExtendedDocument,
    PadesLevel,
    SignedDocument,
    SigningSession,
    TimestampService,
    ValidationServices,
    async_sign_pdf,
    extend_pdf,
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

__version__ = "0.1.0"

__all__ = [
    "AES",
    "BES",
    "EIDAS",
    "QES",
    "SES",
    "AdesLabel",
    "BaselineLevel",
    "CertificateLoadError",
    "CheckId",
    "Citation",
    "CorruptDocumentError",
    "CscDevice",
    "DetachedSignature",
    "DeviceEvidence",
    "DeviceKind",
    "DigestAlgorithm",
    "DocumentNotFoundError",
    "EncryptedDocumentError",
    "EsigError",
    "ExtendedDocument",
    "Finding",
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
    "Outcome",
    "OutputError",
    "PadesLevel",
    "RequirementStatus",
    "ServiceError",
    "ServiceKind",
    "SignatureCreationDevice",
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
    "WrongPassphraseError",
    "__version__",
    "async_sign_pdf",
    "async_verify_pdf",
    "extend_pdf",
    "open_device",
    "sign_detached",
    "sign_many",
    "sign_pdf",
    "sign_pdf_bytes",
    "signed_revision",
    "verify_detached",
    "verify_pdf",
]
