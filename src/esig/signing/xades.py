"""XAdES signatures (ETSI EN 319 132-1) for XML documents, made with any device.

Enveloped: the ``ds:Signature`` goes inside the XML document and covers all of it
(``URI=""`` with the enveloped-signature transform). Detached: a separate XML file holds
the ``ds:Signature``, whose reference names the signed file by a relative URI with the
digest of its bytes; any file can be signed this way. Both carry the XAdES signed
properties of baseline B-B (SigningTime, SigningCertificateV2, DataObjectFormat); B-T
adds a SignatureTimeStamp from an RFC 3161 service; B-LT the validation data
(CertificateValues, RevocationValues, TimeStampValidationData: the certificates, OCSP
responses and CRLs fetched from the URLs the certificates name); B-LTA an
ArchiveTimeStamp over all of it (EN 319 132-1 §5.5.2, see
:func:`esig.signing.xades_extend.extend_xml`, which extends existing signatures).
signxml does the canonicalisation and XML-DSig; the device signs the digest of the
canonical ``SignedInfo``, so a key in a file, on a PKCS#11 token or at a remote CSC
service signs alike. Anyone can check
the result, e.g. with signxml's ``XAdESVerifier`` or ``xmlsec1 --verify``.

The input is never modified; the output appears atomically.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

from esig._io import atomic_output, open_input
from esig._model import EsigModel
from esig._sync import run_sync
from esig._xml.xades_extend import extend_xades
from esig._xml.xades_sign import sign_xades
from esig.devices.base import DigestAlgorithm, SignatureCreationDevice
from esig.errors import InputError, OutputError
from esig.identity import NameIdentity
from esig.model.xades import XadesPackaging
from esig.signing.baseline import (
    BaselineLevel,
    BaselineRequest,
    TimestampService,
    ValidationServices,
)

__all__ = ["XadesPackaging", "XmlSignature", "async_sign_xml", "sign_xml"]


class XmlSignature(EsigModel):
    """What :func:`sign_xml` produced.

    .. versionadded:: 0.2.0
    """

    path: Path
    """Where the signed document (enveloped) or the signature (detached) was written."""
    content: Path
    """The file that was signed (unchanged)."""
    packaging: XadesPackaging
    signer: NameIdentity
    """Who signed, as the certificate names them."""
    digest_algorithm: DigestAlgorithm
    level: BaselineLevel
    """The XAdES baseline level: B-B, B-T, B-LT or B-LTA."""
    size: int
    """Size of the written file in bytes."""


async def async_sign_xml(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    device: SignatureCreationDevice,
    *,
    packaging: XadesPackaging | str = XadesPackaging.ENVELOPED,
    level: BaselineLevel = BaselineLevel.B_B,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
) -> XmlSignature:
    """Sign an XML document (or, detached, any file) with a XAdES signature.

    Args:
        source: The document to sign; only read.
        output: Where to write the signed document (enveloped) or the signature (detached).
        device: The signature creation device that holds the signer's key.
        packaging: ``"enveloped"`` (the default) or ``"detached"``.
        level: B-B, B-T, B-LT or B-LTA.
        timestamp: The time-stamping service; required from B-T on (B-LTA uses it for
            the archive timestamp too).
        validation: Trust anchors and timeout for collecting validation data (B-LT and
            B-LTA); by default the device's self-signed root anchors the collection.
        digest_algorithm: The digest algorithm of the references and the signature.

    Returns:
        A description of what was written.

    Raises:
        InputError: The level or packaging is not offered, B-T lacks its service (both
            checked before the device is used), or an enveloped document is not
            well-formed XML, declares a DTD or already carries a signature.
        DocumentNotFoundError: ``source`` does not exist.
        ServiceError: The time-stamping service, an OCSP responder or a CRL server failed.
        SigningError: The device or signxml could not produce the signature, or no path
            to a trust anchor could be validated for the validation data.
        OutputError: ``output`` cannot be written, or is the source itself.

    .. versionchanged:: 0.2.0 B-LT and B-LTA; ``validation``.

    """
    try:
        chosen = XadesPackaging(packaging)
    except ValueError:
        raise InputError(
            f"XAdES packaging is 'enveloped' or 'detached', not {packaging!r}"
        ) from None
    baseline = BaselineRequest(level=level, timestamp=timestamp, validation=validation)
    src, dst = Path(source), Path(output)
    if dst.exists() and src.exists() and dst.resolve() == src.resolve():
        raise OutputError("The signature must not overwrite the signed file", path=dst)
    mime = "text/xml" if chosen is XadesPackaging.ENVELOPED else _mime_type(src)
    with open_input(src, what="document to sign") as handle:
        data = await sign_xades(
            handle,
            packaging=chosen,
            device=device,
            digest_algorithm=digest_algorithm,
            timestamp=baseline.timestamp,
            content_name=src.name,
            mime_type=mime,
        )
    if level.long_term:
        content = src.read_bytes() if chosen is XadesPackaging.DETACHED else b""
        extended = await extend_xades(
            data,
            level=level,
            # the signature timestamp is there: only B-LTA's archive timestamp needs the TSA
            timestamp=baseline.timestamp if level is BaselineLevel.B_LTA else None,
            validation=baseline.validation_services,
            digest_algorithm=digest_algorithm,
            resolve=lambda _uri: content,
        )
        data = extended.data
    with atomic_output(dst) as out:
        out.write(data)
    return XmlSignature(
        path=dst,
        content=src,
        packaging=chosen,
        signer=NameIdentity.from_name(device.certificate.subject),
        digest_algorithm=digest_algorithm,
        level=level,
        size=len(data),
    )


def _mime_type(path: Path) -> str:
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def sign_xml(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    device: SignatureCreationDevice,
    *,
    packaging: XadesPackaging | str = XadesPackaging.ENVELOPED,
    level: BaselineLevel = BaselineLevel.B_B,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
) -> XmlSignature:
    """Sign an XML document (or, detached, any file) with a XAdES signature.

    The synchronous twin of :func:`async_sign_xml`, with the same arguments; it works
    inside a running event loop too.

    .. versionadded:: 0.2.0
    """
    return run_sync(
        async_sign_xml(
            source,
            output,
            device,
            packaging=packaging,
            level=level,
            timestamp=timestamp,
            validation=validation,
            digest_algorithm=digest_algorithm,
        )
    )
