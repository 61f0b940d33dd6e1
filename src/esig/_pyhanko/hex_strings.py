"""A chunked reader for PDF hex strings, used while esig parses a document.

pyHanko reads a hex string (``<48656C6C6F>``) one byte per call, skipping whitespace and
comments as it goes. A signature's ``/Contents`` is such a string, usually 10-40 kB of
hex digits, so reading it costs tens of thousands of Python calls: about half of the time
pyHanko takes to validate a signature in a 1 MB document.

:func:`read_hex_string` reads the same string in chunks and decodes it in one step. It is
built to give pyHanko's results exactly: the same string object, the stream left just
after the closing ``>``, the same error at the end of the stream. Whatever it does not
handle itself (a comment or any byte that is neither a hex digit nor whitespace) goes
back to pyHanko's reader from the string's start, so pyHanko names the problem as it
always has.

It is active only inside ``esig._parsing.esig_parsing``, which esig's entry points enter: an
application's own pyHanko calls in the same process get pyHanko's reader unchanged.
"""

from __future__ import annotations

import binascii
import os
import re
from typing import Any

from pyhanko.pdf_utils import generic, misc

from esig._parsing import parsing_active

__all__ = ["PYHANKO_READER", "install", "read_hex_string"]

PYHANKO_READER = generic.read_hex_string_from_stream
"""pyHanko's own reader, used outside esig and for what the chunked reader leaves to it."""

_WHITESPACE = misc.PDF_WHITESPACE
# Anything but hex digits and whitespace before the closing ">": left to pyHanko.
_NOT_PLAIN = re.compile(rb"[^0-9A-Fa-f" + re.escape(_WHITESPACE) + rb"]")
_FIRST_CHUNK = 1024
_LARGEST_CHUNK = 1 << 20


def read_hex_string(stream: Any) -> Any:
    """Read a hex string whose ``<`` is under the cursor, as pyHanko's reader would."""
    if not parsing_active():
        return PYHANKO_READER(stream)
    start = stream.tell()
    stream.read(1)  # the opening "<"
    parts: list[bytes] = []
    size = _FIRST_CHUNK
    while True:
        chunk = stream.read(size)
        if not chunk:
            # pyHanko's words for a string the file ends inside.
            raise misc.PdfStreamError("Stream ended prematurely")
        end = chunk.find(b">")
        body = chunk if end < 0 else chunk[:end]
        if _NOT_PLAIN.search(body) is not None:
            stream.seek(start)
            return PYHANKO_READER(stream)
        parts.append(body)
        if end >= 0:
            stream.seek(end + 1 - len(chunk), os.SEEK_CUR)
            break
        size = min(size * 2, _LARGEST_CHUNK)
    digits = b"".join(parts).translate(None, _WHITESPACE)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def install() -> None:
    """Route pyHanko's parser through :func:`read_hex_string` (idempotent; gated by context)."""
    generic.read_hex_string_from_stream = read_hex_string
