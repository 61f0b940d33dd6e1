"""esig's difference policy: pyHanko's default rules plus annotations (DocMDP P=3).

pyHanko 0.38 does not classify annotation changes: a comment added after signing counts
as "other", which fails even a certification that permits annotations (ISO 32000-2,
12.8.2.2.2, table 257: P=3 permits "the same as for 2, as well as annotation creation,
deletion and modification"). :class:`MarkupAnnotationRule` clears such changes at
``ModificationLevel.ANNOTATIONS``; pyHanko then compares that level with the DocMDP
permission of the signature, so P=1 and P=2 still fail the same comment.

What the rule clears, and only that (the rest stays "unexplained" and fails):

- a new annotation object (one that did not exist in the signed revision) of a markup
  type (ISO 32000-2, 12.5.6.2, table 171) or a Popup, without an action (/A) or
  additional actions (/AA), appended to a page's /Annots, with the new objects it
  uses (appearance streams, popups, fonts of the appearance);
- a page dictionary whose only change is its /Annots entry, and an /Annots array
  whose only change is such additions (or the removal of annotations that were
  themselves added after signing); the annotations present when the document was
  signed must stay, in the same order.

Deliberately not cleared, although the text of P=3 could be read to allow them:

- annotations present in the signed revision, changed or deleted: the signer saw and
  signed them (a stamp, a note, a link) — the conservative reading;
- Link annotations (they carry actions or destinations, not comments), Widgets (form
  fields, judged by pyHanko's form rules), Redact (it marks signed content for removal
  and may show overlay text in its place), Sound (deprecated in PDF 2.0), Screen,
  Movie, 3D, RichMedia, PrinterMark, TrapNet, Watermark, Projection;
- any object that the signed revision already refers to, even when it was undefined
  then: a later definition would change what the signed revision shows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader, RawPdfPath
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    DiffResult,
    ModificationLevel,
    QualifiedWhitelistRule,
    ReferenceUpdate,
    StandardDiffPolicy,
    SuspiciousModification,
)
from pyhanko.sign.diff_analysis.rules_api import RelativeContext
from pyhanko.sign.fields import FieldMDPSpec, MDPPerm

__all__ = [
    "ALLOWED_ANNOTATION_TYPES",
    "ESIG_DIFF_POLICY",
    "AddedAnnotation",
    "MarkupAnnotationRule",
    "annotations_added_after",
]

logger = logging.getLogger(__name__)

ALLOWED_ANNOTATION_TYPES = frozenset(
    {
        "/Text",
        "/FreeText",
        "/Line",
        "/Square",
        "/Circle",
        "/Polygon",
        "/PolyLine",
        "/Highlight",
        "/Underline",
        "/Squiggly",
        "/StrikeOut",
        "/Caret",
        "/Ink",
        "/Stamp",
        "/FileAttachment",
        "/Popup",
    }
)
"""The annotation subtypes a later revision may add under DocMDP P=3 (and after an
approval signature): the markup annotations of ISO 32000-2 table 171 less Redact,
Sound and Projection, plus Popup (the window that shows a markup annotation's text)."""

_FORBIDDEN_KEYS = ("/A", "/AA")
"""Actions: a comment has none; a link or a script is not a comment."""

_MAX_PAGE_DEPTH = 64


class _NotAnnotationChange(Exception):
    """The change on this page is not (only) the addition of allowed annotations."""


def _refs(value: generic.PdfObject) -> list[generic.Reference]:
    """The references of an /Annots array; direct entries make it unanalysable."""
    array = value.get_object()  # type: ignore[no-untyped-call]
    if not isinstance(array, generic.ArrayObject):
        raise _NotAnnotationChange("/Annots is not an array")
    refs = []
    for item in array:
        if not isinstance(item, generic.IndirectObject):
            raise _NotAnnotationChange("/Annots holds a direct object")
        refs.append(item.reference)
    return refs


def _page_annots(page: generic.DictionaryObject) -> tuple[list[generic.Reference], object]:
    try:
        raw = page.raw_get("/Annots")
    except KeyError:
        return [], None
    ref = raw.reference if isinstance(raw, generic.IndirectObject) else None
    return _refs(raw), ref


def _page_pairs(
    old_node: generic.DictionaryObject,
    new_node: generic.DictionaryObject,
    depth: int = 0,
) -> Iterator[generic.Reference]:
    """The reference of each page, when the page tree kept its shape."""
    if depth > _MAX_PAGE_DEPTH:
        raise _NotAnnotationChange("the page tree is too deep")
    old_kids = _refs(old_node["/Kids"])
    new_kids = _refs(new_node["/Kids"])
    if old_kids != new_kids:
        raise _NotAnnotationChange("the page tree changed")
    for ref in old_kids:
        old_kid = ref.get_object()  # resolved in the old revision
        new_kid = new_node["/Kids"].get_object()[old_kids.index(ref)].get_object()
        if not isinstance(old_kid, generic.DictionaryObject) or not isinstance(
            new_kid, generic.DictionaryObject
        ):
            raise _NotAnnotationChange("a page tree node is not a dictionary")
        if old_kid.get("/Type") == "/Pages":
            yield from _page_pairs(old_kid, new_kid, depth + 1)
        else:
            yield ref


def _subtype(annot: generic.PdfObject) -> str:
    if not isinstance(annot, generic.DictionaryObject) or isinstance(annot, generic.StreamObject):
        return ""
    return str(annot.get("/Subtype", ""))


def _check_added(
    old: HistoricalResolver, ref: generic.Reference, annot: generic.PdfObject, page_no: int
) -> str:
    """The subtype of an added annotation; raise when esig does not allow it."""
    subtype = _subtype(annot)
    where = f"annotation {ref.idnum} {ref.generation} R on page {page_no}"
    if subtype not in ALLOWED_ANNOTATION_TYPES:
        kind = subtype.lstrip("/") or "not an annotation dictionary"
        raise SuspiciousModification(
            f"The {where} ({kind}) was added after signing; only comments and markup "
            "(ISO 32000-2 table 171, without Redact or Sound) may be added."
        )
    assert isinstance(annot, generic.DictionaryObject)
    for key in _FORBIDDEN_KEYS:
        if key in annot:
            raise SuspiciousModification(
                f"The {where} ({subtype.lstrip('/')}) was added after signing with an "
                f"action ({key}); an annotation that runs an action is not a comment."
            )
    if not old.is_ref_unassignable(ref):
        raise SuspiciousModification(
            f"The {where} reuses object number {ref.idnum} of the signed revision."
        )
    return subtype


class MarkupAnnotationRule(QualifiedWhitelistRule):
    """Clear markup annotations added after signing, at ``ModificationLevel.ANNOTATIONS``.

    Pages that gain a widget are left to pyHanko's form rules. Every new object is
    cleared in a context anchored on the new annotation, so an object that the signed
    revision already used (a reference that was dangling when signed) stays unexplained.
    """

    def apply_qualified(
        self, old: HistoricalResolver, new: HistoricalResolver
    ) -> Iterable[tuple[ModificationLevel, ReferenceUpdate]]:
        """Yield the references this revision changed to add allowed annotations."""
        try:
            pairs = list(_page_pairs(old.root["/Pages"], new.root["/Pages"]))
        except (_NotAnnotationChange, KeyError, TypeError, PdfError):
            return
        for page_no, page_ref in enumerate(pairs, start=1):
            try:
                yield from self._page(old, new, page_ref, page_no)
            except (_NotAnnotationChange, KeyError, TypeError, PdfError) as exc:
                logger.debug("page %d: no annotation change cleared: %s", page_no, exc)

    def _page(
        self,
        old: HistoricalResolver,
        new: HistoricalResolver,
        page_ref: generic.Reference,
        page_no: int,
    ) -> Iterator[tuple[ModificationLevel, ReferenceUpdate]]:
        old_page = old(page_ref)
        new_page = new(page_ref)
        if not isinstance(old_page, generic.DictionaryObject) or not isinstance(
            new_page, generic.DictionaryObject
        ):
            return
        old_annots, old_annots_ref = _page_annots(old_page)
        new_annots, new_annots_ref = _page_annots(new_page)
        if old_annots == new_annots:
            return
        kept = [r for r in new_annots if r in set(old_annots)]
        if kept != old_annots:
            missing = [r for r in old_annots if r not in set(new_annots)]
            what = (
                f"annotation(s) {', '.join(f'{r.idnum} {r.generation} R' for r in missing)} "
                "present when the document was signed were removed"
                if missing
                else "the annotations present when the document was signed were reordered"
            )
            raise SuspiciousModification(f"On page {page_no}, {what}.")
        added = [r for r in new_annots if r not in set(old_annots)]
        annots = {r: new(r) for r in added}
        if any(_subtype(a) == "/Widget" for a in annots.values()):
            return  # a form field's widget: pyHanko's form rules judge this page
        for ref, annot in annots.items():
            _check_added(old, ref, annot, page_no)
        if set(new_page.keys()) - {"/Annots"} != set(old_page.keys()) - {"/Annots"} or any(
            new_page.raw_get(k) != old_page.raw_get(k) for k in old_page if k != "/Annots"
        ):
            raise SuspiciousModification(
                f"The dictionary of page {page_no} was changed beyond its /Annots entry."
            )
        level = ModificationLevel.ANNOTATIONS
        # Pages are referred to from many places (/Kids, annotations' /P, the structure
        # tree); the dictionary was compared key by key above, so approve it everywhere,
        # as pyHanko's own rule for signature widgets does.
        yield level, ReferenceUpdate(page_ref)
        if new_annots_ref is not None:
            assert isinstance(new_annots_ref, generic.Reference)
            if new_annots_ref != old_annots_ref and not old.is_ref_unassignable(new_annots_ref):
                raise SuspiciousModification(
                    f"The /Annots array of page {page_no} reuses object "
                    f"{new_annots_ref.idnum} of the signed revision."
                )
            yield (
                level,
                ReferenceUpdate(new_annots_ref, RelativeContext(page_ref, RawPdfPath("/Annots"))),
            )
        since = old.revision + 1
        for ref in added:
            context = RelativeContext(ref, RawPdfPath())
            # the annotation (new, checked above) and the new objects it uses; the
            # scan does not enter objects of the signed revision
            deps = {ref} | new.collect_dependencies(new(ref), since_revision=since)
            for dep in sorted(deps, key=lambda r: (r.idnum, r.generation)):
                yield level, ReferenceUpdate(dep, context)


class _EsigDiffPolicy(StandardDiffPolicy):
    """pyHanko's standard policy, without its warning for DocMDP P=3.

    pyHanko warns that its policy "was not designed" for P=3 because it has no
    annotation rule; esig's policy has one. The form rule only asks whether a DocMDP
    permission is in force, so P=3 is passed on as P=2 to the form rule's check: the
    level found is compared with the real permission afterwards, by pyHanko.
    """

    def apply(
        self,
        old: HistoricalResolver,
        new: HistoricalResolver,
        field_mdp_spec: FieldMDPSpec | None = None,
        doc_mdp: MDPPerm | None = None,
    ) -> DiffResult:
        if doc_mdp is MDPPerm.ANNOTATE:
            doc_mdp = MDPPerm.FILL_FORMS
        return super().apply(old, new, field_mdp_spec=field_mdp_spec, doc_mdp=doc_mdp)


ESIG_DIFF_POLICY = _EsigDiffPolicy(
    global_rules=[*DEFAULT_DIFF_POLICY.global_rules, MarkupAnnotationRule()],
    form_rule=DEFAULT_DIFF_POLICY.form_rule,
)
"""The policy esig validates with: pyHanko's defaults plus :class:`MarkupAnnotationRule`."""


@dataclass(frozen=True)
class AddedAnnotation:
    """An annotation on a page of the latest revision that the signed revision lacks."""

    subtype: str
    """The annotation's /Subtype without the slash (``Text``, ``FreeText``, ...)."""
    page: int
    """1-based page number."""


def annotations_added_after(stream: BinaryIO, signed_revision: int) -> tuple[AddedAnnotation, ...]:
    """The non-widget annotations of the latest revision absent from ``signed_revision``.

    ``signed_revision`` is 1-based (1 = the original file). Returns ``()`` when the file
    cannot be read or its page tree changed shape.
    """
    try:
        reader = PdfFileReader(stream, strict=False)
        old = reader.get_historical_resolver(signed_revision - 1)
        new = reader.get_historical_resolver(reader.xrefs.total_revisions - 1)
        pairs = list(_page_pairs(old.root["/Pages"], new.root["/Pages"]))
        found = []
        for page_no, page_ref in enumerate(pairs, start=1):
            old_page, new_page = old(page_ref), new(page_ref)
            before = set(_page_annots(old_page)[0])
            for ref in _page_annots(new_page)[0]:
                subtype = _subtype(new(ref))
                if ref not in before and subtype != "/Widget":
                    found.append(AddedAnnotation(subtype.lstrip("/") or "unknown", page_no))
        return tuple(found)
    except (_NotAnnotationChange, KeyError, TypeError, ValueError, PdfError):
        return ()
