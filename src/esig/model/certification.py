"""Certification (DocMDP) and field locks (FieldMDP): the models and their error.

The models behind :mod:`esig.signing.certification` (which documents them and
re-exports them), here so that the pyHanko adapter can use them without importing
:mod:`esig.signing`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import model_validator

from esig._model import EsigModel
from esig.errors import SigningError

__all__ = ["CertificationError", "DocPermission", "FieldLock", "LockScope"]


class DocPermission(StrEnum):
    """What a certification signature allows after it (the DocMDP ``/P`` value)."""

    NO_CHANGES = "no-changes"
    """``/P 1``: no change at all; a later signature breaks the certification."""
    FORM_FILLING = "form-filling"
    """``/P 2``: filling in form fields and adding signatures."""
    ANNOTATIONS = "annotations"
    """``/P 3``: form filling, signatures, and annotations (comments)."""

    @property
    def allows_signatures(self) -> bool:
        """Whether later (approval) signatures are allowed."""
        return self is not DocPermission.NO_CHANGES

    @property
    def description(self) -> str:
        """What the permission allows, in words."""
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    DocPermission.NO_CHANGES: "no changes allowed",
    DocPermission.FORM_FILLING: "form filling and signing allowed",
    DocPermission.ANNOTATIONS: "form filling, signing and annotations allowed",
}


class LockScope(StrEnum):
    """Which form fields a field lock covers."""

    ALL = "all"
    """Every form field of the document, signature fields included."""
    INCLUDE = "include"
    """Only the fields listed."""
    EXCLUDE = "exclude"
    """Every field except those listed."""


class FieldLock(EsigModel):
    """A field lock (FieldMDP): the fields that may not change once a field is signed.

    Build it with :meth:`all`, :meth:`include` or :meth:`exclude`.
    """

    scope: LockScope
    """Which fields the lock covers."""
    fields: tuple[str, ...] = ()
    """The fully qualified field names the scope refers to (empty for ``ALL``)."""

    @model_validator(mode="after")
    def _fields_match_scope(self) -> FieldLock:
        if self.scope is LockScope.ALL and self.fields:
            raise ValueError("a lock of all fields takes no field names")
        if self.scope is LockScope.INCLUDE and not self.fields:
            raise ValueError("a lock of included fields needs at least one field name")
        if any(not name.strip() for name in self.fields):
            raise ValueError("field names in a lock must not be empty")
        return self

    @classmethod
    def all(cls) -> FieldLock:
        """Lock every form field."""
        return cls(scope=LockScope.ALL)

    @classmethod
    def include(cls, *fields: str) -> FieldLock:
        """Lock only ``fields``."""
        return cls(scope=LockScope.INCLUDE, fields=fields)

    @classmethod
    def exclude(cls, *fields: str) -> FieldLock:
        """Lock every form field except ``fields``."""
        return cls(scope=LockScope.EXCLUDE, fields=fields)

    def describe(self) -> str:
        """The lock in words, e.g. ``locks fields Approval1, Approval2``."""
        names = ", ".join(self.fields)
        if self.scope is LockScope.ALL:
            return "locks every form field"
        if self.scope is LockScope.INCLUDE:
            return f"locks fields {names}"
        return f"locks every form field except {names}" if names else "locks every form field"


class CertificationError(SigningError):
    """The document's certification does not allow the signature asked for.

    Raised before the device is used: the document is certified with
    :attr:`DocPermission.NO_CHANGES`, or a certification signature is asked for a
    document that is already signed.

    Attributes:
        permission: The document's certification permission (None if uncertified).

    """

    def __init__(
        self,
        message: str,
        *,
        permission: DocPermission | None = None,
        path: str | Path | None = None,
    ) -> None:
        super().__init__(message, path=path)
        self.permission = permission
