"""Extend signed PDFs: add validation data (B-LT) and a document timestamp (B-LTA).

Works on any signed PDF, made by esig or by anyone else. The certificates, OCSP
responses and CRLs that every signature (and every earlier document timestamp) needs
are fetched and stored in the document security store; for B-LTA a new document
timestamp covers them. Extending a B-LTA document again renews its archive timestamp:
the previous document timestamp gets its own validation data, and a new timestamp
covers it before the old one's certificate or algorithm ages.

Everything goes into one incremental update, so earlier signatures stay valid. As with
signing, the input is never modified and the output appears atomically.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import os
from pathlib import Path

from esig._io import atomic_output, open_input
from esig._model import EsigModel
from esig._pyhanko.extend import extend_pades
from esig._sync import run_sync
from esig.devices.base import DigestAlgorithm
from esig.errors import InputError, OutputError
from esig.signing.baseline import BaselineLevel, TimestampService, ValidationServices

__all__ = ["ExtendedDocument", "async_extend_pdf", "extend_pdf"]


class ExtendedDocument(EsigModel):
    """What :func:`extend_pdf` produced.

    .. versionadded:: 0.1.0
    """

    path: Path
    """Where the extended document was written."""
    level: BaselineLevel
    """The level the document was extended to (B-LT or B-LTA)."""
    signatures: int
    """Signatures and earlier document timestamps whose validation data was added."""
    document_timestamps: int
    """Document timestamps in the extended document."""
    size: int
    """Size of the extended document in bytes."""


def _check_request(level: BaselineLevel, timestamp: TimestampService | None) -> None:
    if level not in (BaselineLevel.B_LT, BaselineLevel.B_LTA):
        raise InputError(f"A signed PDF is extended to B-LT or B-LTA, not to {level.value}")
    if level is BaselineLevel.B_LTA and timestamp is None:
        raise InputError(
            "B-LTA needs a time-stamping service for the document timestamp: give "
            "timestamp=TimestampService(url=...) (CLI: --tsa URL)"
        )
    if level is BaselineLevel.B_LT and timestamp is not None:
        raise InputError(
            "A time-stamping service was given, but extending to B-LT adds no timestamp; "
            "ask for B-LTA"
        )


async def async_extend_pdf(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    level: BaselineLevel = BaselineLevel.B_LTA,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
) -> ExtendedDocument:
    """Add validation data (and, for B-LTA, a document timestamp) to a signed PDF.

    Args:
        source: The signed PDF; it is only read.
        output: Where to write the extended PDF. Must differ from ``source``.
        level: B-LT (validation data only) or B-LTA (plus a document timestamp).
        timestamp: The time-stamping service for the document timestamp (B-LTA).
        validation: Trust anchors and timeout for collecting validation data; by
            default the self-signed certificates embedded in the signatures anchor the
            collection.
        digest_algorithm: The digest algorithm of the document timestamp.

    Returns:
        A description of the extended document.

    Raises:
        InputError: The level is not B-LT or B-LTA, B-LTA lacks a time-stamping service
            (both checked before anything is read), or the document holds no signature.
        DocumentNotFoundError: ``source`` does not exist.
        NotAPdfError: ``source`` is not a PDF.
        CorruptDocumentError: ``source`` cannot be parsed.
        EncryptedDocumentError: ``source`` is encrypted.
        ServiceError: The time-stamping service, an OCSP responder or a CRL server
            cannot be reached, is slower than its timeout, or answers garbage.
        SigningError: Validation data cannot be collected (e.g. no path to an anchor).
        OutputError: ``output`` cannot be written, or is the input itself.

    """
    _check_request(level, timestamp)
    services = validation or ValidationServices()
    src, dst = Path(source), Path(output)
    if dst.exists() and src.exists() and dst.resolve() == src.resolve():
        raise OutputError("The output must not be the input document", path=dst)
    with open_input(src) as handle, atomic_output(dst) as out:
        facts = await extend_pades(
            handle,
            out,
            level=level,
            timestamp=timestamp,
            validation=services,
            digest_algorithm=digest_algorithm,
        )
    return ExtendedDocument(
        path=dst,
        level=level,
        signatures=facts.signatures,
        document_timestamps=facts.document_timestamps,
        size=dst.stat().st_size,
    )


def extend_pdf(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    level: BaselineLevel = BaselineLevel.B_LTA,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
) -> ExtendedDocument:
    """Add validation data (and, for B-LTA, a document timestamp) to a signed PDF.

    The synchronous twin of :func:`async_extend_pdf`, with the same arguments; it works
    inside a running event loop too.
    """
    return run_sync(
        async_extend_pdf(
            source,
            output,
            level=level,
            timestamp=timestamp,
            validation=validation,
            digest_algorithm=digest_algorithm,
        )
    )
