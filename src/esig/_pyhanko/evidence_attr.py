"""The evidence record as a CMS signed attribute: the provider that writes it, the reader.

The record (canonical JSON bytes) is the single value of a signed attribute whose type is
:attr:`esig.oids.EsigAttributeOID.EVIDENCE_RECORD`, as an OCTET STRING. Signed attributes
are what the signature value covers, so the seal protects the record; nothing is added
to the PDF outside the signature, and other signatures are left alone.

The attribute type is registered with asn1crypto the way pyHanko registers its own
(:func:`pyhanko.sign.ades.asn1_util.register_cms_attribute`), and pyHanko's
:class:`~pyhanko.sign.attributes.CMSAttributeProvider` builds it: no hand-written DER.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from typing import BinaryIO, Final

from asn1crypto import cms, core
from pyhanko.sign.ades.asn1_util import register_cms_attribute
from pyhanko.sign.attributes import CMSAttributeProvider
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from esig._pyhanko.documents import open_writer
from esig.errors import CorruptDocumentError
from esig.oids import EsigAttributeOID

__all__ = [
    "ATTRIBUTE_NAME",
    "MALFORMED",
    "SESSION_RECORD_TYPE",
    "EvidenceRecordProvider",
    "SignatureEvidenceAttribute",
    "evidence_attributes",
    "evidence_base_sha256",
    "extends_by_one_update",
    "is_session_record",
    "read_evidence_attribute",
]

ATTRIBUTE_NAME: Final = "esig_evidence_record"
"""asn1crypto's readable name for the attribute type."""

SESSION_RECORD_TYPE: Final = "esig-session-evidence"
"""The ``record_type`` of a signing session's evidence (the signer's own signature),
as opposed to a platform seal's evidence record."""


def is_session_record(raw: bytes) -> bool:
    """Whether the attribute's JSON is a signing session's evidence (by its record_type)."""
    try:
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(parsed, dict) and parsed.get("record_type") == SESSION_RECORD_TYPE


MALFORMED: Final = b""
"""What :func:`read_evidence_attribute` returns for an attribute that is there but
malformed (repeated, several values, not an OCTET STRING): never a valid record."""

_DOTTED: Final = EsigAttributeOID.EVIDENCE_RECORD.dotted_string

register_cms_attribute(_DOTTED, ATTRIBUTE_NAME, core.OctetString)
_reverse = cms.CMSAttributeType._reverse_map
if _reverse is not None:  # asn1crypto builds the reverse map once, on first use
    _reverse[ATTRIBUTE_NAME] = _DOTTED

_PROBLEMS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)


class EvidenceRecordProvider(CMSAttributeProvider):
    """Provides the evidence record as a signed attribute of the signature."""

    attribute_type: str = ATTRIBUTE_NAME

    def __init__(self, record: bytes) -> None:
        self._record = record

    async def build_attr_value(self, dry_run: bool = False) -> core.OctetString:
        """The record as an OCTET STRING (the same in a dry run: it sets the size)."""
        return core.OctetString(self._record)

    async def get_attribute(self, dry_run: bool = False) -> cms.CMSAttribute:
        """The attribute, its type given by OID so registration order does not matter."""
        value = await self.build_attr_value(dry_run=dry_run)
        return cms.CMSAttribute({"type": cms.CMSAttributeType(_DOTTED), "values": (value,)})


def read_evidence_attribute(signed_attrs: cms.CMSAttributes | None) -> bytes | None:
    """The evidence record in ``signed_attrs``; None without one; :data:`MALFORMED` if bad.

    Exactly one attribute of the type with exactly one OCTET STRING value is a record; a
    repeated attribute or several values are reported as malformed, never one of them
    picked.
    """
    if signed_attrs is None:
        return None
    found = [a for a in signed_attrs if a["type"].dotted == _DOTTED]
    if not found:
        return None
    if len(found) != 1:
        return MALFORMED
    try:
        values = found[0]["values"]
        if len(values) != 1:
            return MALFORMED
        value = values[0]
        if not isinstance(value, core.OctetString):
            return MALFORMED
        return bytes(value.native)
    except _PROBLEMS:
        return MALFORMED


@dataclass(frozen=True)
class SignatureEvidenceAttribute:
    """One signature field and the evidence record its signed attributes carry."""

    field_name: str
    record: bytes
    """The attribute's value; :data:`MALFORMED` when the attribute is malformed."""
    signed_revision_end: int
    """Where the revision the signature covers ends (0 when unknown)."""


def evidence_attributes(data: bytes) -> list[SignatureEvidenceAttribute]:
    """Every signature in the PDF ``data`` that carries an evidence record, oldest first.

    This reads the records; it does not verify the signatures (use the verifier).

    Raises:
        NotAPdfError: ``data`` is not a PDF.
        CorruptDocumentError: The PDF's signature fields cannot be read.
        EncryptedDocumentError: The PDF is encrypted.

    """
    reader = open_writer(io.BytesIO(data)).prev
    try:
        fields = list(enumerate_sig_fields(reader, filled_status=True))
    except _PROBLEMS as exc:
        raise CorruptDocumentError(f"The PDF's signature fields cannot be read: {exc}") from None
    found: list[SignatureEvidenceAttribute] = []
    for name, _, sig_field in fields:
        try:
            sig = EmbeddedPdfSignature(reader, sig_field, str(name))
            record = read_evidence_attribute(sig.signer_info["signed_attrs"])
        except Exception:
            continue
        if record is None:
            continue
        try:
            rng = [int(x) for x in sig.byte_range]
            end = rng[2] + rng[3] if len(rng) == 4 else 0
        except _PROBLEMS:
            end = 0
        found.append(SignatureEvidenceAttribute(str(name), record, end))
    found.sort(key=lambda item: item.signed_revision_end)
    return found


def evidence_base_sha256(stream: BinaryIO, record: bytes | None, signed_end: int) -> str | None:
    """SHA-256 (hex) of the document the seal extends, if the record's size names it.

    The record names the document the signer was shown by size and SHA-256
    (``what.document_size`` in :class:`esig.evidence.EvidenceRecord`, ``document_size``
    in :class:`esig.signing.session.SessionEvidence`). The seal's
    revision must extend exactly that document: the first ``document_size`` bytes,
    followed by the seal's own incremental update and nothing else (one ``%%EOF``
    between that point and ``signed_end``). Then those bytes are hashed; otherwise, or
    when the record gives no usable size, None. The stream's position is restored.
    """
    if not record:
        return None
    try:
        parsed = json.loads(record)
        size = parsed.get("what", parsed)["document_size"]
    except (*_PROBLEMS, json.JSONDecodeError):
        return None
    if not isinstance(size, int) or isinstance(size, bool) or not 0 < size < signed_end:
        return None
    position = stream.tell()
    try:
        stream.seek(0)
        digest = hashlib.sha256()
        left = size
        while left > 0:
            chunk = stream.read(min(left, 1 << 20))
            if not chunk:
                return None
            digest.update(chunk)
            left -= len(chunk)
        update = stream.read(signed_end - size)
    finally:
        stream.seek(position)
    return digest.hexdigest() if extends_by_one_update(update) else None


def extends_by_one_update(update: bytes) -> bool:
    """Whether ``update`` (the bytes after the presented document) is one revision."""
    return update.count(b"%%EOF") == 1 and update.rstrip(b"\r\n \t\x00").endswith(b"%%EOF")
