"""Creating signatures: PAdES for PDF documents, detached CAdES for any file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from esig._lazy import lazy_exports

if TYPE_CHECKING:
    from esig.signing.appearance import AppearanceLine, FontError, VisibleSignature
    from esig.signing.asic import (
        AsicSignature,
        add_asic_signature,
        async_add_asic_signature,
        async_sign_asic,
        sign_asic,
    )
    from esig.signing.asic_archive import (
        ArchivedContainer,
        async_extend_asic,
        extend_asic,
    )
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
        PageBox,
        PreparedDocument,
        SignatureField,
        SignatureFieldSpec,
        page_boxes,
        prepare_document,
        signature_fields,
    )
    from esig.signing.pades import SignedDocument, async_sign_pdf, sign_pdf, sign_pdf_bytes
    from esig.signing.session import (
        SessionEvidence,
        SigningSession,
        SigningSessionState,
        read_session_evidence,
    )
    from esig.signing.text_document import text_document
    from esig.signing.xades import XadesPackaging, XmlSignature, async_sign_xml, sign_xml
    from esig.signing.xades_extend import ExtendedXml, async_extend_xml, extend_xml

_WHERE: dict[str, str] = {
    "XadesPackaging": "esig.signing.xades",
    "XmlSignature": "esig.signing.xades",
    "async_sign_xml": "esig.signing.xades",
    "sign_xml": "esig.signing.xades",
    "ExtendedXml": "esig.signing.xades_extend",
    "async_extend_xml": "esig.signing.xades_extend",
    "extend_xml": "esig.signing.xades_extend",
    "AppearanceLine": "esig.signing.appearance",
    "ArchivedContainer": "esig.signing.asic_archive",
    "AsicSignature": "esig.signing.asic",
    "async_extend_asic": "esig.signing.asic_archive",
    "extend_asic": "esig.signing.asic_archive",
    "add_asic_signature": "esig.signing.asic",
    "async_add_asic_signature": "esig.signing.asic",
    "async_sign_asic": "esig.signing.asic",
    "sign_asic": "esig.signing.asic",
    "BaselineLevel": "esig.signing.baseline",
    "BaselineRequest": "esig.signing.baseline",
    "BatchResult": "esig.signing.batch",
    "CertificationError": "esig.signing.certification",
    "DetachedSignature": "esig.signing.cades",
    "DocPermission": "esig.signing.certification",
    "ExtendedDocument": "esig.signing.extend",
    "FieldLock": "esig.signing.certification",
    "FontError": "esig.signing.appearance",
    "LockScope": "esig.signing.certification",
    "PadesLevel": "esig.signing.baseline",
    "PreparedDocument": "esig.signing.fields",
    "RiskDisclosure": "esig.signing.disclosures",
    "SessionEvidence": "esig.signing.session",
    "SignatureField": "esig.signing.fields",
    "PageBox": "esig.signing.fields",
    "page_boxes": "esig.signing.fields",
    "SignatureFieldSpec": "esig.signing.fields",
    "SignedDocument": "esig.signing.pades",
    "SigningMethod": "esig.signing.disclosures",
    "SigningSession": "esig.signing.session",
    "SigningSessionState": "esig.signing.session",
    "text_document": "esig.signing.text_document",
    "TimestampService": "esig.signing.baseline",
    "ValidationServices": "esig.signing.baseline",
    "VisibleSignature": "esig.signing.appearance",
    "async_extend_pdf": "esig.signing.extend",
    "async_sign_detached": "esig.signing.cades",
    "async_sign_many": "esig.signing.batch",
    "async_sign_pdf": "esig.signing.pades",
    "disclosure_for": "esig.signing.disclosures",
    "extend_pdf": "esig.signing.extend",
    "prepare_document": "esig.signing.fields",
    "read_session_evidence": "esig.signing.session",
    "sign_detached": "esig.signing.cades",
    "sign_many": "esig.signing.batch",
    "sign_pdf": "esig.signing.pades",
    "sign_pdf_bytes": "esig.signing.pades",
    "signature_fields": "esig.signing.fields",
}
"""Each public name and the module that defines it: imported on first use."""


__all__ = [
    "AppearanceLine",
    "ArchivedContainer",
    "AsicSignature",
    "BaselineLevel",
    "BaselineRequest",
    "BatchResult",
    "CertificationError",
    "DetachedSignature",
    "DocPermission",
    "ExtendedDocument",
    "ExtendedXml",
    "FieldLock",
    "FontError",
    "LockScope",
    "PadesLevel",
    "PageBox",
    "PreparedDocument",
    "RiskDisclosure",
    "SessionEvidence",
    "SignatureField",
    "SignatureFieldSpec",
    "SignedDocument",
    "SigningMethod",
    "SigningSession",
    "SigningSessionState",
    "TimestampService",
    "ValidationServices",
    "VisibleSignature",
    "XadesPackaging",
    "XmlSignature",
    "add_asic_signature",
    "async_add_asic_signature",
    "async_extend_asic",
    "async_extend_pdf",
    "async_extend_xml",
    "async_sign_asic",
    "async_sign_detached",
    "async_sign_many",
    "async_sign_pdf",
    "async_sign_xml",
    "disclosure_for",
    "extend_asic",
    "extend_pdf",
    "extend_xml",
    "page_boxes",
    "prepare_document",
    "read_session_evidence",
    "sign_asic",
    "sign_detached",
    "sign_many",
    "sign_pdf",
    "sign_pdf_bytes",
    "sign_xml",
    "signature_fields",
    "text_document",
]

__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
