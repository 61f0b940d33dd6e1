"""Bring XAdES signatures to B-LT and B-LTA (EN 319 132-1 §5.4, §5.5), or renew B-LTA.

Every ``ds:Signature`` of the document that has XAdES qualifying properties is first
verified by signxml (an extension never vouches for a broken signature), which also
yields the octets each reference digested: the first part of an archive timestamp's
input. Then, in its ``UnsignedSignatureProperties``:

- a ``SignatureTimeStamp`` when it has none (B-LT rests on one; a TSA is needed then);
- B-LT, once: ``CertificateValues`` and ``RevocationValues`` with the signer's path and
  its OCSP responses / CRLs, and a ``TimeStampValidationData`` with the signature
  timestamp's TSA path and data (:mod:`esig._pyhanko.xades_values` fetches them);
- B-LTA: an ``ArchiveTimeStamp`` over :func:`esig._xml.xades_archive.archive_input`.
  Renewal (the signature already has one): a ``TimeStampValidationData`` for the last
  archive timestamp's TSA, then a new archive timestamp, which covers both.

Nothing that is signed changes, so the signature value and every reference still verify.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from esig._pyhanko.asic_archive import timestamp_bytes
from esig._pyhanko.xades_values import PathData, collect_path_data, collect_token_data
from esig._xml.parsing import DS_NS, XADES_NS, parse_xml, serialise
from esig._xml.xades_archive import (
    ARCHIVE_C14N,
    add_archive_timestamp,
    add_validation_values,
    archive_input,
    archive_stamps,
    embedded_values,
    reference_outputs,
    unsigned_properties,
)
from esig._xml.xades_sign import add_signature_timestamp
from esig._xml.xades_validate import verified_signature
from esig.devices.base import DigestAlgorithm
from esig.errors import InputError
from esig.model.baseline import BaselineLevel, TimestampService, ValidationServices

__all__ = ["Extension", "extend_xades"]


@dataclass(frozen=True)
class Extension:
    """What :func:`extend_xades` did."""

    data: bytes
    """The extended document (or detached signature)."""
    signatures: int
    """XAdES signatures extended."""
    archive_timestamps: int
    """Archive timestamps in the document afterwards."""
    renewed: bool
    """An existing archive timestamp was covered by a new one."""


def _signature_token(signature: Any) -> bytes | None:
    props = unsigned_properties(signature)
    if props is None:
        return None
    text = props.findtext(f"{{{XADES_NS}}}SignatureTimeStamp/{{{XADES_NS}}}EncapsulatedTimeStamp")
    if text is None:
        return None
    try:
        return base64.b64decode(text.strip())
    except (ValueError, binascii.Error):
        raise InputError("The signature timestamp's EncapsulatedTimeStamp is not base64") from None


def _add_path(signature: Any, data: PathData, *, for_timestamp: bool) -> None:
    add_validation_values(
        signature,
        certificates=data.certificates,
        ocsps=data.ocsp_responses,
        crls=data.crls,
        for_timestamp=for_timestamp,
    )


async def extend_xades(
    data: bytes,
    *,
    level: BaselineLevel,
    timestamp: TimestampService | None,
    validation: ValidationServices,
    digest_algorithm: DigestAlgorithm,
    resolve: Callable[[str], bytes | None],
    name: str = "XML document",
) -> Extension:
    """``data`` with each XAdES signature brought to ``level`` (B-LT or B-LTA).

    ``resolve`` maps a detached reference's URI to the bytes of the file it names.

    Raises:
        InputError: No XAdES signature, one does not verify, a detached file is missing,
            a TSA is needed but not given (or given for nothing), or the signature is
            already at B-LT and B-LT was asked.
        ServiceError: The TSA, an OCSP responder or a CRL server failed.
        SigningError: A path to a trust anchor cannot be validated.

    """
    root = parse_xml(data, what=name)
    signatures = [
        s
        for s in root.iter(f"{{{DS_NS}}}Signature")
        if s.find(f"{{{DS_NS}}}Object/{{{XADES_NS}}}QualifyingProperties") is not None
    ]
    if not signatures:
        raise InputError(f"The {name} holds no XAdES signature to extend")
    everything = list(root.iter(f"{{{DS_NS}}}Signature"))
    renewed = False
    stamps = 0
    for signature in signatures:
        index = everything.index(signature)
        verified = verified_signature(root, signature, index, len(everything), resolve)
        done = await _extend_one(
            signature,
            verified.signer,
            verified.carried,
            verified.digested,
            level=level,
            timestamp=timestamp,
            validation=validation,
            digest_algorithm=digest_algorithm,
        )
        renewed = renewed or done
        stamps += len(archive_stamps(signature))
    return Extension(serialise(root), len(signatures), stamps, renewed)


async def _extend_one(
    signature: Any,
    signer: x509.Certificate,
    carried: tuple[x509.Certificate, ...],
    digested: tuple[bytes, ...],
    *,
    level: BaselineLevel,
    timestamp: TimestampService | None,
    validation: ValidationServices,
    digest_algorithm: DigestAlgorithm,
) -> bool:
    """Extend one signature; True when an existing archive timestamp was renewed."""
    name = signature.get("Id") or "the signature"
    token = _signature_token(signature)
    values = embedded_values(signature)
    at_lt = values.has_certificate_values or values.has_revocation_values
    earlier = archive_stamps(signature)
    needs_tsa = token is None or level is BaselineLevel.B_LTA
    if needs_tsa and timestamp is None:
        what = "a signature timestamp" if token is None else "the archive timestamp"
        raise InputError(
            f"Extending {name} to {level.value} needs {what}: give "
            "timestamp=TimestampService(url=...) (CLI: --tsa URL)"
        )
    if not needs_tsa and timestamp is not None:
        raise InputError(
            f"A time-stamping service was given, but {name} already has its signature "
            "timestamp and B-LT adds no other; ask for B-LTA"
        )
    if at_lt and level is BaselineLevel.B_LT:
        raise InputError(f"{name} already carries its B-LT validation data; ask for B-LTA")
    if token is None:
        assert timestamp is not None
        await add_signature_timestamp(signature, timestamp, digest_algorithm)
        token = _signature_token(signature)
    others = list(carried)
    if not at_lt:
        path = await collect_path_data(signer, others, validation, what=f"the signer of {name}")
        _add_path(signature, path, for_timestamp=False)
        others += [x509.load_der_x509_certificate(c) for c in path.certificates]
        assert token is not None
        tsa = await collect_token_data(
            token, others, validation, what=f"the signature timestamp of {name}"
        )
        _add_path(signature, tsa, for_timestamp=True)
    if level is not BaselineLevel.B_LTA:
        return False
    assert timestamp is not None
    if earlier and earlier[-1].token is not None:
        last = await collect_token_data(
            earlier[-1].token, others, validation, what=f"the last archive timestamp of {name}"
        )
        _add_path(signature, last, for_timestamp=True)
    covered = archive_input(
        signature, reference_outputs(signature, digested), algorithm=ARCHIVE_C14N
    )
    stamp = await timestamp_bytes(covered, timestamp, digest_algorithm)
    add_archive_timestamp(signature, stamp, len(earlier) + 1)
    return bool(earlier)
