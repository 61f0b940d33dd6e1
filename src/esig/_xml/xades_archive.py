"""The long-term elements of XAdES (EN 319 132-1 §5.4, §5.5), written and read with lxml.

B-LT puts the validation data into the ``xades:UnsignedSignatureProperties``:
``xades:CertificateValues`` and ``xades:RevocationValues`` for the signer's chain, and a
``xades141:TimeStampValidationData`` after the timestamp whose TSA chain it serves. B-LTA
adds a ``xades141:ArchiveTimeStamp``, whose message imprint is the digest of the input
§5.5.2.2 defines (as DSS's ``XAdESTimestampMessageDigestBuilder`` builds it):

1. each ``ds:Reference`` of ``SignedInfo``, in order: the octets after its transforms (what
   signxml digested), or, when the result is a node set, that node set canonicalised
   with the archive timestamp's ``CanonicalizationMethod``;
2. ``ds:SignedInfo``, ``ds:SignatureValue`` and ``ds:KeyInfo``, each canonicalised;
3. every child of ``UnsignedSignatureProperties`` before the archive timestamp, canonicalised;
4. every ``ds:Object`` except the one holding ``QualifyingProperties``, canonicalised.

Canonicalisation is lxml's (``method="c14n"``); esig writes exclusive C14N 1.0.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from esig._xml.parsing import DS_NS, XADES_NS

__all__ = [
    "ARCHIVE_C14N",
    "XADES141_NS",
    "ArchiveStamp",
    "EmbeddedValues",
    "ReferenceOutput",
    "add_archive_timestamp",
    "add_validation_values",
    "archive_input",
    "archive_stamps",
    "embedded_values",
    "unsigned_properties",
]

XADES141_NS = "http://uri.etsi.org/01903/v1.4.1#"
"""The XAdES v1.4.1 namespace: TimeStampValidationData, ArchiveTimeStamp."""
ARCHIVE_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
"""The canonicalisation esig names in the archive timestamps it makes."""
_INCLUSIVE_C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
_C14N = (
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "http://www.w3.org/2006/12/xml-c14n11",
    "http://www.w3.org/2006/12/xml-c14n11#WithComments",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
)
_OCTETS = (*_C14N, "http://www.w3.org/2000/09/xmldsig#base64")
"""Transforms whose output is an octet stream, not a node set."""


def _x(name: str) -> str:
    return f"{{{XADES_NS}}}{name}"


def _ds(name: str) -> str:
    return f"{{{DS_NS}}}{name}"


def canonical(element: Any, algorithm: str) -> bytes:
    """``element`` canonicalised in place with the C14N algorithm URI ``algorithm``."""
    data: bytes = etree.tostring(
        element,
        method="c14n",
        exclusive="xml-exc-c14n" in algorithm,
        with_comments=algorithm.endswith("#WithComments"),
    )
    return data


@dataclass(frozen=True)
class ReferenceOutput:
    """What one ``ds:Reference`` yields, as signxml computed it while verifying."""

    octets: bytes
    """The octets that were digested."""
    node_set: Any | None
    """The element the reference names when its result was a node set (no C14N or
    base64 transform)."""


def reference_outputs(signature: Any, digested: Sequence[bytes]) -> list[ReferenceOutput]:
    """Pair each ``ds:Reference`` with the octets signxml digested (``digested``, in order)."""
    root = signature.getroottree().getroot()
    found = []
    references = signature.findall(f"{_ds('SignedInfo')}/{_ds('Reference')}")
    for reference, octets in zip(references, digested, strict=False):
        uri = reference.get("URI", "")
        transforms = [t.get("Algorithm", "") for t in reference.iterfind(f".//{_ds('Transform')}")]
        node = None
        if uri.startswith("#") and not any(t in _OCTETS for t in transforms):
            wanted = uri[1:]
            node = next((e for e in root.iter() if e.get("Id") == wanted), None)
        found.append(ReferenceOutput(octets=octets, node_set=node))
    return found


def unsigned_properties(signature: Any, *, create: bool = False) -> Any | None:
    """The signature's ``UnsignedSignatureProperties`` (made when ``create``)."""
    qualifying = signature.find(f"{_ds('Object')}/{_x('QualifyingProperties')}")
    if qualifying is None:
        return None
    unsigned = qualifying.find(_x("UnsignedProperties"))
    if unsigned is None:
        if not create:
            return None
        unsigned = etree.SubElement(qualifying, _x("UnsignedProperties"))
    props = unsigned.find(_x("UnsignedSignatureProperties"))
    if props is None and create:
        props = etree.Element(_x("UnsignedSignatureProperties"))
        unsigned.insert(0, props)
    return props


def _values(
    parent: Any, certificates: Iterable[bytes], ocsps: Iterable[bytes], crls: Iterable[bytes]
) -> None:
    certs = list(dict.fromkeys(certificates))
    if certs:
        values = etree.SubElement(parent, _x("CertificateValues"))
        for der in certs:
            etree.SubElement(values, _x("EncapsulatedX509Certificate")).text = _b64(der)
    crl_list, ocsp_list = list(dict.fromkeys(crls)), list(dict.fromkeys(ocsps))
    if crl_list or ocsp_list:
        revocation = etree.SubElement(parent, _x("RevocationValues"))
        if crl_list:
            crl_values = etree.SubElement(revocation, _x("CRLValues"))
            for der in crl_list:
                etree.SubElement(crl_values, _x("EncapsulatedCRLValue")).text = _b64(der)
        if ocsp_list:
            ocsp_values = etree.SubElement(revocation, _x("OCSPValues"))
            for der in ocsp_list:
                etree.SubElement(ocsp_values, _x("EncapsulatedOCSPValue")).text = _b64(der)


def _b64(der: bytes) -> str:
    return base64.b64encode(der).decode("ascii")


def add_validation_values(
    signature: Any,
    *,
    certificates: Sequence[bytes],
    ocsps: Sequence[bytes],
    crls: Sequence[bytes],
    for_timestamp: bool = False,
) -> None:
    """Append ``CertificateValues`` and ``RevocationValues`` (the signer's chain, §5.4).

    ``for_timestamp``: inside a new ``xades141:TimeStampValidationData`` (a TSA chain's
    data, §5.5.1).
    """
    parent = unsigned_properties(signature, create=True)
    if for_timestamp:
        parent = etree.SubElement(
            parent, f"{{{XADES141_NS}}}TimeStampValidationData", nsmap={"xades141": XADES141_NS}
        )
    _values(parent, certificates, ocsps, crls)


def add_archive_timestamp(signature: Any, token: bytes, number: int) -> None:
    """Append a ``xades141:ArchiveTimeStamp`` carrying ``token`` (§5.5.2)."""
    props = unsigned_properties(signature, create=True)
    stamp = etree.SubElement(
        props,
        f"{{{XADES141_NS}}}ArchiveTimeStamp",
        Id=f"{signature.get('Id') or 'Signature'}-ArchiveTimeStamp{number}",
        nsmap={"xades141": XADES141_NS},
    )
    etree.SubElement(stamp, _ds("CanonicalizationMethod"), Algorithm=ARCHIVE_C14N)
    etree.SubElement(stamp, _x("EncapsulatedTimeStamp")).text = _b64(token)


def archive_input(
    signature: Any,
    references: Sequence[ReferenceOutput],
    *,
    algorithm: str = ARCHIVE_C14N,
    before: Any | None = None,
) -> bytes:
    """The octets an archive timestamp covers (§5.5.2.2), ``before`` it (None: all)."""
    parts: list[bytes] = []
    for ref in references:
        parts.append(canonical(ref.node_set, algorithm) if ref.node_set is not None else ref.octets)
    for name in ("SignedInfo", "SignatureValue", "KeyInfo"):
        element = signature.find(_ds(name))
        if element is not None:
            parts.append(canonical(element, algorithm))
    props = unsigned_properties(signature)
    for child in props if props is not None else ():
        if before is not None and child is before:
            break
        if isinstance(child.tag, str):
            parts.append(canonical(child, algorithm))
    for obj in signature.findall(_ds("Object")):
        if obj.find(_x("QualifyingProperties")) is None:
            parts.append(canonical(obj, algorithm))
    return b"".join(parts)


@dataclass(frozen=True)
class ArchiveStamp:
    """One ``xades141:ArchiveTimeStamp`` as found."""

    element: Any
    token: bytes | None
    """The DER token (None: its EncapsulatedTimeStamp is not base64)."""
    algorithm: str
    """Its canonicalisation method (inclusive C14N 1.0 when it names none)."""


def archive_stamps(signature: Any) -> list[ArchiveStamp]:
    """The signature's archive timestamp tokens, in document order.

    An ``ArchiveTimeStamp`` may hold several ``EncapsulatedTimeStamp`` elements (DSS
    issue 2278): each is a token over the same data.
    """
    props = unsigned_properties(signature)
    found = []
    tag = f"{{{XADES141_NS}}}ArchiveTimeStamp"
    for element in props.iterfind(tag) if props is not None else ():
        method = element.find(_ds("CanonicalizationMethod"))
        algorithm = (
            method.get("Algorithm", _INCLUSIVE_C14N) if method is not None else _INCLUSIVE_C14N
        )
        tokens = element.findall(_x("EncapsulatedTimeStamp")) or [None]
        for token in tokens:
            text = token.text if token is not None else None
            found.append(ArchiveStamp(element, _decode(text), algorithm))
    return found


def _decode(text: str | None) -> bytes | None:
    try:
        return base64.b64decode((text or "").strip(), validate=False) or None
    except (ValueError, binascii.Error):
        return None


@dataclass(frozen=True)
class EmbeddedValues:
    """The validation data a signature's unsigned properties carry, as DER."""

    certificates: tuple[bytes, ...] = ()
    """From ``CertificateValues``."""
    ocsp_responses: tuple[bytes, ...] = ()
    """From ``RevocationValues``."""
    crls: tuple[bytes, ...] = ()
    timestamp_certificates: tuple[bytes, ...] = ()
    """From every ``TimeStampValidationData``."""
    timestamp_ocsp_responses: tuple[bytes, ...] = ()
    timestamp_crls: tuple[bytes, ...] = ()
    has_certificate_values: bool = False
    has_revocation_values: bool = False

    @property
    def all_certificates(self) -> tuple[bytes, ...]:
        """Every embedded certificate."""
        return self.certificates + self.timestamp_certificates

    @property
    def all_ocsp_responses(self) -> tuple[bytes, ...]:
        """Every embedded OCSP response."""
        return self.ocsp_responses + self.timestamp_ocsp_responses

    @property
    def all_crls(self) -> tuple[bytes, ...]:
        """Every embedded CRL."""
        return self.crls + self.timestamp_crls


def _read(parent: Any, tag: str, item: str) -> list[bytes]:
    found = []
    for element in parent.iterfind(f"{tag}/{item}"):
        der = _decode(element.text)
        if der:
            found.append(der)
    return found


def embedded_values(signature: Any) -> EmbeddedValues:
    """The validation data in the signature's ``UnsignedSignatureProperties``."""
    props = unsigned_properties(signature)
    if props is None:
        return EmbeddedValues()
    certs = _read(props, _x("CertificateValues"), _x("EncapsulatedX509Certificate"))
    revocation = _x("RevocationValues")
    ocsps = _read(props, f"{revocation}/{_x('OCSPValues')}", _x("EncapsulatedOCSPValue"))
    crls = _read(props, f"{revocation}/{_x('CRLValues')}", _x("EncapsulatedCRLValue"))
    ts_certs: list[bytes] = []
    ts_ocsps: list[bytes] = []
    ts_crls: list[bytes] = []
    for data in props.iterfind(f"{{{XADES141_NS}}}TimeStampValidationData"):
        ts_certs += _read(data, _x("CertificateValues"), _x("EncapsulatedX509Certificate"))
        ts_ocsps += _read(data, f"{revocation}/{_x('OCSPValues')}", _x("EncapsulatedOCSPValue"))
        ts_crls += _read(data, f"{revocation}/{_x('CRLValues')}", _x("EncapsulatedCRLValue"))
    return EmbeddedValues(
        certificates=tuple(certs),
        ocsp_responses=tuple(ocsps),
        crls=tuple(crls),
        timestamp_certificates=tuple(ts_certs),
        timestamp_ocsp_responses=tuple(ts_ocsps),
        timestamp_crls=tuple(ts_crls),
        has_certificate_values=props.find(_x("CertificateValues")) is not None,
        has_revocation_values=props.find(revocation) is not None,
    )
