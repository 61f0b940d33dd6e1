"""XAdES in ASiC containers at B-LT and B-LTA (EN 319 162-1 §4.3.2, §4.4.3.2).

A XAdES signature in ``META-INF/signatures*.xml`` keeps its long-term data inside
itself, as a standalone XAdES signature does (EN 319 132-1 §5.4, §5.5):
``CertificateValues``, ``RevocationValues``, ``TimeStampValidationData`` and, at B-LTA,
an ``ArchiveTimeStamp`` over the referenced container files, ``SignedInfo``,
``SignatureValue``, ``KeyInfo`` and the unsigned properties before it. There is no
archive manifest. :func:`extend_signatures` does it with
:func:`esig._xml.xades_extend.extend_xades`, each detached reference resolved to the
container file it names.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from esig._io import atomic_output
from esig._xml.xades_extend import extend_xades
from esig.asic.container import MIMETYPE, XADES_SIGNATURE, AsicContainer, write_container
from esig.devices.base import DigestAlgorithm
from esig.errors import InputError
from esig.signing.baseline import BaselineLevel, TimestampService, ValidationServices

__all__ = ["XadesExtension", "container_resolver", "extend_signatures", "long_term_xades"]


@dataclass(frozen=True)
class XadesExtension:
    """What :func:`extend_signatures` wrote."""

    extended: tuple[str, ...]
    """The signature files extended."""
    archive_timestamps: int
    """Archive timestamps in those files afterwards."""
    renewed: bool
    """An archive timestamp that was there is now covered by a new one."""


def container_resolver(container: AsicContainer) -> Callable[[str], bytes | None]:
    """A detached reference's URI → the bytes of the container file it names."""

    def resolve(uri: str) -> bytes | None:
        entry = container.entry_for(uri)
        return container.read(entry) if entry is not None else None

    return resolve


async def long_term_xades(
    document: bytes,
    resolve: Callable[[str], bytes | None],
    *,
    level: BaselineLevel,
    timestamp: TimestampService | None,
    validation: ValidationServices | None,
    digest_algorithm: DigestAlgorithm,
    name: str,
) -> tuple[bytes, int, bool]:
    """``document`` (an ``asic:XAdESSignatures``) with its signatures at ``level``.

    Returns the new document, its archive timestamps and whether one was renewed.
    """
    result = await extend_xades(
        document,
        level=level,
        timestamp=timestamp,
        validation=validation or ValidationServices(),
        digest_algorithm=digest_algorithm,
        resolve=resolve,
        name=name,
    )
    return result.data, result.archive_timestamps, result.renewed


async def extend_signatures(
    source: AsicContainer,
    dst: Path,
    *,
    level: BaselineLevel,
    timestamp: TimestampService | None,
    validation: ValidationServices | None,
    digest_algorithm: DigestAlgorithm,
) -> XadesExtension:
    """Write ``source`` to ``dst`` with each XAdES signature file brought to ``level``.

    Every other entry is copied byte for byte, in its order.

    Raises:
        InputError: The container holds no XAdES signature file, or one cannot be
            extended (see :func:`esig._xml.xades_extend.extend_xades`).

    """
    names = source.signature_files(XADES_SIGNATURE)
    if not names:
        raise InputError("The container holds no XAdES signature file (META-INF/signatures*.xml)")
    resolve = container_resolver(source)
    replaced: dict[str, bytes] = {}
    stamps = 0
    renewed = False
    for name in names:
        data, count, again = await long_term_xades(
            source.read(name),
            resolve,
            level=level,
            timestamp=timestamp,
            validation=validation,
            digest_algorithm=digest_algorithm,
            name=name,
        )
        replaced[name] = data
        stamps += count
        renewed = renewed or again
    with atomic_output(dst) as out, write_container(out, source.form) as writer:
        for name in source.names:
            if name == MIMETYPE:
                continue
            if name in replaced:
                writer.add_bytes(name, replaced[name])
            else:
                writer.copy(source, name)
    return XadesExtension(tuple(names), stamps, renewed)
