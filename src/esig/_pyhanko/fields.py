"""Signature fields, field locks and certification through pyHanko.

Adds empty signature fields (page, box, name, FieldMDP lock) to an incremental update,
reads the fields a document has, and reads the certification (DocMDP) permission.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.rw_common import PdfHandler
from pyhanko.sign import fields
from pyhanko.sign.fields import FieldMDPAction, FieldMDPSpec, MDPPerm, SigFieldSpec
from pyhanko.sign.validation import read_certification_data

from esig._pyhanko.documents import open_reader, open_writer
from esig.errors import CorruptDocumentError, InputError
from esig.model.certification import CertificationError, DocPermission, FieldLock, LockScope

__all__ = [
    "FieldFacts",
    "NewField",
    "add_signature_fields",
    "certification_permission",
    "check_may_sign",
    "check_page_and_box",
    "field_mdp",
    "mdp_perm",
    "page_count",
    "prepare_fields",
    "read_fields",
    "read_signature_fields",
    "set_field_lock",
]

_MDP = {
    DocPermission.NO_CHANGES: MDPPerm.NO_CHANGES,
    DocPermission.FORM_FILLING: MDPPerm.FILL_FORMS,
    DocPermission.ANNOTATIONS: MDPPerm.ANNOTATE,
}
_ACTION = {
    LockScope.ALL: FieldMDPAction.ALL,
    LockScope.INCLUDE: FieldMDPAction.INCLUDE,
    LockScope.EXCLUDE: FieldMDPAction.EXCLUDE,
}
_SCOPE = {"/All": LockScope.ALL, "/Include": LockScope.INCLUDE, "/Exclude": LockScope.EXCLUDE}
_READ_ERRORS = (PdfError, KeyError, ValueError, TypeError, IndexError, AttributeError)


@dataclass(frozen=True)
class FieldFacts:
    """One signature field as the document has it (plain data)."""

    name: str
    page: int | None
    """1-based page number of the widget, if it has one on a page."""
    box: tuple[float, float, float, float] | None
    """The widget rectangle, or None when it has no area (an invisible field)."""
    signed: bool
    lock: FieldLock | None


@dataclass(frozen=True)
class NewField:
    """A field to add: the plain values of :class:`esig.signing.fields.SignatureFieldSpec`."""

    name: str
    page: int
    box: tuple[float, float, float, float] | None
    lock: FieldLock | None
    tooltip: str | None


def mdp_perm(permission: DocPermission) -> MDPPerm:
    """PyHanko's DocMDP value for ``permission``."""
    return _MDP[permission]


def field_mdp(lock: FieldLock) -> FieldMDPSpec:
    """PyHanko's FieldMDP specification for ``lock``."""
    return FieldMDPSpec(_ACTION[lock.scope], list(lock.fields) or None)


def page_count(handler: PdfHandler) -> int:
    """The number of pages of the document."""
    try:
        return int(handler.root["/Pages"]["/Count"])
    except _READ_ERRORS as exc:
        raise CorruptDocumentError(f"The PDF's page tree cannot be read: {exc}") from None


def _page_box(handler: PdfHandler, index: int) -> tuple[float, float, float, float] | None:
    try:
        page = handler.find_page_for_modification(index)[0].get_object()  # type: ignore[no-untyped-call]
        box = page.get("/MediaBox") or page["/Parent"].get_object().get("/MediaBox")
        return tuple(float(v) for v in box)  # type: ignore[return-value]
    except _READ_ERRORS:
        return None


def add_signature_fields(writer: IncrementalPdfFileWriter, specs: Sequence[NewField]) -> None:
    """Add empty signature fields to ``writer``'s update, after checking every spec.

    Raises:
        InputError: A page does not exist, a box lies outside its page, or a field name
            is taken (in the document or twice in ``specs``).

    """
    pages = page_count(writer.prev)
    existing = {f.name for f in read_signature_fields(writer.prev)}
    seen: set[str] = set()
    for spec in specs:
        if spec.name in existing or spec.name in seen:
            raise InputError(
                f"The document already has a signature field named {spec.name!r}; "
                "choose another name"
            )
        seen.add(spec.name)
        check_page_and_box(writer, spec.page, spec.box, pages=pages)
    for spec in specs:
        sig_spec = SigFieldSpec(
            sig_field_name=spec.name,
            on_page=spec.page - 1,
            box=spec.box,  # type: ignore[arg-type]  # pyHanko writes any number
            field_mdp_spec=field_mdp(spec.lock) if spec.lock is not None else None,
            readable_field_name=spec.tooltip,
        )
        try:
            fields.append_signature_field(writer, sig_spec)
        except PdfError as exc:
            raise CorruptDocumentError(f"The field {spec.name!r} cannot be added: {exc}") from None


def check_page_and_box(
    handler: PdfHandler,
    page: int,
    box: tuple[float, float, float, float] | None,
    *,
    pages: int | None = None,
) -> None:
    """Refuse a page the document does not have, or a box outside that page."""
    total = page_count(handler) if pages is None else pages
    if not 1 <= page <= total:
        raise InputError(f"Page {page} does not exist: the document has {total} page(s)")
    if box is None:
        return
    media = _page_box(handler, page - 1)
    if media is None:
        return
    mx1, mx2 = sorted((media[0], media[2]))
    my1, my2 = sorted((media[1], media[3]))
    x1, y1, x2, y2 = box
    if x1 < mx1 or y1 < my1 or x2 > mx2 or y2 > my2:
        shown = " ".join(f"{v:g}" for v in media)
        raise InputError(
            f"The box ({x1:g}, {y1:g}, {x2:g}, {y2:g}) lies outside page {page}, whose "
            f"media box is [{shown}] (points, origin at the lower left)"
        )


def _lock_of(field: generic.DictionaryObject) -> FieldLock | None:
    lock = field.get("/Lock")
    if lock is None:
        return None
    lock = lock.get_object()
    scope = _SCOPE.get(str(lock.get("/Action")))
    if scope is None:
        return None
    names = tuple(str(n) for n in lock.get("/Fields", ()))
    if scope is LockScope.ALL:
        names = ()
    try:
        return FieldLock(scope=scope, fields=names)
    except ValueError:
        return None


def _widget(field: generic.DictionaryObject) -> generic.DictionaryObject:
    kids = field.get("/Kids")
    if kids:
        return kids[0].get_object()  # type: ignore[no-any-return]
    return field


def _page_numbers(handler: PdfHandler) -> dict[int, int]:
    numbers: dict[int, int] = {}
    for index in range(page_count(handler)):
        try:
            ref = handler.find_page_for_modification(index)[0]  # type: ignore[no-untyped-call]
        except _READ_ERRORS:
            continue
        numbers[ref.idnum] = index + 1
    return numbers


def read_signature_fields(handler: PdfHandler) -> list[FieldFacts]:
    """Every signature field of the document, in the order of the form."""
    try:
        found = list(fields.enumerate_sig_fields(handler, filled_status=None))
    except _READ_ERRORS as exc:
        raise CorruptDocumentError(f"The PDF's signature fields cannot be read: {exc}") from None
    pages: dict[int, int] | None = None
    result = []
    for name, value, ref in found:
        field = ref.get_object()
        widget = _widget(field)
        box: tuple[float, float, float, float] | None = None
        page: int | None = None
        try:
            rect = [float(v) for v in widget.get("/Rect", ())]
            if len(rect) == 4 and rect[0] != rect[2] and rect[1] != rect[3]:
                x1, x2 = sorted((rect[0], rect[2]))
                y1, y2 = sorted((rect[1], rect[3]))
                box = (x1, y1, x2, y2)
            page_ref = widget.get_value_as_reference("/P", optional=True)
            if page_ref is not None:
                pages = _page_numbers(handler) if pages is None else pages
                page = pages.get(page_ref.idnum)
        except _READ_ERRORS:
            pass
        result.append(
            FieldFacts(
                name=str(name), page=page, box=box, signed=value is not None, lock=_lock_of(field)
            )
        )
    return result


def certification_permission(handler: PdfHandler) -> DocPermission | None:
    """The permission of the document's certification signature, if it has one."""
    try:
        info = read_certification_data(handler)  # type: ignore[arg-type]
    except _READ_ERRORS:
        return None
    if info is None:
        return None
    for permission, value in _MDP.items():
        if value is info.permission:
            return permission
    return None


def check_may_sign(writer: IncrementalPdfFileWriter, *, certify: bool) -> None:
    """Refuse, before any device is used, a signature the document does not allow.

    Raises:
        CertificationError: The document is certified with no changes allowed, or a
            certification signature is asked for a document that is already signed.

    """
    permission = certification_permission(writer.prev)
    if permission is DocPermission.NO_CHANGES:
        raise CertificationError(
            "The document's certification forbids all changes (DocMDP 1, 'no changes "
            "allowed'): a further signature would break it. Sign a copy of the document "
            "before it was certified, or ask the author to certify with form filling "
            "allowed.",
            permission=permission,
        )
    if certify and any(f.signed for f in read_signature_fields(writer.prev)):
        raise CertificationError(
            "A certification signature must be the document's first signature, but this "
            "document is already signed; sign it without certify=.",
            permission=permission,
        )


def set_field_lock(writer: IncrementalPdfFileWriter, name: str, lock: FieldLock) -> None:
    """Give the existing, empty field ``name`` the lock ``lock``, in this update.

    Raises:
        InputError: The field already has a lock (it was set when the field was made).

    """
    for field_name, value, ref in fields.enumerate_sig_fields(writer.prev, filled_status=None):
        if str(field_name) != name:
            continue
        field = ref.get_object()
        if value is not None:
            return  # pyHanko refuses to sign a filled field and says so
        if "/Lock" in field:
            raise InputError(
                f"The field {name!r} already has a lock, set when it was prepared; "
                "sign it without a new lock (lock_fields= in Python, --lock on the command line)"
            )
        field[pdf_name("/Lock")] = field_mdp(lock).as_sig_field_lock()
        writer.update_container(field)
        return


def prepare_fields(
    source: BinaryIO, output: BinaryIO, specs: Sequence[NewField]
) -> list[FieldFacts]:
    """Write ``source`` plus one incremental update adding ``specs``; return every field.

    Raises:
        CertificationError: The document is certified with no changes allowed.
        InputError: See :func:`add_signature_fields`.

    """
    writer = open_writer(source)
    if certification_permission(writer.prev) is DocPermission.NO_CHANGES:
        raise CertificationError(
            "The document is certified with 'no changes allowed' (DocMDP 1): adding "
            "signature fields would break the certification.",
            permission=DocPermission.NO_CHANGES,
        )
    before = read_signature_fields(writer.prev)
    add_signature_fields(writer, specs)
    try:
        writer.write(output)  # type: ignore[no-untyped-call]
    except PdfError as exc:
        raise CorruptDocumentError(f"The PDF cannot be written: {exc}") from None
    output.flush()
    return [*before, *_new_facts(specs)]


def _new_facts(specs: Sequence[NewField]) -> list[FieldFacts]:
    return [
        FieldFacts(name=s.name, page=s.page, box=s.box, signed=False, lock=s.lock) for s in specs
    ]


def read_fields(stream: BinaryIO) -> list[FieldFacts]:
    """Every signature field of the PDF in ``stream``."""
    return read_signature_fields(open_reader(stream))


def read_page_boxes(stream: BinaryIO) -> list[tuple[float, float, float, float] | None]:
    """The media box of every page of the PDF in ``stream`` (None where it cannot be read).

    Raises:
        NotAPdfError, CorruptDocumentError, EncryptedDocumentError: As ``open_reader``.

    """
    reader = open_reader(stream)
    return [_page_box(reader, index) for index in range(page_count(reader))]
