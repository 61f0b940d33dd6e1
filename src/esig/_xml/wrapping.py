"""What each reference of an XML signature points at, and XML signature wrapping.

A valid XML signature says only that the elements its references resolve to were
signed. Wrapping attacks keep those elements intact and change what a consumer reads
instead: a second element carries the signed Id (which one the verifier digests and
which one the application reads may differ), the signed element is moved into a
``ds:Object`` or another parent and a forged one takes its place, or a reference resolves
to nothing at all. Each is recognised here, on the tree as parsed, before and
independently of signxml; ids are matched as signxml matches them (any attribute whose
local name is ``Id``, ``ID`` or ``id``, ``xml:id`` included), only more strictly: two
elements with the value under different id attributes count as two.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from esig._xml.parsing import DS_NS, XADES_NS

__all__ = [
    "ReferenceFacts",
    "ReferenceKind",
    "WrappingKind",
    "WrappingProblem",
    "analyse_references",
    "detached_files",
    "element_path",
]

_SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"
_XADES_SIGNATURES = "{http://uri.etsi.org/02918/v1.2.1#}XAdESSignatures"
"""The root of an ASiC container's ``signatures.xml`` (EN 319 162-1 §A.5)."""


class ReferenceKind(StrEnum):
    """What a ``ds:Reference`` of a XAdES signature is for."""

    DATA = "data"
    """A signed data object: the document, an element of it, or an external file."""
    SIGNED_PROPERTIES = "signed properties"
    KEY_INFO = "key info"


class WrappingKind(StrEnum):
    """The forms of XML signature wrapping esig names."""

    DUPLICATE_ID = "a second element carries the signed Id"
    MOVED_TARGET = "the signed element was moved"
    UNRESOLVED = "a reference resolves to nothing"
    EXTRA_SIGNATURE = "more than one signature"
    NO_DATA = "no signed data object"


@dataclass(frozen=True)
class WrappingProblem:
    """One sign of wrapping, in words."""

    kind: WrappingKind
    detail: str


@dataclass(frozen=True)
class ReferenceFacts:
    """One reference: its URI, its role and what it resolves to."""

    uri: str
    kind: ReferenceKind
    whole_document: bool = False
    """The reference covers the whole document (``URI=""`` or the document element)."""
    element: str | None = None
    """The path of the signed element, when the reference names one element."""
    external: str | None = None
    """The external file the reference names (a detached signature), URI-decoded."""
    digest_method: str | None = None
    """An external reference's ``DigestMethod`` algorithm URI."""
    digest_value: str | None = None
    """An external reference's ``DigestValue`` (base64, as written)."""
    transformed: bool = False
    """An external reference has transforms: its digest is not over the file's bytes."""


def element_path(element: Any) -> str:
    """A readable path of ``element``: local names, with positions among same-named siblings."""
    steps: list[str] = []
    node = element
    while node is not None:
        name = etree.QName(node).localname
        parent = node.getparent()
        if parent is not None:
            same = [c for c in parent if isinstance(c.tag, str) and c.tag == node.tag]
            if len(same) > 1:
                name = f"{name}[{same.index(node) + 1}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))


_ID_QUERY = etree.XPath(
    "//*[@*[local-name() = 'Id' or local-name() = 'ID' or local-name() = 'id'] = $value]"
)


def _with_id(root: Any, value: str) -> list[Any]:
    """Every element with an id attribute (any namespace, ``xml:id`` too) equal to ``value``."""
    found: list[Any] = _ID_QUERY(root, value=value)
    return found


def _inside(element: Any, tag: str) -> Any:
    """The nearest ancestor of ``element`` with ``tag`` (the element itself excluded), or None."""
    node = element.getparent()
    while node is not None:
        if node.tag == tag:
            return node
        node = node.getparent()
    return None


def _is_within(element: Any, ancestor: Any) -> bool:
    node = element
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


def analyse_references(
    root: Any, signature: Any
) -> tuple[tuple[ReferenceFacts, ...], tuple[WrappingProblem, ...]]:
    """The references of ``signature`` (an element of ``root``'s tree) and the wrapping found."""
    problems: list[WrappingProblem] = []
    count = sum(1 for _ in root.iter(f"{{{DS_NS}}}Signature"))
    if root.tag == _XADES_SIGNATURES:
        # An ASiC signatures file holds its signatures side by side; one elsewhere is extra.
        count = 1 + sum(
            1
            for other in root.iter(f"{{{DS_NS}}}Signature")
            if other.getparent() is not root and _inside(other, f"{{{DS_NS}}}Signature") is None
        )
    if count > 1:
        problems.append(
            WrappingProblem(
                WrappingKind.EXTRA_SIGNATURE,
                f"the document carries {count} ds:Signature elements where esig expects one; "
                "which signature a consumer honours, and over what, cannot be told",
            )
        )
    facts: list[ReferenceFacts] = []
    key_info = signature.find(f"{{{DS_NS}}}KeyInfo")
    for reference in signature.iterfind(f"{{{DS_NS}}}SignedInfo/{{{DS_NS}}}Reference"):
        uri = reference.get("URI")
        if uri is None:
            problems.append(
                WrappingProblem(WrappingKind.UNRESOLVED, "a reference has no URI attribute")
            )
            continue
        if uri == "":
            facts.append(ReferenceFacts(uri=uri, kind=ReferenceKind.DATA, whole_document=True))
            continue
        if not uri.startswith("#"):
            method = reference.find(f"{{{DS_NS}}}DigestMethod")
            facts.append(
                ReferenceFacts(
                    uri=uri,
                    kind=ReferenceKind.DATA,
                    external=urllib.parse.unquote(uri),
                    digest_method=method.get("Algorithm") if method is not None else None,
                    digest_value=(reference.findtext(f"{{{DS_NS}}}DigestValue") or "").strip(),
                    transformed=reference.find(f"{{{DS_NS}}}Transforms") is not None,
                )
            )
            continue
        fact, problem = _same_document(root, signature, key_info, reference, uri)
        if fact is not None:
            facts.append(fact)
        if problem is not None:
            problems.append(problem)
    if not any(f.kind is ReferenceKind.DATA for f in facts) and not any(
        p.kind in {WrappingKind.UNRESOLVED, WrappingKind.DUPLICATE_ID, WrappingKind.MOVED_TARGET}
        for p in problems
    ):
        problems.append(
            WrappingProblem(
                WrappingKind.NO_DATA, "the signature signs its own properties but no data object"
            )
        )
    return tuple(facts), tuple(problems)


def _same_document(
    root: Any, signature: Any, key_info: Any, reference: Any, uri: str
) -> tuple[ReferenceFacts | None, WrappingProblem | None]:
    value = uri[1:]
    if value.startswith("xpointer("):
        return None, WrappingProblem(
            WrappingKind.UNRESOLVED,
            f"the reference {uri} is an XPointer, which esig does not resolve",
        )
    targets = _with_id(root, value)
    if not targets:
        return None, WrappingProblem(
            WrappingKind.UNRESOLVED, f"the reference {uri} resolves to no element of the document"
        )
    if len(targets) > 1:
        paths = ", ".join(element_path(t) for t in targets)
        return None, WrappingProblem(
            WrappingKind.DUPLICATE_ID,
            f"{len(targets)} elements carry the signed Id {value!r} ({paths}): the one that "
            "was verified need not be the one a consumer reads",
        )
    (target,) = targets
    path = element_path(target)
    if reference.get("Type") == _SIGNED_PROPERTIES_TYPE:
        mine = target.tag == f"{{{XADES_NS}}}SignedProperties" and _is_within(target, signature)
        problem = (
            None
            if mine
            else WrappingProblem(
                WrappingKind.MOVED_TARGET,
                f"the signed properties {uri} are at {path}, not in this signature's "
                "xades:QualifyingProperties",
            )
        )
        return ReferenceFacts(uri=uri, kind=ReferenceKind.SIGNED_PROPERTIES, element=path), problem
    if key_info is not None and target is key_info:
        return ReferenceFacts(uri=uri, kind=ReferenceKind.KEY_INFO, element=path), None
    fact = ReferenceFacts(
        uri=uri, kind=ReferenceKind.DATA, whole_document=target is root, element=path
    )
    holder = _inside(target, f"{{{DS_NS}}}Signature")
    if holder is not None and holder is not root:
        where = "a ds:Object of" if _inside(target, f"{{{DS_NS}}}Object") is not None else "inside"
        return fact, WrappingProblem(
            WrappingKind.MOVED_TARGET,
            f"the signed element {path} sits in {where} a signature, not in the document a "
            "consumer reads",
        )
    if target is root or target is signature:
        return fact, None
    shadows = [
        e
        for e in root.iter(target.tag)
        if e is not target
        and not _is_within(e, target)
        and not _is_within(target, e)
        and _inside(e, f"{{{DS_NS}}}Signature") is None
    ]
    if shadows:
        others = ", ".join(element_path(e) for e in shadows[:3])
        return fact, WrappingProblem(
            WrappingKind.MOVED_TARGET,
            f"the signed element {path} has unsigned namesakes at {others}: a consumer that "
            f"reads <{etree.QName(target).localname}> by name may read content that was "
            "not signed (the signed one may have been moved there)",
        )
    return fact, None


def detached_files(root: Any) -> tuple[str, ...]:
    """The files the signatures in ``root``'s tree name by URI (detached), each once.

    The URIs of ``ds:Reference`` elements that point outside the document (neither
    ``""`` nor ``#id``), URI-decoded, in document order.
    """
    found: list[str] = []
    for signature in root.iter(f"{{{DS_NS}}}Signature"):
        for reference in signature.iterfind(f"{{{DS_NS}}}SignedInfo/{{{DS_NS}}}Reference"):
            uri = reference.get("URI")
            if uri and not uri.startswith("#"):
                name = urllib.parse.unquote(uri)
                if name not in found:
                    found.append(name)
    return tuple(found)
