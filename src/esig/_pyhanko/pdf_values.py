"""Values of two PDF revisions compared by what they resolve to, and the readers it needs.

The building blocks of esig's own difference analysis (:mod:`esig._pyhanko.revision_diff`):
:class:`ValueWalk` compares two values each in its own revision (indirect references
followed, streams by their decoded data, a budget of :data:`MAX_OBJECT_VISITS`), and the
readers below list a revision's pages, annotations and form fields without ever raising on
a malformed object (:class:`AnalysisStopped` ends the analysis instead).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver

from esig._pyhanko.documents import MALFORMED
from esig.model.revision_changes import ChangeKind, FieldRegion, ObjectChange

__all__ = [
    "EMPTY_DICT",
    "MAX_DEPTH",
    "MAX_OBJECT_VISITS",
    "AnalysisStopped",
    "FormField",
    "PageEntry",
    "ValueWalk",
    "as_array",
    "as_dict",
    "as_text",
    "form_fields",
    "is_document_timestamp",
    "is_null",
    "object_id_of",
    "page_annotations",
    "page_list",
    "page_numbers",
    "resolve",
    "trailer_entry",
    "visibility_changed",
    "widget_rect",
]

MAX_OBJECT_VISITS = 500_000
"""Beyond this many compared values the analysis stops (incomplete, never a hang)."""
MAX_DEPTH = 64
"""Deepest page tree or field tree read; values nest at most four times deeper."""


class AnalysisStopped(Exception):
    """The analysis cannot go on (too large, or an object cannot be read)."""


@dataclass
class ValueWalk:
    """One comparison of two revisions: values compared so far, and what differs."""

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
            raise AnalysisStopped(f"more than {MAX_OBJECT_VISITS} values to compare")
        if depth > MAX_DEPTH * 4:
            raise AnalysisStopped("objects nested too deeply")
        pair: tuple[int, int] | None = None
        if isinstance(old, generic.IndirectObject) and isinstance(new, generic.IndirectObject):
            pair = (old.idnum, new.idnum)
            if pair == self.roots:
                return True
            known = self.equal.get(pair)
            if known is not None:
                return known
            self.equal[pair] = True  # a cycle back to this pair assumes equality
        result = self._same_resolved(resolve(old), resolve(new), depth)
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
                if not (is_null(old.get(key)) and is_null(new.get(key))):
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
                if not (is_null(old.get(key)) and is_null(new.get(key))):
                    out.append(key)
            elif not self.same(old.raw_get(key), new.raw_get(key)):
                out.append(key)
        return out


_STREAM_ENCODING = frozenset({"/Length", "/Filter", "/DecodeParms", "/DL"})
EMPTY_DICT = generic.DictionaryObject()  # type: ignore[no-untyped-call]


def resolve(value: generic.PdfObject) -> object:
    """Follow references until a direct value (a chain longer than 16 stops)."""
    seen = 0
    result: object = value
    while isinstance(result, generic.IndirectObject):
        seen += 1
        if seen > 16:
            raise AnalysisStopped("a chain of references that does not end")
        result = result.get_object()  # type: ignore[no-untyped-call]
    return result


def _stream_data(stream: generic.StreamObject) -> bytes:
    try:
        return bytes(stream.data)
    except (*MALFORMED, AssertionError, MemoryError):  # pyHanko's filters assert on bad data
        return b"\x00undecodable\x00" + bytes(stream.encoded_data)


def is_null(value: object) -> bool:
    """Whether a value is absent or PDF null."""
    return value is None or isinstance(value, generic.NullObject)


def _same_scalar(old: object, new: object) -> bool:
    if is_null(old) and is_null(new):
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


def object_id_of(value: generic.PdfObject) -> int | None:
    """The object number of a reference, None for a direct value."""
    return value.idnum if isinstance(value, generic.IndirectObject) else None


def as_dict(value: object) -> generic.DictionaryObject | None:
    """The value as a dictionary (references followed), or None."""
    resolved = resolve(value) if isinstance(value, generic.PdfObject) else value
    return resolved if isinstance(resolved, generic.DictionaryObject) else None


def as_array(value: object) -> generic.ArrayObject:
    """The value as an array (references followed); an empty array otherwise."""
    resolved = resolve(value) if isinstance(value, generic.PdfObject) else value
    return resolved if isinstance(resolved, generic.ArrayObject) else generic.ArrayObject()


def as_text(value: object) -> str:
    """The value as text (references followed); "" for a missing value."""
    resolved = resolve(value) if isinstance(value, generic.PdfObject) else value
    return str(resolved) if resolved is not None else ""


_VISIBILITY_FLAGS = 1 | 2 | 32 | 256
"""Annotation flags that hide or show a widget: Invisible, Hidden, NoView, ToggleNoView."""


def _flags(annot: generic.DictionaryObject) -> int:
    try:
        return int(resolve(annot.raw_get("/F"))) if "/F" in annot else 0  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return -1


def visibility_changed(old: generic.DictionaryObject, new: generic.DictionaryObject) -> bool:
    """Whether an annotation's /F flags hide or show it differently (unreadable flags count)."""
    before, after = _flags(old), _flags(new)
    return before < 0 or after < 0 or (before ^ after) & _VISIBILITY_FLAGS != 0


def page_annotations(page: generic.DictionaryObject) -> generic.ArrayObject:
    """A page's /Annots array (empty when it has none)."""
    return as_array(page.raw_get("/Annots")) if "/Annots" in page else as_array(None)


def widget_rect(widget: generic.DictionaryObject) -> tuple[float, float, float, float] | None:
    """An annotation's /Rect, normalised (x0, y0, x1, y1), or None when unreadable."""
    try:
        x0, y0, x1, y1 = (float(v) for v in as_array(widget.raw_get("/Rect")))
    except (KeyError, ValueError, TypeError):
        return None
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


# ---------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class PageEntry:
    """A leaf page: its number (1-based), its reference and its dictionary."""

    number: int
    raw: generic.PdfObject
    page: generic.DictionaryObject


def page_list(
    root: generic.DictionaryObject,
) -> tuple[list[PageEntry], list[generic.DictionaryObject]]:
    """The leaf pages in order, and the intermediate /Pages nodes."""
    leaves: list[PageEntry] = []
    nodes: list[generic.DictionaryObject] = []
    seen: set[int] = set()

    def visit(raw: generic.PdfObject, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise AnalysisStopped("the page tree is nested too deeply")
        ident = object_id_of(raw)
        if ident is not None:
            if ident in seen:
                raise AnalysisStopped("the page tree has a cycle")
            seen.add(ident)
        node = as_dict(raw)
        if node is None:
            return
        if "/Kids" in node and as_text(node.get("/Type")) != "/Page":
            nodes.append(node)
            kids = as_array(node.raw_get("/Kids"))
            for index in range(len(kids)):
                visit(kids.raw_get(index), depth + 1)
        else:
            leaves.append(PageEntry(len(leaves) + 1, raw, node))

    if "/Pages" in root:
        visit(root.raw_get("/Pages"), 0)
    return leaves, nodes


def page_numbers(pages: list[PageEntry]) -> dict[int, int]:
    """Annotation object number → page number (latest revision)."""
    found: dict[int, int] = {}
    for page in pages:
        annots = page_annotations(page.page)
        for index in range(len(annots)):
            ident = object_id_of(annots.raw_get(index))
            if ident is not None:
                found.setdefault(ident, page.number)
    return found


# ---------------------------------------------------------------------------- fields


@dataclass
class FormField:
    """A terminal form field by fully qualified name, with its widgets."""

    name: str
    raw: generic.PdfObject
    node: generic.DictionaryObject
    kind: str
    """/FT, inherited."""
    widgets: list[tuple[generic.PdfObject, generic.DictionaryObject]]


def form_fields(form: generic.DictionaryObject | None) -> dict[str, FormField]:
    """The terminal fields of an /AcroForm by fully qualified name."""
    found: dict[str, FormField] = {}
    if form is None or "/Fields" not in form:
        return found
    seen: set[int] = set()

    def visit(raw: generic.PdfObject, parent: str, kind: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise AnalysisStopped("the form's field tree is nested too deeply")
        ident = object_id_of(raw)
        if ident is not None:
            if ident in seen:
                return
            seen.add(ident)
        node = as_dict(raw)
        if node is None:
            return
        partial = as_text(node.get("/T")) if "/T" in node else None
        name = ".".join(p for p in (parent, partial) if p) or parent
        kind = as_text(node.get("/FT")) or kind
        kids = as_array(node.raw_get("/Kids")) if "/Kids" in node else generic.ArrayObject()
        child_fields = []
        widgets: list[tuple[generic.PdfObject, generic.DictionaryObject]] = []
        if as_text(node.get("/Subtype")) == "/Widget":
            widgets.append((raw, node))
        for index in range(len(kids)):
            kid_raw = kids.raw_get(index)
            kid = as_dict(kid_raw)
            if kid is None:
                continue
            if "/T" in kid:
                child_fields.append(kid_raw)
            else:
                widgets.append((kid_raw, kid))
        if widgets or not child_fields:
            entry = found.get(name)
            if entry is None:
                found[name] = FormField(name, raw, node, kind, widgets)
            else:
                entry.widgets.extend(widgets)
        for kid_raw in child_fields:
            visit(kid_raw, name, kind, depth + 1)

    roots = as_array(form.raw_get("/Fields"))
    for index in range(len(roots)):
        visit(roots.raw_get(index), "", "", 0)
    return found


def is_document_timestamp(node: generic.DictionaryObject) -> bool:
    """Whether a signature field holds a document timestamp (/DocTimeStamp, RFC 3161)."""
    value = as_dict(node.raw_get("/V")) if "/V" in node else None
    if value is None:
        return False
    return (
        as_text(value.get("/Type")) == "/DocTimeStamp"
        or as_text(value.get("/SubFilter")) == "/ETSI.RFC3161"
    )


def trailer_entry(resolver: HistoricalResolver, key: str) -> generic.PdfObject | None:
    """A trailer entry as seen by ``resolver``'s revision (references bound to it)."""
    raw = resolver.trailer_view.raw_get(key) if key in resolver.trailer_view else None
    if isinstance(raw, generic.IndirectObject):
        return generic.IndirectObject(raw.idnum, raw.generation, resolver)  # type: ignore[no-untyped-call]
    return raw
