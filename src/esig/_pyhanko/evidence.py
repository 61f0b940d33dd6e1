"""Signing-session evidence written as a PDF attachment by esig 0.1, read back; page counts.

esig 0.1 embedded the record as one file with a well-known name (:data:`EVIDENCE_NAME`)
in the ``/EmbeddedFiles`` name tree, in the same incremental update as the signature.
Since 0.2 the record is a CMS signed attribute (:mod:`esig._pyhanko.evidence_attr`);
documents signed before still read back here.

Reading looks only at the revision a signature covers, and only accepts a record that
this revision itself wrote, so a record inherited from an earlier signer is never
mistaken for the evidence of a later signature.
"""

from __future__ import annotations

import io
from typing import Final

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from esig._pyhanko.documents import open_writer
from esig.errors import CorruptDocumentError

__all__ = [
    "EVIDENCE_NAME",
    "last_signature_revision_end",
    "page_count",
    "read_evidence",
]

EVIDENCE_NAME: Final = "esig-evidence.json"
"""The attachment name of the evidence record."""

_MAX_TREE_DEPTH: Final = 16
_MALFORMED = (
    PdfError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    NotImplementedError,
    OverflowError,
    RecursionError,
)


def page_count(data: bytes) -> int:
    """The number of pages of the PDF in ``data``.

    Raises:
        NotAPdfError: ``data`` is not a PDF.
        CorruptDocumentError: The PDF cannot be parsed or has no page tree.
        EncryptedDocumentError: The PDF is encrypted.

    """
    writer = open_writer(io.BytesIO(data))
    try:
        count = int(writer.prev.root["/Pages"]["/Count"])
    except _MALFORMED as exc:
        raise CorruptDocumentError(f"The PDF's page tree cannot be read: {exc}") from None
    if count < 0:
        raise CorruptDocumentError("The PDF's page tree gives a negative page count")
    return count


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def last_signature_revision_end(data: bytes) -> int | None:
    """Where the revision covered by the document's last signature ends, or None.

    ``None`` when the document has no signature whose byte range starts at 0 and
    ends a revision (``[0 a b c]`` with ``b + c`` inside the file).

    Raises:
        NotAPdfError: ``data`` is not a PDF.
        CorruptDocumentError: The PDF cannot be parsed.
        EncryptedDocumentError: The PDF is encrypted.

    """
    reader = open_writer(io.BytesIO(data)).prev
    try:
        signatures = reader.embedded_regular_signatures
    except _MALFORMED as exc:
        raise CorruptDocumentError(f"The PDF's signatures cannot be listed: {exc}") from None
    if not signatures:
        return None
    try:
        byte_range = [int(x) for x in signatures[-1].sig_object["/ByteRange"]]
    except _MALFORMED:
        return None
    if len(byte_range) != 4 or byte_range[0] != 0:
        return None
    end = byte_range[2] + byte_range[3]
    return end if 0 < end <= len(data) else None


def read_evidence(data: bytes, signed_revision_end: int) -> bytes | None:
    """The evidence record written by the revision that ends at ``signed_revision_end``.

    Only ``data[:signed_revision_end]`` is read, i.e. the bytes a signature with that
    byte range covers. A record is returned only when that revision's own update wrote
    the attachment; one inherited from an earlier revision gives ``None``, as does a
    revision without the attachment or one that cannot be parsed.
    """
    if not 0 < signed_revision_end <= len(data):
        return None
    try:
        reader = PdfFileReader(io.BytesIO(data[:signed_revision_end]), strict=False)
        if reader.encrypted:
            return None
        tree = reader.root["/Names"]["/EmbeddedFiles"]
        spec = _lookup(tree, 0)
        if spec is None:
            return None
        ef = spec["/EF"]
        key = "/UF" if "/UF" in ef else "/F"
        stream_ref = ef.raw_get(key)
        if not isinstance(stream_ref, generic.IndirectObject):
            return None
        last = reader.xrefs.total_revisions - 1
        if reader.xrefs.get_last_change(stream_ref.reference) != last:
            return None
        stream = ef[key]
        if not isinstance(stream, generic.StreamObject):
            return None
        return bytes(stream.data)
    except _MALFORMED:
        return None


def _lookup(node: generic.DictionaryObject, depth: int) -> generic.DictionaryObject | None:
    if depth > _MAX_TREE_DEPTH:
        return None
    if "/Names" in node:
        names = node["/Names"]
        for index in range(0, len(names) - 1, 2):
            if _text(names[index]) == EVIDENCE_NAME:
                spec = names[index + 1].get_object()
                return spec if isinstance(spec, generic.DictionaryObject) else None
    if "/Kids" in node:
        for kid in node["/Kids"]:
            found = _lookup(kid.get_object(), depth + 1)
            if found is not None:
                return found
    return None
