"""Sign PDF documents (PAdES baseline B-B to B-LTA, subfilter ETSI.CAdES.detached).

B-B is the default. B-T adds a signature timestamp, B-LT the validation data in the
document security store, B-LTA a document timestamp; see :mod:`esig.signing.baseline`.
A level that needs a service it was not given fails before the device is used.

The input is never modified. The output appears atomically: it is written to a
temporary file beside the target and renamed into place only when the signature is
complete, so a failure leaves no output file behind.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from esig._io import atomic_output, open_input
from esig._library_warnings import caught_library_warnings
from esig._model import EsigModel
from esig._pyhanko.pades import sign_pades
from esig._sync import run_sync
from esig.devices.base import DigestAlgorithm, SignatureCreationDevice
from esig.errors import OutputError
from esig.identity import NameIdentity
from esig.signing.appearance import VisibleSignature
from esig.signing.baseline import (
    BaselineLevel,
    BaselineRequest,
    TimestampService,
    ValidationServices,
)
from esig.signing.certification import DocPermission, FieldLock
from esig.signing.fields import signature_fields

__all__ = ["SignedDocument", "async_sign_pdf", "sign_pdf", "sign_pdf_bytes"]


class SignedDocument(EsigModel):
    """What :func:`sign_pdf` produced."""

    path: Path
    """Where the signed document was written."""
    field_name: str
    """The signature field that holds the new signature."""
    signer: NameIdentity
    """Who signed, as the certificate names them."""
    digest_algorithm: DigestAlgorithm
    size: int
    """Size of the signed document in bytes."""
    level: BaselineLevel = BaselineLevel.B_B
    """The PAdES baseline level the signature was made at."""
    certification: DocPermission | None = None
    """The changes the signature allows, if it certifies the document (DocMDP)."""
    visible: bool = False
    """Whether the signature has an appearance on a page."""
    warnings: tuple[str, ...] = ()
    """What esig changed or could not do to keep a PDF/A input PDF/A."""


async def async_sign_pdf(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    device: SignatureCreationDevice,
    *,
    field_name: str | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
    reason: str | None = None,
    location: str | None = None,
    contact_info: str | None = None,
    level: BaselineLevel = BaselineLevel.B_B,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
    appearance: VisibleSignature | None = None,
    certify: DocPermission | None = None,
    lock_fields: FieldLock | None = None,
) -> SignedDocument:
    """Sign the PDF at ``source`` and write the result atomically to ``output``.

    Args:
        source: The PDF to sign; it is only read.
        output: Where to write the signed PDF. Must differ from ``source``.
        device: The signature creation device that holds the signer's key.
        field_name: The signature field to fill or create (default: the first free
            ``SignatureN``).
        digest_algorithm: The message digest algorithm.
        reason: The reason for signing, recorded in the signature dictionary.
        location: Where the signature was made.
        contact_info: How to reach the signer.
        level: The PAdES baseline level (:class:`~esig.signing.baseline.PadesLevel`).
        timestamp: The time-stamping service; required from B-T on.
        validation: How to collect validation data for B-LT and B-LTA (trust anchors,
            timeout); default: fetch from the URLs in the certificates.
        appearance: Make the signature visible: a page and box, or an existing field,
            with the signer's name, organisation, function, date, reason, level and an
            image (:class:`~esig.signing.appearance.VisibleSignature`). A visible field
            prepared by :func:`~esig.signing.fields.prepare_document` gets the default
            appearance when this is None.
        certify: Make this a certification signature that allows these later changes
            (:class:`~esig.signing.certification.DocPermission`); it must be the
            document's first signature.
        lock_fields: The form fields that may not change once this field is signed
            (:class:`~esig.signing.certification.FieldLock`), for a field that has no
            lock yet.

    Returns:
        A description of the signed document.

    Raises:
        DocumentNotFoundError: ``source`` does not exist.
        NotAPdfError: ``source`` is not a PDF.
        CorruptDocumentError: ``source`` cannot be parsed.
        EncryptedDocumentError: ``source`` is encrypted.
        InputError: The level needs a service that was not given (checked first,
            before the device is used), or a service was given that it does not use.
        ServiceError: The time-stamping service, an OCSP responder or a CRL server
            cannot be reached, is slower than its timeout, or answers garbage.
        SigningError: The device or pyHanko could not produce the signature.
        OutputError: ``output`` cannot be written, or is the input itself.
        CertificationError: The document is certified with no changes allowed, or
            ``certify`` was asked for a document that is already signed.
        FontError: No font for the appearance, or a character without a glyph.

    .. versionchanged:: 0.1.0
        ``level``, ``timestamp`` and ``validation``: baseline B-T, B-LT and B-LTA.

    """
    baseline = BaselineRequest(level=level, timestamp=timestamp, validation=validation)
    src, dst = Path(source), Path(output)
    if dst.exists() and src.exists() and dst.resolve() == src.resolve():
        raise OutputError("The output must not be the input document", path=dst)
    warnings: list[str] = []
    caught = caught_library_warnings("signing a PDF")
    with caught, open_input(src) as handle, atomic_output(dst) as out:
        name = await sign_pades(
            handle,
            out,
            device,
            field_name=field_name,
            digest_algorithm=digest_algorithm,
            reason=reason,
            location=location,
            contact_info=contact_info,
            baseline=baseline,
            appearance=appearance,
            certify=certify,
            lock=lock_fields,
            on_warning=warnings.append,
        )
    size = dst.stat().st_size
    return SignedDocument(
        path=dst,
        field_name=name,
        signer=NameIdentity.from_name(device.certificate.subject),
        digest_algorithm=digest_algorithm,
        size=size,
        level=level,
        certification=certify,
        visible=appearance is not None or _visible_field(dst, name),
        warnings=tuple(warnings),
    )


def sign_pdf(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    device: SignatureCreationDevice,
    *,
    field_name: str | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
    reason: str | None = None,
    location: str | None = None,
    contact_info: str | None = None,
    level: BaselineLevel = BaselineLevel.B_B,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
    appearance: VisibleSignature | None = None,
    certify: DocPermission | None = None,
    lock_fields: FieldLock | None = None,
) -> SignedDocument:
    """Sign the PDF at ``source`` and write the result atomically to ``output``.

    The synchronous twin of :func:`async_sign_pdf`, with the same arguments; it works
    inside a running event loop too (e.g. in Jupyter).
    """
    return run_sync(
        async_sign_pdf(
            source,
            output,
            device,
            field_name=field_name,
            digest_algorithm=digest_algorithm,
            reason=reason,
            location=location,
            contact_info=contact_info,
            level=level,
            timestamp=timestamp,
            validation=validation,
            appearance=appearance,
            certify=certify,
            lock_fields=lock_fields,
        )
    )


def _visible_field(path: Path, name: str) -> bool:
    return any(f.name == name and f.box is not None for f in signature_fields(path))


def sign_pdf_bytes(
    data: bytes,
    device: SignatureCreationDevice,
    *,
    field_name: str | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
    reason: str | None = None,
    location: str | None = None,
    level: BaselineLevel = BaselineLevel.B_B,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
    appearance: VisibleSignature | None = None,
    certify: DocPermission | None = None,
    lock_fields: FieldLock | None = None,
) -> bytes:
    """Sign a PDF held in memory and return the signed bytes.

    Same rules and errors as :func:`sign_pdf`, with the same ``appearance``,
    ``certify`` and ``lock_fields``; nothing touches the file system (PDF/A warnings
    are not returned: use :func:`sign_pdf` to get them).
    """
    baseline = BaselineRequest(level=level, timestamp=timestamp, validation=validation)
    out = io.BytesIO()
    run_sync(
        sign_pades(
            io.BytesIO(data),
            out,
            device,
            field_name=field_name,
            digest_algorithm=digest_algorithm,
            reason=reason,
            location=location,
            contact_info=None,
            baseline=baseline,
            appearance=appearance,
            certify=certify,
            lock=lock_fields,
        )
    )
    return out.getvalue()
