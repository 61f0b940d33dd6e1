"""Offline first: load the EU trusted lists from a sync cache folder, without network.

:func:`~esig.trust.tl_sync.sync_trusted_lists` fills the cache folder (see
:mod:`esig.trust.tl_sync`); its ``manifest.json`` and the anchors are described in
:mod:`esig.trust.tl_manifest`. This module reads it back.

:func:`load_trusted_list_cache` reads that folder with no network at all: it checks each
file against the manifest's digest, authenticates the LOTL again from the anchors (and
the cached pivots), and loads the national lists with
:meth:`~esig.trust.trusted_lists.TrustedListSource.from_files`, which authenticates each
only with the certificates the LOTL names for its territory. A list that fails is left
out and named in :attr:`~esig.trust.trusted_lists.TrustedListSource.refused`; the others
are used.

The names of :mod:`esig.trust.tl_manifest` and :func:`sync_trusted_lists` are importable
from here as well, where they were defined before the cache's modules were split.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography import x509

from esig._library_warnings import caught_library_warnings
from esig.model.trusted_lists import TrustedListError, day_text
from esig.trust.tl_manifest import (
    DEFAULT_MAX_SIZE,
    DEFAULT_TIMEOUT,
    EU_LOTL_URL,
    MANIFEST_NAME,
    CachedFile,
    CachedFileKind,
    CacheManifest,
    LotlSigners,
    SyncResult,
    as_lotl_signers,
    read_manifest,
    sha256_hex,
)
from esig.trust.tl_sync import FetchedFile, follow_pivots, sync_trusted_lists
from esig.trust.trusted_lists import TrustedListQualification, TrustedListSource

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
    if sha256_hex(data) != entry.sha256:
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
    manifest = read_manifest(cache)
    anchors = as_lotl_signers(lotl_certificates)
    lotl_entry = manifest.lotl
    lotl_path = _intact(cache, lotl_entry)
    if isinstance(lotl_path, TrustedListError):
        raise lotl_path
    by_url = {p.url: p for p in manifest.pivots if p.url}

    def cached_pivot(url: str) -> FetchedFile:
        entry = by_url.get(url)
        path = _intact(cache, entry) if entry is not None else None
        if not isinstance(path, Path):
            raise TrustedListError(f"the pivot LOTL {url} is not in the cache")
        return FetchedFile(
            path.read_bytes(),
            str(path),
            entry.fetched if entry and entry.fetched else dt.datetime.now(dt.UTC),
        )

    unchecked = read_lotl(lotl_path.read_bytes(), source=str(lotl_path))
    signers, walked = follow_pivots(unchecked, anchors, cached_pivot)
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
