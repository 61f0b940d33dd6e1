"""Sync the EU list of trusted lists and its national lists into a cache folder.

:func:`sync_trusted_lists` reads the EU list of trusted lists (LOTL) from its URL (by
default :data:`~esig.trust.tl_manifest.EU_LOTL_URL`) or from a folder snapshot,
authenticates it against LOTL signing certificates given as trust anchors
(:class:`~esig.trust.tl_manifest.LotlSigners`; by default the set announced in the
Official Journal that esig ships), following the **pivot LOTLs** when the signer set
changed since that announcement, then reads every national list the LOTL points to
(``OtherTSLPointer`` with MIME type ``application/vnd.etsi.tsl+xml``), checks each
against the certificates the LOTL names for *its* territory, and writes them all to the
cache folder with a ``manifest.json`` (:class:`~esig.trust.tl_manifest.CacheManifest`):
per file its URL, territory, SHA-256, size, fetch time and what its signature check
found. :mod:`esig.trust.tl_cache` loads that folder with no network.

Pivots (ETSI TS 119 615; DSS's ``LOTLWithPivotsAnalysis``)
---------------------------------------------------------
When the Commission changes the LOTL signing keys, it publishes a *pivot* LOTL signed
with the old keys that names the new ones, and lists the pivots' URLs in the
``SchemeInformationURI`` of every later LOTL, newest first, followed by the URL of the
Official Journal announcement they start from. The URIs ending in ``.xml`` before the
announcement of the anchors used are the pivots to follow; they are walked oldest first
(:func:`follow_pivots`, which loading the cache uses too): each pivot whose signature
verifies with the current set replaces it by the certificates it names in its pointer
to the LOTL; one that cannot be read or does not verify is recorded and skipped (the
set stays). The LOTL must verify with the set reached. Without a known announcement
every ``.xml`` URI is walked (an older pivot does not verify with newer keys and is
skipped).

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
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from cryptography import x509

from esig._io import atomic_output
from esig._library_warnings import caught_library_warnings
from esig.model.trusted_lists import (
    SignatureStatus,
    TrustedList,
    TrustedListError,
    day_text,
)
from esig.trust._fetch import check_url, fetch
from esig.trust.tl_manifest import (
    DEFAULT_MAX_SIZE,
    DEFAULT_TIMEOUT,
    EU_LOTL_URL,
    MANIFEST_NAME,
    NOT_IN_SNAPSHOT,
    CachedFile,
    CachedFileKind,
    CacheManifest,
    LotlSigners,
    SyncResult,
    as_lotl_signers,
    read_manifest,
    sha256_hex,
)

if TYPE_CHECKING:
    from esig._pyhanko.tl_lotl import LotlPointer, LotlReading

__all__ = ["sync_trusted_lists"]

_XML_DIR = "xml"
_WORKERS = 8


# --- where the XML comes from -----------------------------------------------------------------


@dataclass(frozen=True)
class FetchedFile:
    """The bytes of an XML file, where they were read from, and when."""

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

    def _get(self, url: str) -> FetchedFile:
        got = fetch(url, timeout=self.timeout, max_size=self.max_size)
        return FetchedFile(got.data, got.url, got.fetched)

    def lotl(self) -> FetchedFile:
        return self._get(self.url)

    def pivot(self, url: str) -> FetchedFile:
        return self._get(url)

    def lists(self, wanted: dict[str, str]) -> dict[str, FetchedFile | TrustedListError]:
        def one(url: str) -> FetchedFile | TrustedListError:
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
    def _read(path: Path) -> FetchedFile:
        return FetchedFile(path.read_bytes(), str(path), dt.datetime.now(dt.UTC))

    def lotl(self) -> FetchedFile:
        lotls = [f for f in self.files if f.is_lotl]
        if not lotls:
            raise TrustedListError(
                "The folder snapshot holds no list of trusted lists (no XML file whose "
                "TSLType is a list of the lists)",
                path=self.folder,
            )
        newest = max(lotls, key=lambda f: f.sequence_number or -1)
        return self._read(newest.path)

    def pivot(self, url: str) -> FetchedFile:
        name = PurePosixPath(url.split("?", 1)[0]).name
        number = re.search(r"(\d+)\.xml$", name, re.IGNORECASE)
        lotls = [f for f in self.files if f.is_lotl]
        found = [f for f in lotls if number and f.sequence_number == int(number.group(1))]
        found = found or [f for f in lotls if f.path.name == name]
        if not found:
            raise TrustedListError(f"the pivot LOTL {url} is not in the folder snapshot")
        return self._read(found[0].path)

    def lists(self, wanted: dict[str, str]) -> dict[str, FetchedFile | TrustedListError]:
        found: dict[str, FetchedFile | TrustedListError] = {}
        for territory in wanted:
            matches = [f for f in self.files if not f.is_lotl and f.territory == territory]
            if not matches:
                found[territory] = TrustedListError(NOT_IN_SNAPSHOT.format(territory))
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
    kind: CachedFileKind, reading: LotlReading, got: FetchedFile | None, url: str | None
) -> CachedFile:
    sig = reading.signature
    return CachedFile(
        kind=kind,
        territory=reading.header.territory,
        url=url,
        origin=got.origin if got else None,
        sha256=sha256_hex(got.data) if got else None,
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


def follow_pivots(
    lotl: LotlReading,
    anchors: LotlSigners,
    get: Callable[[str], FetchedFile],
) -> tuple[tuple[x509.Certificate, ...], list[tuple[CachedFile, FetchedFile | None]]]:
    """Walk the pivots oldest first; return the signer set reached and one entry per pivot.

    ``get`` reads a pivot by its URL (from the network, a folder snapshot or the cache);
    it raises :class:`~esig.model.trusted_lists.TrustedListError` when it cannot.
    """
    from esig._pyhanko.tl_lotl import read_lotl  # noqa: PLC0415

    current = anchors.certificates
    walked: list[tuple[CachedFile, FetchedFile | None]] = []
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
    anchors = as_lotl_signers(lotl_certificates)
    origin = _source(source, timeout, max_size)
    checked = dt.datetime.now(dt.UTC) if now is None else _aware(now)
    cache = Path(cache_dir)
    previous = _previous_manifest(cache)

    got_lotl = origin.lotl()
    unchecked = read_lotl(got_lotl.data, source=got_lotl.origin)
    signers, walked = follow_pivots(unchecked, anchors, origin.pivot)
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

    stored: list[tuple[CachedFile, FetchedFile | None]] = []
    for territory, pointer in sorted(pointers.items()):
        got = fetched[territory]
        if isinstance(got, TrustedListError):
            stored.append(_kept_or_failed(previous, cache, territory, pointer.location, got))
            continue
        entry, keep = _check_list(got, territory, pointer.location, pointer.certificates)
        stored.append((entry, got if keep else None))

    files: list[tuple[CachedFile, FetchedFile | None]] = [(lotl_entry, got_lotl), *walked, *stored]
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
    got: FetchedFile, territory: str, location: str, certificates: Sequence[x509.Certificate]
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
        sha256=sha256_hex(got.data),
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
) -> tuple[CachedFile, FetchedFile | None]:
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
        if sha256_hex(data) == old.sha256:
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
        return read_manifest(cache)
    except TrustedListError:
        return None


def _write(cache: Path, files: list[tuple[CachedFile, FetchedFile | None]]) -> list[CachedFile]:
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
        digest = sha256_hex(got.data)
        seq = entry.sequence_number if entry.sequence_number is not None else "x"
        name = f"{_XML_DIR}/{entry.kind.value}-{entry.territory or 'XX'}-{seq}-{digest[:16]}.xml"
        target = cache / name
        if not (target.is_file() and sha256_hex(target.read_bytes()) == digest):
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
