"""ASiC containers (ETSI EN 319 162-1): the ZIP container and the ASiCManifest.

Pure container handling, no signatures: reading with limits (:func:`open_container`),
writing with ``mimetype`` first (:func:`write_container`), and the ASiCManifest of ASiC-E
with CAdES (:func:`build_manifest`, :func:`parse_manifest`). Signing and verification
are :func:`esig.signing.asic.sign_asic` and :func:`esig.verification.asic.verify_asic`.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

from esig.asic.container import (
    CADES_SIGNATURE,
    XADES_SIGNATURE,
    AsicContainer,
    AsicForm,
    ContainerEntry,
    ContainerWriter,
    MimetypeFacts,
    SignatureFileKind,
    ZipLimits,
    container_form,
    open_container,
    write_container,
)
from esig.asic.manifest import (
    AsicManifest,
    DataObjectReference,
    ManifestError,
    build_manifest,
    parse_manifest,
)

__all__ = [
    "CADES_SIGNATURE",
    "XADES_SIGNATURE",
    "AsicContainer",
    "AsicForm",
    "AsicManifest",
    "ContainerEntry",
    "ContainerWriter",
    "DataObjectReference",
    "ManifestError",
    "MimetypeFacts",
    "SignatureFileKind",
    "ZipLimits",
    "build_manifest",
    "container_form",
    "open_container",
    "parse_manifest",
    "write_container",
]
