"""ASiC containers (ETSI EN 319 162-1) as ZIP files: read with limits, written in order.

Reading refuses what could make a verifier and a viewer see different files, or exhaust
memory or disk: names that climb out of the container (``../``, absolute, drive letters,
backslashes, NUL), the same name twice, encrypted entries, more entries or bytes than
:class:`ZipLimits` allows, and entries that expand more than its ratio (a ZIP bomb).
Sizes are taken from the central directory, and Python's reader never returns more than
an entry declares. Deviations that a reader can live with (``mimetype`` not first,
compressed, with an extra field, or absent) are reported as :class:`MimetypeFacts`, as
DSS reports them, not refused.

Writing puts ``mimetype`` first, stored (uncompressed) and without an extra field, so the
container's media type sits at byte 38 of the file as annex A of EN 319 162-1 requires.

Signature formats plug in by their file names (see :class:`SignatureFileKind`):
:data:`CADES_SIGNATURE` (``META-INF/*signature*.p7s``) and :data:`XADES_SIGNATURE`
(``META-INF/*signatures*.xml``).

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import contextlib
import enum
import re
import struct
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, BinaryIO
from urllib.parse import unquote

from esig._io import CHUNK_SIZE, open_input
from esig._model import EsigModel
from esig.errors import CorruptDocumentError, InputError

__all__ = [
    "CADES_SIGNATURE",
    "MANIFEST",
    "META_INF",
    "MIMETYPE",
    "XADES_SIGNATURE",
    "AsicContainer",
    "AsicForm",
    "ContainerEntry",
    "ContainerWriter",
    "MimetypeFacts",
    "SignatureFileKind",
    "ZipLimits",
    "container_form",
    "open_container",
    "write_container",
]

MIMETYPE = "mimetype"
META_INF = "META-INF/"


class AsicForm(enum.StrEnum):
    """The two container types of EN 319 162-1.

    .. versionadded:: 0.2.0
    """

    ASIC_E = "asice"
    """Extended: any number of files; each CAdES signature signs an ASiCManifest."""
    ASIC_S = "asics"
    """Simple: one data file, signed directly by ``META-INF/signature.p7s``."""

    @property
    def media_type(self) -> str:
        """The content of the ``mimetype`` entry."""
        return f"application/vnd.etsi.asic-{self.value[-1]}+zip"

    @property
    def label(self) -> str:
        """ASiC-E or ASiC-S."""
        return f"ASiC-{self.value[-1].upper()}"


_BY_MEDIA_TYPE = {form.media_type: form for form in AsicForm}


class SignatureFileKind(EsigModel):
    r"""A signature format's files in ``META-INF/``: the plug-in point for formats.

    ``pattern`` matches the full entry name: :data:`CADES_SIGNATURE` and
    :data:`XADES_SIGNATURE`.

    .. versionadded:: 0.2.0
    """

    name: str
    pattern: str

    def matches(self, entry: str) -> bool:
        """Whether ``entry`` is a signature file of this kind."""
        return re.fullmatch(self.pattern, entry, flags=re.IGNORECASE) is not None


CADES_SIGNATURE = SignatureFileKind(name="cades", pattern=r"META-INF/[^/]*signature[^/]*\.p7s")
"""CAdES signature files (EN 319 162-1 §4.3.3, §4.4.3): ``META-INF/*signature*.p7s``."""
XADES_SIGNATURE = SignatureFileKind(name="xades", pattern=r"META-INF/[^/]*signatures[^/]*\.xml")
"""XAdES signature files (EN 319 162-1 §4.3.2, §4.4.3.2): ``META-INF/*signatures*.xml``."""
MANIFEST = re.compile(r"META-INF/ASiCManifest[^/]*\.xml", re.IGNORECASE)
"""ASiCManifest files of ASiC-E with CAdES (archive manifests excluded)."""


class ZipLimits(EsigModel):
    """How much a container may hold before esig refuses to read it.

    .. versionadded:: 0.2.0
    """

    max_entries: int = 10_000
    max_entry_size: int = 4 << 30
    """Bytes one entry may expand to."""
    max_total_size: int = 16 << 30
    """Bytes all entries together may expand to."""
    max_ratio: int = 100
    """How many times its compressed size an entry may expand to (above ``ratio_floor``)."""
    ratio_floor: int = 1 << 20
    """Entries expanding to at most this many bytes are not judged by their ratio."""
    max_metadata_size: int = 32 << 20
    """Bytes a manifest, a signature or ``mimetype`` may have (they are read into memory)."""


class ContainerEntry(EsigModel):
    """One file in the container.

    .. versionadded:: 0.2.0
    """

    name: str
    size: int
    compressed_size: int
    stored: bool
    """Stored without compression."""


class MimetypeFacts(EsigModel):
    """What the ``mimetype`` entry looks like, against annex A of EN 319 162-1.

    .. versionadded:: 0.2.0
    """

    present: bool
    content: str | None = None
    first: bool = False
    """It is the first entry, at the start of the file."""
    stored: bool = False
    extra_field: bool = False
    """Its local header carries an extra field (annex A: it shall not)."""

    def problems(self, form: AsicForm) -> tuple[str, ...]:
        """The deviations from annex A, in words (empty when the entry is as it should be)."""
        if not self.present:
            return (f"The container has no mimetype entry naming {form.media_type}",)
        found = []
        if self.content != form.media_type:
            found.append(f"The mimetype entry says {self.content!r}, not {form.media_type!r}")
        if not self.first:
            found.append("The mimetype entry is not the first entry of the ZIP file")
        if not self.stored:
            found.append("The mimetype entry is compressed; it should be stored")
        if self.extra_field:
            found.append("The mimetype entry has an extra field in its header")
        return tuple(found)


def _check_name(name: str) -> None:
    problem = None
    if not name or "\x00" in name:
        problem = "an empty name or a NUL character"
    elif "\\" in name:
        problem = "a backslash"
    elif name.startswith("/") or re.match(r"[A-Za-z]:", name):
        problem = "an absolute path"
    else:
        parts = name.rstrip("/").split("/")
        if any(part in {"", ".", ".."} for part in parts):
            problem = "a path that climbs out of the container or is not normalised"
    if problem is not None:
        raise InputError(f"The container holds an entry named {name!r}: {problem}; refused")


def _local_extra_length(handle: BinaryIO, offset: int) -> int | None:
    handle.seek(offset)
    header = handle.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        return None
    length: int = struct.unpack("<H", header[28:30])[0]
    return length


class AsicContainer:
    """An ASiC container opened for reading (see :func:`open_container`).

    .. versionadded:: 0.2.0
    """

    def __init__(self, path: Path, handle: BinaryIO, limits: ZipLimits) -> None:
        """Check the ZIP directory of ``handle`` against ``limits``; see :func:`open_container`."""
        self.path = path
        self.limits = limits
        try:
            self._zip = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
            raise InputError(f"This is not a ZIP container: {exc}", path=path) from None
        infos = self._zip.infolist()
        if len(infos) > limits.max_entries:
            raise InputError(
                f"The container has {len(infos)} entries; at most {limits.max_entries} are read",
                path=path,
            )
        self._infos: dict[str, zipfile.ZipInfo] = {}
        seen: set[str] = set()
        total = 0
        for info in infos:
            _check_name(info.filename)
            key = unicodedata.normalize("NFC", info.filename)
            if key in seen:
                raise InputError(
                    f"The container holds the name {info.filename!r} twice; refused "
                    "(a verifier and a viewer could read different entries)",
                    path=path,
                )
            seen.add(key)
            if info.flag_bits & 0x1:
                raise InputError(f"The entry {info.filename!r} is encrypted", path=path)
            self._check_size(info)
            total += info.file_size
            if not info.is_dir():
                self._infos[info.filename] = info
        if total > limits.max_total_size:
            raise InputError(
                f"The container expands to {total} bytes; at most {limits.max_total_size} are read",
                path=path,
            )
        self.entries = tuple(
            ContainerEntry(
                name=i.filename,
                size=i.file_size,
                compressed_size=i.compress_size,
                stored=i.compress_type == zipfile.ZIP_STORED,
            )
            for i in self._infos.values()
        )
        self.mimetype = self._mimetype(handle, infos)
        self.form = self._form()

    def _check_size(self, info: zipfile.ZipInfo) -> None:
        limits = self.limits
        if info.file_size > limits.max_entry_size:
            raise InputError(
                f"The entry {info.filename!r} expands to {info.file_size} bytes; at most "
                f"{limits.max_entry_size} are read",
                path=self.path,
            )
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            raise InputError(
                f"The entry {info.filename!r} expands {ratio}"
                f" times its compressed size (at most {limits.max_ratio}): a ZIP bomb; refused",
                path=self.path,
            )

    def _mimetype(self, handle: BinaryIO, infos: Sequence[zipfile.ZipInfo]) -> MimetypeFacts:
        info = self._infos.get(MIMETYPE)
        if info is None:
            return MimetypeFacts(present=False)
        raw = self.read(MIMETYPE, limit=256)
        extra = _local_extra_length(handle, info.header_offset)
        return MimetypeFacts(
            present=True,
            content=raw.decode("utf-8", "replace").strip(),
            first=infos[0] is info and info.header_offset == 0,
            stored=info.compress_type == zipfile.ZIP_STORED,
            extra_field=bool(extra) or bool(info.extra),
        )

    def _form(self) -> AsicForm:
        by_type = _BY_MEDIA_TYPE.get(self.mimetype.content or "")
        if by_type is not None:
            return by_type
        if self.manifests:
            return AsicForm.ASIC_E
        if any(k.matches(n) for n in self._infos for k in (CADES_SIGNATURE, XADES_SIGNATURE)):
            return AsicForm.ASIC_S if len(self.data_files) == 1 else AsicForm.ASIC_E
        raise InputError(
            "This ZIP file is not an ASiC container: no mimetype entry naming an ASiC media "
            "type, no META-INF/ASiCManifest*.xml, no signature in META-INF/",
            path=self.path,
        )

    @property
    def names(self) -> tuple[str, ...]:
        """Every file's name, in the container's order (folders left out)."""
        return tuple(self._infos)

    @property
    def data_files(self) -> tuple[str, ...]:
        """The files outside ``META-INF/`` other than ``mimetype``: what is there to sign."""
        return tuple(n for n in self._infos if n != MIMETYPE and not n.startswith(META_INF))

    @property
    def manifests(self) -> tuple[str, ...]:
        """The ``META-INF/ASiCManifest*.xml`` files."""
        return tuple(n for n in self._infos if MANIFEST.fullmatch(n))

    def entry_for(self, uri: str) -> str | None:
        """The entry a signature's relative (possibly URL-encoded) URI names, or ``None``.

        .. versionadded:: 0.2.0
        """
        names = set(self._infos)
        for candidate in (uri, unquote(uri), unquote(uri).removeprefix("./")):
            if candidate in names:
                return candidate
        return None

    def signature_files(self, kind: SignatureFileKind = CADES_SIGNATURE) -> tuple[str, ...]:
        """The signature files of one format in ``META-INF/``."""
        return tuple(n for n in self._infos if kind.matches(n))

    def size(self, name: str) -> int:
        """The size of an entry once expanded."""
        return self._info(name).file_size

    def _info(self, name: str) -> zipfile.ZipInfo:
        try:
            return self._infos[name]
        except KeyError:
            raise InputError(f"The container has no entry {name!r}", path=self.path) from None

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        """Open an entry for reading (streamed, seekable); esig errors for a damaged entry."""
        info = self._info(name)
        try:
            with self._zip.open(info) as handle:
                yield handle
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
            raise CorruptDocumentError(
                f"The entry {name!r} of the container cannot be read: {exc}", path=self.path
            ) from None

    def read(self, name: str, *, limit: int | None = None) -> bytes:
        """A small entry's bytes (a manifest, a signature), capped by the limits."""
        cap = self.limits.max_metadata_size if limit is None else limit
        if self.size(name) > cap:
            raise InputError(
                f"The entry {name!r} has {self.size(name)} bytes; at most {cap} are read",
                path=self.path,
            )
        with self.open(name) as handle:
            return handle.read()

    def digests(self, name: str, algorithms: Iterable[str]) -> dict[str, bytes]:
        """The digests of an entry (hashlib names), streamed in chunks."""
        import hashlib  # noqa: PLC0415 - only verification needs it

        hashes = {a: hashlib.new(a) for a in set(algorithms)}
        with self.open(name) as handle:
            while chunk := handle.read(CHUNK_SIZE):
                for h in hashes.values():
                    h.update(chunk)
        return {a: h.digest() for a, h in hashes.items()}

    def copy_to(self, writer: zipfile.ZipFile, name: str) -> None:
        """Copy an entry into ``writer`` with its name, date and compression."""
        info = self._info(name)
        target = zipfile.ZipInfo(info.filename, date_time=info.date_time)
        target.compress_type = info.compress_type
        target.external_attr = info.external_attr
        with self.open(name) as source, writer.open(target, "w", force_zip64=True) as out:
            while chunk := source.read(CHUNK_SIZE):
                out.write(chunk)

    def close(self) -> None:
        """Close the ZIP reader."""
        self._zip.close()


@contextlib.contextmanager
def open_container(path: str | Path, *, limits: ZipLimits | None = None) -> Iterator[AsicContainer]:
    """Open an ASiC container for reading; the file is only read.

    Raises:
        DocumentNotFoundError: ``path`` does not exist.
        InputError: Not a ZIP file, not an ASiC container, or refused by the limits
            (path traversal, duplicate names, ZIP bomb, encrypted entries).

    """
    source = Path(path)
    with open_input(source, what="container") as handle:
        container = AsicContainer(source, handle, limits or ZipLimits())
        try:
            yield container
        finally:
            container.close()


def container_form(path: str | Path) -> AsicForm | None:
    """The form of an ASiC container, or ``None`` for anything else (never raises).

    The ``mimetype`` entry decides; without it, the structure (an ASiCManifest, a
    signature in ``META-INF/``). The file's name plays no part.
    """
    try:
        with Path(path).open("rb") as handle:
            if handle.read(4) != b"PK\x03\x04":
                return None
        with open_container(path) as container:
            return container.form
    except (OSError, InputError):
        return None


def _incompressible(start: bytes) -> bool:
    """Whether a file's first bytes barely compress (media, ZIP-based office files).

    Such files are stored: deflating them costs time and saves nothing.
    """
    sample = start[: 64 << 10]
    return len(sample) >= 4096 and len(zlib.compress(sample, 1)) > 0.9 * len(sample)


def _now() -> tuple[int, int, int, int, int, int]:
    stamp = time.localtime()
    return (max(stamp.tm_year, 1980), stamp.tm_mon, stamp.tm_mday, stamp.tm_hour,
            stamp.tm_min, stamp.tm_sec)  # fmt: skip


class ContainerWriter:
    """Write a container: ``mimetype`` first (stored, no extra field), then the entries.

    Use :func:`write_container`; entries are compressed and written as they come.

    .. versionadded:: 0.2.0
    """

    def __init__(self, out: BinaryIO, form: AsicForm) -> None:
        """Start a container of ``form`` in ``out`` (a fresh, seekable file)."""
        self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
        self._names: set[str] = set()
        self._date = _now()
        info = zipfile.ZipInfo(MIMETYPE, date_time=self._date)
        info.compress_type = zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        self._zip.writestr(info, form.media_type.encode("ascii"))
        self._names.add(MIMETYPE)

    def _info(self, name: str) -> zipfile.ZipInfo:
        _check_name(name)
        if name in self._names:
            raise InputError(f"The container would hold {name!r} twice")
        self._names.add(name)
        info = zipfile.ZipInfo(name, date_time=self._date)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def add_file(self, name: str, source: Path, algorithm: str) -> bytes:
        """Copy a file into the container, streamed; return its digest (hashlib name).

        The file is compressed unless its first bytes show that it barely compresses.
        """
        import hashlib  # noqa: PLC0415

        digest = hashlib.new(algorithm)
        with open_input(source, what="file to sign") as handle:
            chunk = handle.read(CHUNK_SIZE)
            info = self._info(name)
            if _incompressible(chunk):
                info.compress_type = zipfile.ZIP_STORED
            with self._zip.open(info, "w", force_zip64=True) as entry:
                while chunk:
                    entry.write(chunk)
                    digest.update(chunk)
                    chunk = handle.read(CHUNK_SIZE)
        return digest.digest()

    def add_bytes(self, name: str, data: bytes) -> None:
        """Add a small entry (a manifest, a signature)."""
        self._zip.writestr(self._info(name), data)

    def copy(self, source: AsicContainer, name: str) -> None:
        """Copy an entry of another container, unchanged, with its date and compression."""
        if name == MIMETYPE:
            return
        _check_name(name)
        if name in self._names:
            raise InputError(f"The container would hold {name!r} twice")
        self._names.add(name)
        source.copy_to(self._zip, name)

    def close(self) -> None:
        """Write the central directory."""
        self._zip.close()


@contextlib.contextmanager
def write_container(out: BinaryIO, form: AsicForm) -> Iterator[ContainerWriter]:
    """A :class:`ContainerWriter` over ``out``; the ZIP directory is written on exit."""
    writer = ContainerWriter(out, form)
    try:
        yield writer
    finally:
        writer.close()
