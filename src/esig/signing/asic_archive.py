r"""ASiC with CAdES at B-LTA: archive manifests and archive timestamps (EN 319 162-1).

B-LTA keeps a container verifiable after its certificates expire or their algorithms
age: the CAdES signatures carry their validation data (B-LT: every certificate of the
signer's and the TSA's paths, OCSP responses and CRLs), and
``META-INF/ASiCArchiveManifest.xml`` lists every file of the container with its digest,
under an RFC 3161 archive timestamp ``META-INF/timestamp001.tst`` over the manifest's
bytes (see :mod:`esig.asic.archive` for the names, which follow DSS).

- :func:`esig.signing.asic.sign_asic` with ``level=B_LTA`` signs at B-LT and archives
  the new container in the same pass.
- :func:`extend_asic` brings a signed ASiC-E container to B-LTA, or renews its archive
  timestamp: signatures not yet archived get their validation data, the previous
  archive timestamp gets its own, and a new archive manifest and timestamp cover
  everything, the previous ones included. The input is never modified; the output
  appears atomically.

ASiC-S takes no archive manifest (EN 319 162-1 §4.3.3, DSS's ``ASiCWithCAdESService``):
its CAdES signature reaches B-LTA itself, with an ``archive-time-stamp-v3`` unsigned
attribute (EN 319 122-1 §5.5.3) over the signed file and the signature's elements;
:func:`extend_asic` adds one (renewal: one more, after the previous token gets its
validation data).

Anyone can check an ASiC-E archive timestamp with OpenSSL::

    openssl ts -verify -in META-INF/timestamp001.tst -token_in \
        -data META-INF/ASiCArchiveManifest.xml -CAfile tsa-root.pem

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from esig._io import atomic_output
from esig._model import EsigModel
from esig._pyhanko.asic_archive import timestamp_bytes, with_long_term_data
from esig._pyhanko.cades_archive import add_archive_timestamp_v3, archive_timestamp_count
from esig._sync import run_sync
from esig.asic.archive import (
    ARCHIVE_MANIFEST,
    ARCHIVE_MANIFESTS,
    TIMESTAMP_MIME,
    TIMESTAMPS,
    next_archive_manifest_name,
    next_timestamp_name,
)
from esig.asic.container import (
    CADES_SIGNATURE,
    MANIFEST,
    MIMETYPE,
    XADES_SIGNATURE,
    AsicContainer,
    AsicForm,
    ContainerWriter,
    ZipLimits,
    open_container,
    write_container,
)
from esig.asic.manifest import ManifestError, build_manifest, parse_manifest
from esig.devices.base import DigestAlgorithm
from esig.errors import InputError, OutputError
from esig.signing.asic_xades_archive import extend_signatures
from esig.signing.baseline import BaselineLevel, TimestampService, ValidationServices

__all__ = ["ArchivedContainer", "async_extend_asic", "extend_asic", "write_archive"]

_SIGNATURE_MIME = "application/pkcs7-signature"


class ArchivedContainer(EsigModel):
    """What :func:`extend_asic` produced.

    .. versionadded:: 0.2.0
    """

    path: Path
    """Where the container was written."""
    archive_manifest: str | None
    """The new archive manifest (ASiC-E: always ``META-INF/ASiCArchiveManifest.xml``;
    ASiC-S has none)."""
    timestamp_file: str
    """Where the new archive timestamp is: ASiC-E, its token file
    (``META-INF/timestampNNN.tst``); ASiC-S, the signature whose archive-time-stamp-v3
    it is (``META-INF/signature.p7s``)."""
    covered: tuple[str, ...]
    """Every file the new archive manifest lists."""
    extended_signatures: tuple[str, ...]
    """The signatures whose validation data was added (those not archived before)."""
    renewed: bool
    """An earlier archive timestamp was there, and is now covered by the new one."""
    size: int
    """Size of the container in bytes."""
    level: BaselineLevel = BaselineLevel.B_LTA
    """B-LTA, or B-LT (XAdES containers extended to B-LT only)."""


def mime_of(name: str) -> str:
    """The MIME type an archive manifest records for a container entry."""
    import mimetypes  # noqa: PLC0415

    if CADES_SIGNATURE.matches(name):
        return _SIGNATURE_MIME
    if TIMESTAMPS.fullmatch(name):
        return TIMESTAMP_MIME
    if name.lower().endswith(".xml") and name.startswith("META-INF/"):
        return "text/xml"
    return mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"


async def write_archive(
    writer: ContainerWriter,
    covered: Sequence[tuple[str, bytes]],
    *,
    timestamp_name: str,
    timestamp: TimestampService,
    digest_algorithm: DigestAlgorithm,
    root_file: str | None = None,
) -> bytes:
    """Add an archive manifest over ``covered`` and its archive timestamp to ``writer``.

    Args:
        writer: The container being written (every covered entry already in it).
        covered: ``(name, digest)`` of every entry the manifest lists, in order.
        timestamp_name: The token's name (the manifest's ``SigReference``).
        timestamp: The time-stamping service.
        digest_algorithm: The algorithm of the digests and of the timestamp's imprint.
        root_file: The previous archive manifest, marked ``Rootfile="true"``.

    Returns:
        The archive manifest's bytes.

    """
    listed = [(quote(name), mime_of(name), digest) for name, digest in covered]
    manifest = build_manifest(
        timestamp_name,
        listed,
        digest_algorithm,
        signature_mime_type=TIMESTAMP_MIME,
        root_file=quote(root_file) if root_file else None,
    )
    token = await timestamp_bytes(manifest, timestamp, digest_algorithm)
    writer.add_bytes(ARCHIVE_MANIFEST, manifest)
    writer.add_bytes(timestamp_name, token)
    return manifest


def _archived(source: AsicContainer) -> set[str]:
    """The entries some archive manifest of ``source`` lists."""
    found: set[str] = set()
    for name in source.names:
        if not ARCHIVE_MANIFESTS.fullmatch(name):
            continue
        try:
            manifest = parse_manifest(source.read(name), name)
        except ManifestError as exc:
            raise InputError(f"The archive manifest cannot be read: {exc}") from None
        found.update(ref.uri for ref in manifest.references)
        found.update(_unquoted(ref.uri) for ref in manifest.references)
    return found


def _tokens(source: AsicContainer) -> list[str]:
    return [n for n in source.names if TIMESTAMPS.fullmatch(n)]


def _unquoted(uri: str) -> str:
    from urllib.parse import unquote  # noqa: PLC0415

    return unquote(uri)


def _previous_timestamp(source: AsicContainer) -> str | None:
    if ARCHIVE_MANIFEST not in source.names:
        return None
    try:
        manifest = parse_manifest(source.read(ARCHIVE_MANIFEST), ARCHIVE_MANIFEST)
    except ManifestError as exc:
        raise InputError(f"The archive manifest cannot be read: {exc}") from None
    name = _unquoted(manifest.signature)
    return name if name in source.names else None


async def async_extend_asic(
    container: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
    limits: ZipLimits | None = None,
    level: BaselineLevel = BaselineLevel.B_LTA,
) -> ArchivedContainer:
    """Bring an ASiC container to B-LTA (XAdES: or B-LT), or renew it; see :func:`extend_asic`."""
    if level not in (BaselineLevel.B_LT, BaselineLevel.B_LTA):
        raise InputError(f"An ASiC container is extended to B-LT or B-LTA, not {level.value}")
    if timestamp is None and level is BaselineLevel.B_LTA:
        raise InputError(
            "B-LTA needs a time-stamping service for the archive timestamp: give "
            "timestamp=TimestampService(url=...) (CLI: --tsa URL)"
        )
    services = validation or ValidationServices()
    src, dst = Path(container), Path(output)
    if dst.exists() and src.exists() and dst.resolve() == src.resolve():
        raise OutputError("The output must not be the input container", path=dst)
    algorithm = digest_algorithm.value
    with open_container(src, limits=limits) as source:
        signatures = source.signature_files(CADES_SIGNATURE)
        if not signatures and source.signature_files(XADES_SIGNATURE):
            return await _extend_xades(
                source,
                dst,
                level=level,
                timestamp=timestamp,
                validation=validation,
                digest_algorithm=digest_algorithm,
            )
        if level is not BaselineLevel.B_LTA or timestamp is None:
            raise InputError(
                "An ASiC container with CAdES is extended to LTA (archive manifest and "
                "archive timestamp); its signatures get their validation data on the way"
            )
        if source.form is AsicForm.ASIC_S and signatures:
            return await _extend_asic_s(
                source,
                signatures[0],
                dst,
                timestamp=timestamp,
                services=services,
                digest_algorithm=digest_algorithm,
            )
        if source.form is not AsicForm.ASIC_E or not source.manifests or not signatures:
            raise InputError(
                "Archive timestamps are added to ASiC containers with CAdES signatures "
                "(ASiC-E: an ASiCManifest and a META-INF/*signature*.p7s; ASiC-S: "
                "META-INF/signature.p7s); this container has none",
                path=src,
            )
        archived = _archived(source)
        pool = [source.read(n) for n in [*signatures, *_tokens(source)]]
        replaced: dict[str, bytes] = {}
        for name in signatures:
            if name not in archived:
                replaced[name] = await with_long_term_data(source.read(name), services, name=name)
        previous_token = _previous_timestamp(source)
        if previous_token is not None and previous_token not in archived:
            replaced[previous_token] = await with_long_term_data(
                source.read(previous_token),
                services,
                name=previous_token,
                timestamp_token=True,
                pool=[*pool, *replaced.values()],
            )
        renamed = (
            next_archive_manifest_name(source.names) if ARCHIVE_MANIFEST in source.names else None
        )
        timestamp_name = next_timestamp_name(source.names)
        covered: list[tuple[str, bytes]] = []
        with atomic_output(dst) as out, write_container(out, AsicForm.ASIC_E) as writer:
            for name in source.names:
                if name == MIMETYPE:
                    continue
                if name in replaced:
                    writer.add_bytes(name, replaced[name])
                    covered.append((name, _digest(replaced[name], algorithm)))
                elif name == ARCHIVE_MANIFEST and renamed is not None:
                    data = source.read(name)
                    writer.add_bytes(renamed, data)
                    covered.append((renamed, _digest(data, algorithm)))
                else:
                    writer.copy(source, name)
                    covered.append((name, source.digests(name, [algorithm])[algorithm]))
            await write_archive(
                writer,
                _ordered(covered),
                timestamp_name=timestamp_name,
                timestamp=timestamp,
                digest_algorithm=digest_algorithm,
                root_file=renamed,
            )
    return ArchivedContainer(
        path=dst,
        archive_manifest=ARCHIVE_MANIFEST,
        timestamp_file=timestamp_name,
        covered=tuple(name for name, _ in _ordered(covered)),
        extended_signatures=tuple(n for n in signatures if n in replaced),
        renewed=renamed is not None,
        size=dst.stat().st_size,
    )


async def _extend_asic_s(
    source: AsicContainer,
    signature: str,
    dst: Path,
    *,
    timestamp: TimestampService,
    services: ValidationServices,
    digest_algorithm: DigestAlgorithm,
) -> ArchivedContainer:
    """ASiC-S: one more archive-time-stamp-v3 in the CAdES signature (EN 319 162-1 §4.3.3).

    Not archived yet: the signature first gets its B-LT data. Archived: the latest
    archive timestamp gets its own, and the new one covers it.
    """
    files = source.data_files
    if len(files) != 1:
        raise InputError(f"An ASiC-S container holds one data file; this one holds {len(files)}")
    (data_file,) = files
    der = source.read(signature)
    previous = archive_timestamp_count(der)
    if previous == 0:
        der = await with_long_term_data(der, services, name=signature)

    def content_digest(algorithm: str) -> bytes:
        return source.digests(data_file, [algorithm])[algorithm]

    der = await add_archive_timestamp_v3(
        der, content_digest, timestamp, digest_algorithm, validation=services, name=signature
    )
    with atomic_output(dst) as out, write_container(out, AsicForm.ASIC_S) as writer:
        for name in source.names:
            if name == MIMETYPE:
                continue
            if name == signature:
                writer.add_bytes(name, der)
            else:
                writer.copy(source, name)
    return ArchivedContainer(
        path=dst,
        archive_manifest=None,
        timestamp_file=signature,
        covered=(data_file, signature),
        extended_signatures=(signature,) if previous == 0 else (),
        renewed=previous > 0,
        size=dst.stat().st_size,
    )


async def _extend_xades(
    source: AsicContainer,
    dst: Path,
    *,
    level: BaselineLevel,
    timestamp: TimestampService | None,
    validation: ValidationServices | None,
    digest_algorithm: DigestAlgorithm,
) -> ArchivedContainer:
    """XAdES: each ``META-INF/signatures*.xml`` extended inside itself; no archive manifest."""
    done = await extend_signatures(
        source,
        dst,
        level=level,
        timestamp=timestamp,
        validation=validation,
        digest_algorithm=digest_algorithm,
    )
    return ArchivedContainer(
        path=dst,
        archive_manifest=None,
        timestamp_file=done.extended[-1],
        covered=(*source.data_files, *done.extended),
        extended_signatures=done.extended,
        renewed=done.renewed,
        size=dst.stat().st_size,
        level=level,
    )


def _ordered(covered: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Data files first, then signatures, manifests, archive manifests and timestamps."""

    def rank(item: tuple[str, bytes]) -> int:
        name = item[0]
        if not name.startswith("META-INF/"):
            return 0
        if CADES_SIGNATURE.matches(name):
            return 1
        if MANIFEST.fullmatch(name):
            return 2
        if ARCHIVE_MANIFESTS.fullmatch(name):
            return 3
        return 4

    return sorted(covered, key=rank)


def _digest(data: bytes, algorithm: str) -> bytes:
    import hashlib  # noqa: PLC0415

    return hashlib.new(algorithm, data).digest()


def extend_asic(
    container: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
    limits: ZipLimits | None = None,
    level: BaselineLevel = BaselineLevel.B_LTA,
) -> ArchivedContainer:
    """Bring an ASiC container to B-LTA, or renew its archive timestamp.

    XAdES (``META-INF/signatures*.xml``, no CAdES signature): each signature file is
    extended inside itself, as :func:`~esig.signing.xades_extend.extend_xml` does
    (B-LT: validation data; B-LTA: an ArchiveTimeStamp too; renewal on a B-LTA one),
    its references resolved to the container's files; no archive manifest is added.

    ASiC-S: the CAdES signature gets its B-LT data (first time) and an
    archive-time-stamp-v3 over the signed file and the signature (renewal: the previous
    archive timestamp gets its validation data first). ASiC-E: signatures that no
    archive manifest covers yet get their validation data
    (certificates, OCSP responses, CRLs of the signer's and TSAs' paths); the latest
    archive timestamp, if there is one, gets its own and its manifest is renamed to
    ``META-INF/ASiCArchiveManifestNNN.xml``; then a new
    ``META-INF/ASiCArchiveManifest.xml`` lists every entry (the earlier archive
    manifests and timestamps included) and a new ``META-INF/timestampNNN.tst`` stamps it.
    Signatures already archived are copied byte for byte.

    Args:
        container: The ASiC-E or ASiC-S container (only read).
        output: Where to write the archived container; must differ from ``container``.
        timestamp: The time-stamping service for the archive timestamp (required).
        validation: Trust anchors and timeout for collecting validation data; by
            default the self-signed certificates the signatures carry anchor it.
        digest_algorithm: The digest algorithm of the archive manifest and timestamp.
        limits: The container reader's limits (default :class:`~esig.asic.ZipLimits`).
        level: B-LTA (default), or B-LT for a container with XAdES signatures.

    Raises:
        InputError: No time-stamping service, B-LT for CAdES, not an ASiC container
            with signatures, a XAdES signature that does not verify, an unreadable
            archive manifest, or refused by the reader.
        ServiceError: The time-stamping service, an OCSP responder or a CRL server failed.
        SigningError: Validation data cannot be collected (e.g. no path to an anchor).
        OutputError: ``output`` is the container itself, or cannot be written.

    """
    return run_sync(
        async_extend_asic(
            container,
            output,
            timestamp=timestamp,
            validation=validation,
            digest_algorithm=digest_algorithm,
            limits=limits,
            level=level,
        )
    )
