"""Parse XML safely: no entity expansion, no DTD, no network, no huge trees.

Every XML document esig reads passes through :func:`parse_xml`. A document type
declaration is refused outright (it is where entity attacks live, and no XAdES document
needs one); entities are never resolved, nothing is fetched.
"""

from __future__ import annotations

from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from esig.errors import InputError

__all__ = ["DS_NS", "XADES_NS", "looks_like_xml", "parse_xml", "safe_parser", "serialise"]

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
"""The XML-DSig namespace."""
XADES_NS = "http://uri.etsi.org/01903/v1.3.2#"
"""The XAdES namespace (ETSI EN 319 132-1)."""

_BOM = b"\xef\xbb\xbf"


def safe_parser() -> Any:
    """An lxml parser with entities, DTD loading and network access off."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def looks_like_xml(head: bytes) -> bool:
    """The first bytes of a file look like an XML document (content sniffing, not the name)."""
    text = head.removeprefix(_BOM).lstrip(b" \t\r\n")
    if text.startswith(b"<?xml"):
        return True
    return text.startswith(b"<") and not text.startswith(b"<<") and b"%PDF" not in head[:1024]


def parse_xml(data: bytes, *, what: str = "XML document") -> Any:
    """The root element of ``data``, parsed safely.

    Raises:
        InputError: ``data`` is not well-formed XML, or declares a DTD or entities.

    """
    try:
        root = etree.fromstring(data, parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        raise InputError(f"The {what} is not well-formed XML: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise InputError(
            f"The {what} declares a DTD; esig refuses document type declarations in XML "
            "(they carry entity attacks, and XAdES needs none)"
        )
    if any(True for _ in root.iter(etree.Entity)):
        raise InputError(f"The {what} uses entity references; esig does not expand entities")
    return root


def serialise(root: Any) -> bytes:
    """The document of ``root`` as UTF-8 bytes with an XML declaration."""
    data: bytes = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    return data
