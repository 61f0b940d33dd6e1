"""A list of trusted lists read for syncing: its signature, pointers and pivot URIs.

:func:`read_lotl` checks the LOTL's XAdES signature (:func:`check_signature`, signxml
through pyHanko) and reads, from the content the signature covers, what a sync needs
and :func:`~esig._pyhanko.trusted_lists.load_lotl` does not return: each pointer's
location and MIME type, the certificates it names, and the ``SchemeInformationURI``
values (where the pivot LOTLs are announced, ETSI TS 119 615 / DSS). :func:`peek_list`
reads a file's header (territory, sequence number, kind) without any signature check,
to match the files of a folder snapshot to the LOTL's pointers.

The XML is parsed with :func:`safe_tree`'s settings: no entities, no DTD, no network.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from lxml import etree  # type: ignore[import-untyped]

from esig._pyhanko.tl_signature import check_signature, issue_time, list_text, safe_tree
from esig.model.trusted_lists import TrustedListError, TrustedListSignature

__all__ = ["TSL_MIME_TYPE", "ListHeader", "LotlPointer", "LotlReading", "peek_list", "read_lotl"]

TSL_MIME_TYPE = "application/vnd.etsi.tsl+xml"
"""The MIME type of a pointer to a list in XML form (TS 119 612 clause 5.3.13)."""

_TSL = "http://uri.etsi.org/02231/v2#"
_ADD = "http://uri.etsi.org/02231/v2/additionaltypes#"
_LOTL_RULE = "http://uri.etsi.org/TrstSvc/TrustedList/schemerules/EUlistofthelists"


@dataclass(frozen=True)
class ListHeader:
    """The scheme header of a list, read without checking its signature."""

    territory: str
    sequence_number: int | None
    is_list_of_lists: bool
    issued: dt.datetime | None


@dataclass(frozen=True)
class LotlPointer:
    """One ``OtherTSLPointer`` of a LOTL."""

    territory: str
    location: str
    mime_type: str
    certificates: tuple[x509.Certificate, ...]
    points_to_lotl: bool
    """The pointer names a list of trusted lists (the LOTL's pointer to itself)."""
    unreadable_certificates: int = 0


@dataclass(frozen=True)
class LotlReading:
    """A LOTL as a sync reads it: header, signature finding, pointers, pivot URIs."""

    header: ListHeader
    next_update: dt.datetime | None
    signature: TrustedListSignature
    information_uris: tuple[str, ...]
    """``SchemeInformationURI`` values in document order."""
    pointers: tuple[LotlPointer, ...]

    @property
    def announced_signers(self) -> tuple[x509.Certificate, ...]:
        """The certificates the LOTL names for the next LOTL: its XML pointer to a LOTL."""
        for pointer in self.pointers:
            if pointer.points_to_lotl and pointer.mime_type == TSL_MIME_TYPE:
                return pointer.certificates
        return ()


def _scheme(root: Any) -> Any:
    return root.find(f"{{{_TSL}}}SchemeInformation")


def _text(element: Any, path: str) -> str:
    found = element.findtext(path) if element is not None else None
    return (found or "").strip()


def _header(root: Any) -> ListHeader:
    scheme = _scheme(root)
    territory = _text(scheme, f"{{{_TSL}}}SchemeTerritory")
    kind = _text(scheme, f"{{{_TSL}}}TSLType")
    sequence = _text(scheme, f"{{{_TSL}}}TSLSequenceNumber")
    return ListHeader(
        territory=territory.upper(),
        sequence_number=int(sequence) if sequence.isdigit() else None,
        is_list_of_lists=kind.endswith("listofthelists"),
        issued=issue_time(root),
    )


def peek_list(data: bytes, *, source: str | None = None) -> ListHeader:
    """The list's territory, sequence number and kind, read without checking its signature.

    Raises:
        TrustedListError: The file is not well-formed XML or not a TS 119 612 list.

    """
    return _header(safe_tree(data, source))


def _time(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _pointer(element: Any) -> LotlPointer:
    info = element.find(f"{{{_TSL}}}AdditionalInformation")
    territory = mime = ""
    kind = ""
    rules: list[str] = []
    for other in info.findall(f"{{{_TSL}}}OtherInformation") if info is not None else ():
        territory = territory or _text(other, f"{{{_TSL}}}SchemeTerritory")
        mime = mime or _text(other, f"{{{_ADD}}}MimeType")
        kind = kind or _text(other, f"{{{_TSL}}}TSLType")
        rules += [
            (uri.text or "").strip()
            for uri in other.iterfind(f"{{{_TSL}}}SchemeTypeCommunityRules/{{{_TSL}}}URI")
        ]
    certificates: list[x509.Certificate] = []
    unreadable = 0
    for found in element.iter(f"{{{_TSL}}}X509Certificate"):
        try:
            der = base64.b64decode("".join((found.text or "").split()), validate=True)
            certificates.append(x509.load_der_x509_certificate(der))
        except (ValueError, binascii.Error):
            unreadable += 1
    return LotlPointer(
        territory=territory.upper(),
        location=_text(element, f"{{{_TSL}}}TSLLocation"),
        mime_type=mime,
        certificates=tuple(certificates),
        points_to_lotl=kind.endswith("listofthelists") or _LOTL_RULE in rules,
        unreadable_certificates=unreadable,
    )


def read_lotl(
    data: bytes, *, source: str | None = None, certificates: Sequence[x509.Certificate] = ()
) -> LotlReading:
    """Check a LOTL's signature against ``certificates`` and read its pointers and URIs.

    The pointers and URIs are read from the content the signature covers when it
    verified, from the file otherwise (then they vouch for nothing: the caller looks at
    :attr:`LotlReading.signature`). Never raises for the signature.

    Raises:
        TrustedListError: The file is not well-formed XML or not a TS 119 612 list.

    """
    root = safe_tree(data, source)
    header = _header(root)
    if not header.is_list_of_lists:
        raise TrustedListError(
            f"The file is a trusted list of {header.territory or '?'}, not a list of trusted lists",
            path=source,
        )
    signature, content = check_signature(list_text(data, source), root, tuple(certificates))
    signed = root
    if content is not None and signature.integrity:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        try:
            signed = etree.fromstring(content.encode("utf-8"), parser=parser)
        except etree.XMLSyntaxError:  # pragma: no cover - signxml returned what it parsed
            signed = root
    scheme = _scheme(signed)
    uris = tuple(
        (uri.text or "").strip()
        for uri in (scheme.iterfind(f"{{{_TSL}}}SchemeInformationURI/{{{_TSL}}}URI"))
        if (uri.text or "").strip()
    )
    pointers = tuple(
        _pointer(element)
        for element in scheme.iterfind(f"{{{_TSL}}}PointersToOtherTSL/{{{_TSL}}}OtherTSLPointer")
    )
    next_update = _text(scheme, f"{{{_TSL}}}NextUpdate/{{{_TSL}}}dateTime")
    return LotlReading(
        header=_header(signed),
        next_update=_time(next_update) if next_update else None,
        signature=signature,
        information_uris=uris,
        pointers=pointers,
    )
