"""Signature fields: prepare a document for several signers, in order.

:func:`prepare_document` adds one empty signature field per signer — page, box and
name, and optionally a field lock (:class:`~esig.signing.certification.FieldLock`) that
takes effect when the field is signed — in one incremental update, written atomically.
Each signer then signs their own field with :func:`esig.sign_pdf` (``field_name=``),
the first one optionally certifying the document (``certify=``).

Coordinates are PDF points (1/72 inch) with the origin at the lower left of the page;
pages are numbered from 1.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from pydantic import field_validator, model_validator

from esig._io import atomic_output, open_input
from esig._model import EsigModel
from esig._pyhanko.fields import NewField, prepare_fields, read_fields, read_page_boxes
from esig.errors import InputError, OutputError
from esig.model.fields import Box, check_box, check_field_name
from esig.signing.certification import FieldLock

__all__ = [
    "Box",
    "PageBox",
    "PreparedDocument",
    "SignatureField",
    "SignatureFieldSpec",
    "check_box",
    "check_field_name",
    "page_boxes",
    "prepare_document",
    "signature_fields",
]


class SignatureFieldSpec(EsigModel):
    """An empty signature field to add: where it goes and what it locks once signed."""

    name: str
    """The field name (unique in the document, no period)."""
    page: int = 1
    """The page, counted from 1."""
    box: Box | None = None
    """Where the signature shows, in points; None for an invisible field."""
    lock: FieldLock | None = None
    """The fields that may no longer change once this field is signed (FieldMDP)."""
    tooltip: str | None = None
    """A readable name viewers show for the field (e.g. ``Approval by the director``)."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_field_name(value)

    @field_validator("box")
    @classmethod
    def _box(cls, value: Box | None) -> Box | None:
        return check_box(value)

    @model_validator(mode="after")
    def _page(self) -> SignatureFieldSpec:
        if self.page < 1:
            raise ValueError("pages are counted from 1")
        return self


class SignatureField(EsigModel):
    """A signature field that a document has."""

    name: str
    page: int | None = None
    """The page of its widget, counted from 1 (None if it is on no page)."""
    box: Box | None = None
    """Its rectangle in points (None for an invisible field)."""
    signed: bool = False
    """Whether the field holds a signature."""
    lock: FieldLock | None = None
    """The field lock that takes effect when it is signed, if any."""


class PreparedDocument(EsigModel):
    """What :func:`prepare_document` produced."""

    path: Path
    """Where the prepared document was written."""
    fields: tuple[SignatureField, ...]
    """Every signature field of the prepared document, the new ones last."""
    size: int
    """Size of the prepared document in bytes."""


def prepare_document(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    fields: list[SignatureFieldSpec] | tuple[SignatureFieldSpec, ...],
) -> PreparedDocument:
    """Add empty signature fields to the PDF at ``source``; write the result to ``output``.

    The fields are added in one incremental update, so signatures already in the
    document stay valid (unless it is certified with no changes allowed). The output
    appears atomically.

    Args:
        source: The PDF to prepare; it is only read.
        output: Where to write the prepared PDF. Must differ from ``source``.
        fields: The fields to add, e.g. one per signer.

    Returns:
        The prepared document and every signature field it now has.

    Raises:
        InputError: No fields were given, a page does not exist, a box lies outside its
            page, or a field name is already taken.
        CertificationError: The document is certified with no changes allowed.
        DocumentNotFoundError: The input does not exist.
        NotAPdfError: The input is not a PDF.
        CorruptDocumentError: The input does not parse.
        EncryptedDocumentError: The input is encrypted.
        OutputError: ``output`` cannot be written, or is the input itself.

    """
    specs = tuple(fields)
    if not specs:
        raise InputError("Give at least one signature field to add")
    src, dst = Path(source), Path(output)
    if dst.exists() and src.exists() and dst.resolve() == src.resolve():
        raise OutputError("The output must not be the input document", path=dst)
    new = [
        NewField(name=s.name, page=s.page, box=s.box, lock=s.lock, tooltip=s.tooltip) for s in specs
    ]
    with open_input(src) as handle, atomic_output(dst) as out:
        facts = prepare_fields(handle, out, new)
    return PreparedDocument(
        path=dst,
        fields=tuple(
            SignatureField(name=f.name, page=f.page, box=f.box, signed=f.signed, lock=f.lock)
            for f in facts
        ),
        size=dst.stat().st_size,
    )


def signature_fields(source: str | os.PathLike[str]) -> tuple[SignatureField, ...]:
    """The signature fields of the PDF at ``source``: name, page, box, signed, lock."""
    with open_input(source) as handle:
        facts = read_fields(handle)
    return tuple(
        SignatureField(name=f.name, page=f.page, box=f.box, signed=f.signed, lock=f.lock)
        for f in facts
    )


class PageBox(EsigModel):
    """A page of a PDF and its size, to place a signature box on it.

    .. versionadded:: 0.3.0
    """

    page: int
    """The page number, counted from 1."""
    box: Box | None
    """The page's media box in points (x1, y1, x2, y2), or None when it cannot be read."""

    @property
    def width(self) -> float | None:
        """The page's width in points."""
        return None if self.box is None else self.box[2] - self.box[0]

    @property
    def height(self) -> float | None:
        """The page's height in points."""
        return None if self.box is None else self.box[3] - self.box[1]


def page_boxes(source: str | os.PathLike[str] | bytes) -> tuple[PageBox, ...]:
    """The pages of the PDF at ``source`` (a path or the bytes) and their media boxes.

    An application that lets someone place signature boxes (a portal's owner choosing
    where each signer signs) checks an upload with it: a file that is not a PDF, or
    cannot be parsed, raises before anything is stored.

    Raises:
        NotAPdfError: ``source`` is not a PDF.
        CorruptDocumentError: It cannot be parsed.
        EncryptedDocumentError: It is encrypted.

    .. versionadded:: 0.3.0

    """
    if isinstance(source, bytes):
        boxes = read_page_boxes(io.BytesIO(source))
    else:
        with open_input(source) as handle:
            boxes = read_page_boxes(handle)
    return tuple(PageBox(page=number, box=box) for number, box in enumerate(boxes, start=1))
