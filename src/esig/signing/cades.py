"""Detached CAdES signatures for any file: ``FILE`` is signed into ``FILE.p7s``.

The signature is a DER CMS ``SignedData`` without the content (detached, CAdES
signed attributes: content type, message digest, signing certificate v2, signing
time). Baseline B-B, B-T (a signature timestamp as an unsigned attribute) and B-LT
(the certificates, CRLs and OCSP responses in the SignedData's ``certificates`` and
``crls``) are offered; B-LTA (archive timestamps) is not. Anyone can check the result::

    openssl cms -verify -binary -inform DER -in FILE.p7s -content FILE -CAfile ROOT.pem

The content is read once, in chunks, for its digest; the signature appears atomically
and the content is never modified.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import os
from pathlib import Path

from esig._io import atomic_output, open_input
from esig._model import EsigModel
from esig._pyhanko.cades import sign_cades
from esig._sync import run_sync
from esig.devices.base import DigestAlgorithm, SignatureCreationDevice
from esig.errors import InputError, OutputError
from esig.identity import NameIdentity
from esig.signing.baseline import (
    BaselineLevel,
    BaselineRequest,
    TimestampService,
    ValidationServices,
)

__all__ = ["DetachedSignature", "async_sign_detached", "default_signature_path", "sign_detached"]


class DetachedSignature(EsigModel):
    """What :func:`sign_detached` produced.

    .. versionadded:: 0.1.0
    """

    path: Path
    """Where the signature (DER CMS) was written."""
    content: Path
    """The file that was signed (unchanged)."""
    signer: NameIdentity
    """Who signed, as the certificate names them."""
    digest_algorithm: DigestAlgorithm
    level: BaselineLevel
    """The CAdES baseline level of the signature."""
    size: int
    """Size of the signature file in bytes."""


def default_signature_path(content: str | os.PathLike[str]) -> Path:
    """Where the detached signature of ``content`` goes by default: ``content`` + ``.p7s``."""
    path = Path(content)
    return path.with_name(f"{path.name}.p7s")


async def async_sign_detached(
    content: str | os.PathLike[str],
    output: str | os.PathLike[str] | None,
    device: SignatureCreationDevice,
    *,
    level: BaselineLevel = BaselineLevel.B_B,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
) -> DetachedSignature:
    """Sign any file with a detached CAdES signature, written atomically to ``output``.

    Args:
        content: The file to sign; it is only read, once, in chunks.
        output: Where to write the signature; ``None``: ``content`` + ``.p7s``.
        device: The signature creation device that holds the signer's key.
        level: B-B, B-T or B-LT (B-LTA is not offered for detached signatures).
        timestamp: The time-stamping service; required from B-T on.
        validation: Trust anchors and timeout for collecting validation data (B-LT).
        digest_algorithm: The message digest algorithm.

    Returns:
        A description of the signature.

    Raises:
        InputError: The level is B-LTA, or needs a service that was not given (checked
            before the device is used), or ``content`` is a folder.
        DocumentNotFoundError: ``content`` does not exist.
        ServiceError: The time-stamping service, an OCSP responder or a CRL server
            cannot be reached, is slower than its timeout, or answers garbage.
        SigningError: The device or pyHanko could not produce the signature.
        OutputError: ``output`` cannot be written, or is the content itself.

    """
    if level is BaselineLevel.B_LTA:
        raise InputError(
            "Detached CAdES signatures are made at B-B, B-T or B-LT; B-LTA is not offered"
        )
    baseline = BaselineRequest(level=level, timestamp=timestamp, validation=validation)
    src = Path(content)
    dst = default_signature_path(src) if output is None else Path(output)
    if dst.exists() and src.exists() and dst.resolve() == src.resolve():
        raise OutputError("The signature must not overwrite the signed file", path=dst)
    with open_input(src, what="file to sign") as handle:
        der = await sign_cades(handle, device, digest_algorithm=digest_algorithm, baseline=baseline)
    with atomic_output(dst) as out:
        out.write(der)
    return DetachedSignature(
        path=dst,
        content=src,
        signer=NameIdentity.from_name(device.certificate.subject),
        digest_algorithm=digest_algorithm,
        level=level,
        size=len(der),
    )


def sign_detached(
    content: str | os.PathLike[str],
    output: str | os.PathLike[str] | None,
    device: SignatureCreationDevice,
    *,
    level: BaselineLevel = BaselineLevel.B_B,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
) -> DetachedSignature:
    """Sign any file with a detached CAdES signature, written atomically to ``output``.

    The synchronous twin of :func:`async_sign_detached`, with the same arguments; it
    works inside a running event loop too.
    """
    return run_sync(
        async_sign_detached(
            content,
            output,
            device,
            level=level,
            timestamp=timestamp,
            validation=validation,
            digest_algorithm=digest_algorithm,
        )
    )
