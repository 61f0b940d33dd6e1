"""CAdES archive-time-stamp-v3 (ETSI EN 319 122-1 §5.5.3): B-LTA inside the signature.

ASiC-S with CAdES reaches B-LTA as the CAdES signature itself does (EN 319 162-1 §4.3.3,
DSS's ``CAdESLevelBaselineLTA``): an ``archive-time-stamp-v3`` unsigned attribute holds
an RFC 3161 token whose own unsigned attribute ``ats-hash-index-v3`` lists the digest
of every certificate, every revocation value and every unsigned attribute value the
signature carried when it was stamped. The token's message imprint is the digest of

    eContentType (DER) || digest of the signed content || version || sid ||
    digestAlgorithm || signedAttrs ([0] IMPLICIT, DER) || signatureAlgorithm ||
    signature || the ats-hash-index-v3 value (DER)

as DSS's ``CadesLevelBaselineLTATimestampExtractor`` computes it. asn1crypto encodes
and parses; the token's validation is pyHanko's (:func:`check_timestamp`).

- :func:`add_archive_timestamp_v3`: a signature with one more archive timestamp (the
  previous one, when there is one, first gets its validation data);
- :func:`check_archive_timestamps_v3`: each archive timestamp of a signature, checked
  (imprint recomputed, token validated, every digest of its index found).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from asn1crypto import algos, cms
from cryptography import x509

from esig._pyhanko.asic_archive import (
    ArchiveTimestampCheck,
    check_timestamp,
    timestamp_digest,
    with_long_term_data,
)
from esig._pyhanko.cades_attributes import (
    ARCHIVE_TIMESTAMP_V3,
    ARCHIVE_TIMESTAMP_V3_OID,
    ATS_HASH_INDEX_V3,
    ATS_HASH_INDEX_V3_OID,
    AtsHashIndexV3,
)
from esig._pyhanko.cades_validate import load_signed_data
from esig._pyhanko.documents import MALFORMED
from esig.devices.base import DigestAlgorithm
from esig.errors import InputError
from esig.model.baseline import TimestampService, ValidationServices

__all__ = [
    "ArchiveV3Check",
    "add_archive_timestamp_v3",
    "archive_timestamp_count",
    "check_archive_timestamps_v3",
    "expected_imprint",
]

ContentDigest = Callable[[str], bytes]
"""The digest of the signed content, by digest algorithm name (``"sha256"``)."""


def _digest(algorithm: str, data: bytes) -> bytes:
    return hashlib.new(algorithm, data).digest()


def _element_digests(
    signed_data: cms.SignedData, signer: cms.SignerInfo, algorithm: str
) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """The digests of every certificate, revocation value and unsigned attribute value."""
    certificates = [_digest(algorithm, c.dump()) for c in signed_data["certificates"] or ()]
    crls = [_digest(algorithm, c.dump()) for c in signed_data["crls"] or ()]
    attributes: list[bytes] = []
    for attribute in signer["unsigned_attrs"] or ():
        kind = attribute["type"].dump()
        attributes.extend(_digest(algorithm, kind + v.dump()) for v in attribute["values"])
    return certificates, crls, attributes


def _imprint(
    signed_data: cms.SignedData,
    signer: cms.SignerInfo,
    content_digest: ContentDigest,
    index_der: bytes,
    algorithm: str,
) -> bytes:
    signed_attrs = signer["signed_attrs"]
    parts = [
        signed_data["encap_content_info"]["content_type"].dump(),
        content_digest(algorithm),
        signer["version"].dump(),
        signer["sid"].dump(),
        signer["digest_algorithm"].dump(),
        signed_attrs.dump() if signed_attrs.contents is not None else b"",
        signer["signature_algorithm"].dump(),
        signer["signature"].dump(),
        index_der,
    ]
    return _digest(algorithm, b"".join(parts))


def _signed_data(der: bytes) -> cms.SignedData:
    """The SignedData of ``der``, parsed lazily (a whole ``.native`` costs seconds)."""
    info = cms.ContentInfo.load(der)
    if info["content_type"].native != "signed_data":
        raise InputError("This is not a CMS/CAdES signature (no SignedData)")
    signed_data: cms.SignedData = info["content"]
    return signed_data


def _signer(signed_data: cms.SignedData) -> cms.SignerInfo:
    signers = signed_data["signer_infos"]
    if len(signers) != 1:
        raise InputError(f"A CAdES signature has one signer; this one has {len(signers)}")
    signer: cms.SignerInfo = signers[0]
    return signer


def _tokens(signer: cms.SignerInfo) -> list[tuple[int, bytes]]:
    """(attribute position, token DER) of each archive-time-stamp-v3, in order."""
    found: list[tuple[int, bytes]] = []
    for position, attribute in enumerate(signer["unsigned_attrs"] or ()):
        if attribute["type"].native == ARCHIVE_TIMESTAMP_V3:
            found.extend((position, value.dump()) for value in attribute["values"])
    return found


def archive_timestamp_count(der: bytes) -> int:
    """How many archive-time-stamp-v3 attributes the CAdES signature ``der`` carries."""
    try:
        return len(_tokens(_signer(_signed_data(der))))
    except MALFORMED:
        return 0


def _with_unsigned(
    info: cms.ContentInfo, signer: cms.SignerInfo, attributes: list[cms.CMSAttribute]
) -> bytes:
    signer["unsigned_attrs"] = cms.CMSAttributes(attributes)
    info["content"]["signer_infos"] = cms.SignerInfos([signer])
    result: bytes = info.dump(force=False)
    return result


def _attribute(kind: str, value: Any) -> cms.CMSAttribute:
    return cms.CMSAttribute({"type": kind, "values": [value]})


async def add_archive_timestamp_v3(
    der: bytes,
    content_digest: ContentDigest,
    timestamp: TimestampService,
    digest_algorithm: DigestAlgorithm,
    *,
    validation: ValidationServices,
    name: str,
) -> bytes:
    """The CAdES signature ``der`` with one more archive-time-stamp-v3.

    The latest archive timestamp already there first gets the validation data of its
    TSA's path (into the token's own SignedData, which nothing earlier covers), so the
    new one covers it complete.

    Raises:
        InputError: ``der`` is not a CAdES signature with one signer.
        ServiceError: The time-stamping service or a revocation service failed.
        SigningError: The previous token's validation data cannot be collected.

    """
    signed_data = load_signed_data(der)
    signer = _signer(signed_data)
    attributes = list(signer["unsigned_attrs"] or ())
    previous = _tokens(signer)
    if previous:
        position, token = previous[-1]
        extended = await with_long_term_data(
            token,
            validation,
            name=f"the archive timestamp of {name}",
            timestamp_token=True,
            pool=[der],
        )
        attributes[position] = _attribute(ARCHIVE_TIMESTAMP_V3_OID, cms.ContentInfo.load(extended))
    info = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    interim = cms.ContentInfo.load(_with_unsigned(info, signer, attributes))
    signed_data = interim["content"]
    signer = signed_data["signer_infos"][0]
    algorithm = digest_algorithm.value
    certificates, crls, unsigned = _element_digests(signed_data, signer, algorithm)
    index = AtsHashIndexV3(
        {
            "hash_ind_algorithm": algos.DigestAlgorithm({"algorithm": algorithm}),
            "certificates_hash_index": certificates,
            "crls_hash_index": crls,
            "unsigned_attrs_hash_index": unsigned,
        }
    )
    imprint = _imprint(signed_data, signer, content_digest, index.dump(), algorithm)
    token = cms.ContentInfo.load(await timestamp_digest(imprint, timestamp, digest_algorithm))
    token_signer = token["content"]["signer_infos"][0]
    token_attrs = [
        *list(token_signer["unsigned_attrs"] or ()),
        _attribute(ATS_HASH_INDEX_V3_OID, index),
    ]
    token_signer["unsigned_attrs"] = cms.CMSAttributes(token_attrs)
    token["content"]["signer_infos"] = cms.SignerInfos([token_signer])
    archive = _attribute(ARCHIVE_TIMESTAMP_V3_OID, token)
    attributes = [*list(signer["unsigned_attrs"] or ()), archive]
    return _with_unsigned(interim, signer, attributes)


def expected_imprint(der: bytes, number: int, content_digest: bytes) -> bytes:
    """The message imprint archive timestamp ``number`` (1 = first) of ``der`` should have.

    ``content_digest``: the signed content's digest with the token's imprint algorithm.
    For judges that check a token against a given digest (``openssl ts -verify -digest``).
    """
    signed_data = _signed_data(der)
    signer = _signer(signed_data)
    token = cms.ContentInfo.load(_tokens(signer)[number - 1][1])
    _, index_der = _index_of(token)
    imprint = token["content"]["encap_content_info"]["content"].parsed["message_imprint"]
    algorithm = imprint["hash_algorithm"]["algorithm"].native
    return _imprint(signed_data, signer, lambda _a: content_digest, index_der, algorithm)


@dataclass(frozen=True)
class ArchiveV3Check:
    """One archive-time-stamp-v3 of a CAdES signature, checked."""

    number: int
    """Its place among the signature's archive timestamps (1 = the first)."""
    timestamp: ArchiveTimestampCheck
    """The token over the recomputed imprint: pyHanko's validation."""
    index_problem: str | None = None
    """Why its ats-hash-index-v3 does not match the signature (None: it does)."""

    @property
    def sound(self) -> bool:
        """The token is sound and every element it indexes is still in the signature."""
        return self.index_problem is None and self.timestamp.sound


def _index_problem(
    index: AtsHashIndexV3 | None, signed_data: cms.SignedData, signer: cms.SignerInfo
) -> str | None:
    if index is None:
        return "the token carries no ats-hash-index-v3"
    algorithm = index["hash_ind_algorithm"]["algorithm"].native
    certificates, crls, unsigned = _element_digests(signed_data, signer, algorithm)
    for field, present, what in (
        ("certificates_hash_index", certificates, "certificate"),
        ("crls_hash_index", crls, "revocation value"),
        ("unsigned_attrs_hash_index", unsigned, "unsigned attribute"),
    ):
        remaining = list(present)
        for digest in index[field].native:
            if digest in remaining:
                remaining.remove(digest)
            else:
                return f"a {what} it covers is no longer in the signature, or was changed"
    return None


def _index_of(token: cms.ContentInfo) -> tuple[AtsHashIndexV3 | None, bytes]:
    token_signer = token["content"]["signer_infos"][0]
    for attribute in token_signer["unsigned_attrs"] or ():
        if attribute["type"].native == ATS_HASH_INDEX_V3:
            value = attribute["values"][0]
            return value, value.dump()
    return None, b""


async def check_archive_timestamps_v3(
    der: bytes,
    content_digest: ContentDigest,
    trust_anchors: Sequence[x509.Certificate],
    *,
    allow_fetching: bool,
    moment: dt.datetime | None,
) -> tuple[ArchiveV3Check, ...]:
    """Check every archive-time-stamp-v3 of the CAdES signature ``der`` (none: ``()``)."""
    try:
        signed_data = _signed_data(der)
        signer = _signer(signed_data)
        tokens = _tokens(signer)
    except (InputError, *MALFORMED):
        return ()
    checks: list[ArchiveV3Check] = []
    for number, (_, token_der) in enumerate(tokens, start=1):
        try:
            token = cms.ContentInfo.load(token_der, strict=True)
            index, index_der = _index_of(token)
        except MALFORMED as exc:
            failed = ArchiveTimestampCheck(None, f"the token cannot be read ({type(exc).__name__})")
            checks.append(ArchiveV3Check(number, failed))
            continue

        def imprint(algorithm: str, index_der: bytes = index_der) -> bytes:
            return _imprint(signed_data, signer, content_digest, index_der, algorithm)

        result = await check_timestamp(
            token_der,
            imprint,
            trust_anchors,
            allow_fetching=allow_fetching,
            moment=moment,
            pool=[der],
        )
        checks.append(ArchiveV3Check(number, result, _index_problem(index, signed_data, signer)))
    return tuple(checks)
