"""Documents of unusual shape for tests and benchmarks, built from a signed PDF.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import re

from esig.errors import InputError

__all__ = ["with_incremental_updates"]


def with_incremental_updates(pdf: bytes, count: int) -> bytes:
    """``pdf`` followed by ``count`` incremental updates, each adding one small dictionary.

    Every update is a legitimate classic xref section (``/Prev`` pointing back, the
    same ``/Root``), as an editor that saves after each change writes them; the signed
    revisions stay intact. Documents like this are what a verifier must stay linear on:
    an algorithm that looks at every revision from every revision takes minutes on a
    few thousand of them.

    Raises:
        InputError: ``pdf`` has no classic trailer to continue (``startxref``, ``/Size``,
            ``/Root``).

    """
    starts = re.findall(rb"startxref\s+(\d+)", pdf)
    sizes = re.findall(rb"/Size (\d+)", pdf)
    roots = re.findall(rb"/Root (\d+ \d+ R)", pdf)
    if not (starts and sizes and roots):
        raise InputError("The PDF has no trailer to add incremental updates after")
    previous = int(starts[-1])
    size = max(int(n) for n in sizes)
    out = bytearray(pdf)
    if not out.endswith(b"\n"):
        out += b"\n"
    for index in range(count):
        offset = len(out)
        out += b"%d 0 obj\n<< /Note %d >>\nendobj\n" % (size, index)
        xref = len(out)
        out += b"xref\n%d 1\n%010d 00000 n \ntrailer\n" % (size, offset)
        out += b"<< /Size %d /Root %s /Prev %d >>\n" % (size + 1, roots[-1], previous)
        out += b"startxref\n%d\n%%%%EOF\n" % xref
        previous, size = xref, size + 1
    return bytes(out)
