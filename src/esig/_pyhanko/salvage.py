"""Recover signatures from a PDF that no longer parses, and judge each on its own.

When the bytes inside a signed range are damaged, or a later revision breaks the file
(a damaged startxref or /Prev offset, a malformed /Encrypt entry), the PDF may not
parse at all. A verifier must still say, signature by signature, whether each one
holds (as the EU's DSS validator does), not only that the file is unreadable. This
module scans the raw bytes for signature byte ranges; for each range:

* the revision the signature covers is its own PDF (the file's first bytes up to the
  range's end, as the signer saved them): when that prefix parses and holds the
  signature, the signature is validated in full there (certificate path, timestamps,
  conformance), and only what follows the signed revision is left unexamined;
* otherwise the CMS object is taken from the gap the range leaves, and its digest and
  signature value are checked with pyHanko's CMS functions (no certificate path, no
  revision analysis).

The report marks such signatures as recovered from a damaged file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from asn1crypto import cms
from cryptography import x509
from pyhanko.sign.general import extract_certificate_info, extract_signer_info
from pyhanko.sign.validation.generic_cms import get_signing_cert_attr, validate_sig_integrity

from esig._pyhanko.conformance import BaselineFacts, read_baseline_facts
from esig._pyhanko.documents import PARSE_FAILURES, filled_signature_fields, open_reader
from esig._pyhanko.raw_signature import RawSignature, with_changes
from esig._pyhanko.signature_bytes import signature_value
from esig._pyhanko.signer import from_asn1
from esig._pyhanko.validate import validate_signatures
from esig.errors import InputError
from esig.model.coverage import Coverage, ModificationLevel

__all__ = ["Recovered", "recover_signatures", "salvage_signatures"]

_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")
_MAX_SIGNATURES = 100
_MAX_REVISIONS = 20
"""At most this many signed revisions are parsed and validated in full."""


@dataclass
class Recovered:
    """What :func:`recover_signatures` found: each signature, and its conformance facts."""

    signatures: list[RawSignature] = field(default_factory=list)
    """One per signature found, oldest first."""
    facts: dict[str, BaselineFacts] = field(default_factory=dict)
    """PAdES conformance facts of the signatures validated in their own revision."""


async def recover_signatures(
    data: bytes,
    problem: str,
    trust_anchors: Sequence[x509.Certificate],
    *,
    allow_fetching: bool = False,
    moment: dt.datetime | None = None,
) -> Recovered:
    """Judge each signature of a PDF that does not parse, in its own signed revision.

    Args:
        data: The whole file.
        problem: Why the PDF could not be parsed (said in each result).
        trust_anchors: As for :func:`~esig._pyhanko.validate.validate_signatures`.
        allow_fetching: Fetch revocation data over the network.
        moment: Validate as of this moment instead of now.

    Returns:
        The signatures found (may be none). A document timestamp is not one (as in
        :func:`~esig._pyhanko.validate.validate_signatures`).

    """
    found = Recovered()
    ranges = _byte_ranges(data)
    for index, rng in enumerate(ranges, start=1):
        whole = None
        if index <= _MAX_REVISIONS:
            whole = await _in_signed_revision(
                data, rng, problem, trust_anchors, allow_fetching=allow_fetching, moment=moment
            )
        if whole is not None:
            raw, facts = whole
            if raw is None:
                continue  # a document timestamp
            found.signatures.append(raw)
            if facts is not None:
                found.facts[raw.field_name] = facts
            continue
        salvaged = _check(data, rng, index, problem)
        if salvaged is not None:
            found.signatures.append(salvaged)
    return found


def _byte_ranges(data: bytes) -> list[tuple[int, int, int, int]]:
    """The distinct byte ranges written in ``data``, in the order they appear."""
    ranges: list[tuple[int, int, int, int]] = []
    for match in _BYTE_RANGE.finditer(data):
        a, b, c, d = (int(x) for x in match.groups())
        if (a, b, c, d) not in ranges:
            ranges.append((a, b, c, d))
        if len(ranges) >= _MAX_SIGNATURES:
            break
    return ranges


async def _in_signed_revision(
    data: bytes,
    rng: tuple[int, int, int, int],
    problem: str,
    trust_anchors: Sequence[x509.Certificate],
    *,
    allow_fetching: bool,
    moment: dt.datetime | None,
) -> tuple[RawSignature | None, BaselineFacts | None] | None:
    """The signature validated in the revision it covers; None when that does not parse.

    ``(None, None)``: the range is a document timestamp's, judged by no signature check.
    """
    start, length, gap_end, length2 = rng
    end = gap_end + length2
    if not (start == 0 and 0 < length < gap_end and end < len(data)):
        return None  # the whole (damaged) file, or not a range of this file
    stream = io.BytesIO(data[:end])
    try:
        reader = open_reader(stream)
        fields = [
            f
            for f in filled_signature_fields(reader)
            if f.embedded is not None and tuple(f.embedded.byte_range) == rng
        ]
        if not fields:
            return None
        validated = await validate_signatures(
            reader,
            len(data),
            trust_anchors,
            allow_fetching=allow_fetching,
            moment=moment,
            filled=fields,
        )
        facts = read_baseline_facts(reader, fields)
    except (InputError, *PARSE_FAILURES):
        return None
    if not validated:
        return None, None
    raw = validated[0]
    revision = raw.revision or reader.xrefs.total_revisions
    return (
        with_changes(
            raw,
            file_size=len(data),
            coverage=Coverage.ENTIRE_REVISION,
            revision=revision,
            total_revisions=revision + 1,
            modification=ModificationLevel.UNKNOWN,
            modification_detail=None,
            esig_changes=None,
            diff_error=f"the file after the signed revision cannot be parsed: {problem}",
            later_unreadable=True,
        ),
        facts.get(raw.field_name),
    )


def salvage_signatures(data: bytes, problem: str) -> list[RawSignature]:
    """Find signatures in ``data`` by their byte ranges and check their integrity only.

    Args:
        data: The whole file.
        problem: Why the PDF could not be parsed (kept in each result).

    Returns:
        One result per byte range whose gap holds a CMS signature (may be empty).

    """
    found: list[RawSignature] = []
    for index, rng in enumerate(_byte_ranges(data), start=1):
        raw = _check(data, rng, index, problem)
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
        if signed_data["encap_content_info"]["content_type"].native == "tst_info":
            return None  # a document timestamp: no signature of its own to report
        signer_info = extract_signer_info(signed_data)
        cert = extract_certificate_info(signed_data).signer_cert
        algorithm = signer_info["digest_algorithm"]["algorithm"].native
        digest = hashlib.new(algorithm)
        digest.update(data[start:length])
        digest.update(data[gap_end : gap_end + length2])
        intact, valid = validate_sig_integrity(signer_info, cert, "data", digest.digest())
        mechanism = str(signer_info["signature_algorithm"]["algorithm"].native)
        signer = from_asn1(cert)
        bound = get_signing_cert_attr(signer_info["signed_attrs"]) is not None
    except PARSE_FAILURES:
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
        signer_certificate_bound=bound,
        error=f"the PDF does not parse ({problem}); the signature was recovered from the "
        "raw bytes, so its certificate and later changes were not examined",
        error_sub_indication="FORMAT_FAILURE",
        signature_value=signature_value(signer_info),
    )
