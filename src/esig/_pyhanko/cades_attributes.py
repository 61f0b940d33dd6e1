"""The CAdES B-LTA attributes asn1crypto and pyHanko do not declare (EN 319 122-1 §5.5.3).

``archive-time-stamp-v3`` (an RFC 3161 token) and ``ats-hash-index-v3`` are registered
with pyHanko's :func:`register_cms_attribute`, the way pyHanko registers its own CAdES
attributes, so a signature that carries them parses (its ``.native`` included) instead
of failing on an unknown tagged element. Declarations only: asn1crypto encodes.
"""

from __future__ import annotations

from typing import Any, ClassVar

from asn1crypto import algos, cms
from asn1crypto import core as asn1_core
from pyhanko.sign.ades.asn1_util import register_cms_attribute

__all__ = [
    "ARCHIVE_TIMESTAMP_V3",
    "ARCHIVE_TIMESTAMP_V3_OID",
    "ATS_HASH_INDEX_V3",
    "ATS_HASH_INDEX_V3_OID",
    "AtsHashIndexV3",
]

ARCHIVE_TIMESTAMP_V3 = "archive_time_stamp_v3"
"""id-aa-ets-archiveTimestampV3, by its asn1crypto name (what ``.native`` gives)."""
ARCHIVE_TIMESTAMP_V3_OID = "0.4.0.1733.2.4"
"""id-aa-ets-archiveTimestampV3, dotted: what new attributes are built with (asn1crypto
caches its name-to-OID map on first use, so a name registered later may not resolve)."""
ATS_HASH_INDEX_V3 = "ats_hash_index_v3"
"""id-aa-ATSHashIndex-v3, by its asn1crypto name."""
ATS_HASH_INDEX_V3_OID = "0.4.0.19122.1.5"
"""id-aa-ATSHashIndex-v3, dotted."""


class _OctetStrings(asn1_core.SequenceOf):  # type: ignore[misc]
    _child_spec = asn1_core.OctetString


class AtsHashIndexV3(asn1_core.Sequence):  # type: ignore[misc]
    """ATSHashIndexV3: the digests of the elements an archive-time-stamp-v3 covers."""

    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("hash_ind_algorithm", algos.DigestAlgorithm),
        ("certificates_hash_index", _OctetStrings),
        ("crls_hash_index", _OctetStrings),
        ("unsigned_attrs_hash_index", _OctetStrings),
    ]


register_cms_attribute(ARCHIVE_TIMESTAMP_V3_OID, ARCHIVE_TIMESTAMP_V3, cms.ContentInfo)
register_cms_attribute(ATS_HASH_INDEX_V3_OID, ATS_HASH_INDEX_V3, AtsHashIndexV3)
