"""The trusted-list cache's vocabulary: its anchors, its ``manifest.json``, a sync's result.

:func:`~esig.trust.tl_sync.sync_trusted_lists` writes a cache folder and
:func:`~esig.trust.tl_cache.load_trusted_list_cache` reads it; both speak of what is
defined here:

* :class:`LotlSigners` — the LOTL signing certificates trusted as anchors (by default
  the set announced in the Official Journal that esig ships), and the announcement that
  bounds the pivot LOTLs followed;
* :class:`CacheManifest` — the cache's ``manifest.json`` (:data:`MANIFEST_NAME`): per
  file (:class:`CachedFile`, of a :class:`CachedFileKind`) its URL, territory, SHA-256,
  size, fetch time and what its signature check found; :func:`read_manifest` reads it;
* :class:`SyncResult` — what a sync did, and what needs attention;
* the defaults of a sync (:data:`EU_LOTL_URL`, :data:`DEFAULT_TIMEOUT`,
  :data:`DEFAULT_MAX_SIZE`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pydantic import ValidationError

from esig._model import EsigModel
from esig.certificates import load_certificates
from esig.model.trusted_lists import SignatureStatus, TrustedListError, day_text

__all__ = [
    "DEFAULT_MAX_SIZE",
    "DEFAULT_TIMEOUT",
    "EU_LOTL_URL",
    "MANIFEST_NAME",
    "CacheManifest",
    "CachedFile",
    "CachedFileKind",
    "LotlSigners",
    "SyncResult",
]

EU_LOTL_URL = "https://ec.europa.eu/tools/lotl/eu-lotl.xml"
"""Where the European Commission publishes the EU list of trusted lists."""

DEFAULT_TIMEOUT = 60.0
"""Seconds a fetch may take, connection and whole transfer (per file)."""

DEFAULT_MAX_SIZE = 32 * 1024 * 1024
"""Bytes a fetched file may have; the largest national lists are a few MB."""

MANIFEST_NAME = "manifest.json"
"""The manifest's file name in the cache folder."""

NOT_IN_SNAPSHOT = "no list of {} is in the folder snapshot"
"""The error of a national list a folder snapshot does not hold (``.format(territory)``)."""

_BUNDLED = "eu-lotl-signers.pem"
_OJ_LINE = re.compile(r"^#\s*OJ:\s*(\S+)\s*$", re.MULTILINE)


def sha256_hex(data: bytes) -> str:
    """The SHA-256 digest of ``data``, in hex: how the manifest names a file's content."""
    return hashlib.sha256(data).hexdigest()


def _fingerprint(cert: x509.Certificate) -> str:
    return sha256_hex(cert.public_bytes(Encoding.DER))


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


def as_lotl_signers(given: LotlSigners | Sequence[x509.Certificate] | None) -> LotlSigners:
    """The anchors given, as :class:`LotlSigners`: esig's bundled set when None."""
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
    """What a sync (:func:`~esig.trust.tl_sync.sync_trusted_lists`) did, what needs attention."""

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
        absent = [e.territory for e in m.lists if e.error == NOT_IN_SNAPSHOT.format(e.territory)]
        lines += [
            f"  {_entry_line(e, self.checked_at)}"
            for e in m.lists
            if e.error != NOT_IN_SNAPSHOT.format(e.territory)
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


def read_manifest(cache: Path) -> CacheManifest:
    """The manifest of the cache folder ``cache``, validated.

    Raises:
        TrustedListError: The folder has no manifest, or it cannot be read or is not valid.

    """
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
