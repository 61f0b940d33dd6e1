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
    DeviceEvidence,
    DeviceKind,
    DigestAlgorithm,
    SignatureCreationDevice,
    SignatureScheme,
    SoftwareKey,
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
from esig.signing import SignedDocument, async_sign_pdf, sign_pdf, sign_pdf_bytes
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
    "CertificateLoadError",
    "CheckId",
    "Citation",
    "CorruptDocumentError",
    "DeviceEvidence",
    "DeviceKind",
    "DigestAlgorithm",
    "DocumentNotFoundError",
    "EncryptedDocumentError",
    "EsigError",
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
    "RequirementStatus",
    "SignatureCreationDevice",
    "SignatureReport",
    "SignatureScheme",
    "SignedDocument",
    "SigningError",
    "SoftwareKey",
    "VerificationError",
    "VerificationReport",
    "Verifier",
    "WrongPassphraseError",
    "__version__",
    "async_sign_pdf",
    "async_verify_pdf",
    "sign_pdf",
    "sign_pdf_bytes",
    "signed_revision",
    "verify_pdf",
]
