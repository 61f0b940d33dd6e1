"""Extend signed PDFs to PAdES B-LT / B-LTA through pyHanko, in one incremental update."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.validation import DocumentSecurityStore, collect_validation_info
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError

from esig._io import CHUNK_SIZE
from esig._pyhanko.documents import open_writer
from esig._pyhanko.services import (
    MonitoredTimeStamper,
    ServiceFault,
    ServiceMonitor,
    default_anchors,
    service_error,
    validation_context,
)
from esig._pyhanko.signer import from_asn1
from esig.devices.base import DigestAlgorithm
from esig.errors import CorruptDocumentError, InputError, SigningError
from esig.model.baseline import BaselineLevel, TimestampService, ValidationServices

__all__ = ["Extension", "extend_pades"]

_MALFORMED = (PdfError, ValueError, KeyError, IndexError, TypeError, AttributeError)


@dataclass(frozen=True)
class Extension:
    """What one extension added."""

    signatures: int
    """Signatures (including earlier document timestamps) whose validation data was added."""
    document_timestamps: int
    """Document timestamps in the result."""


def _embedded_certificates(signature: EmbeddedPdfSignature) -> Iterator[x509.Certificate]:
    signed_data = signature.signed_data
    for choice in signed_data["certificates"] or ():
        if choice.name == "certificate":
            yield from_asn1(choice.chosen)
    for attrs in signature.signer_info["unsigned_attrs"] or ():
        if attrs["type"].native != "signature_time_stamp_token":
            continue
        for token in attrs["values"]:
            for choice in token["content"]["certificates"] or ():
                if choice.name == "certificate":
                    yield from_asn1(choice.chosen)


def _free_timestamp_name(writer: IncrementalPdfFileWriter) -> str:
    taken = {name for name, _, _ in fields.enumerate_sig_fields(writer.prev, filled_status=None)}
    index = 1
    while f"DocumentTimestamp{index}" in taken:
        index += 1
    return f"DocumentTimestamp{index}"


def _has_signature_timestamp(signature: EmbeddedPdfSignature) -> bool:
    """Whether the signature carries a signature-time-stamp-token attribute."""
    unsigned = signature.signer_info["unsigned_attrs"]
    if not unsigned:
        return False
    return any(attr["type"].native == "signature_time_stamp_token" for attr in unsigned)


async def extend_pades(
    source: BinaryIO,
    output: BinaryIO,
    *,
    level: BaselineLevel,
    timestamp: TimestampService | None,
    validation: ValidationServices,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
) -> Extension:
    """Add validation data for every signature (and a document timestamp for B-LTA).

    Each step goes into an incremental update after the last revision, so earlier
    signatures stay intact: PAdES allows document security store updates and document
    timestamps after signing. A B-B signature (no signature timestamp, no document
    timestamp yet) extended to B-LTA gets two updates, as EN 319 142-1 builds the levels
    on each other: a document timestamp that gives it B-T, then the validation data of
    that timestamp (B-LT) and an archive document timestamp over both (B-LTA).

    Raises:
        InputError: The document holds no signature.
        ServiceError: A time-stamping service, OCSP responder or CRL server failed.
        SigningError: Validation data cannot be collected (e.g. no path to an anchor).

    """
    if level is BaselineLevel.B_LTA:
        staged = io.BytesIO()
        first = await _extend_once(
            source, staged, level, timestamp, validation, digest_algorithm, needs_time=True
        )
        if first is None:  # every signature already had a trusted time
            source.seek(0)
        else:
            staged.seek(0)
            source = staged
    done = await _extend_once(
        source, output, level, timestamp, validation, digest_algorithm, needs_time=False
    )
    assert done is not None, "an update without needs_time always happens"
    return done


async def _extend_once(  # noqa: PLR0917 - the parts of one update
    source: BinaryIO,
    output: BinaryIO,
    level: BaselineLevel,
    timestamp: TimestampService | None,
    validation: ValidationServices,
    digest_algorithm: DigestAlgorithm,
    *,
    needs_time: bool,
) -> Extension | None:
    """One incremental update; with ``needs_time``, only when a signature lacks a time."""
    writer = open_writer(source)
    try:
        signatures: list[EmbeddedPdfSignature] = list(writer.prev.embedded_signatures)
    except _MALFORMED as exc:
        raise CorruptDocumentError(f"The PDF's signatures cannot be read: {exc}") from None
    if not signatures:
        raise InputError("The PDF holds no signature, so there is nothing to extend")
    if needs_time:
        try:
            timed = any(s.sig_object_type == "/DocTimeStamp" for s in signatures) or all(
                _has_signature_timestamp(s) for s in signatures
            )
        except _MALFORMED as exc:
            raise CorruptDocumentError(f"The PDF's signatures cannot be read: {exc}") from None
        if timed:
            return None
    embedded: list[x509.Certificate] = []
    for signature in signatures:
        try:
            embedded.extend(_embedded_certificates(signature))
        except _MALFORMED as exc:
            raise CorruptDocumentError(
                f"Signature {signature.field_name!r} cannot be read: {exc}"
            ) from None
    monitor = ServiceMonitor()
    context = validation_context(
        validation,
        monitor,
        fallback_anchors=default_anchors(embedded),
        other_certs=embedded,
    )
    try:
        paths = []
        for signature in signatures:
            is_timestamp = signature.sig_object_type == "/DocTimeStamp"
            try:
                paths.extend(
                    await collect_validation_info(signature, context, skip_timestamp=is_timestamp)
                )
            except (PathBuildingError, PathValidationError, ValidationError) as exc:
                raise service_error(exc, monitor) or SigningError(
                    f"Validation data for {signature.field_name!r} cannot be collected: {exc}"
                ) from None
        DocumentSecurityStore.supply_dss_in_writer(
            writer, None, paths=paths, validation_context=context
        )
        timestamps = sum(1 for s in signatures if s.sig_object_type == "/DocTimeStamp")
        if level is BaselineLevel.B_LTA:
            if timestamp is None:
                raise InputError("B-LTA needs a time-stamping service for the document timestamp")
            stamper = signers.PdfTimeStamper(
                MonitoredTimeStamper(timestamp, monitor), field_name=_free_timestamp_name(writer)
            )
            await stamper.async_timestamp_pdf(
                writer,
                digest_algorithm.value,
                validation_context=context,
                output=output,
                chunk_size=CHUNK_SIZE,
            )
            timestamps += 1
        else:
            writer.write(output)  # type: ignore[no-untyped-call]
    except ServiceFault as fault:
        raise fault.to_error() from None
    except PyHankoSigningError as exc:
        raise service_error(exc, monitor) or SigningError(
            f"The document cannot be extended: {exc}"
        ) from None
    except (PathBuildingError, PathValidationError, ValidationError) as exc:
        raise service_error(exc, monitor) or SigningError(
            f"Validation data cannot be collected: {exc}"
        ) from None
    except PdfError as exc:
        raise service_error(exc, monitor) or CorruptDocumentError(
            f"The PDF cannot be extended: {exc}"
        ) from None
    finally:
        await context.aclose()  # type: ignore[no-untyped-call]
    error = service_error(None, monitor)
    if error is not None:
        raise error
    return Extension(signatures=len(signatures), document_timestamps=timestamps)
