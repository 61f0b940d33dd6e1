"""What the revisions after a signature change, judged by what each change does.

esig's own difference analysis (:mod:`esig._pyhanko.revision_diff`) compares the signed
revision and the latest one by *value*: indirect objects are followed in each revision
and compared by what they resolve to, so renumbered objects, a page pointed at a fresh
copy of unchanged resources, an xref stream instead of a table, or objects merely saved
again are no change at all. What does differ is recorded here, one
:class:`ObjectChange` per changed entry, each with the kind of change it is
(:class:`ChangeKind`) and where it is (which object, which field, which page).

The verdict (allowed by the signature's permissions or not) is made in
:mod:`esig.verification.changes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from esig.model.coverage import ModificationLevel

__all__ = [
    "ChangeKind",
    "FieldRegion",
    "ObjectChange",
    "PageBox",
    "RevisionChanges",
    "level_of",
]


class ChangeKind(StrEnum):
    """What a change after signing does."""

    VALIDATION_DATA = "validation data"
    """The document security store (/DSS, /VRI), or its extension declaration: certificates,
    OCSP responses, CRLs and timestamps for long-term validation (ETSI EN 319 142-1)."""
    METADATA = "document metadata"
    """The XMP metadata stream or the information dictionary: not drawn on any page."""
    DOCUMENT_TIMESTAMP = "document timestamp"
    """A new signature field holding a document timestamp (PAdES B-LTA)."""
    SIGNATURE = "signature"
    """A new signature field (filled or empty), or an empty signature field filled."""
    FORM_FILLING = "form filling"
    """A form field's value (/V, and /I with it for a choice field) and the appearance of
    its widgets (/AP, /AS, /MK), or the form's fonts and appearance flag."""
    ANNOTATION = "annotation"
    """A markup annotation added to a page (ISO 32000-2, 12.5.6.2)."""
    WIDGET_MOVED = "widget moved or resized"
    """A widget of an existing field changed its rectangle or visibility flags: it can
    cover signed content (a shadow attack)."""
    OTHER = "other change"
    """Anything else: page content, resources, structure, actions, new non-signature
    fields, removals."""


_LEVELS = {
    ChangeKind.VALIDATION_DATA: ModificationLevel.LTA_UPDATES,
    ChangeKind.METADATA: ModificationLevel.LTA_UPDATES,
    ChangeKind.DOCUMENT_TIMESTAMP: ModificationLevel.LTA_UPDATES,
    ChangeKind.SIGNATURE: ModificationLevel.FORM_FILLING,
    ChangeKind.FORM_FILLING: ModificationLevel.FORM_FILLING,
    ChangeKind.ANNOTATION: ModificationLevel.ANNOTATIONS,
    ChangeKind.WIDGET_MOVED: ModificationLevel.OTHER,
    ChangeKind.OTHER: ModificationLevel.OTHER,
}
_ORDER = (
    ModificationLevel.NONE,
    ModificationLevel.LTA_UPDATES,
    ModificationLevel.FORM_FILLING,
    ModificationLevel.ANNOTATIONS,
    ModificationLevel.OTHER,
)


def level_of(kinds: tuple[ChangeKind, ...] | list[ChangeKind]) -> ModificationLevel:
    """The modification level (ISO 32000-2 DocMDP order) that covers all ``kinds``."""
    level = ModificationLevel.NONE
    for kind in kinds:
        candidate = _LEVELS[kind]
        if _ORDER.index(candidate) > _ORDER.index(level):
            level = candidate
    return level


@dataclass(frozen=True)
class PageBox:
    """Where a page is drawn: the visible box in default user space, and its rotation.

    A renderer shows the crop box (clipped to the media box) turned by ``rotate``; with
    these a rectangle in PDF coordinates becomes a box of pixels in the page's image.
    """

    box: tuple[float, float, float, float]
    """The crop box clipped to the media box, ``(x0, y0, x1, y1)`` normalised."""
    rotate: int = 0
    """/Rotate, one of 0, 90, 180, 270 (clockwise, as ISO 32000-2 defines it)."""
    user_unit: float = 1.0
    """/UserUnit: the size of a unit of user space, in 1/72 inch."""


@dataclass(frozen=True)
class FieldRegion:
    """A widget rectangle on a page, in PDF default user space (points)."""

    page: int
    """1-based page number."""
    rect: tuple[float, float, float, float]
    """``(x0, y0, x1, y1)``, normalised so that x0 ≤ x1 and y0 ≤ y1."""
    field: str
    """The fully qualified field name."""
    object_id: int | None = None
    """The widget's object number in the latest revision, if indirect."""
    page_box: PageBox | None = None
    """The page's geometry in the latest revision (None: the US Letter default)."""
    shows: str | None = None
    """The text the widget's appearance must show after the change: a text field's new
    /V, a combo box's selected option as displayed; None for other fields (check
    boxes, signatures, password fields)."""
    among_options: bool = False
    """True for a list box: its appearance shows all options, the selected one among
    them, so :attr:`shows` must appear in the text, not be all of it."""


@dataclass(frozen=True)
class ObjectChange:
    """One entry that differs between the signed and the latest revision."""

    kind: ChangeKind
    path: str
    """Where, from the catalog: ``/Root/AcroForm/Fields[0]/V``."""
    description: str
    """What changed, in words."""
    object_id: int | None = None
    """The object number of the changed object in the latest revision, if indirect."""
    field: str | None = None
    """The form field concerned, if any."""
    page: int | None = None
    """The 1-based page concerned, if known."""


@dataclass(frozen=True)
class RevisionChanges:
    """esig's analysis of everything after one signed revision."""

    changes: tuple[ObjectChange, ...] = ()
    changed_fields: tuple[FieldRegion, ...] = ()
    """Widgets that legitimately show something new (filled fields, new signatures):
    the page regions where a rendering may differ from the signed one."""
    moved_widgets: tuple[FieldRegion, ...] = ()
    """Widgets whose rectangle changed (their new rectangle)."""
    complete: bool = True
    """False when the analysis stopped (unreadable object, size limit): then
    :attr:`error` says why and the changes found so far are not the whole story."""
    error: str | None = None

    @property
    def level(self) -> ModificationLevel:
        """The DocMDP level the changes need; UNKNOWN when the analysis is incomplete."""
        if not self.complete:
            return ModificationLevel.UNKNOWN
        return level_of([c.kind for c in self.changes])

    def of_kind(self, *kinds: ChangeKind) -> tuple[ObjectChange, ...]:
        """The changes of the given kinds."""
        return tuple(c for c in self.changes if c.kind in kinds)
