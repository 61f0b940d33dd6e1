"""PAdES signing through pyHanko's incremental writer (baseline B-B up to B-LTA)."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError

from esig._io import CHUNK_SIZE
from esig._pyhanko.appearance import setup_field
from esig._pyhanko.documents import open_writer
from esig._pyhanko.services import (
    MonitoredTimeStamper,
    ServiceFault,
    ServiceMonitor,
    default_anchors,
    service_error,
    validation_context,
)
from esig._pyhanko.signer import DeviceSigner
from esig.devices.base import DigestAlgorithm, SignatureCreationDevice
from esig.errors import CorruptDocumentError, SigningError
from esig.model.appearance import VisibleSignature
from esig.model.baseline import BaselineLevel, BaselineRequest
from esig.model.certification import DocPermission, FieldLock

__all__ = ["open_writer", "sign_pades"]


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
    baseline: BaselineRequest | None = None,
    appearance: VisibleSignature | None = None,
    certify: DocPermission | None = None,
    lock: FieldLock | None = None,
    on_warning: Callable[[str], None] | None = None,
    evidence: bytes | None = None,
) -> str:
    """Sign ``source`` into ``output`` at a PAdES baseline level; return the field name.

    ``prepare``, when given, is called on the writer before signing; what it adds goes
    into the same incremental update as the signature, so the signature covers it.

    ``appearance`` makes the signature visible, ``certify`` makes it a certification
    signature, ``lock`` gives its field a FieldMDP lock (see ``_pyhanko/appearance.py``);
    ``on_warning`` receives what was changed to keep a PDF/A input PDF/A.

    ``evidence`` (an esig evidence record) goes into the CMS signed attributes.

    ``baseline`` (default B-B) adds a signature timestamp (B-T), the validation data in
    the document security store (B-LT) and a document timestamp (B-LTA); pyHanko writes
    the last two as a second incremental update after the signed revision.

    Raises:
        ServiceError: The time-stamping service, an OCSP responder or a CRL server failed.
        SigningError: The device or pyHanko could not produce the signature.

    """
    request = baseline or BaselineRequest()
    writer = open_writer(source)
    if prepare is not None:
        prepare(writer)
    setup = setup_field(
        writer,
        device,
        field_name=field_name,
        appearance=appearance,
        certify=certify,
        lock=lock,
        reason=reason,
        free_name=lambda: _free_field_name(writer),
    )
    name = setup.name
    for warning in setup.warnings:
        if on_warning is not None:
            on_warning(warning)
    monitor = ServiceMonitor()
    timestamper = (
        MonitoredTimeStamper(request.timestamp, monitor) if request.timestamp is not None else None
    )
    context = None
    if request.level.long_term:
        context = validation_context(
            request.validation_services,
            monitor,
            fallback_anchors=default_anchors((device.certificate, *device.chain)),
            other_certs=device.chain,
        )
    meta = signers.PdfSignatureMetadata(
        field_name=name,
        md_algorithm=digest_algorithm.value,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        contact_info=contact_info,
        embed_validation_info=request.level.long_term,
        use_pades_lta=request.level is BaselineLevel.B_LTA,
        validation_context=context,
        **setup.metadata(),
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=DeviceSigner(device, evidence=evidence),
        timestamper=timestamper,
        stamp_style=setup.stamp_style,
        new_field_spec=setup.new_field_spec,
    )
    try:
        await pdf_signer.async_sign_pdf(
            writer,
            output=output,
            appearance_text_params=setup.text_params,
            chunk_size=CHUNK_SIZE,
        )
    except ServiceFault as fault:
        raise fault.to_error() from None
    except PyHankoSigningError as exc:
        raise service_error(exc, monitor) or SigningError(
            f"The signature could not be created: {_explain(exc)}"
        ) from None
    except PdfError as exc:
        raise service_error(exc, monitor) or CorruptDocumentError(
            f"The PDF cannot be signed: {exc}"
        ) from None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        error = service_error(exc, monitor)
        if error is None:
            raise
        raise error from None
    finally:
        if context is not None:
            await context.aclose()  # type: ignore[no-untyped-call]
    # A failure pyHanko tolerated (a CRL found after the OCSP responder failed) still
    # stops signing: the caller asked for complete validation data.
    error = service_error(None, monitor)
    if error is not None:
        raise error
    return name


def _explain(exc: BaseException) -> str:
    """PyHanko's message, with the cause that says why (e.g. a path validation error)."""
    text = str(exc)
    cause = exc.__cause__
    if cause is not None and str(cause) and str(cause) not in text:
        text = f"{text.rstrip('.')}: {cause}"
    return text


def _free_field_name(writer: IncrementalPdfFileWriter) -> str:
    taken = {name for name, _, _ in fields.enumerate_sig_fields(writer.prev, filled_status=None)}
    index = 1
    while f"Signature{index}" in taken:
        index += 1
    return f"Signature{index}"
