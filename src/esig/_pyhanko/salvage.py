"""Recover signatures from a PDF that no longer parses, to say whether they are intact.

When the bytes inside a signed range are damaged, the PDF may not parse at all. A
verifier must still say that the signature no longer matches the document (as the EU's
DSS validator does), not only that the file is unreadable. This module scans the raw
bytes for signature byte ranges, takes the CMS object from the gap each range leaves,
and checks its digest and signature value with pyHanko's CMS functions.

Nothing here trusts the salvaged structure beyond that: no certificate path, no
revision analysis. The report marks such signatures as recovered from a damaged file.
"""

from __future__ import annotations

import hashlib
import re

from asn1crypto import cms
from pyhanko.sign.general import extract_certificate_info, extract_signer_info
from pyhanko.sign.validation.generic_cms import validate_sig_integrity

from esig._pyhanko.raw_signature import RawSignature
from esig._pyhanko.signer import from_asn1

__all__ = ["salvage_signatures"]

_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")
_MAX_SIGNATURES = 100
_MALFORMED = (ValueError, KeyError, IndexError, TypeError, AttributeError, OverflowError)


def salvage_signatures(data: bytes, problem: str) -> list[RawSignature]:
    """Find signatures in ``data`` by their byte ranges and check their integrity.

    Args:
        data: The whole file.
        problem: Why the PDF could not be parsed (kept in each result).

    Returns:
        One result per byte range whose gap holds a CMS signature (may be empty).

    """
    found: list[RawSignature] = []
    for index, match in enumerate(_BYTE_RANGE.finditer(data), start=1):
        if index > _MAX_SIGNATURES:
            break
        ranges = tuple(int(x) for x in match.groups())
        raw = _check(data, ranges, index, problem)
        if raw is not None:
            found.append(raw)
    return found


def _check(data: bytes, rng: tuple[int, ...], index: int, problem: str) -> RawSignature | None:
    start, length, gap_end, length2 = rng
    if not (start == 0 and 0 < length < gap_end <= len(data)):
        return None
    gap = data[length:gap_end].strip()
    if not (gap.startswith(b"<") and gap.endswith(b">")):
        return None
    try:
        der = bytes.fromhex(gap[1:-1].decode("ascii"))
        signed_data = cms.ContentInfo.load(der, strict=False)["content"]
        signer_info = extract_signer_info(signed_data)
        cert = extract_certificate_info(signed_data).signer_cert
        algorithm = signer_info["digest_algorithm"]["algorithm"].native
        digest = hashlib.new(algorithm)
        digest.update(data[start:length])
        digest.update(data[gap_end : gap_end + length2])
        intact, valid = validate_sig_integrity(signer_info, cert, "data", digest.digest())
        mechanism = str(signer_info["signature_algorithm"]["algorithm"].native)
        signer = from_asn1(cert)
    except _MALFORMED:
        return None
    return RawSignature(
        field_name=f"(recovered signature {index})",
        byte_range=rng,
        file_size=len(data),
        signer_cert=signer,
        digest_matches=intact,
        signature_valid=valid,
        digest_algorithm=str(algorithm),
        signature_algorithm=mechanism,
        error=f"the PDF does not parse ({problem}); the signature was recovered from the "
        "raw bytes, so its certificate and later changes were not examined",
        error_sub_indication="FORMAT_FAILURE",
    )
