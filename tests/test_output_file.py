"""esig's atomic output: the temporary file written, read back, fsynced and renamed.

pyHanko writes a signed document into the temporary file, then reads its byte ranges
back for the digest; that first read-back starts the file's disk writeback on a thread
(``esig._io``). These tests hold it to what a user relies on: the file that appears has
every byte written before and after the read-back, nothing is left running, and a failure
leaves the target as it was.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from esig._io import atomic_output


def _writeback_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "esig-writeback" and t.is_alive()]


def test_what_is_written_around_the_read_back_all_arrives(tmp_path: Path) -> None:
    target = tmp_path / "out.pdf"
    first = bytes(range(256)) * 8192  # 2 MiB
    with atomic_output(target) as out:
        out.write(first)
        out.seek(0)
        head = bytearray(4096)
        assert out.readinto(head) == 4096  # the read-back that starts the writeback
        assert bytes(head) == first[:4096]
        out.seek(100)
        out.write(b"SIGNATURE")  # written while the writeback may still run
        out.seek(0, 2)
        out.write(b"%%EOF\n")
    expected = first[:100] + b"SIGNATURE" + first[109:] + b"%%EOF\n"
    assert target.read_bytes() == expected
    assert _writeback_threads() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pdf"]


def test_a_failure_after_the_read_back_leaves_the_target_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "out.pdf"
    target.write_bytes(b"the old content")
    with pytest.raises(RuntimeError, match="device unplugged"), atomic_output(target) as out:
        out.write(b"x" * (1 << 20))
        out.seek(0)
        out.readinto(bytearray(10))
        raise RuntimeError("device unplugged")
    assert target.read_bytes() == b"the old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pdf"]  # no .part left
    assert _writeback_threads() == []


def test_output_written_without_reading_back(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    with atomic_output(target) as out:
        out.write(b"{}")
    assert target.read_bytes() == b"{}"
