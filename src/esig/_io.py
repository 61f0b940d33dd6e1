"""File input and output helpers: inputs are never modified, outputs appear atomically."""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import io
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from esig.errors import DocumentNotFoundError, InputError, OutputError

__all__ = ["CHUNK_SIZE", "atomic_output", "open_input", "read_input"]

CHUNK_SIZE = 1 << 20
"""How much of a document esig (and pyHanko, when esig asks) reads or writes at a time."""


def _start_writeback(fd: int) -> None:
    """Write the file's data out to disk so far (errors come again at the final fsync)."""
    with contextlib.suppress(OSError):
        os.fdatasync(fd)


class _OutputFile(io.BufferedRandom):
    """The temporary output file; its disk writeback starts when the writer reads back.

    pyHanko writes the whole signed document, then reads its byte ranges back for the
    digest. The first read-back starts an ``fdatasync`` on a thread, so the disk writes
    the file while the digest is computed; the final ``fsync`` then waits only for the
    few pages written after it (the signature itself).
    """

    _writeback: threading.Thread | None = None

    def readinto(self, buffer: Any, /) -> int:
        """Read into ``buffer``; the first call starts the writeback of what was written."""
        if self._writeback is None:
            self.flush()
            self._writeback = threading.Thread(
                target=_start_writeback, args=(self.fileno(),), name="esig-writeback"
            )
            self._writeback.start()
        return super().readinto(buffer)

    def wait_for_writeback(self) -> None:
        """Wait for the writeback begun by the first read-back, if any."""
        if self._writeback is not None:
            self._writeback.join()


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path``; on success rename it into place.

    If the block raises, the temporary file is removed and ``path`` is left as it
    was (absent, or its old content). The exception propagates.

    The handle is readable and seekable as well as writable: pyHanko then writes the
    signed document straight to the file and reads its byte ranges back in chunks for
    the digest, instead of building the whole document in memory first.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"The output folder {folder} does not exist", path=target)
    if target.is_dir():
        raise OutputError("The output path is a folder; give a file name", path=target)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise OutputError(f"Cannot write in {folder}: {exc.strerror}", path=target) from None
    tmp = Path(tmp_name)
    try:
        # mkstemp creates the file private (0600); give it the mode a normal write would.
        os.chmod(tmp, _mode_for(target))
        with _OutputFile(io.FileIO(fd, "r+b")) as handle:
            try:
                yield handle
                handle.flush()
            finally:
                handle.wait_for_writeback()  # joined before the file is closed
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _current_umask() -> int:
    """The process umask, read without changing it (Linux); 0o022 where unknown."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def _mode_for(target: Path) -> int:
    """An existing file keeps its mode; a new one gets 0o666 minus the umask."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_current_umask()


def _check_input(path: Path, what: str) -> None:
    if not path.exists():
        raise DocumentNotFoundError(f"The {what} does not exist", path=path)
    if path.is_dir():
        raise InputError(f"Expected a {what}, got a folder", path=path)


@contextlib.contextmanager
def open_input(path: str | os.PathLike[str], what: str = "document") -> Iterator[BinaryIO]:
    """Open an input file for reading, with esig errors for the usual mistakes."""
    source = Path(path)
    _check_input(source, what)
    try:
        handle = source.open("rb")
    except OSError as exc:
        raise InputError(f"The {what} cannot be read: {exc.strerror}", path=source) from None
    with handle:
        yield handle


def read_input(path: str | os.PathLike[str], what: str = "document") -> bytes:
    """Read a whole input file, with esig errors for the usual mistakes."""
    with open_input(path, what) as handle:
        return handle.read()


_hashing = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="esig-hash")


def _sha256_of(source: Path | bytes) -> str:
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_in_background(source: Path | bytes) -> concurrent.futures.Future[str]:
    """The SHA-256 (hex) of a file or of bytes, computed on a worker thread.

    hashlib releases the GIL while it hashes, so the digest of the whole document is
    ready by the time the parser, which runs meanwhile, is done with it. A file is read
    through its own handle, in :data:`CHUNK_SIZE` chunks.
    """
    return _hashing.submit(_sha256_of, source)
