"""A bound on pyHanko's lenient reading of cross-reference streams.

A cross-reference stream declares how many entries it holds (``/Size`` or ``/Index``)
and how wide each row is (``/W``). In non-strict mode, which esig uses so that real-world
documents open, pyHanko fills every entry the stream declares but does not hold with
default values, one Python object per entry: a damaged ``/Size`` of 4294967296 in a
40 kB document then fills memory until the process is killed (found by the fuzz suite).

The guard stops the entries where the stream's decoded data ends. A well-formed stream
loses nothing (it holds a full row for every entry it declares); the entries cut off
would only have pointed at offset 0, which is no object. A malformed ``/W`` or ``/Index``
is left to pyHanko, which reports it as it always has.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from pyhanko.pdf_utils import xref
from pyhanko.pdf_utils.decode_limits import DecodePurpose

_ORIGINAL = xref.parse_xref_stream


def _rows_held(xref_stream: Any) -> int | None:
    """How many full rows the stream's data holds; None when pyHanko should decide."""
    try:
        widths = [int(width) for width in xref_stream.get("/W")]
        size = xref_stream.get("/Size")
        index = list(xref_stream.get("/Index", [0, size]))
        declared = sum(int(count) for count in index[1::2])
        data = xref_stream.read_data(
            DecodePurpose.XREF_STREAM, expected_size=declared * (sum(widths) + 1)
        )
    except Exception:  # pyHanko's own reading will name the problem
        return None
    row = sum(widths)
    if row <= 0 or min(widths) < 0:
        return None
    return len(data) // row


def bounded_parse_xref_stream(xref_stream: Any, strict: bool = True) -> Iterator[Any]:
    """The entries of pyHanko's ``parse_xref_stream``, stopped where the stream's data ends."""
    entries = _ORIGINAL(xref_stream, strict=strict)
    rows = None if strict else _rows_held(xref_stream)
    if rows is None:
        return entries
    return itertools.islice(entries, rows)


def install() -> None:
    """Put the bound in place of pyHanko's reader (idempotent; process-wide)."""
    xref.parse_xref_stream = bounded_parse_xref_stream
