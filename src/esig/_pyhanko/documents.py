"""Open a PDF for reading or for an incremental update; read its filled signature fields.

Bad input becomes esig's errors here (not a PDF, corrupt, encrypted), for signing,
validation and the readers of fields and evidence alike. :data:`MALFORMED` is what
pyHanko and asn1crypto raise on malformed input: a signature that cannot be read
becomes a failed signature in the report, never a crash.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import BinaryIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from esig._io import CHUNK_SIZE
from esig.errors import CorruptDocumentError, EncryptedDocumentError, NotAPdfError

__all__ = [
    "MALFORMED",
    "PARSE_FAILURES",
    "FilledField",
    "filled_signature_fields",
    "open_reader",
    "open_writer",
]

# Everything pyHanko and asn1crypto raise on malformed input. A signature that
# cannot be read becomes a failed signature in the report, never a crash.
MALFORMED = (
    SignatureValidationError,
    PdfError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    NotImplementedError,
    ArithmeticError,  # OverflowError, and decimal's InvalidOperation on a malformed number
    zlib.error,  # pyHanko's Flate filter on damaged stream data
)

PARSE_FAILURES = (*MALFORMED, OSError, RecursionError, AssertionError)
"""What pyHanko may raise on a document's bytes: :data:`MALFORMED`, an OS error from a
seek to a damaged offset (before the start of the file), nesting too deep, and the
assertions pyHanko's stream filters make on bad data."""


def open_writer(source: BinaryIO) -> IncrementalPdfFileWriter:
    """Open a PDF for an incremental update, with esig errors for bad input."""
    head = source.read(1024)
    source.seek(0)
    if b"%PDF-" not in head:
        raise NotAPdfError("This is not a PDF document (no %PDF- header)")
    try:
        writer = IncrementalPdfFileWriter(source, strict=False)
        # pyHanko copies the original into the output 4 KiB at a time by default.
        writer.IO_CHUNK_SIZE = CHUNK_SIZE
    except PARSE_FAILURES as exc:
        raise CorruptDocumentError(f"The PDF cannot be parsed: {_reason(exc)}") from None
    if _encrypted(writer.prev):
        raise EncryptedDocumentError("The PDF is encrypted; esig does not sign encrypted documents")
    return writer


def _reason(exc: BaseException) -> str:
    """The parser's message, or what kind of failure it was when it gave none."""
    if isinstance(exc, OSError) or str(exc).startswith("negative seek value"):
        # a seek before the file's start: OSError on a file, ValueError in memory
        return "an offset in the file (startxref, /Prev or an object offset) points outside it"
    if isinstance(exc, RecursionError):
        return "its objects are nested too deeply"
    return str(exc).strip() or f"{type(exc).__name__} in the parser"


def _encrypted(reader: PdfFileReader) -> bool:
    """Whether the trailer names encryption settings; unreadable settings are corrupt."""
    try:
        return bool(reader.encrypted)
    except PARSE_FAILURES as exc:
        raise CorruptDocumentError(
            f"The PDF's encryption settings (/Encrypt) cannot be read ({type(exc).__name__}: {exc})"
        ) from None


def open_reader(stream: BinaryIO) -> PdfFileReader:
    """Parse a PDF for validation, with esig errors for what is not a readable PDF.

    The stream must stay open while the reader is used.
    """
    head = stream.read(1024)
    stream.seek(0)
    if b"%PDF-" not in head:
        raise NotAPdfError("This is not a PDF document (no %PDF- header)")
    try:
        reader = PdfFileReader(stream, strict=False)
    except PARSE_FAILURES as exc:
        # OSError: pyHanko's xref offset correction seeks before the start of the file
        # when a startxref or /Prev offset is damaged.
        raise CorruptDocumentError(f"The PDF cannot be parsed: {_reason(exc)}") from None
    if _encrypted(reader):
        raise EncryptedDocumentError("The PDF is encrypted; esig cannot verify it without a key")
    return reader


@dataclass(frozen=True)
class FilledField:
    """A filled signature field, parsed once for every reader of the same document."""

    name: str
    sig_ref: object
    """The /V entry as found (a reference, or the dictionary itself)."""
    embedded: EmbeddedPdfSignature | None
    """pyHanko's view of the signature; None when it cannot be read."""
    error: str | None = None
    """Why it cannot be read."""


def filled_signature_fields(reader: PdfFileReader) -> list[FilledField]:
    """Every filled signature field (document timestamps included), each parsed once.

    pyHanko parses a signature dictionary and its large /Contents when the
    ``EmbeddedPdfSignature`` is made: the validation and the conformance check share
    these objects instead of parsing them twice.

    Raises:
        CorruptDocumentError: The form's fields cannot be enumerated.

    """
    try:
        fields_found = list(enumerate_sig_fields(reader, filled_status=True))
    except MALFORMED as exc:
        raise CorruptDocumentError(f"The PDF's signature fields cannot be read: {exc}") from None
    found = []
    for name, sig_ref, sig_field in fields_found:
        try:
            sig: EmbeddedPdfSignature | None = EmbeddedPdfSignature(reader, sig_field, str(name))
            error = None
        except MALFORMED as exc:
            sig, error = None, f"the signature cannot be read: {exc}"
        found.append(FilledField(str(name), sig_ref, sig, error))
    return found
