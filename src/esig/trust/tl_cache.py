"""Offline first: sync the EU list of trusted lists into a cache folder, load it without network.

:func:`sync_trusted_lists` reads the EU list of trusted lists (LOTL) from its URL (by
default :data:`EU_LOTL_URL`) or from a folder snapshot, authenticates it against LOTL
signing certificates given as trust anchors (:class:`LotlSigners`; by default the set
announced in the Official Journal that esig ships), following the **pivot LOTLs** when
the signer set changed since that announcement, then reads every national list the LOTL
points to (``OtherTSLPointer`` with MIME type ``application/vnd.etsi.tsl+xml``), checks
each against the certificates the LOTL names for *its* territory, and writes them all to
the cache folder with a ``manifest.json`` (:class:`CacheManifest`): per file its URL,
territory, SHA-256, size, fetch time and what its signature check found.

:func:`load_trusted_list_cache` reads that folder with no network at all: it checks each
file against the manifest's digest, authenticates the LOTL again from the anchors (and
the cached pivots), and loads the national lists with
:meth:`~esig.trust.trusted_lists.TrustedListSource.from_files`, which authenticates each
only with the certificates the LOTL names for its territory. A list that fails is left
out and named in :attr:`~esig.trust.trusted_lists.TrustedListSource.refused`; the others
are used.

Pivots (ETSI TS 119 615; DSS's ``LOTLWithPivotsAnalysis``)
---------------------------------------------------------
When the Commission changes the LOTL signing keys, it publishes a *pivot* LOTL signed
with the old keys that names the new ones, and lists the pivots' URLs in the
``SchemeInformationURI`` of every later LOTL, newest first, followed by the URL of the
Official Journal announcement they start from. The URIs ending in ``.xml`` before the
announcement of the anchors used are the pivots to follow; they are walked oldest first:
each pivot whose signature verifies with the current set replaces it by the certificates
it names in its pointer to the LOTL; one that cannot be read or does not verify is
recorded and skipped (the set stays). The LOTL must verify with the set reached. Without
a known announcement every ``.xml`` URI is walked (an older pivot does not verify with
newer keys and is skipped).

Files and atomicity
-------------------
Each XML file is stored under ``xml/`` with a name that carries its digest, written to a
temporary file and renamed into place; the manifest is written last, the same way. A
reader therefore always sees a complete set: the one of the old manifest or of the new.
Files named by neither the new manifest nor the one it replaced are removed. A sync
whose LOTL is refused raises :class:`~esig.model.trusted_lists.TrustedListError` and
leaves the cache as it was. A national list that cannot be fetched keeps the copy the
previous sync stored (the manifest says so); one that cannot be found, read or
authenticated is recorded with the reason, and the sync goes on.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pydantic import ValidationError

from esig._io import atomic_output
from esig._library_warnings import caught_library_warnings
from esig._model import EsigModel
from esig.certificates import load_certificates
from esig.model.trusted_lists import (
    SignatureStatus,
    TrustedList,
    TrustedListError,
    day_text,
)
from esig.trust._fetch import check_url, fetch
from esig.trust.trusted_lists import TrustedListQualification, TrustedListSource

if TYPE_CHECKING:
    from esig._pyhanko.tl_lotl import LotlPointer, LotlReading

__all__ = [
    "DEFAULT_MAX_SIZE",
    "DEFAULT_TIMEOUT",
    "EU_LOTL_URL",
    "MANIFEST_NAME",
    "CacheManifest",
    "CachedFile",
    "CachedFileKind",
    "CachedTrustedListSource",
    "LotlSigners",
    "SyncResult",
    "load_trusted_list_cache",
    "sync_trusted_lists",
]

EU_LOTL_URL = "https://ec.europa.eu/tools/lotl/eu-lotl.xml"
"""Where the European Commission publishes the EU list of trusted lists."""

DEFAULT_TIMEOUT = 60.0
"""Seconds a fetch may take, connection and whole transfer (per file)."""

DEFAULT_MAX_SIZE = 32 * 1024 * 1024
"""Bytes a fetched file may have; the largest national lists are a few MB."""

MANIFEST_NAME = "manifest.json"
"""The manifest's file name in the cache folder."""

_XML_DIR = "xml"
_BUNDLED = "eu-lotl-signers.pem"
_OJ_LINE = re.compile(r"^#\s*OJ:\s*(\S+)\s*$", re.MULTILINE)
_WORKERS = 8
_ABSENT = "no list of {} is in the folder snapshot"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fingerprint(cert: x509.Certificate) -> str:
    return _sha256(cert.public_bytes(Encoding.DER))


@dataclass(frozen=True)
class LotlSigners:
    """The LOTL signing certificates trusted as anchors, and where they were announced.

    Attributes:
        certificates: The certificates allowed to sign the LOTL (or the oldest pivot).
        announcement: The URL of the Official Journal announcement of this set, as the
            LOTL lists it in its ``SchemeInformationURI``: pivots listed after it are
            older than the set and not followed. None: follow every pivot listed.
        source: Where the set comes from, for reports.

    """

    certificates: tuple[x509.Certificate, ...]
    announcement: str | None = None
    source: str = "LOTL signer certificates given by the caller"

    def __post_init__(self) -> None:
        if not self.certificates:
            raise TrustedListError("No LOTL signer certificate was given")

    @property
    def fingerprints(self) -> tuple[str, ...]:
        """The SHA-256 fingerprints of the certificates (hex), sorted."""
        return tuple(sorted(_fingerprint(c) for c in self.certificates))

    @classmethod
    def bundled(cls) -> LotlSigners:
        """The set esig ships: the signers announced in OJ C/2026/1944 (see the file's header).

        It is a copy made when this esig was released. When the Commission announces a
        new set, give it with :meth:`from_file` (``--lotl-signers``).
        """
        data = resources.files("esig").joinpath("data", _BUNDLED).read_bytes()
        found = _OJ_LINE.search(data.decode("ascii", "replace"))
        return cls(
            certificates=tuple(load_certificates(data, what="LOTL signer certificate")),
            announcement=found.group(1) if found else None,
            source="esig's bundled LOTL signers (OJ C/2026/1944)",
        )

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> LotlSigners:
        """Read a set from a file (PEM, DER or PKCS#7).

        A PEM file may name its announcement on a comment line before the certificates,
        ``# OJ: https://eur-lex.europa.eu/…`` (as esig's bundled file does).

        Raises:
            CertificateLoadError: The file cannot be read or holds no certificate.

        """
        certs = load_certificates(path, what="LOTL signer certificate")
        text = Path(path).read_bytes()[:65536].decode("ascii", "replace")
        found = _OJ_LINE.search(text)
        return cls(
            certificates=tuple(certs),
            announcement=found.group(1) if found else None,
            source=f"the LOTL signer certificates of {path}",
        )


def _signers(given: LotlSigners | Sequence[x509.Certificate] | None) -> LotlSigners:
    if given is None:
        return LotlSigners.bundled()
    if isinstance(given, LotlSigners):
        return given
    return LotlSigners(certificates=tuple(given))


class CachedFileKind(StrEnum):
    """What a file of the cache is."""

    LOTL = "lotl"
    """The list of trusted lists."""
    PIVOT = "pivot"
    """A pivot LOTL, announcing a new set of LOTL signers."""
    LIST = "list"
    """A national trusted list."""


class CachedFile(EsigModel):
    """One entry of the manifest: a file fetched (or not), and what its checks found."""

    kind: CachedFileKind
    territory: str
    url: str | None = None
    """The location the LOTL gives (for the LOTL itself, the URL it was synced from)."""
    origin: str | None = None
    """Where it was read from: the URL, or the file of a folder snapshot."""
    file: str | None = None
    """Its path in the cache folder (POSIX, relative); None when nothing was stored."""
    sha256: str | None = None
    size: int | None = None
    fetched: dt.datetime | None = None
    sequence_number: int | None = None
    issued: dt.datetime | None = None
    next_update: dt.datetime | None = None
    signature: SignatureStatus | None = None
    """What the signature check found, against the certificates the LOTL (or the
    pivot chain) gives for it."""
    signer: str | None = None
    signer_sha256: str | None = None
    signature_reason: str | None = None
    used: bool = False
    """A list: stored and authenticated. A pivot: its signer set was adopted."""
    error: str | None = None
    """Why the file is missing, stale, refused or not used (None: all is well)."""


class CacheManifest(EsigModel):
    """``manifest.json``: what a sync stored, from where, and how each file was checked."""

    schema_version: Literal[1] = 1
    kind: Literal["esig-trusted-list-cache"] = "esig-trusted-list-cache"
    synced: dt.datetime
    source: str
    """The URL or folder synced from."""
    lotl_signers: tuple[str, ...]
    """SHA-256 of the LOTL signer certificates used as anchors."""
    lotl_signers_source: str
    announcement: str | None = None
    files: tuple[CachedFile, ...]

    @property
    def lotl(self) -> CachedFile:
        """The LOTL's entry."""
        return next(f for f in self.files if f.kind is CachedFileKind.LOTL)

    @property
    def pivots(self) -> tuple[CachedFile, ...]:
        """The pivot LOTLs, oldest first, as they were walked."""
        return tuple(f for f in self.files if f.kind is CachedFileKind.PIVOT)

    @property
    def lists(self) -> tuple[CachedFile, ...]:
        """The national lists, by territory."""
        return tuple(f for f in self.files if f.kind is CachedFileKind.LIST)


class SyncResult(EsigModel):
    """What :func:`sync_trusted_lists` did: the manifest written and what needs attention."""

    kind: Literal["trusted-list-sync"] = "trusted-list-sync"
    cache_dir: str
    manifest: CacheManifest
    checked_at: dt.datetime
    """The moment ``NextUpdate`` dates were compared with."""
    findings: tuple[str, ...] = ()
    """Lists refused, missing or expired, pivots skipped: one sentence each."""

    @property
    def complete(self) -> bool:
        """Every national list the LOTL points to was stored and authenticated."""
        return all(entry.used and entry.error is None for entry in self.manifest.lists)

    def to_text(self) -> str:
        """The result as text, one line per file."""
        m = self.manifest
        lotl = m.lotl
        lines = [f"Trusted-list cache {self.cache_dir}, synced from {m.source}"]
        lines.append(f"LOTL:    {_entry_line(lotl, self.checked_at)}")
        walked = sum(1 for p in m.pivots if p.used)
        lines.append(
            f"Signers: {m.lotl_signers_source}, then {walked} pivot LOTL(s) of {len(m.pivots)}"
        )
        lines += [f"Pivot:   {_entry_line(p, self.checked_at)}" for p in m.pivots]
        good = sum(1 for e in m.lists if e.used and e.error is None)
        lines.append(f"Lists:   {good} of {len(m.lists)} stored and authenticated")
        absent = [e.territory for e in m.lists if e.error == _ABSENT.format(e.territory)]
        lines += [
            f"  {_entry_line(e, self.checked_at)}"
            for e in m.lists
            if e.error != _ABSENT.format(e.territory)
        ]
        if absent:
            lines.append(f"  not in the folder snapshot: {', '.join(absent)}")
        lines += [f"Warning: {f}" for f in self.findings if "in the folder snapshot" not in f]
        return "\n".join(lines) + "\n"


def _entry_line(entry: CachedFile, now: dt.datetime) -> str:
    seq = f"#{entry.sequence_number}" if entry.sequence_number is not None else "#?"
    parts = [f"{entry.territory:<3} {seq:<5}"]
    if entry.signature is not None:
        parts.append(entry.signature.value.upper())
    if entry.next_update is not None and entry.next_update < now:
        parts.append(f"EXPIRED (next update was due {day_text(entry.next_update)})")
    if entry.error:
        parts.append(f"— {entry.error}")
    elif entry.url:
        parts.append(f"— {entry.url}")
    return " ".join(parts)


# --- where the XML comes from -----------------------------------------------------------------


@dataclass(frozen=True)
class _Got:
    data: bytes
    origin: str
    fetched: dt.datetime


class _UrlSource:
    def __init__(self, url: str, timeout: float, max_size: int) -> None:
        self.url = check_url(url)
        self.timeout = timeout
        self.max_size = max_size

    def describe(self) -> str:
        return self.url

    def _get(self, url: str) -> _Got:
        got = fetch(url, timeout=self.timeout, max_size=self.max_size)
        return _Got(got.data, got.url, got.fetched)

    def lotl(self) -> _Got:
        return self._get(self.url)

    def pivot(self, url: str) -> _Got:
        return self._get(url)

    def lists(self, wanted: dict[str, str]) -> dict[str, _Got | TrustedListError]:
        def one(url: str) -> _Got | TrustedListError:
            try:
                return self._get(url)
            except TrustedListError as exc:
                return exc

        with concurrent.futures.ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            futures = {territory: pool.submit(one, url) for territory, url in wanted.items()}
            return {territory: future.result() for territory, future in futures.items()}


@dataclass(frozen=True)
class _FolderFile:
    path: Path
    territory: str
    sequence_number: int | None
    is_lotl: bool


class _FolderSource:
    """A folder snapshot: files matched to pointers by what they say, not by their names."""

    def __init__(self, folder: Path, max_size: int) -> None:
        from esig._pyhanko.tl_lotl import peek_list  # noqa: PLC0415 - pyHanko is heavy

        if not folder.is_dir():
            raise TrustedListError("The folder snapshot does not exist", path=folder)
        self.folder = folder
        self.max_size = max_size
        self.files: list[_FolderFile] = []
        for path in sorted(folder.rglob("*.xml")):
            if not path.is_file() or path.stat().st_size > max_size:
                continue
            try:
                header = peek_list(path.read_bytes(), source=str(path))
            except (TrustedListError, OSError):
                continue  # not a trusted list: ignored
            self.files.append(
                _FolderFile(path, header.territory, header.sequence_number, header.is_list_of_lists)
            )

    def describe(self) -> str:
        return str(self.folder)

    @staticmethod
    def _read(path: Path) -> _Got:
        return _Got(path.read_bytes(), str(path), dt.datetime.now(dt.UTC))

    def lotl(self) -> _Got:
        lotls = [f for f in self.files if f.is_lotl]
        if not lotls:
            raise TrustedListError(
                "The folder snapshot holds no list of trusted lists (no XML file whose "
                "TSLType is a list of the lists)",
                path=self.folder,
            )
        newest = max(lotls, key=lambda f: f.sequence_number or -1)
        return self._read(newest.path)

    def pivot(self, url: str) -> _Got:
        name = PurePosixPath(url.split("?", 1)[0]).name
        number = re.search(r"(\d+)\.xml$", name, re.IGNORECASE)
        lotls = [f for f in self.files if f.is_lotl]
        found = [f for f in lotls if number and f.sequence_number == int(number.group(1))]
        found = found or [f for f in lotls if f.path.name == name]
        if not found:
            raise TrustedListError(f"the pivot LOTL {url} is not in the folder snapshot")
        return self._read(found[0].path)

    def lists(self, wanted: dict[str, str]) -> dict[str, _Got | TrustedListError]:
        found: dict[str, _Got | TrustedListError] = {}
        for territory in wanted:
            matches = [f for f in self.files if not f.is_lotl and f.territory == territory]
            if not matches:
                found[territory] = TrustedListError(_ABSENT.format(territory))
                continue
            newest = max(matches, key=lambda f: f.sequence_number or -1)
            found[territory] = self._read(newest.path)
        return found


_Source = _UrlSource | _FolderSource


def _source(source: str | os.PathLike[str] | None, timeout: float, max_size: int) -> _Source:
    if source is None:
        return _UrlSource(EU_LOTL_URL, timeout, max_size)
    if isinstance(source, str) and "://" in source:
        return _UrlSource(source, timeout, max_size)
    return _FolderSource(Path(source), max_size)


# --- pivots ---------------------------------------------------------------------------------


def _pivot_urls(uris: Sequence[str], announcement: str | None) -> list[str]:
    """The pivot LOTLs a LOTL lists before the announcement of the anchors, newest first."""
    found: list[str] = []
    for uri in uris:
        if announcement is not None and uri == announcement:
            break
        if uri.split("?", 1)[0].lower().endswith(".xml") and uri not in found:
            found.append(uri)
    return found


def _reading_entry(
    kind: CachedFileKind, reading: LotlReading, got: _Got | None, url: str | None
) -> CachedFile:
    sig = reading.signature
    return CachedFile(
        kind=kind,
        territory=reading.header.territory,
        url=url,
        origin=got.origin if got else None,
        sha256=_sha256(got.data) if got else None,
        size=len(got.data) if got else None,
        fetched=got.fetched if got else None,
        sequence_number=reading.header.sequence_number,
        issued=reading.header.issued,
        next_update=reading.next_update,
        signature=sig.status,
        signer=sig.signer,
        signer_sha256=sig.signer_sha256,
        signature_reason=sig.reason,
    )


def _follow_pivots(
    lotl: LotlReading,
    anchors: LotlSigners,
    get: Callable[[str], _Got],
) -> tuple[tuple[x509.Certificate, ...], list[tuple[CachedFile, _Got | None]]]:
    """Walk the pivots oldest first; return the signer set reached and one entry per pivot."""
    from esig._pyhanko.tl_lotl import read_lotl  # noqa: PLC0415

    current = anchors.certificates
    walked: list[tuple[CachedFile, _Got | None]] = []
    for url in reversed(_pivot_urls(lotl.information_uris, anchors.announcement)):
        try:
            got = get(url)
            reading = read_lotl(got.data, source=got.origin, certificates=current)
        except TrustedListError as exc:
            walked.append(
                (
                    CachedFile(
                        kind=CachedFileKind.PIVOT, territory="EU", url=url, error=exc.message
                    ),
                    None,
                )
            )
            continue
        entry = _reading_entry(CachedFileKind.PIVOT, reading, got, url)
        announced = reading.announced_signers
        if reading.signature.status is not SignatureStatus.VERIFIED:
            entry = entry.model_copy(
                update={
                    "error": "not followed: its signature does not verify with the LOTL "
                    "signers reached so far"
                }
            )
        elif not announced:
            entry = entry.model_copy(
                update={"error": "not followed: it names no LOTL signer certificate"}
            )
        else:
            current = announced
            entry = entry.model_copy(update={"used": True})
        walked.append((entry, got))
    return current, walked


def _refuse_lotl(
    reading: LotlReading, origin: str, anchors: LotlSigners, used: int, listed: int
) -> None:
    if reading.signature.status is SignatureStatus.VERIFIED:
        return
    after = f", then {used} of the {listed} pivot LOTL(s) listed" if listed else ""
    raise TrustedListError(
        f"The list of trusted lists {reading.header.territory} #"
        f"{reading.header.sequence_number} ({origin}) is refused: "
        f"{reading.signature.reason} (anchors: {anchors.source}{after}). Give the LOTL signer "
        "certificates announced in the Official Journal (--lotl-signers PEM, "
        "lotl_certificates=)",
        path=origin if "://" not in origin else None,
        signature=reading.signature,
        territory=reading.header.territory,
    )


# --- sync -----------------------------------------------------------------------------------


def sync_trusted_lists(
    cache_dir: str | os.PathLike[str],
    *,
    source: str | os.PathLike[str] | None = None,
    lotl_certificates: LotlSigners | Sequence[x509.Certificate] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_size: int = DEFAULT_MAX_SIZE,
    now: dt.datetime | None = None,
) -> SyncResult:
    """Fetch (or read) the EU LOTL and every national list it points to into ``cache_dir``.

    Args:
        cache_dir: The cache folder (created if missing).
        source: An http(s) URL of the LOTL (default :data:`EU_LOTL_URL`), or a folder
            snapshot holding the LOTL, its pivots and national lists (matched to the
            LOTL's pointers by the territory and sequence number they state).
        lotl_certificates: The LOTL signer certificates to trust (default: the set
            esig ships, :meth:`LotlSigners.bundled`). A :class:`LotlSigners` can say
            where the set was announced, which bounds the pivots followed.
        timeout: Seconds each fetch may take in all.
        max_size: Bytes each file may have.
        now: When ``NextUpdate`` dates are judged (default: now).

    Returns:
        The manifest written, with the lists refused, missing or expired.

    Raises:
        TrustedListError: The LOTL cannot be read or fetched, or its signature does not
            verify with the anchors (after the pivots): the cache is left as it was.
        OutputError: The cache folder cannot be written.

    """
    from esig._pyhanko.tl_lotl import TSL_MIME_TYPE, read_lotl  # noqa: PLC0415

    if not 0 < timeout <= 3600:
        raise TrustedListError("The timeout must be more than 0 and at most 3600 seconds")
    if max_size <= 0:
        raise TrustedListError("The size limit must be more than 0 bytes")
    anchors = _signers(lotl_certificates)
    origin = _source(source, timeout, max_size)
    checked = dt.datetime.now(dt.UTC) if now is None else _aware(now)
    cache = Path(cache_dir)
    previous = _previous_manifest(cache)

    got_lotl = origin.lotl()
    unchecked = read_lotl(got_lotl.data, source=got_lotl.origin)
    signers, walked = _follow_pivots(unchecked, anchors, origin.pivot)
    lotl = read_lotl(got_lotl.data, source=got_lotl.origin, certificates=signers)
    used = sum(1 for entry, _ in walked if entry.used)
    _refuse_lotl(lotl, got_lotl.origin, anchors, used, len(walked))
    lotl_url = origin.url if isinstance(origin, _UrlSource) else None
    lotl_entry = _reading_entry(CachedFileKind.LOTL, lotl, got_lotl, lotl_url)
    lotl_entry = lotl_entry.model_copy(update={"used": True})

    pointers: dict[str, LotlPointer] = {}
    for pointer in lotl.pointers:
        if pointer.mime_type != TSL_MIME_TYPE or pointer.points_to_lotl or not pointer.territory:
            continue
        pointers.setdefault(pointer.territory, pointer)
    fetched = origin.lists({t: p.location for t, p in sorted(pointers.items())})

    stored: list[tuple[CachedFile, _Got | None]] = []
    for territory, pointer in sorted(pointers.items()):
        got = fetched[territory]
        if isinstance(got, TrustedListError):
            stored.append(_kept_or_failed(previous, cache, territory, pointer.location, got))
            continue
        entry, keep = _check_list(got, territory, pointer.location, pointer.certificates)
        stored.append((entry, got if keep else None))

    files: list[tuple[CachedFile, _Got | None]] = [(lotl_entry, got_lotl), *walked, *stored]
    entries = _write(cache, files)
    manifest = CacheManifest(
        synced=dt.datetime.now(dt.UTC),
        source=origin.describe(),
        lotl_signers=anchors.fingerprints,
        lotl_signers_source=anchors.source,
        announcement=anchors.announcement,
        files=tuple(entries),
    )
    _write_manifest(cache, manifest, previous)
    return SyncResult(
        cache_dir=str(cache),
        manifest=manifest,
        checked_at=checked,
        findings=tuple(_findings(manifest, checked)),
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _check_list(
    got: _Got, territory: str, location: str, certificates: Sequence[x509.Certificate]
) -> tuple[CachedFile, bool]:
    """A national list checked as it will be loaded: parsed, authenticated by its pointer.

    Returns its entry and whether to store it: a list that does not parse, or is for
    another territory, is not stored; one whose signature fails is (for inspection) and
    will be refused when the cache is loaded.
    """
    from esig._pyhanko.trusted_lists import load_list  # noqa: PLC0415

    base = CachedFile(
        kind=CachedFileKind.LIST,
        territory=territory,
        url=location,
        origin=got.origin,
        sha256=_sha256(got.data),
        size=len(got.data),
        fetched=got.fetched,
    )
    try:
        with caught_library_warnings(f"reading the trusted list of {territory}"):
            loaded = load_list(got.data, source=got.origin, candidates=tuple(certificates))
        tl = loaded.trusted_list
    except TrustedListError as exc:
        return base.model_copy(update={"error": f"not stored: {exc.message}"}), False
    entry = base.model_copy(update=_list_facts(tl))
    if tl.territory.upper() != territory:
        wrong = f"not stored: it is the list of {tl.territory or '?'}, not of {territory}"
        return entry.model_copy(update={"error": wrong}), False
    if tl.signature.status is not SignatureStatus.VERIFIED:
        refused = (
            "refused: its signature does not verify with the certificates the LOTL names "
            f"for {territory} ({tl.signature.reason})"
        )
        return entry.model_copy(update={"error": refused}), True
    return entry.model_copy(update={"used": True}), True


def _list_facts(tl: TrustedList) -> dict[str, Any]:
    return {
        "sequence_number": tl.sequence_number,
        "issued": tl.issued,
        "next_update": tl.next_update,
        "signature": tl.signature.status,
        "signer": tl.signature.signer,
        "signer_sha256": tl.signature.signer_sha256,
        "signature_reason": tl.signature.reason,
    }


def _kept_or_failed(
    previous: CacheManifest | None,
    cache: Path,
    territory: str,
    location: str,
    error: TrustedListError,
) -> tuple[CachedFile, _Got | None]:
    """A list that could not be fetched: the previous sync's copy when it is intact."""
    old = None
    if previous is not None:
        old = next((e for e in previous.lists if e.territory == territory and e.file), None)
    if old is not None and old.file is not None and old.used:
        path = cache / old.file
        try:
            data = path.read_bytes()
        except OSError:
            data = b""
        if _sha256(data) == old.sha256:
            note = (
                f"refresh failed ({error.message}); the copy fetched "
                f"{day_text(old.fetched) if old.fetched else 'earlier'} is kept"
            )
            return old.model_copy(update={"error": note, "url": location}), None
    return (
        CachedFile(
            kind=CachedFileKind.LIST, territory=territory, url=location, error=error.message
        ),
        None,
    )


def _findings(manifest: CacheManifest, now: dt.datetime) -> list[str]:
    found = []
    for entry in (manifest.lotl, *manifest.lists):
        if entry.next_update is not None and entry.next_update < now and entry.file:
            found.append(
                f"the list {entry.territory} #{entry.sequence_number} was due for its next "
                f"update {day_text(entry.next_update)}: it has expired, and a newer list may "
                "say otherwise"
            )
    for entry in (*manifest.pivots, *manifest.lists):
        if entry.error:
            found.append(f"{entry.kind.value} {entry.territory} ({entry.url}): {entry.error}")
    return found


# --- the cache folder ---------------------------------------------------------------------


def _previous_manifest(cache: Path) -> CacheManifest | None:
    try:
        return _read_manifest(cache)
    except TrustedListError:
        return None


def _read_manifest(cache: Path) -> CacheManifest:
    path = cache / MANIFEST_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TrustedListError(
            f"{cache} is not a trusted-list cache (it has no {MANIFEST_NAME}); fill it "
            "with esig tl sync --cache DIR first",
            path=cache,
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TrustedListError(f"The cache manifest cannot be read: {exc}", path=path) from None
    try:
        return CacheManifest.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise TrustedListError(
            f"The cache manifest is not valid ({where}: {first['msg']}); sync again",
            path=path,
        ) from None


def _write(cache: Path, files: list[tuple[CachedFile, _Got | None]]) -> list[CachedFile]:
    try:
        (cache / _XML_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TrustedListError(
            f"The cache folder cannot be created: {exc.strerror}", path=cache
        ) from None
    entries = []
    for entry, got in files:
        if got is None:
            entries.append(entry)
            continue
        digest = _sha256(got.data)
        seq = entry.sequence_number if entry.sequence_number is not None else "x"
        name = f"{_XML_DIR}/{entry.kind.value}-{entry.territory or 'XX'}-{seq}-{digest[:16]}.xml"
        target = cache / name
        if not (target.is_file() and _sha256(target.read_bytes()) == digest):
            with atomic_output(target) as handle:
                handle.write(got.data)
        entries.append(entry.model_copy(update={"file": name}))
    return entries


def _write_manifest(cache: Path, manifest: CacheManifest, previous: CacheManifest | None) -> None:
    text = json.dumps(json.loads(manifest.model_dump_json()), indent=2, ensure_ascii=False)
    with atomic_output(cache / MANIFEST_NAME) as handle:
        handle.write((text + "\n").encode("utf-8"))
    keep = {e.file for e in manifest.files if e.file}
    if previous is not None:
        keep |= {e.file for e in previous.files if e.file}
    for path in (cache / _XML_DIR).glob("*.xml"):
        if f"{_XML_DIR}/{path.name}" not in keep:
            with contextlib.suppress(OSError):  # removed by another sync meanwhile
                path.unlink()


# --- loading the cache, offline -----------------------------------------------------------------


class CachedTrustedListSource(TrustedListSource):
    """A :class:`~esig.trust.trusted_lists.TrustedListSource` loaded from a sync cache.

    Its answers end with the lists consulted (LOTL and national lists, with their
    sequence numbers, and the cache they came from), so a report names them.
    """

    __slots__ = ("_cache_dir", "_manifest", "_signers_text")
    _cache_dir: Path
    _manifest: CacheManifest
    _signers_text: str

    @property
    def cache_dir(self) -> Path:
        """The cache folder the lists were loaded from."""
        return self._cache_dir

    @property
    def manifest(self) -> CacheManifest:
        """The cache's manifest, as read."""
        return self._manifest

    @property
    def consulted(self) -> str:
        """The lists consulted, in words (appended to every answer)."""
        lotl = self.lotl
        head = f"EU LOTL #{lotl.sequence_number} ({self._signers_text})" if lotl else "no LOTL"
        names = ", ".join(f"{tl.territory} #{tl.sequence_number}" for tl in self.lists)
        text = (
            f"Trusted lists consulted: {head}; {names or 'no national list'} (from the cache "
            f"{self._cache_dir}, synced {day_text(self._manifest.synced)} from "
            f"{self._manifest.source})."
        )
        if self.refused:
            text += " Refused: " + ", ".join(r.territory or "?" for r in self.refused) + "."
        absent = [e.territory for e in self._manifest.lists if e.file is None]
        if absent:
            text += f" Not in the cache: {', '.join(absent)}."
        return text

    def qualification_at(self, *args: Any, **kwargs: Any) -> TrustedListQualification:
        """:meth:`TrustedListSource.qualification_at`, its explanation naming the lists."""
        found = super().qualification_at(*args, **kwargs)
        return found.model_copy(update={"explanation": f"{found.explanation} {self.consulted}"})

    @classmethod
    def _from_cache(
        cls,
        *,
        cache: Path,
        manifest: CacheManifest,
        lotl_path: Path,
        list_paths: list[Path],
        signers: tuple[x509.Certificate, ...],
        signers_text: str,
        refused: list[TrustedListError],
        allow_unsigned: bool,
    ) -> CachedTrustedListSource:
        try:
            with caught_library_warnings("loading the cached trusted lists"):
                loaded = cls.from_files(
                    list_paths,
                    lotl=lotl_path,
                    lotl_certificates=signers,
                    allow_unsigned=allow_unsigned,
                )
        except TrustedListError as exc:
            if exc.path is not None and exc.path == lotl_path:
                raise TrustedListError(
                    f"{exc.message} (anchors: {signers_text}; the cache was synced with "
                    f"{manifest.lotl_signers_source}). Give the LOTL signer certificates "
                    "announced in the Official Journal (--lotl-signers PEM)",
                    path=lotl_path,
                    signature=exc.signature,
                    territory=exc.territory,
                ) from None
            raise
        if refused and not loaded.lists:
            raise refused[0]
        assert isinstance(loaded, CachedTrustedListSource)
        loaded._refused = (*refused, *loaded.refused)
        loaded._cache_dir = cache
        loaded._manifest = manifest
        loaded._signers_text = signers_text
        return loaded


def _intact(cache: Path, entry: CachedFile) -> Path | TrustedListError:
    """The entry's file, when it is in the cache with the digest the manifest records."""
    if entry.file is None or entry.sha256 is None:
        return TrustedListError(
            f"The {entry.kind.value} {entry.territory} was not stored by the last sync: "
            f"{entry.error}",
            territory=entry.territory,
        )
    path = cache / entry.file
    try:
        data = path.read_bytes()
    except OSError:
        return TrustedListError(
            f"The cached trusted list {entry.territory} is missing from the cache",
            path=path,
            territory=entry.territory,
        )
    if _sha256(data) != entry.sha256:
        return TrustedListError(
            f"The cached trusted list {entry.territory} is refused: the file was changed "
            "since it was synced (its SHA-256 is not the manifest's)",
            path=path,
            territory=entry.territory,
        )
    return path


def load_trusted_list_cache(
    cache_dir: str | os.PathLike[str],
    *,
    lotl_certificates: LotlSigners | Sequence[x509.Certificate] | None = None,
    allow_unsigned: bool = False,
) -> CachedTrustedListSource:
    """Load the LOTL and national lists of a sync cache, with no network.

    Each file must have the digest the manifest records. The LOTL is authenticated again
    from ``lotl_certificates`` (default: :meth:`LotlSigners.bundled`) through the cached
    pivots, and each national list only with the certificates the LOTL names for its
    territory (:meth:`TrustedListSource.from_files`). Lists that fail are named in
    :attr:`~TrustedListSource.refused` by territory and not used; the others are.

    Raises:
        TrustedListError: The folder is not a cache, the LOTL is missing, changed or
            does not verify with the anchors, or every national list is refused.

    """
    from esig._pyhanko.tl_lotl import read_lotl  # noqa: PLC0415

    cache = Path(cache_dir)
    manifest = _read_manifest(cache)
    anchors = _signers(lotl_certificates)
    lotl_entry = manifest.lotl
    lotl_path = _intact(cache, lotl_entry)
    if isinstance(lotl_path, TrustedListError):
        raise lotl_path
    by_url = {p.url: p for p in manifest.pivots if p.url}

    def cached_pivot(url: str) -> _Got:
        entry = by_url.get(url)
        path = _intact(cache, entry) if entry is not None else None
        if not isinstance(path, Path):
            raise TrustedListError(f"the pivot LOTL {url} is not in the cache")
        return _Got(
            path.read_bytes(),
            str(path),
            entry.fetched if entry and entry.fetched else dt.datetime.now(dt.UTC),
        )

    unchecked = read_lotl(lotl_path.read_bytes(), source=str(lotl_path))
    signers, walked = _follow_pivots(unchecked, anchors, cached_pivot)
    used = sum(1 for entry, _ in walked if entry.used)
    signers_text = anchors.source + (f", then {used} pivot LOTL(s)" if used else "")
    refused: list[TrustedListError] = []
    paths: list[Path] = []
    for entry in manifest.lists:
        if entry.file is None:
            continue  # not stored by the sync: absent (named in .consulted), not refused
        found = _intact(cache, entry)
        if isinstance(found, TrustedListError):
            refused.append(found)
        else:
            paths.append(found)
    return CachedTrustedListSource._from_cache(
        cache=cache,
        manifest=manifest,
        lotl_path=lotl_path,
        list_paths=paths,
        signers=signers,
        signers_text=signers_text,
        refused=refused,
        allow_unsigned=allow_unsigned,
    )
