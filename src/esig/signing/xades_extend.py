"""Extend XAdES signatures of XML documents to B-LT or B-LTA, or renew B-LTA.

Works on esig's signatures and on others' (enveloped in an XML document, or a detached
signature file with the file it covers). Each XAdES ``ds:Signature`` must verify first.
B-LT adds, in the unsigned signature properties, ``CertificateValues`` and
``RevocationValues`` (the signer's path, OCSP responses and CRLs, fetched from the URLs
its certificates name) and a ``TimeStampValidationData`` for the signature timestamp's
TSA; a signature without a signature timestamp gets one first. B-LTA adds an
``ArchiveTimeStamp`` over the references' data, ``SignedInfo``, ``SignatureValue``,
``KeyInfo`` and every unsigned property before it (EN 319 132-1 §5.5.2). Extending a
B-LTA signature again renews it: the last archive timestamp's TSA data is added, then a
new archive timestamp that covers the old one.

Nothing that is signed changes. The input is never modified; the output appears
atomically.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import os
from pathlib import Path

from esig._io import atomic_output, read_input
from esig._model import EsigModel
from esig._sync import run_sync
from esig._xml.xades_extend import extend_xades
from esig.devices.base import DigestAlgorithm
from esig.errors import InputError, OutputError
from esig.signing.baseline import BaselineLevel, TimestampService, ValidationServices

__all__ = ["ExtendedXml", "async_extend_xml", "extend_xml"]


class ExtendedXml(EsigModel):
    """What :func:`extend_xml` produced.

    .. versionadded:: 0.2.0
    """

    path: Path
    """Where the extended document (or detached signature) was written."""
    level: BaselineLevel
    """B-LT or B-LTA."""
    signatures: int
    """XAdES signatures extended."""
    archive_timestamps: int
    """Archive timestamps in the output (all signatures together)."""
    renewed: bool
    """An archive timestamp that was there is now covered by a new one."""
    size: int
    """Size of the written file in bytes."""


async def async_extend_xml(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    level: BaselineLevel = BaselineLevel.B_LTA,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
    detached_content: str | os.PathLike[str] | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
) -> ExtendedXml:
    """Bring the XAdES signatures of an XML document to B-LT or B-LTA.

    Args:
        source: The signed XML document, or a detached signature file; only read.
        output: Where to write the result. Must differ from ``source``.
        level: B-LT (validation data) or B-LTA (plus an archive timestamp).
        timestamp: The time-stamping service: for B-LTA, and for a signature that has
            no signature timestamp yet.
        validation: Trust anchors and timeout for collecting validation data; by default
            the self-signed certificates the signature carries anchor the collection.
        detached_content: The signed file, when ``source`` is a detached signature.
        digest_algorithm: The digest algorithm of the timestamps' message imprints.

    Returns:
        A description of what was written.

    Raises:
        InputError: The level is not B-LT or B-LTA, a needed time-stamping service is
            missing (or one was given that nothing uses), the document is not
            well-formed XML or holds no XAdES signature, a signature does not verify, or
            it is already at B-LT and B-LT was asked.
        DocumentNotFoundError: ``source`` or ``detached_content`` does not exist.
        ServiceError: The TSA, an OCSP responder or a CRL server failed.
        SigningError: No path to a trust anchor can be validated for the data.
        OutputError: ``output`` cannot be written, or is the input itself.

    """
    if level not in (BaselineLevel.B_LT, BaselineLevel.B_LTA):
        raise InputError(f"A XAdES signature is extended to B-LT or B-LTA, not to {level.value}")
    if level is BaselineLevel.B_LTA and timestamp is None:
        raise InputError(
            "B-LTA needs a time-stamping service for the archive timestamp: give "
            "timestamp=TimestampService(url=...) (CLI: --tsa URL)"
        )
    src, dst = Path(source), Path(output)
    if dst.exists() and src.exists() and dst.resolve() == src.resolve():
        raise OutputError("The output must not be the input document", path=dst)
    data = read_input(src, what="XML document")
    content = (
        read_input(Path(detached_content), what="signed file")
        if detached_content is not None
        else None
    )
    result = await extend_xades(
        data,
        level=level,
        timestamp=timestamp,
        validation=validation or ValidationServices(),
        digest_algorithm=digest_algorithm,
        resolve=lambda _uri: content,
        name=src.name,
    )
    with atomic_output(dst) as out:
        out.write(result.data)
    return ExtendedXml(
        path=dst,
        level=level,
        signatures=result.signatures,
        archive_timestamps=result.archive_timestamps,
        renewed=result.renewed,
        size=len(result.data),
    )


def extend_xml(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    level: BaselineLevel = BaselineLevel.B_LTA,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
    detached_content: str | os.PathLike[str] | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
) -> ExtendedXml:
    """Bring the XAdES signatures of an XML document to B-LT or B-LTA.

    The synchronous twin of :func:`async_extend_xml`, with the same arguments; it works
    inside a running event loop too.

    .. versionadded:: 0.2.0
    """
    return run_sync(
        async_extend_xml(
            source,
            output,
            level=level,
            timestamp=timestamp,
            validation=validation,
            detached_content=detached_content,
            digest_algorithm=digest_algorithm,
        )
    )
