"""esig: electronic signatures that say, with citations to the law, which level they reach.

The recipes::

    import esig

    device = esig.SoftwareKey.from_pkcs12("signer.p12", passphrase)
    esig.sign_pdf("contract.pdf", "contract-signed.pdf", device)
    report = esig.verify_pdf("contract-signed.pdf", trust=["root.pem"])
    print(report.to_text())
    report.signatures[0].level.summary   # e.g. "Advanced (AES): ... met. Not qualified: ..."

Everything public is re-exported here; the submodules hold the details.

``import esig`` is cheap: each public name is imported from its module on first use
(module ``__getattr__``), so a program that only needs, say, the verifier never loads the
signing machinery, and ``esig --help`` starts without pyHanko.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from esig._lazy import lazy_exports

if TYPE_CHECKING:
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
    from esig.signing.xades import XadesPackaging, XmlSignature, sign_xml
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
    from esig.verification.xades import verify_xml

__version__ = "0.1.0"

_WHERE: dict[str, str] = {
    "AES": "esig.levels",
    "AdesLabel": "esig.levels",
    "BES": "esig.law",
    "BaselineConformance": "esig.verification.conformance",
    "BaselineLevel": "esig.signing",
    "CertificateLoadError": "esig.errors",
    "CheckId": "esig.verification",
    "Citation": "esig.law",
    "ConformanceGap": "esig.verification.conformance",
    "CorruptDocumentError": "esig.errors",
    "CscDevice": "esig.devices",
    "DetachedSignature": "esig.signing",
    "DeviceEvidence": "esig.devices",
    "DeviceKind": "esig.devices",
    "DigestAlgorithm": "esig.devices",
    "DocPermission": "esig.signing",
    "DocumentNotFoundError": "esig.errors",
    "EIDAS": "esig.law",
    "ETSI": "esig.law",
    "EncryptedDocumentError": "esig.errors",
    "EsigError": "esig.errors",
    "EvidenceMethod": "esig.evidence",
    "EvidenceRecord": "esig.evidence",
    "EvidenceSession": "esig.evidence",
    "ExtendedDocument": "esig.signing",
    "FieldLock": "esig.signing",
    "Finding": "esig.verification",
    "GapCode": "esig.verification.conformance",
    "Indication": "esig.verification",
    "InputError": "esig.errors",
    "Instrument": "esig.law",
    "KeyCertificateMismatchError": "esig.errors",
    "KeyLoadError": "esig.errors",
    "Level": "esig.levels",
    "LevelAssessment": "esig.levels",
    "LevelDefinition": "esig.levels",
    "NameIdentity": "esig.identity",
    "NotAPdfError": "esig.errors",
    "OneTimeCodes": "esig.evidence",
    "Outcome": "esig.verification",
    "OutputError": "esig.errors",
    "PadesLevel": "esig.signing",
    "QES": "esig.levels",
    "RequirementStatus": "esig.levels",
    "SES": "esig.levels",
    "ServiceError": "esig.errors",
    "ServiceKind": "esig.errors",
    "SignatureCreationDevice": "esig.devices",
    "SignatureFieldSpec": "esig.signing",
    "SignatureReport": "esig.verification",
    "SignatureScheme": "esig.devices",
    "SignedDocument": "esig.signing",
    "SigningError": "esig.errors",
    "SigningSession": "esig.signing",
    "SoftwareKey": "esig.devices",
    "TimestampService": "esig.signing",
    "ValidationServices": "esig.signing",
    "VerificationError": "esig.errors",
    "VerificationReport": "esig.verification",
    "Verifier": "esig.verification",
    "VisibleSignature": "esig.signing",
    "WrongPassphraseError": "esig.errors",
    "XadesPackaging": "esig.signing",
    "XmlSignature": "esig.signing",
    "async_sign_pdf": "esig.signing",
    "async_verify_pdf": "esig.verification",
    "extend_pdf": "esig.signing",
    "open_device": "esig.devices",
    "prepare_document": "esig.signing",
    "seal_with_evidence": "esig.evidence",
    "sign_detached": "esig.signing",
    "sign_many": "esig.signing",
    "sign_pdf": "esig.signing",
    "sign_pdf_bytes": "esig.signing",
    "sign_xml": "esig.signing",
    "signed_revision": "esig.verification",
    "verify_detached": "esig.verification",
    "verify_pdf": "esig.verification",
    "verify_xml": "esig.verification",
}
"""Each public name and the module that defines it."""

_SUBPACKAGES = frozenset(
    {
        "cli",
        "certificates",
        "demo",
        "devices",
        "errors",
        "evidence",
        "identity",
        "issuance",
        "law",
        "levels",
        "oids",
        "profiles",
        "signing",
        "testing",
        "trust",
        "verification",
    }
)


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
    "XadesPackaging",
    "XmlSignature",
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
    "sign_xml",
    "signed_revision",
    "verify_detached",
    "verify_pdf",
    "verify_xml",
]

__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__, _SUBPACKAGES)
