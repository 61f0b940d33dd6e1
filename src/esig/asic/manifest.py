"""The ASiCManifest of ETSI EN 319 162-1 (ASiC-E with CAdES): built with lxml, read safely.

An ``META-INF/ASiCManifest*.xml`` names one signature file (``SigReference``) and the
data files it signs (``DataObjectReference``, each with an XML-DSig ``DigestMethod`` and
``DigestValue``). The CAdES signature in the referenced ``.p7s`` signs the manifest's
bytes, so every file's digest is signed through it.

Manifests are read with entities off, no DTD, no network and no huge trees, and capped
in size by the container reader (:mod:`esig.asic.container`).

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from esig._model import EsigModel
from esig.devices.base import DigestAlgorithm
from esig.errors import InputError

__all__ = [
    "ASIC_NS",
    "DSIG_NS",
    "AsicManifest",
    "DataObjectReference",
    "ManifestError",
    "build_manifest",
    "digest_uri",
    "parse_manifest",
]

ASIC_NS = "http://uri.etsi.org/02918/v1.2.1#"
"""The ASiC XML namespace (ETSI EN 319 162-1, annex A)."""
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
"""The XML-DSig namespace of ``DigestMethod`` and ``DigestValue``."""

_DIGEST_URIS: dict[str, str] = {
    "sha1": "http://www.w3.org/2000/09/xmldsig#sha1",
    "sha224": "http://www.w3.org/2001/04/xmldsig-more#sha224",
    "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
    "sha384": "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "sha512": "http://www.w3.org/2001/04/xmlenc#sha512",
    "sha3_256": "http://www.w3.org/2007/05/xmldsig-more#sha3-256",
    "sha3_384": "http://www.w3.org/2007/05/xmldsig-more#sha3-384",
    "sha3_512": "http://www.w3.org/2007/05/xmldsig-more#sha3-512",
}
_DIGEST_NAMES = {uri: name for name, uri in _DIGEST_URIS.items()}
_MAX_REFERENCES = 10_000


class ManifestError(InputError):
    """An ASiCManifest is not well-formed XML or not an ASiCManifest as EN 319 162-1 says.

    .. versionadded:: 0.2.0
    """


class DataObjectReference(EsigModel):
    """One file an ASiCManifest signs: its name in the container, MIME type and digest.

    .. versionadded:: 0.2.0
    """

    uri: str
    """The file's name in the container (the reference's ``URI``)."""
    mime_type: str | None = None
    digest_algorithm: str
    """The hashlib name of the digest algorithm (``sha256``), or the URI when unknown."""
    digest: bytes
    """The digest value the signer signed."""
    root_file: bool = False
    """``Rootfile="true"``: the container's main document."""

    @property
    def known_algorithm(self) -> bool:
        """Whether esig can compute the digest (the algorithm is one hashlib offers)."""
        return self.digest_algorithm in _DIGEST_URIS

    def new_hash(self) -> Any:
        """A fresh hashlib object of the reference's digest algorithm."""
        return hashlib.new(self.digest_algorithm)


class AsicManifest(EsigModel):
    """An ASiCManifest as read: the signature it belongs to and the files it covers.

    .. versionadded:: 0.2.0
    """

    signature: str
    """The ``URI`` of the ``SigReference``: the signature file over this manifest."""
    signature_mime_type: str | None = None
    references: tuple[DataObjectReference, ...]


def digest_uri(algorithm: DigestAlgorithm) -> str:
    """The XML-DSig URI of a digest algorithm (``DigestMethod/@Algorithm``)."""
    return _DIGEST_URIS[algorithm.value]


def build_manifest(
    signature: str,
    files: Sequence[tuple[str, str, bytes]],
    algorithm: DigestAlgorithm,
    *,
    signature_mime_type: str = "application/pkcs7-signature",
    root_file: str | None = None,
) -> bytes:
    """The bytes of an ASiCManifest naming ``signature`` and ``files``.

    Args:
        signature: The signature file's name (``META-INF/signature.p7s``).
        files: ``(name, MIME type, digest)`` for each data file, in order.
        algorithm: The algorithm the digests were computed with.
        signature_mime_type: The MIME type recorded for the signature file.
        root_file: The file marked ``Rootfile="true"`` (an archive manifest marks the
            previous archive manifest so, as DSS does).

    """
    asic = f"{{{ASIC_NS}}}"
    dsig = f"{{{DSIG_NS}}}"
    root = etree.Element(f"{asic}ASiCManifest", nsmap={"asic": ASIC_NS, "ds": DSIG_NS})
    etree.SubElement(root, f"{asic}SigReference", URI=signature, MimeType=signature_mime_type)
    for name, mime_type, digest in files:
        ref = etree.SubElement(root, f"{asic}DataObjectReference", URI=name, MimeType=mime_type)
        if root_file is not None and name == root_file:
            ref.set("Rootfile", "true")
        etree.SubElement(ref, f"{dsig}DigestMethod", Algorithm=digest_uri(algorithm))
        value = etree.SubElement(ref, f"{dsig}DigestValue")
        value.text = base64.b64encode(digest).decode("ascii")
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return data


def _tree(data: bytes, name: str) -> Any:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise ManifestError(f"The manifest {name} is not well-formed XML: {exc}") from None
    if root.tag != f"{{{ASIC_NS}}}ASiCManifest":
        local = etree.QName(root).localname if isinstance(root.tag, str) else "?"
        raise ManifestError(
            f"The manifest {name} is not an ASiCManifest (its root element is {local}"
            f" in {etree.QName(root).namespace or 'no namespace'})"
        )
    return root


def parse_manifest(data: bytes, name: str = "ASiCManifest") -> AsicManifest:
    """Read an ASiCManifest (entities off, no network); :class:`ManifestError` if it is bad.

    Args:
        data: The manifest's bytes.
        name: Its name in the container, for messages.

    """
    root = _tree(data, name)
    sig_refs = root.findall(f"{{{ASIC_NS}}}SigReference")
    if len(sig_refs) != 1 or not sig_refs[0].get("URI"):
        raise ManifestError(
            f"The manifest {name} must name exactly one signature (SigReference with a URI); "
            f"it has {len(sig_refs)}"
        )
    elements = root.findall(f"{{{ASIC_NS}}}DataObjectReference")
    if len(elements) > _MAX_REFERENCES:
        raise ManifestError(f"The manifest {name} has more than {_MAX_REFERENCES} references")
    references = tuple(_reference(element, name) for element in elements)
    return AsicManifest(
        signature=sig_refs[0].get("URI"),
        signature_mime_type=sig_refs[0].get("MimeType"),
        references=references,
    )


def _reference(element: Any, name: str) -> DataObjectReference:
    uri = element.get("URI")
    method = element.find(f"{{{DSIG_NS}}}DigestMethod")
    value = element.find(f"{{{DSIG_NS}}}DigestValue")
    if not uri or method is None or value is None or not method.get("Algorithm"):
        raise ManifestError(
            f"A DataObjectReference in {name} lacks its URI, DigestMethod or DigestValue"
        )
    try:
        digest = base64.b64decode("".join((value.text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise ManifestError(f"The digest of {uri} in {name} is not base64") from None
    algorithm = method.get("Algorithm")
    return DataObjectReference(
        uri=uri,
        mime_type=element.get("MimeType"),
        digest_algorithm=_DIGEST_NAMES.get(algorithm, algorithm),
        digest=digest,
        root_file=element.get("Rootfile", "false").lower() == "true",
    )
