r"""ASiC containers with CAdES or XAdES signatures (ETSI EN 319 162-1): ASiC-E and ASiC-S.

- **ASiC-E** (``.asice``): any number of files. The signature
  ``META-INF/signature.p7s`` is a detached CAdES signature over
  ``META-INF/ASiCManifest.xml``, which lists every file with its digest. A later signer
  adds ``META-INF/ASiCManifestN.xml`` and ``META-INF/signatureN.p7s``
  (:func:`add_asic_signature`); the earlier signatures and their files are copied
  unchanged, so they stay valid.
- **ASiC-S** (``.asics``): one file, signed directly by ``META-INF/signature.p7s``.
- **With XAdES** (``signature_format="xades"``): no ASiCManifest;
  ``META-INF/signatures.xml`` (root ``asic:XAdESSignatures``) holds a detached XAdES
  signature whose references name the files by their names in the container, each with
  its digest (EN 319 162-1 §4.3.2, §4.4.3.2). A later signer adds
  ``META-INF/signaturesN.xml``. B-B to B-LTA, as for XAdES: the long-term data and
  archive timestamps are inside the signature (:mod:`esig.signing.asic_xades_archive`).

The container starts with its ``mimetype`` entry, stored and without an extra field.
Baseline B-B, B-T and B-LT are offered as for detached CAdES; B-LTA adds, to ASiC-E, an
archive manifest and its archive timestamp (EN 319 162-1 §4.4.3), to ASiC-S an
archive-time-stamp-v3 inside the CAdES signature (§4.3.3, EN 319 122-1 §5.5.3), see
:mod:`esig.signing.asic_archive`. Anyone can check an ASiC-E
signature with a ZIP tool and OpenSSL::

    unzip bundle.asice -d bundle
    openssl cms -verify -binary -inform DER -in bundle/META-INF/signature.p7s \
        -content bundle/META-INF/ASiCManifest.xml -CAfile root.pem

The files are only read, once each (ASiC-S, and XAdES at B-LT or B-LTA: twice); the
container appears atomically.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from esig._io import atomic_output, open_input, read_input
from esig._model import EsigModel
from esig._pyhanko.cades import sign_cades
from esig._pyhanko.cades_archive import add_archive_timestamp_v3
from esig._sync import run_sync
from esig._xml.xades_sign import DetachedFile, sign_xades_signatures
from esig.asic.archive import next_timestamp_name
from esig.asic.container import (
    CADES_SIGNATURE,
    META_INF,
    MIMETYPE,
    XADES_SIGNATURE,
    AsicContainer,
    AsicForm,
    ContainerWriter,
    ZipLimits,
    open_container,
    write_container,
)
from esig.asic.manifest import build_manifest
from esig.devices.base import DigestAlgorithm, SignatureCreationDevice
from esig.errors import DocumentNotFoundError, InputError, OutputError
from esig.identity import NameIdentity
from esig.signing.asic_archive import write_archive
from esig.signing.asic_xades_archive import container_resolver, long_term_xades
from esig.signing.baseline import (
    BaselineLevel,
    BaselineRequest,
    TimestampService,
    ValidationServices,
)

__all__ = [
    "AsicSignature",
    "SignatureFormat",
    "add_asic_signature",
    "async_add_asic_signature",
    "async_sign_asic",
    "sign_asic",
]

_SIGNATURE_MIME = "application/pkcs7-signature"
SignatureFormat = Literal["cades", "xades"]
"""The signature format inside an ASiC container."""


class AsicSignature(EsigModel):
    """What :func:`sign_asic` or :func:`add_asic_signature` produced.

    .. versionadded:: 0.2.0
    """

    path: Path
    """Where the container was written."""
    form: AsicForm
    signature_format: SignatureFormat = "cades"
    """``"cades"`` or ``"xades"``."""
    signature_file: str
    """The new signature's name in the container (``META-INF/signature.p7s``, or
    ``META-INF/signatures.xml`` with XAdES)."""
    manifest: str | None
    """The ASiCManifest the signature signs (ASiC-E with CAdES), or ``None``."""
    files: tuple[str, ...]
    """The files the new signature covers, by their names in the container."""
    signer: NameIdentity
    digest_algorithm: DigestAlgorithm
    level: BaselineLevel
    size: int
    """Size of the container in bytes."""


def _signature_format(value: str) -> SignatureFormat:
    if value == "cades":
        return "cades"
    if value == "xades":
        return "xades"
    raise InputError(f"An ASiC signature is 'cades' or 'xades', not {value!r}")


def _baseline(
    level: BaselineLevel,
    timestamp: TimestampService | None,
    validation: ValidationServices | None,
    signature_format: SignatureFormat = "cades",
) -> BaselineRequest:
    if level is BaselineLevel.B_LTA:
        # the signature itself is B-LT; the archive manifest and timestamp make it B-LTA
        return BaselineRequest(level=BaselineLevel.B_LT, timestamp=timestamp, validation=validation)
    return BaselineRequest(level=level, timestamp=timestamp, validation=validation)


def _entry_names(files: Sequence[str | os.PathLike[str]]) -> list[tuple[str, Path]]:
    if not files:
        raise InputError("Give at least one file to put in the container")
    named: dict[str, Path] = {}
    for item in files:
        path = Path(item)
        if not path.exists():
            raise DocumentNotFoundError("The file to sign does not exist", path=path)
        if path.is_dir():
            raise InputError("Expected a file to sign, got a folder", path=path)
        name = path.name
        if name in {MIMETYPE, META_INF.rstrip("/")}:
            raise InputError(f"A file named {name!r} cannot go in an ASiC container", path=path)
        if name in named:
            raise InputError(
                f"{named[name]} and {path} would both be named {name!r} in the container"
            )
        named[name] = path
    return list(named.items())


def _check_output(dst: Path, inputs: Sequence[Path]) -> None:
    if dst.exists():
        for source in inputs:
            if source.exists() and source.resolve() == dst.resolve():
                raise OutputError("The container must not overwrite a file it signs", path=dst)


def _digest(data: bytes, algorithm: DigestAlgorithm) -> bytes:
    return hashlib.new(algorithm.value, data).digest()


def _mime_type(name: str) -> str:
    return mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"


async def async_sign_asic(
    files: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    device: SignatureCreationDevice,
    *,
    signature_format: SignatureFormat = "cades",
    form: AsicForm | Literal["asice", "asics"] = AsicForm.ASIC_E,
    level: BaselineLevel = BaselineLevel.B_B,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
) -> AsicSignature:
    """Put files in a new ASiC container and sign them; see :func:`sign_asic`."""
    chosen = AsicForm(form)
    kind = _signature_format(signature_format)
    baseline = _baseline(level, timestamp, validation, kind)
    entries = _entry_names(files)
    if chosen is AsicForm.ASIC_S and len(entries) != 1:
        raise InputError(
            f"An ASiC-S container holds one file; got {len(entries)} (use ASiC-E for several)"
        )
    dst = Path(output)
    _check_output(dst, [p for _, p in entries])
    signature_name = f"{META_INF}signature.p7s"
    manifest_name: str | None = None
    if kind == "xades":
        signature_name = f"{META_INF}signatures.xml"
        with atomic_output(dst) as out, write_container(out, chosen) as writer:
            files_signed = [
                _detached(name, writer.add_file(name, path, digest_algorithm.value))
                for name, path in entries
            ]
            document = await sign_xades_signatures(
                files_signed,
                device=device,
                digest_algorithm=digest_algorithm,
                timestamp=baseline.timestamp,
            )
            if level.long_term:
                document = await _long_term(
                    document, entries, level, timestamp, validation, digest_algorithm
                )
            writer.add_bytes(signature_name, document)
    else:
        with atomic_output(dst) as out, write_container(out, chosen) as writer:
            manifest_name = await _write_cades(
                writer,
                chosen,
                entries,
                signature_name=signature_name,
                device=device,
                digest_algorithm=digest_algorithm,
                baseline=baseline,
                archive=timestamp if level is BaselineLevel.B_LTA else None,
            )
    return AsicSignature(
        path=dst,
        form=chosen,
        signature_format=kind,
        signature_file=signature_name,
        manifest=manifest_name,
        files=tuple(name for name, _ in entries),
        signer=NameIdentity.from_name(device.certificate.subject),
        digest_algorithm=digest_algorithm,
        level=level,
        size=dst.stat().st_size,
    )


async def _long_term(  # noqa: PLR0917 - sign_asic's arguments, passed on
    document: bytes,
    entries: list[tuple[str, Path]],
    level: BaselineLevel,
    timestamp: TimestampService | None,
    validation: ValidationServices | None,
    digest_algorithm: DigestAlgorithm,
) -> bytes:
    """The XAdES signature (at B-T) brought to B-LT or B-LTA, its references the files."""
    by_uri = {quote(name): path for name, path in entries}

    def resolve(uri: str) -> bytes | None:
        path = by_uri.get(uri)
        return None if path is None else read_input(path, what="file to sign")

    data, _, _ = await long_term_xades(
        document,
        resolve,
        level=level,
        # B-LT adds no timestamp to the signature timestamp it has; B-LTA an archive one
        timestamp=timestamp if level is BaselineLevel.B_LTA else None,
        validation=validation,
        digest_algorithm=digest_algorithm,
        name=f"{META_INF}signatures.xml",
    )
    return data


def _detached(name: str, digest: bytes) -> DetachedFile:
    """A container file as a XAdES reference: its URL-encoded name and its digest."""
    return DetachedFile(
        uri=quote(name), digest=digest, mime_type=_mime_type(name), description=name
    )


async def _write_cades(
    writer: ContainerWriter,
    chosen: AsicForm,
    entries: list[tuple[str, Path]],
    *,
    signature_name: str,
    device: SignatureCreationDevice,
    digest_algorithm: DigestAlgorithm,
    baseline: BaselineRequest,
    archive: TimestampService | None = None,
) -> str | None:
    """The files and their CAdES signature (and ASiCManifest, ASiC-E): the manifest's name.

    With ``archive`` (B-LTA), ASiC-E also gets ``META-INF/ASiCArchiveManifest.xml`` over
    every entry and its archive timestamp from that service; ASiC-S an
    archive-time-stamp-v3 inside its CAdES signature.
    """
    manifest_name: str | None = None
    if chosen is AsicForm.ASIC_S:
        ((name, path),) = entries
        with open_input(path, what="file to sign") as handle:
            der = await sign_cades(
                handle, device, digest_algorithm=digest_algorithm, baseline=baseline
            )
        digest = writer.add_file(name, path, digest_algorithm.value)
        if archive is not None:
            # ASiC-S: B-LTA inside the CAdES signature (EN 319 162-1 §4.3.3, as DSS does)
            der = await add_archive_timestamp_v3(
                der,
                lambda _algorithm: digest,
                archive,
                digest_algorithm,
                validation=baseline.validation or ValidationServices(),
                name=signature_name,
            )
    else:
        manifest_name = f"{META_INF}ASiCManifest.xml"
        listed = [
            (quote(name), _mime_type(name), writer.add_file(name, path, digest_algorithm.value))
            for name, path in entries
        ]
        manifest = build_manifest(signature_name, listed, digest_algorithm)
        der = await sign_cades(
            io.BytesIO(manifest), device, digest_algorithm=digest_algorithm, baseline=baseline
        )
        writer.add_bytes(manifest_name, manifest)
    writer.add_bytes(signature_name, der)
    if archive is not None and manifest_name is not None:
        await write_archive(
            writer,
            [
                *(
                    (name, digest)
                    for (_, _, digest), (name, _) in zip(listed, entries, strict=True)
                ),
                (signature_name, _digest(der, digest_algorithm)),
                (manifest_name, _digest(manifest, digest_algorithm)),
            ],
            timestamp_name=next_timestamp_name(()),
            timestamp=archive,
            digest_algorithm=digest_algorithm,
        )
    return manifest_name


def sign_asic(
    files: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    device: SignatureCreationDevice,
    *,
    signature_format: SignatureFormat = "cades",
    form: AsicForm | Literal["asice", "asics"] = AsicForm.ASIC_E,
    level: BaselineLevel = BaselineLevel.B_B,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
) -> AsicSignature:
    """Put files in a new ASiC container (EN 319 162-1) and sign them with CAdES or XAdES.

    Each file goes in under its own name. The container is written atomically to
    ``output``; the files are only read.

    Args:
        files: The files to sign (ASiC-S: exactly one).
        output: Where to write the container (``.asice`` / ``.asics`` by convention).
        device: The signature creation device that holds the signer's key.
        signature_format: ``"cades"`` (default: ``META-INF/signature.p7s`` over an
            ASiCManifest) or ``"xades"`` (``META-INF/signatures.xml``, whose references
            name the files).
        form: ``"asice"`` (default) or ``"asics"``.
        level: B-B, B-T, B-LT or (CAdES) B-LTA: the signature at B-LT, then for
            ASiC-E ``META-INF/ASiCArchiveManifest.xml`` and its archive timestamp
            ``META-INF/timestamp001.tst``, for ASiC-S an archive-time-stamp-v3 in the
            CAdES signature (EN 319 122-1, as DSS does). XAdES: B-LT and B-LTA
            add CertificateValues, RevocationValues, TimeStampValidationData and
            (B-LTA) an ArchiveTimeStamp inside the XAdES signature.
        timestamp: The time-stamping service; required from B-T on.
        validation: Trust anchors and timeout for collecting validation data (B-LT).
        digest_algorithm: The digest algorithm of the manifest and the signature.

    Returns:
        A description of the container and the signature.

    Raises:
        InputError: An unknown signature format,
            a missing service, no file, two files of the same name, a
            file named ``mimetype``, or ASiC-S with more than one file (checked before
            the device is used).
        DocumentNotFoundError: A file does not exist.
        ServiceError: The time-stamping service or a revocation service failed.
        SigningError: The device or pyHanko could not produce the signature.
        OutputError: ``output`` cannot be written, or is one of the files.

    """
    return run_sync(
        async_sign_asic(
            files,
            output,
            device,
            signature_format=signature_format,
            form=form,
            level=level,
            timestamp=timestamp,
            validation=validation,
            digest_algorithm=digest_algorithm,
        )
    )


def _next_names(container: AsicContainer) -> tuple[str, str]:
    taken = {n.lower() for n in container.names}
    number = 2
    while True:
        manifest = f"{META_INF}ASiCManifest{number}.xml"
        signature = f"{META_INF}signature{number}.p7s"
        if manifest.lower() not in taken and signature.lower() not in taken:
            return manifest, signature
        number += 1


def _next_xades_name(container: AsicContainer) -> str:
    taken = {n.lower() for n in container.names}
    number = 2
    while f"{META_INF}signatures{number}.xml".lower() in taken:
        number += 1
    return f"{META_INF}signatures{number}.xml"


def _container_format(container: AsicContainer) -> SignatureFormat:
    """XAdES when the container holds XAdES signature files and no CAdES one."""
    if container.signature_files(XADES_SIGNATURE) and not container.signature_files(
        CADES_SIGNATURE
    ):
        return "xades"
    return "cades"


async def async_add_asic_signature(
    container: str | os.PathLike[str],
    output: str | os.PathLike[str],
    device: SignatureCreationDevice,
    *,
    level: BaselineLevel = BaselineLevel.B_B,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
    limits: ZipLimits | None = None,
) -> AsicSignature:
    """Add a signature to an ASiC-E container; see :func:`add_asic_signature`."""
    if level is BaselineLevel.B_LTA:
        raise InputError(
            "Add the signature at B-LT, then archive the container with extend_asic "
            "(CLI: esig extend --level LTA)"
        )
    src, dst = Path(container), Path(output)
    _check_output(dst, [src])
    with open_container(src, limits=limits) as source:
        if source.form is not AsicForm.ASIC_E:
            raise InputError(
                "An ASiC-S container holds one signature file; sign the file into an "
                "ASiC-E container to have several signers",
                path=src,
            )
        kind = _container_format(source)
        baseline = _baseline(level, timestamp, validation, kind)
        data_files = source.data_files
        if not data_files:
            raise InputError("The container holds no file to sign", path=src)
        if kind == "xades":
            return await _add_xades(source, dst, device, baseline, digest_algorithm)
        manifest_name, signature_name = _next_names(source)
        algorithm = digest_algorithm.value
        listed = [
            (quote(name), _mime_type(name), source.digests(name, [algorithm])[algorithm])
            for name in data_files
        ]
        manifest = build_manifest(signature_name, listed, digest_algorithm)
        der = await sign_cades(
            io.BytesIO(manifest), device, digest_algorithm=digest_algorithm, baseline=baseline
        )
        with atomic_output(dst) as out, write_container(out, AsicForm.ASIC_E) as writer:
            for name in source.names:
                writer.copy(source, name)
            writer.add_bytes(manifest_name, manifest)
            writer.add_bytes(signature_name, der)
    return AsicSignature(
        path=dst,
        form=AsicForm.ASIC_E,
        signature_file=signature_name,
        manifest=manifest_name,
        files=data_files,
        signer=NameIdentity.from_name(device.certificate.subject),
        digest_algorithm=digest_algorithm,
        level=level,
        size=dst.stat().st_size,
    )


async def _add_xades(
    source: AsicContainer,
    dst: Path,
    device: SignatureCreationDevice,
    baseline: BaselineRequest,
    digest_algorithm: DigestAlgorithm,
) -> AsicSignature:
    """A new ``META-INF/signaturesN.xml`` over every data file; the rest copied as it is."""
    signature_name = _next_xades_name(source)
    algorithm = digest_algorithm.value
    files = [_detached(n, source.digests(n, [algorithm])[algorithm]) for n in source.data_files]
    document = await sign_xades_signatures(
        files, device=device, digest_algorithm=digest_algorithm, timestamp=baseline.timestamp
    )
    if baseline.level.long_term:
        document, _, _ = await long_term_xades(
            document,
            container_resolver(source),
            level=baseline.level,
            timestamp=None,
            validation=baseline.validation,
            digest_algorithm=digest_algorithm,
            name=signature_name,
        )
    with atomic_output(dst) as out, write_container(out, AsicForm.ASIC_E) as writer:
        for name in source.names:
            writer.copy(source, name)
        writer.add_bytes(signature_name, document)
    return AsicSignature(
        path=dst,
        form=AsicForm.ASIC_E,
        signature_format="xades",
        signature_file=signature_name,
        manifest=None,
        files=source.data_files,
        signer=NameIdentity.from_name(device.certificate.subject),
        digest_algorithm=digest_algorithm,
        level=baseline.level,
        size=dst.stat().st_size,
    )


def add_asic_signature(
    container: str | os.PathLike[str],
    output: str | os.PathLike[str],
    device: SignatureCreationDevice,
    *,
    level: BaselineLevel = BaselineLevel.B_B,
    timestamp: TimestampService | None = None,
    validation: ValidationServices | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
    limits: ZipLimits | None = None,
) -> AsicSignature:
    """Add a signer to an ASiC-E container, written as a new container to ``output``.

    The new signature has the container's format. CAdES: it signs a new
    ``META-INF/ASiCManifestN.xml`` that lists every data file of the container as it is
    now. XAdES: a new ``META-INF/signaturesN.xml`` whose references name those files.
    Every entry of the input is copied unchanged (content, name and order), so the
    signatures already there stay valid. The input is
    never modified; ``output`` must be another file.

    Args:
        container: The ASiC-E container (only read).
        output: Where to write the container with the added signature.
        device: The new signer's signature creation device.
        level: B-B, B-T or B-LT.
        timestamp: The time-stamping service; required from B-T on.
        validation: Trust anchors and timeout for collecting validation data (B-LT).
        digest_algorithm: The digest algorithm of the new manifest and signature.
        limits: The container reader's limits (default :class:`~esig.asic.ZipLimits`).

    Raises:
        InputError: Not an ASiC-E container (ASiC-S takes one signature), refused by
            the reader's limits, B-LTA (archive with :func:`extend_asic` afterwards;
            or a missing service.
        OutputError: ``output`` is the container itself, or cannot be written.
        ServiceError: The time-stamping service or a revocation service failed.
        SigningError: The device or pyHanko could not produce the signature.

    """
    return run_sync(
        async_add_asic_signature(
            container,
            output,
            device,
            level=level,
            timestamp=timestamp,
            validation=validation,
            digest_algorithm=digest_algorithm,
            limits=limits,
        )
    )
