"""PAdES signing through pyHanko's incremental writer."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError

from esig._pyhanko.signer import DeviceSigner
from esig.devices.base import DigestAlgorithm, SignatureCreationDevice
from esig.errors import CorruptDocumentError, EncryptedDocumentError, NotAPdfError, SigningError

__all__ = ["open_writer", "sign_pades"]


def open_writer(source: BinaryIO) -> IncrementalPdfFileWriter:
    """Open a PDF for an incremental update, with esig errors for bad input."""
    head = source.read(1024)
    source.seek(0)
    if b"%PDF-" not in head:
        raise NotAPdfError("This is not a PDF document (no %PDF- header)")
    try:
        writer = IncrementalPdfFileWriter(source, strict=False)
    except (PdfError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise CorruptDocumentError(f"The PDF cannot be parsed: {exc}") from None
    if writer.prev.encrypted:
        raise EncryptedDocumentError("The PDF is encrypted; esig does not sign encrypted documents")
    return writer


async def sign_pades(
    source: BinaryIO,
    output: BinaryIO,
    device: SignatureCreationDevice,
    *,
    field_name: str | None,
    digest_algorithm: DigestAlgorithm,
    reason: str | None,
    location: str | None,
    contact_info: str | None,
    prepare: Callable[[IncrementalPdfFileWriter], None] | None = None,
) -> str:
    """Sign ``source`` into ``output`` at PAdES baseline B-B; return the field name.

    ``prepare``, when given, is called on the writer before signing; what it adds goes
    into the same incremental update as the signature, so the signature covers it.
    """
    writer = open_writer(source)
    if prepare is not None:
        prepare(writer)
    name = field_name or _free_field_name(writer)
    meta = signers.PdfSignatureMetadata(
        field_name=name,
        md_algorithm=digest_algorithm.value,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        contact_info=contact_info,
    )
    pdf_signer = signers.PdfSigner(meta, signer=DeviceSigner(device))
    try:
        await pdf_signer.async_sign_pdf(writer, output=output)
    except PyHankoSigningError as exc:
        raise SigningError(f"The signature could not be created: {exc}") from None
    except PdfError as exc:
        raise CorruptDocumentError(f"The PDF cannot be signed: {exc}") from None
    return name


def _free_field_name(writer: IncrementalPdfFileWriter) -> str:
    taken = {name for name, _, _ in fields.enumerate_sig_fields(writer.prev, filled_status=None)}
    index = 1
    while f"Signature{index}" in taken:
        index += 1
    return f"Signature{index}"
