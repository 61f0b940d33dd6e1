"""esig's own difference analysis: the signed revision against the latest, by value.

pyHanko's analysis (:mod:`pyhanko.sign.diff_analysis`) judges the objects a later
revision *writes*: an update that re-saves an unchanged dictionary under a new object
number, or points a page at a fresh copy of the same resources, is "other" to it. esig
judges what a change *does*: both revisions are read through pyHanko's historical
resolvers, every indirect reference is followed in its own revision, and two objects
are the same when they resolve to the same values (streams by their decoded data).
Renumbering, xref streams against tables and repeated objects then compare equal.

What differs is classified by where it is (:class:`esig.model.revision_changes.ChangeKind`):

- the catalog's /DSS and /Extensions: validation data; /Metadata and the trailer's /Info:
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
from dataclasses import dataclass, field, replace
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader

from esig._pyhanko.diff_rules import ALLOWED_ANNOTATION_TYPES
from esig._pyhanko.documents import MALFORMED
from esig._pyhanko.field_display import page_box, shown_value
from esig.model.revision_changes import ChangeKind, FieldRegion, ObjectChange, RevisionChanges

__all__ = ["MAX_OBJECT_VISITS", "revision_changes"]

MAX_OBJECT_VISITS = 500_000
"""Beyond this many compared values the analysis stops (incomplete, never a hang)."""

_MARKUP = ALLOWED_ANNOTATION_TYPES
_CATALOG_VALIDATION = frozenset({"/DSS", "/Extensions"})
_FORM_FILL_FORM_KEYS = frozenset({"/NeedAppearances", "/DR", "/DA"})
_FIELD_FILL_KEYS = frozenset({"/V", "/DA"})
_WIDGET_FILL_KEYS = frozenset({"/AP", "/AS", "/MK"})
_WIDGET_MOVE_KEYS = frozenset({"/Rect", "/F"})
_FIELD_STRUCTURE = frozenset({"/Kids", "/Parent", "/P"})
_PAGE_TREE_LINKS = frozenset({"/Kids", "/Parent", "/Count"})
_MAX_DEPTH = 64


class _Stop(Exception):
    """The analysis cannot go on (too large, or an object cannot be read)."""


@dataclass
class _Walk:
    visits: int = 0
    equal: dict[tuple[int, int], bool] = field(default_factory=dict)
    changes: list[ObjectChange] = field(default_factory=list)
    regions: list[FieldRegion] = field(default_factory=list)
    moved: list[FieldRegion] = field(default_factory=list)
    roots: tuple[int, int] | None = None
    """The catalogs' object numbers (signed, latest): a reference to the catalog (a
    signature reference's /Data) means "the document", the same in both revisions."""

    def add(
        self,
        kind: ChangeKind,
        path: str,
        description: str,
        *,
        field: str | None = None,
        page: int | None = None,
        object_id: int | None = None,
    ) -> None:
        self.changes.append(
            ObjectChange(
                kind=kind,
                path=path,
                description=description,
                field=field,
                page=page,
                object_id=object_id,
            )
        )

    # ------------------------------------------------------------------ value equality

    def same(self, old: generic.PdfObject, new: generic.PdfObject, depth: int = 0) -> bool:
        """Whether two values resolve to the same thing, each in its own revision."""
        self.visits += 1
        if self.visits > MAX_OBJECT_VISITS:
            raise _Stop(f"more than {MAX_OBJECT_VISITS} values to compare")
        if depth > _MAX_DEPTH * 4:
            raise _Stop("objects nested too deeply")
        pair: tuple[int, int] | None = None
        if isinstance(old, generic.IndirectObject) and isinstance(new, generic.IndirectObject):
            pair = (old.idnum, new.idnum)
            if pair == self.roots:
                return True
            known = self.equal.get(pair)
            if known is not None:
                return known
            self.equal[pair] = True  # a cycle back to this pair assumes equality
        result = self._same_resolved(_resolve(old), _resolve(new), depth)
        if pair is not None:
            self.equal[pair] = result
        return result

    def _same_resolved(self, old: object, new: object, depth: int) -> bool:
        if isinstance(old, generic.StreamObject) or isinstance(new, generic.StreamObject):
            if not (
                isinstance(old, generic.StreamObject) and isinstance(new, generic.StreamObject)
            ):
                return False
            return _stream_data(old) == _stream_data(new) and self._same_dicts(
                old, new, depth, skip=_STREAM_ENCODING
            )
        if isinstance(old, generic.DictionaryObject) and isinstance(new, generic.DictionaryObject):
            return self._same_dicts(old, new, depth)
        if isinstance(old, generic.ArrayObject) and isinstance(new, generic.ArrayObject):
            return len(old) == len(new) and all(
                self.same(old.raw_get(i), new.raw_get(i), depth + 1) for i in range(len(old))
            )
        return _same_scalar(old, new)

    def _same_dicts(
        self,
        old: generic.DictionaryObject,
        new: generic.DictionaryObject,
        depth: int,
        skip: frozenset[str] = frozenset(),
    ) -> bool:
        keys = (set(old) | set(new)) - skip
        for key in keys:
            if key not in old or key not in new:
                if not (_is_null(old.get(key)) and _is_null(new.get(key))):
                    return False
                continue
            if not self.same(old.raw_get(key), new.raw_get(key), depth + 1):
                return False
        return True

    def differing_keys(
        self,
        old: generic.DictionaryObject,
        new: generic.DictionaryObject,
        skip: frozenset[str] = frozenset(),
    ) -> list[str]:
        """The keys whose values differ (added and removed keys included), sorted."""
        out = []
        for key in sorted((set(old) | set(new)) - skip):
            if key not in old or key not in new:
                if not (_is_null(old.get(key)) and _is_null(new.get(key))):
                    out.append(key)
            elif not self.same(old.raw_get(key), new.raw_get(key)):
                out.append(key)
        return out


_STREAM_ENCODING = frozenset({"/Length", "/Filter", "/DecodeParms", "/DL"})
_EMPTY = generic.DictionaryObject()  # type: ignore[no-untyped-call]


def _resolve(value: generic.PdfObject) -> object:
    seen = 0
    result: object = value
    while isinstance(result, generic.IndirectObject):
        seen += 1
        if seen > 16:
            raise _Stop("a chain of references that does not end")
        result = result.get_object()  # type: ignore[no-untyped-call]
    return result


def _stream_data(stream: generic.StreamObject) -> bytes:
    try:
        return bytes(stream.data)
    except (*MALFORMED, AssertionError, MemoryError):  # pyHanko's filters assert on bad data
        return b"\x00undecodable\x00" + bytes(stream.encoded_data)


def _is_null(value: object) -> bool:
    return value is None or isinstance(value, generic.NullObject)


def _same_scalar(old: object, new: object) -> bool:
    if _is_null(old) and _is_null(new):
        return True
    if isinstance(old, generic.BooleanObject) or isinstance(new, generic.BooleanObject):
        return type(old) is type(new) and bool(old) == bool(new)
    if isinstance(old, generic.NameObject) or isinstance(new, generic.NameObject):
        return (
            isinstance(old, generic.NameObject)
            and isinstance(new, generic.NameObject)
            and (str(old) == str(new))
        )
    old_bytes = getattr(old, "original_bytes", None)
    new_bytes = getattr(new, "original_bytes", None)
    if old_bytes is not None or new_bytes is not None:
        return old_bytes is not None and old_bytes == new_bytes
    if isinstance(old, int | float) and isinstance(new, int | float):
        return float(old) == float(new)
    return type(old) is type(new) and old == new


def _object_id(value: generic.PdfObject) -> int | None:
    return value.idnum if isinstance(value, generic.IndirectObject) else None


def _dict(value: object) -> generic.DictionaryObject | None:
    resolved = _resolve(value) if isinstance(value, generic.PdfObject) else value
    return resolved if isinstance(resolved, generic.DictionaryObject) else None


def _array(value: object) -> generic.ArrayObject:
    resolved = _resolve(value) if isinstance(value, generic.PdfObject) else value
    return resolved if isinstance(resolved, generic.ArrayObject) else generic.ArrayObject()


def _text(value: object) -> str:
    resolved = _resolve(value) if isinstance(value, generic.PdfObject) else value
    return str(resolved) if resolved is not None else ""


_VISIBILITY_FLAGS = 1 | 2 | 32 | 256
"""Annotation flags that hide or show a widget: Invisible, Hidden, NoView, ToggleNoView."""


def _flags(annot: generic.DictionaryObject) -> int:
    try:
        return int(_resolve(annot.raw_get("/F"))) if "/F" in annot else 0  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return -1


def _visibility_changed(old: generic.DictionaryObject, new: generic.DictionaryObject) -> bool:
    before, after = _flags(old), _flags(new)
    return before < 0 or after < 0 or (before ^ after) & _VISIBILITY_FLAGS != 0


def _annots(page: generic.DictionaryObject) -> generic.ArrayObject:
    return _array(page.raw_get("/Annots")) if "/Annots" in page else _array(None)


def _rect(widget: generic.DictionaryObject) -> tuple[float, float, float, float] | None:
    try:
        x0, y0, x1, y1 = (float(v) for v in _array(widget.raw_get("/Rect")))
    except (KeyError, ValueError, TypeError):
        return None
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


# ---------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class _Page:
    number: int
    raw: generic.PdfObject
    page: generic.DictionaryObject


def _pages(root: generic.DictionaryObject) -> tuple[list[_Page], list[generic.DictionaryObject]]:
    """The leaf pages in order, and the intermediate /Pages nodes."""
    leaves: list[_Page] = []
    nodes: list[generic.DictionaryObject] = []
    seen: set[int] = set()

    def visit(raw: generic.PdfObject, depth: int) -> None:
        if depth > _MAX_DEPTH:
            raise _Stop("the page tree is nested too deeply")
        ident = _object_id(raw)
        if ident is not None:
            if ident in seen:
                raise _Stop("the page tree has a cycle")
            seen.add(ident)
        node = _dict(raw)
        if node is None:
            return
        if "/Kids" in node and _text(node.get("/Type")) != "/Page":
            nodes.append(node)
            kids = _array(node.raw_get("/Kids"))
            for index in range(len(kids)):
                visit(kids.raw_get(index), depth + 1)
        else:
            leaves.append(_Page(len(leaves) + 1, raw, node))

    if "/Pages" in root:
        visit(root.raw_get("/Pages"), 0)
    return leaves, nodes


def _page_of(pages: list[_Page]) -> dict[int, int]:
    """Annotation object number → page number (latest revision)."""
    found: dict[int, int] = {}
    for page in pages:
        annots = _annots(page.page)
        for index in range(len(annots)):
            ident = _object_id(annots.raw_get(index))
            if ident is not None:
                found.setdefault(ident, page.number)
    return found


# ---------------------------------------------------------------------------- fields


@dataclass
class _Field:
    name: str
    raw: generic.PdfObject
    node: generic.DictionaryObject
    kind: str
    """/FT, inherited."""
    widgets: list[tuple[generic.PdfObject, generic.DictionaryObject]]


def _fields(form: generic.DictionaryObject | None) -> dict[str, _Field]:
    found: dict[str, _Field] = {}
    if form is None or "/Fields" not in form:
        return found
    seen: set[int] = set()

    def visit(raw: generic.PdfObject, parent: str, kind: str, depth: int) -> None:
        if depth > _MAX_DEPTH:
            raise _Stop("the form's field tree is nested too deeply")
        ident = _object_id(raw)
        if ident is not None:
            if ident in seen:
                return
            seen.add(ident)
        node = _dict(raw)
        if node is None:
            return
        partial = _text(node.get("/T")) if "/T" in node else None
        name = ".".join(p for p in (parent, partial) if p) or parent
        kind = _text(node.get("/FT")) or kind
        kids = _array(node.raw_get("/Kids")) if "/Kids" in node else generic.ArrayObject()
        child_fields = []
        widgets: list[tuple[generic.PdfObject, generic.DictionaryObject]] = []
        if _text(node.get("/Subtype")) == "/Widget":
            widgets.append((raw, node))
        for index in range(len(kids)):
            kid_raw = kids.raw_get(index)
            kid = _dict(kid_raw)
            if kid is None:
                continue
            if "/T" in kid:
                child_fields.append(kid_raw)
            else:
                widgets.append((kid_raw, kid))
        if widgets or not child_fields:
            entry = found.get(name)
            if entry is None:
                found[name] = _Field(name, raw, node, kind, widgets)
            else:
                entry.widgets.extend(widgets)
        for kid_raw in child_fields:
            visit(kid_raw, name, kind, depth + 1)

    roots = _array(form.raw_get("/Fields"))
    for index in range(len(roots)):
        visit(roots.raw_get(index), "", "", 0)
    return found


def _is_document_timestamp(node: generic.DictionaryObject) -> bool:
    value = _dict(node.raw_get("/V")) if "/V" in node else None
    if value is None:
        return False
    return (
        _text(value.get("/Type")) == "/DocTimeStamp"
        or _text(value.get("/SubFilter")) == "/ETSI.RFC3161"
    )


# -------------------------------------------------------------------------- analysis


class _Analysis:
    def __init__(
        self,
        old: HistoricalResolver,
        new: HistoricalResolver,
        walk: _Walk,
        locked: Callable[[str], bool],
    ) -> None:
        self.old, self.new = old, new
        self.walk = walk
        self.locked = locked
        self.form_widgets: set[tuple[int | None, int | None]] = set()
        """(signed, latest) object numbers of the widgets of fields in both revisions."""
        self.new_pages: list[_Page] = []

    def run(self) -> None:
        # The trailer's references resolve in the latest revision: read them through
        # each revision's own resolver.
        old_root, new_root = _dict(self.old.root), _dict(self.new.root)
        self.walk.roots = (self.old.root_ref.idnum, self.new.root_ref.idnum)
        if old_root is None or new_root is None:
            raise _Stop("a revision has no document catalog")
        old_info, new_info = _trailer_entry(self.old, "/Info"), _trailer_entry(self.new, "/Info")
        if (old_info is None) != (new_info is None) or (
            old_info is not None and new_info is not None and not self.walk.same(old_info, new_info)
        ):
            self.walk.add(
                ChangeKind.METADATA, "/Info", "the document information dictionary changed"
            )
        new_pages, _ = _pages(new_root)
        self.new_pages = new_pages
        page_of = _page_of(new_pages)
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
        old_form = _dict(old_root.raw_get("/AcroForm")) if "/AcroForm" in old_root else None
        new_form = _dict(new_root.raw_get("/AcroForm")) if "/AcroForm" in new_root else None
        if old_form is not None and new_form is None:
            self.walk.add(ChangeKind.OTHER, "/Root/AcroForm", "the form was removed")
            return set()
        if new_form is None:
            return set()
        for key in self.walk.differing_keys(
            old_form or _EMPTY, new_form, skip=frozenset({"/Fields"})
        ):
            path = f"/Root/AcroForm{key}"
            if key in _FORM_FILL_FORM_KEYS:
                self.walk.add(ChangeKind.FORM_FILLING, path, f"the form's {key} was updated")
            elif key == "/SigFlags":
                self.walk.add(ChangeKind.SIGNATURE, path, "the form's signature flags were set")
            else:
                self.walk.add(ChangeKind.OTHER, path, f"the form's {key} changed")
        old_fields, new_fields = _fields(old_form), _fields(new_form)
        self.form_widgets = {
            (_object_id(old_raw), _object_id(new_raw))
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

    def field(self, old: _Field, new: _Field, page_of: dict[int, int]) -> None:
        walk, name = self.walk, new.name
        pages = [page_of.get(_object_id(raw) or -1) for raw, _ in new.widgets]
        page = next((p for p in pages if p is not None), None)
        where: dict[str, Any] = {"field": name, "object_id": _object_id(new.raw), "page": page}
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
                if "/V" in old.node and not _is_null(old.node.get("/V")):
                    walk.add(
                        ChangeKind.OTHER, path, f"the signature in {name!r} was replaced", **where
                    )
                else:
                    kind = (
                        ChangeKind.DOCUMENT_TIMESTAMP
                        if _is_document_timestamp(new.node)
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
        page = page_of.get(_object_id(new_raw) or -1)
        where: dict[str, Any] = {"field": name, "object_id": _object_id(new_raw), "page": page}
        skip = _FIELD_STRUCTURE
        if "/T" in new or "/FT" in new:  # a field merged with its widget: field keys judged above
            skip = skip | (
                (frozenset(old) | frozenset(new)) - _WIDGET_FILL_KEYS - _WIDGET_MOVE_KEYS
            )
        keys = walk.differing_keys(old, new, skip=skip)
        rect = _rect(new)
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
            elif key == "/F" and (signed or not _visibility_changed(old, new)):
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
                    object_id=_object_id(new_raw),
                    shows=shows[0],
                    among_options=shows[1],
                )
            )

    def new_field(self, new: _Field, page_of: dict[int, int]) -> set[int]:
        """Judge a field that the signed revision does not have; its widgets' numbers."""
        widgets = {_object_id(raw) for raw, _ in new.widgets} - {None}
        page = next((page_of[w] for w in widgets if w is not None and w in page_of), None)
        where: dict[str, Any] = {"field": new.name, "object_id": _object_id(new.raw), "page": page}
        if new.kind != "/Sig":
            self.walk.add(
                ChangeKind.OTHER,
                f"field {new.name}",
                f"a new {new.kind or 'untyped'} field {new.name!r} was added",
                **where,
            )
            return set()
        timestamp = _is_document_timestamp(new.node)
        kind = ChangeKind.DOCUMENT_TIMESTAMP if timestamp else ChangeKind.SIGNATURE
        what = "a document timestamp" if timestamp else "a signature field"
        self.walk.add(kind, f"field {new.name}", f"{what} {new.name!r} was added", **where)
        for raw, widget in new.widgets:
            rect, number = _rect(widget), page_of.get(_object_id(raw) or -1)
            if rect is not None and number is not None and rect[2] > rect[0] and rect[3] > rect[1]:
                self.walk.regions.append(
                    FieldRegion(page=number, rect=rect, field=new.name, object_id=_object_id(raw))
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
        old_pages, old_nodes = _pages(old_root)
        new_pages, new_nodes = _pages(new_root)
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
            where: dict[str, Any] = {"page": number, "object_id": _object_id(new_page.raw)}
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
        self, old_page: _Page, new_page: _Page, new_signature_widgets: set[int]
    ) -> None:
        walk, number = self.walk, new_page.number
        old, new = _annots(old_page.page), _annots(new_page.page)
        kept = {_object_id(new.raw_get(i)) for i in range(len(new))}
        gone = [i for i in range(len(old)) if _object_id(old.raw_get(i)) not in kept]
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
            old_annot, new_annot = _dict(old_raw), _dict(new_raw)
            if old_annot is None or new_annot is None:
                if not walk.same(old_raw, new_raw):
                    walk.add(
                        ChangeKind.OTHER,
                        f"page {number} /Annots[{index}]",
                        f"annotation {index + 1} of page {number} changed",
                        page=number,
                    )
                continue
            pair = (_object_id(old_raw), _object_id(new_raw))
            if pair in self.form_widgets and None not in pair:
                continue  # a widget of a form field: judged with its field
            if not walk.same(old_raw, new_raw):
                walk.add(
                    ChangeKind.OTHER,
                    f"page {number} /Annots[{index}]",
                    f"the {_text(new_annot.get('/Subtype')).lstrip('/') or 'untyped'} annotation "
                    f"{index + 1} of page {number}, present when signed, changed",
                    page=number,
                    object_id=_object_id(new_raw),
                )
        for index in range(len(old), len(new)):
            raw = new.raw_get(index)
            annot = _dict(raw)
            subtype = _text(annot.get("/Subtype")) if annot is not None else ""
            where: dict[str, Any] = {"page": number, "object_id": _object_id(raw)}
            path = f"page {number} /Annots[{index}]"
            if subtype == "/Widget" and _object_id(raw) in new_signature_widgets:
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


def _trailer_entry(resolver: HistoricalResolver, key: str) -> generic.PdfObject | None:
    raw = resolver.trailer_view.raw_get(key) if key in resolver.trailer_view else None
    if isinstance(raw, generic.IndirectObject):
        return generic.IndirectObject(raw.idnum, raw.generation, resolver)  # type: ignore[no-untyped-call]
    return raw


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
    walk = _Walk()
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
    except _Stop as exc:
        return _incomplete(walk, str(exc))
    except (*MALFORMED, AssertionError, RecursionError, MemoryError) as exc:
        return _incomplete(walk, f"an object cannot be read ({type(exc).__name__}: {exc})")
    return RevisionChanges(
        changes=tuple(walk.changes),
        changed_fields=regions,
        moved_widgets=tuple(walk.moved),
    )


def _with_page_boxes(regions: list[FieldRegion], pages: list[_Page]) -> tuple[FieldRegion, ...]:
    """The regions with their page's geometry (latest revision), read once a page."""
    boxes = {}
    for number in {r.page for r in regions}:
        if 0 < number <= len(pages):
            boxes[number] = page_box(pages[number - 1].page)
    return tuple(replace(r, page_box=boxes.get(r.page)) for r in regions)


def _incomplete(walk: _Walk, why: str) -> RevisionChanges:
    return RevisionChanges(changes=tuple(walk.changes), complete=False, error=why)
