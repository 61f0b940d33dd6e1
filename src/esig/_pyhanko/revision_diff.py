"""esig's own difference analysis: the signed revision against the latest, by value.

pyHanko's analysis (:mod:`pyhanko.sign.diff_analysis`) judges the objects a later
revision *writes*: an update that re-saves an unchanged dictionary under a new object
number, or points a page at a fresh copy of the same resources, is "other" to it. esig
judges what a change *does*: both revisions are read through pyHanko's historical
resolvers, every indirect reference is followed in its own revision, and two objects
are the same when they resolve to the same values (streams by their decoded data).
Renumbering, xref streams against tables and repeated objects then compare equal.

What differs is classified by where it is (:class:`esig.model.revision_changes.ChangeKind`):

- the catalog's /DSS and /Extensions: validation data; /Metadata, the trailer's /Info and
  a /Version that raises the PDF version (as pyHanko writes for a later ECDSA signer):
  metadata; /AcroForm and the pages: below; anything else in the catalog: other;
- form fields, matched by fully qualified name: a field's /V (and /I with it), /DA, and
  its widgets' /AP, /AS, /MK: form filling; an empty signature field's /V: a signature;
  a filled signature's /V replaced: other; a widget's /Rect or /F: a moved widget; new
  signature fields: a signature or a document timestamp; other new fields and removed
  fields: other; the form's /NeedAppearances, /DR, /DA: form filling, /SigFlags: a
  signature;
- pages, matched in order: anything but /Annots: other (the page tree's own nodes too);
  /Annots must keep the signed annotations, in order; appended widgets of new signature
  fields belong to those; appended markup annotations without actions: annotations;
  anything else appended, and any change to an annotation that is not a widget: other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader

from esig._pyhanko.diff_rules import ALLOWED_ANNOTATION_TYPES
from esig._pyhanko.documents import MALFORMED
from esig._pyhanko.field_display import page_box, shown_value
from esig._pyhanko.pdf_values import (
    EMPTY_DICT,
    MAX_OBJECT_VISITS,
    AnalysisStopped,
    FormField,
    PageEntry,
    ValueWalk,
    as_dict,
    as_text,
    form_fields,
    is_document_timestamp,
    is_null,
    object_id_of,
    page_annotations,
    page_list,
    page_numbers,
    trailer_entry,
    visibility_changed,
    widget_rect,
)
from esig.model.revision_changes import ChangeKind, FieldRegion, RevisionChanges

__all__ = ["MAX_OBJECT_VISITS", "revision_changes"]


_MARKUP = ALLOWED_ANNOTATION_TYPES
_CATALOG_VALIDATION = frozenset({"/DSS", "/Extensions"})
_FORM_FILL_FORM_KEYS = frozenset({"/NeedAppearances", "/DR", "/DA"})
_FIELD_FILL_KEYS = frozenset({"/V", "/DA"})
_WIDGET_FILL_KEYS = frozenset({"/AP", "/AS", "/MK"})
_WIDGET_MOVE_KEYS = frozenset({"/Rect", "/F"})
_FIELD_STRUCTURE = frozenset({"/Kids", "/Parent", "/P"})
_PAGE_TREE_LINKS = frozenset({"/Kids", "/Parent", "/Count"})


_PDF_VERSIONS = ("/1.0", "/1.1", "/1.2", "/1.3", "/1.4", "/1.5", "/1.6", "/1.7", "/2.0")


def _version_raised(before: object, after: object) -> bool:
    """Whether a catalog /Version moved to a later PDF version.

    From none, only to 1.7 or 2.0 (what pyHanko writes for PAdES and for ISO 32002
    curves); from a version, to any later one.
    """
    if after not in _PDF_VERSIONS:
        return False
    later = _PDF_VERSIONS.index(str(after))
    if before is None:
        return later >= _PDF_VERSIONS.index("/1.7")
    return before in _PDF_VERSIONS and later > _PDF_VERSIONS.index(str(before))


# -------------------------------------------------------------------------- analysis


class _Analysis:
    def __init__(
        self,
        old: HistoricalResolver,
        new: HistoricalResolver,
        walk: ValueWalk,
        locked: Callable[[str], bool],
    ) -> None:
        self.old, self.new = old, new
        self.walk = walk
        self.locked = locked
        self.form_widgets: set[tuple[int | None, int | None]] = set()
        """(signed, latest) object numbers of the widgets of fields in both revisions."""
        self.new_pages: list[PageEntry] = []

    def run(self) -> None:
        # The trailer's references resolve in the latest revision: read them through
        # each revision's own resolver.
        old_root, new_root = as_dict(self.old.root), as_dict(self.new.root)
        self.walk.roots = (self.old.root_ref.idnum, self.new.root_ref.idnum)
        if old_root is None or new_root is None:
            raise AnalysisStopped("a revision has no document catalog")
        old_info, new_info = trailer_entry(self.old, "/Info"), trailer_entry(self.new, "/Info")
        if (old_info is None) != (new_info is None) or (
            old_info is not None and new_info is not None and not self.walk.same(old_info, new_info)
        ):
            self.walk.add(
                ChangeKind.METADATA, "/Info", "the document information dictionary changed"
            )
        new_pages, _ = page_list(new_root)
        self.new_pages = new_pages
        page_of = page_numbers(new_pages)
        new_signature_widgets = self.form(old_root, new_root, page_of)
        self.pages(old_root, new_root, new_signature_widgets)
        self.catalog(old_root, new_root)

    def catalog(self, old: generic.DictionaryObject, new: generic.DictionaryObject) -> None:
        for key in self.walk.differing_keys(old, new, skip=frozenset({"/AcroForm", "/Pages"})):
            path = f"/Root{key}"
            if key in _CATALOG_VALIDATION:
                self.walk.add(ChangeKind.VALIDATION_DATA, path, f"the catalog's {key} was updated")
            elif key == "/Metadata":
                self.walk.add(ChangeKind.METADATA, path, "the XMP metadata stream changed")
            elif key == "/Version" and _version_raised(old.get(key), new.get(key)):
                # pyHanko raises it to 2.0 when a later signer uses an ISO 32002 curve
                self.walk.add(ChangeKind.METADATA, path, "the catalog's /Version was raised")
            else:
                verb = "added" if key not in old else "removed" if key not in new else "changed"
                self.walk.add(
                    ChangeKind.OTHER, path, f"the catalog's {key} was {verb}", object_id=None
                )

    # -------------------------------------------------------------------- form fields

    def form(
        self,
        old_root: generic.DictionaryObject,
        new_root: generic.DictionaryObject,
        page_of: dict[int, int],
    ) -> set[int]:
        old_form = as_dict(old_root.raw_get("/AcroForm")) if "/AcroForm" in old_root else None
        new_form = as_dict(new_root.raw_get("/AcroForm")) if "/AcroForm" in new_root else None
        if old_form is not None and new_form is None:
            self.walk.add(ChangeKind.OTHER, "/Root/AcroForm", "the form was removed")
            return set()
        if new_form is None:
            return set()
        for key in self.walk.differing_keys(
            old_form or EMPTY_DICT, new_form, skip=frozenset({"/Fields"})
        ):
            path = f"/Root/AcroForm{key}"
            if key in _FORM_FILL_FORM_KEYS:
                self.walk.add(ChangeKind.FORM_FILLING, path, f"the form's {key} was updated")
            elif key == "/SigFlags":
                self.walk.add(ChangeKind.SIGNATURE, path, "the form's signature flags were set")
            else:
                self.walk.add(ChangeKind.OTHER, path, f"the form's {key} changed")
        old_fields, new_fields = form_fields(old_form), form_fields(new_form)
        self.form_widgets = {
            (object_id_of(old_raw), object_id_of(new_raw))
            for name, old_field in old_fields.items()
            if name in new_fields
            for (old_raw, _), (new_raw, _) in zip(
                old_field.widgets, new_fields[name].widgets, strict=False
            )
        }
        for name in sorted(set(old_fields) - set(new_fields)):
            self.walk.add(
                ChangeKind.OTHER, f"field {name}", f"the field {name!r} was removed", field=name
            )
        for name, old_field in old_fields.items():
            if name in new_fields:
                self.field(old_field, new_fields[name], page_of)
        created: set[int] = set()
        for name in sorted(set(new_fields) - set(old_fields)):
            created |= self.new_field(new_fields[name], page_of)
        return created

    def field(self, old: FormField, new: FormField, page_of: dict[int, int]) -> None:
        walk, name = self.walk, new.name
        pages = [page_of.get(object_id_of(raw) or -1) for raw, _ in new.widgets]
        page = next((p for p in pages if p is not None), None)
        where: dict[str, Any] = {"field": name, "object_id": object_id_of(new.raw), "page": page}
        widget_keys = (
            _WIDGET_FILL_KEYS | _WIDGET_MOVE_KEYS
            if old.widgets and old.widgets[0][1] is old.node
            else frozenset()
        )
        keys = walk.differing_keys(old.node, new.node, skip=_FIELD_STRUCTURE | widget_keys)
        value_changed = "/V" in keys
        filled = False
        for key in keys:
            path = f"field {name} {key}"
            if (key in _FIELD_FILL_KEYS or key == "/I") and self.locked(name):
                walk.add(
                    ChangeKind.OTHER,
                    path,
                    f"the field {name!r}, locked by the signature (FieldMDP), was changed ({key})",
                    **where,
                )
            elif key == "/V" and old.kind == "/Sig":
                if "/V" in old.node and not is_null(old.node.get("/V")):
                    walk.add(
                        ChangeKind.OTHER, path, f"the signature in {name!r} was replaced", **where
                    )
                else:
                    kind = (
                        ChangeKind.DOCUMENT_TIMESTAMP
                        if is_document_timestamp(new.node)
                        else ChangeKind.SIGNATURE
                    )
                    walk.add(kind, path, f"the empty signature field {name!r} was signed", **where)
                    filled = True
            elif key in _FIELD_FILL_KEYS or (key == "/I" and value_changed):
                walk.add(
                    ChangeKind.FORM_FILLING, path, f"the field {name!r} was filled ({key})", **where
                )
                filled = True
            elif key == "/Lock" and old.kind == "/Sig" and "/V" in keys:
                walk.add(
                    ChangeKind.SIGNATURE,
                    path,
                    f"the signature field {name!r} got its lock",
                    **where,
                )
            else:
                walk.add(ChangeKind.OTHER, path, f"the field {name!r} changed its {key}", **where)
        if len(old.widgets) != len(new.widgets):
            walk.add(
                ChangeKind.OTHER, f"field {name}", f"the field {name!r} has other widgets", **where
            )
            return
        shows = shown_value(new.node, new.kind) if new.kind != "/Sig" else (None, False)
        for (_, old_widget), (new_raw, new_widget) in zip(old.widgets, new.widgets, strict=True):
            self.widget(
                name,
                old_widget,
                (new_raw, new_widget),
                page_of,
                filled=filled,
                signed=filled and old.kind == "/Sig",
                shows=shows,
            )

    def widget(
        self,
        name: str,
        old: generic.DictionaryObject,
        latest: tuple[generic.PdfObject, generic.DictionaryObject],
        page_of: dict[int, int],
        *,
        filled: bool,
        signed: bool = False,
        shows: tuple[str | None, bool] = (None, False),
    ) -> None:
        new_raw, new = latest
        walk = self.walk
        page = page_of.get(object_id_of(new_raw) or -1)
        where: dict[str, Any] = {"field": name, "object_id": object_id_of(new_raw), "page": page}
        skip = _FIELD_STRUCTURE
        if "/T" in new or "/FT" in new:  # a field merged with its widget: field keys judged above
            skip = skip | (
                (frozenset(old) | frozenset(new)) - _WIDGET_FILL_KEYS - _WIDGET_MOVE_KEYS
            )
        keys = walk.differing_keys(old, new, skip=skip)
        rect = widget_rect(new)
        shows_new = filled
        for key in keys:
            path = f"field {name} widget {key}"
            if key in _WIDGET_FILL_KEYS:
                walk.add(
                    ChangeKind.FORM_FILLING,
                    path,
                    f"the appearance of {name!r} was regenerated ({key})",
                    **where,
                )
                shows_new = True
            elif key == "/F" and (signed or not visibility_changed(old, new)):
                walk.add(
                    ChangeKind.SIGNATURE if signed else ChangeKind.FORM_FILLING,
                    path,
                    f"a widget of {name!r} changed flags that do not hide or show it (/F)",
                    **where,
                )
            elif key in _WIDGET_MOVE_KEYS:
                what = "rectangle" if key == "/Rect" else "visibility flags (/F)"
                walk.add(
                    ChangeKind.WIDGET_MOVED,
                    path,
                    f"a widget of {name!r} changed its {what}",
                    **where,
                )
                if rect is not None and page is not None:
                    walk.moved.append(FieldRegion(page=page, rect=rect, field=name))
            else:
                walk.add(ChangeKind.OTHER, path, f"a widget of {name!r} changed its {key}", **where)
        if shows_new and rect is not None and page is not None and "/Rect" not in keys:
            walk.regions.append(
                FieldRegion(
                    page=page,
                    rect=rect,
                    field=name,
                    object_id=object_id_of(new_raw),
                    shows=shows[0],
                    among_options=shows[1],
                )
            )

    def new_field(self, new: FormField, page_of: dict[int, int]) -> set[int]:
        """Judge a field that the signed revision does not have; its widgets' numbers."""
        widgets = {object_id_of(raw) for raw, _ in new.widgets} - {None}
        page = next((page_of[w] for w in widgets if w is not None and w in page_of), None)
        where: dict[str, Any] = {
            "field": new.name,
            "object_id": object_id_of(new.raw),
            "page": page,
        }
        if new.kind != "/Sig":
            self.walk.add(
                ChangeKind.OTHER,
                f"field {new.name}",
                f"a new {new.kind or 'untyped'} field {new.name!r} was added",
                **where,
            )
            return set()
        timestamp = is_document_timestamp(new.node)
        kind = ChangeKind.DOCUMENT_TIMESTAMP if timestamp else ChangeKind.SIGNATURE
        what = "a document timestamp" if timestamp else "a signature field"
        self.walk.add(kind, f"field {new.name}", f"{what} {new.name!r} was added", **where)
        for raw, widget in new.widgets:
            rect, number = widget_rect(widget), page_of.get(object_id_of(raw) or -1)
            if rect is not None and number is not None and rect[2] > rect[0] and rect[3] > rect[1]:
                self.walk.regions.append(
                    FieldRegion(page=number, rect=rect, field=new.name, object_id=object_id_of(raw))
                )
        return {w for w in widgets if w is not None}

    # -------------------------------------------------------------------------- pages

    def pages(
        self,
        old_root: generic.DictionaryObject,
        new_root: generic.DictionaryObject,
        new_signature_widgets: set[int],
    ) -> None:
        walk = self.walk
        old_pages, old_nodes = page_list(old_root)
        new_pages, new_nodes = page_list(new_root)
        if len(old_pages) != len(new_pages):
            walk.add(
                ChangeKind.OTHER,
                "/Root/Pages",
                f"the document had {len(old_pages)} page(s) when signed and has "
                f"{len(new_pages)} now",
            )
        if len(old_nodes) == len(new_nodes):
            for old_node, new_node in zip(old_nodes, new_nodes, strict=True):
                for key in walk.differing_keys(old_node, new_node, skip=_PAGE_TREE_LINKS):
                    walk.add(
                        ChangeKind.OTHER,
                        f"/Root/Pages{key}",
                        f"the page tree's inherited {key} changed",
                    )
        for old_page, new_page in zip(old_pages, new_pages, strict=False):
            number = new_page.number
            where: dict[str, Any] = {"page": number, "object_id": object_id_of(new_page.raw)}
            for key in walk.differing_keys(
                old_page.page, new_page.page, skip=frozenset({"/Annots", "/Parent"})
            ):
                walk.add(
                    ChangeKind.OTHER,
                    f"page {number} {key}",
                    f"page {number} was changed beyond its /Annots ({key})",
                    **where,
                )
            self.annotations(old_page, new_page, new_signature_widgets)

    def annotations(
        self, old_page: PageEntry, new_page: PageEntry, new_signature_widgets: set[int]
    ) -> None:
        walk, number = self.walk, new_page.number
        old, new = page_annotations(old_page.page), page_annotations(new_page.page)
        kept = {object_id_of(new.raw_get(i)) for i in range(len(new))}
        gone = [i for i in range(len(old)) if object_id_of(old.raw_get(i)) not in kept]
        if len(new) < len(old) or (gone and None not in kept):
            walk.add(
                ChangeKind.OTHER,
                f"page {number} /Annots",
                f"{len(gone) or len(old) - len(new)} annotation(s) of page {number} present "
                "when the document was signed were removed",
                page=number,
            )
            return
        for index in range(len(old)):
            old_raw, new_raw = old.raw_get(index), new.raw_get(index)
            old_annot, new_annot = as_dict(old_raw), as_dict(new_raw)
            if old_annot is None or new_annot is None:
                if not walk.same(old_raw, new_raw):
                    walk.add(
                        ChangeKind.OTHER,
                        f"page {number} /Annots[{index}]",
                        f"annotation {index + 1} of page {number} changed",
                        page=number,
                    )
                continue
            pair = (object_id_of(old_raw), object_id_of(new_raw))
            if pair in self.form_widgets and None not in pair:
                continue  # a widget of a form field: judged with its field
            if not walk.same(old_raw, new_raw):
                walk.add(
                    ChangeKind.OTHER,
                    f"page {number} /Annots[{index}]",
                    f"the {as_text(new_annot.get('/Subtype')).lstrip('/') or 'untyped'} annotation "
                    f"{index + 1} of page {number}, present when signed, changed",
                    page=number,
                    object_id=object_id_of(new_raw),
                )
        for index in range(len(old), len(new)):
            raw = new.raw_get(index)
            annot = as_dict(raw)
            subtype = as_text(annot.get("/Subtype")) if annot is not None else ""
            where: dict[str, Any] = {"page": number, "object_id": object_id_of(raw)}
            path = f"page {number} /Annots[{index}]"
            if subtype == "/Widget" and object_id_of(raw) in new_signature_widgets:
                continue
            if (
                annot is not None
                and subtype in _MARKUP
                and "/A" not in annot
                and "/AA" not in annot
            ):
                walk.add(
                    ChangeKind.ANNOTATION,
                    path,
                    f"annotation added: {subtype[1:]} on page {number}",
                    **where,
                )
            else:
                actions = [k for k in ("/A", "/AA") if annot is not None and k in annot]
                carries = f", with an action ({', '.join(actions)})" if actions else ""
                walk.add(
                    ChangeKind.OTHER,
                    path,
                    f"annotation added: {subtype[1:] or 'untyped'} on page {number}{carries}",
                    **where,
                )


def revision_changes(
    reader: PdfFileReader,
    signed_revision: int,
    locked: Callable[[str], bool] = lambda _name: False,
) -> RevisionChanges:
    """Compare ``signed_revision`` (0-based) with the latest revision of ``reader``.

    ``locked`` says which fields the signature locks (its FieldMDP): filling one of them
    is no form filling but an "other" change. Never raises on a document's content: an
    analysis that cannot finish comes back incomplete, with the reason.
    """
    walk = ValueWalk()
    try:
        last = reader.xrefs.total_revisions - 1
        if signed_revision >= last:
            return RevisionChanges()
        analysis = _Analysis(
            reader.get_historical_resolver(signed_revision),
            reader.get_historical_resolver(last),
            walk,
            locked,
        )
        analysis.run()
        regions = _with_page_boxes(walk.regions, analysis.new_pages)
    except AnalysisStopped as exc:
        return _incomplete(walk, str(exc))
    except (*MALFORMED, AssertionError, RecursionError, MemoryError) as exc:
        return _incomplete(walk, f"an object cannot be read ({type(exc).__name__}: {exc})")
    return RevisionChanges(
        changes=tuple(walk.changes),
        changed_fields=regions,
        moved_widgets=tuple(walk.moved),
    )


def _with_page_boxes(regions: list[FieldRegion], pages: list[PageEntry]) -> tuple[FieldRegion, ...]:
    """The regions with their page's geometry (latest revision), read once a page."""
    boxes = {}
    for number in {r.page for r in regions}:
        if 0 < number <= len(pages):
            boxes[number] = page_box(pages[number - 1].page)
    return tuple(replace(r, page_box=boxes.get(r.page)) for r in regions)


def _incomplete(walk: ValueWalk, why: str) -> RevisionChanges:
    return RevisionChanges(changes=tuple(walk.changes), complete=False, error=why)
