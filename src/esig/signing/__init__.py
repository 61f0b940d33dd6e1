"""Creating signatures: PAdES for PDF documents."""

from esig.signing.pades import SignedDocument, async_sign_pdf, sign_pdf, sign_pdf_bytes

__all__ = ["SignedDocument", "async_sign_pdf", "sign_pdf", "sign_pdf_bytes"]
