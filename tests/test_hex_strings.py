"""esig's chunked hex-string reader gives exactly what pyHanko's byte-by-byte reader gives.

The reader (esig._pyhanko.hex_strings) replaces pyHanko's for the hex strings read while
esig parses: a signature's /Contents among them. Every input is read by both, from the
same stream position: the same string object (type and value), the same stream position
afterwards, or the same error.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic

import esig
from esig._parsing import esig_parsing, parsing_active
from esig._pyhanko import hex_strings

_PIECES = st.sampled_from(
    [b"0", b"9", b"a", b"F", b"e3", b"ABCDEF", b" ", b"\n", b"\r\n", b"\t", b"\x00", b"\f"]
)
_ODD = st.sampled_from([b"%comment\n", b"%", b"g", b"<", b")", b"\xff", b"-", b">"])


def _outcome(read: Any, data: bytes, start: int) -> tuple[object, ...]:
    stream = io.BytesIO(data)
    stream.seek(start)
    try:
        value = read(stream)
    except Exception as exc:  # the comparison is of whatever either reader raises
        return ("error", type(exc), str(exc))
    return ("value", type(value), bytes(value.original_bytes), value, stream.tell())


def _both(data: bytes, start: int = 0) -> tuple[tuple[object, ...], tuple[object, ...]]:
    pyhanko_reader = hex_strings.PYHANKO_READER
    expected = _outcome(pyhanko_reader, data, start)
    with esig_parsing():
        actual = _outcome(hex_strings.read_hex_string, data, start)
    return expected, actual


@settings(max_examples=400, deadline=None)
@given(
    prefix=st.binary(max_size=8),
    body=st.lists(st.one_of(_PIECES, _PIECES, _PIECES, _ODD), max_size=60),
    closed=st.booleans(),
    suffix=st.binary(max_size=16),
)
def test_same_result_as_pyhanko(
    prefix: bytes, body: list[bytes], closed: bool, suffix: bytes
) -> None:
    data = prefix + b"<" + b"".join(body) + (b">" if closed else b"") + suffix
    expected, actual = _both(data, start=len(prefix))
    assert actual == expected


@settings(max_examples=50, deadline=None)
@given(digits=st.binary(min_size=1500, max_size=6000), spaced=st.booleans())
def test_same_result_across_chunk_boundaries(digits: bytes, spaced: bool) -> None:
    """Strings longer than the first chunks, with ">" anywhere, as /Contents are."""
    hex_body = digits.hex().encode()
    if spaced:
        hex_body = b"\n".join(hex_body[i : i + 64] for i in range(0, len(hex_body), 64))
    expected, actual = _both(b"<" + hex_body + b">\nendobj")
    assert actual == expected
    assert actual[2] == digits


def test_string_left_unterminated_is_an_error() -> None:
    expected, actual = _both(b"<" + b"ab" * 5000)
    assert actual == expected
    assert actual[0] == "error"


class _CountingReads(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads = 0

    def read(self, size: int | None = -1, /) -> bytes:
        self.reads += 1
        return super().read(size)


def test_reads_in_chunks_inside_esig_and_leaves_pyhanko_alone_outside() -> None:
    data = b"<" + b"0123456789abcdef" * 4096 + b">"  # 64 kB of digits, like a /Contents
    outside = _CountingReads(data)
    generic.read_hex_string_from_stream(outside)
    inside = _CountingReads(data)
    with esig_parsing():
        generic.read_hex_string_from_stream(inside)
    assert outside.reads > 60_000  # pyHanko's reader, one byte per read
    assert inside.reads < 20


def test_verification_reads_contents_in_chunks(
    tmp_path: Path, esig_sample_pdf: Path, esig_device: Any, esig_pki: Any
) -> None:
    """A signed document is verified through the chunked reader, and still passes."""
    signed = tmp_path / "signed.pdf"
    esig.sign_pdf(esig_sample_pdf, signed, esig_device)
    calls: list[int] = []
    original = hex_strings.read_hex_string

    def counting(stream: Any) -> Any:
        calls.append(int(parsing_active()))
        return original(stream)

    generic.read_hex_string_from_stream = counting
    try:
        report = esig.verify_pdf(signed, trust=[esig_pki.root.certificate])
    finally:
        hex_strings.install()
    assert report.passed
    assert calls and all(calls)  # every hex string was read with the chunked reader on
