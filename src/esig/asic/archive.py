"""The ASiCArchiveManifest of ASiC-E with CAdES at B-LTA (ETSI EN 319 162-1 §4.4.3, A.6).

An archive manifest is an ``asic:ASiCManifest`` whose ``SigReference`` names an RFC 3161
time-stamp token (``META-INF/timestamp001.tst``) instead of a signature: the token's
message imprint is the digest of the manifest's bytes, and the manifest lists every file
of the container with its digest (data files, signatures, ASiCManifests, earlier
archive manifests and timestamps), so the one timestamp proves them all.

Names follow DSS (``ASiCWithCAdESLevelBaselineLTA``): the latest archive manifest is
always ``META-INF/ASiCArchiveManifest.xml``. Renewing renames it to
``META-INF/ASiCArchiveManifest001.xml`` (then ``002`` …), and the new
``ASiCArchiveManifest.xml`` lists the renamed one with ``Rootfile="true"``, together with
its timestamp. Timestamps are ``META-INF/timestamp001.tst``, ``002`` … in order.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "ARCHIVE_MANIFEST",
    "ARCHIVE_MANIFESTS",
    "TIMESTAMPS",
    "TIMESTAMP_MIME",
    "next_archive_manifest_name",
    "next_timestamp_name",
]

ARCHIVE_MANIFEST = "META-INF/ASiCArchiveManifest.xml"
"""The name of the latest archive manifest."""
ARCHIVE_MANIFESTS = re.compile(r"META-INF/ASiCArchiveManifest[^/]*\.xml", re.IGNORECASE)
"""Archive manifests: the latest and the earlier, renamed ones."""
TIMESTAMPS = re.compile(r"META-INF/[^/]*timestamp[^/]*\.tst", re.IGNORECASE)
"""Time-stamp token files of ASiC with CAdES (``META-INF/*timestamp*.tst``)."""
TIMESTAMP_MIME = "application/vnd.etsi.timestamp-token"
"""The MIME type of a time-stamp token file (``SigReference/@MimeType``)."""


def _next(template: str, names: Iterable[str]) -> str:
    taken = {n.lower() for n in names}
    number = 1
    while (candidate := template.format(f"{number:03d}")).lower() in taken:
        number += 1
    return candidate


def next_timestamp_name(names: Iterable[str]) -> str:
    """The first free ``META-INF/timestampNNN.tst`` among ``names``."""
    return _next("META-INF/timestamp{}.tst", names)


def next_archive_manifest_name(names: Iterable[str]) -> str:
    """The first free ``META-INF/ASiCArchiveManifestNNN.xml`` (for the renamed previous one)."""
    return _next("META-INF/ASiCArchiveManifest{}.xml", names)
