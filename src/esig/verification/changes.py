"""BES art. 3(g): changes made after signing — detected, classified, and judged.

Three independent sources of evidence, because each alone can be fooled:

1. pyHanko's difference analysis of the PDF objects between the signed revision and
   the latest one (what changed: nothing, validation data, form filling, annotations,
   other), and the signature's modification permissions (DocMDP);
2. the bytes after the signed revision: content appended to the file that is not a valid
   incremental update is ignored by strict parsers but shown by repairing readers
   (the *incremental saving attack*);
3. what a reader shows: both revisions rendered and compared page by page
   (:mod:`esig.verification.visual`), which catches *shadow attacks* that the object
   analysis cannot explain or cannot parse.

A change the signature does not allow makes the signature fail, by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from esig._pyhanko.diff_rules import AddedAnnotation, annotations_added_after
from esig._pyhanko.validate import RawSignature
from esig.law import BES, EIDAS, Citation
from esig.model.revision_changes import ChangeKind
from esig.verification.report import (
    Attack,
    CheckId,
    Coverage,
    Finding,
    ModificationLevel,
    Outcome,
)
from esig.verification.visual import RevisionComparer, VisualComparison

__all__ = ["LaterChanges", "gather_later_changes", "modification_finding"]

_CITATIONS = (BES.ART_3_G, BES.ART_1_D, EIDAS.ART_26_D)
_SHOWN_CITATIONS = (BES.ART_3_G, BES.ART_3_A, BES.ART_1_D, EIDAS.ART_26_D)
"""For what a reader is shown: 3(a), the data verified match the data displayed."""
_TAIL_READ_LIMIT = 1 << 20
_ALLOWED_WHEN_PERMITTED = (ModificationLevel.FORM_FILLING, ModificationLevel.ANNOTATIONS)


@dataclass(frozen=True)
class LaterChanges:
    """What follows a signature's revision, beyond pyHanko's difference analysis."""

    unrecognised_tail: int = 0
    """Non-blank bytes after the signed revision that form no valid incremental update."""
    visual: VisualComparison | None = None
    """The rendered comparison (None when nothing follows the signed revision)."""
    annotations: tuple[AddedAnnotation, ...] = ()
    """Annotations (other than form widgets) that later revisions added to the pages,
    when the difference analysis found annotation changes."""


def gather_later_changes(
    raw: RawSignature, stream: BinaryIO, size: int, comparer: RevisionComparer
) -> LaterChanges:
    """Read what follows the signed revision and compare the renderings.

    Nothing is gathered when the signature covers the whole file or its byte range is
    unusable (the signed-data check reports that).
    """
    rng = raw.byte_range
    if raw.coverage in (Coverage.ENTIRE_FILE, None) or len(rng) != 4:
        return LaterChanges()
    end = rng[2] + rng[3]
    if not 0 < end <= size:
        return LaterChanges()
    if raw.later_unreadable:
        note = "the pages were not compared"
        return LaterChanges(visual=VisualComparison(renderer=None, note=note))
    tail = 0
    if raw.revision is not None and raw.revision >= raw.total_revisions:
        # The signed revision is the last one the parser recognises: any content after
        # it is not a valid incremental update.
        stream.seek(end)
        tail = len(stream.read(min(size - end, _TAIL_READ_LIMIT)).strip(b" \t\r\n\f\x00"))
    annotations: tuple[AddedAnnotation, ...] = ()
    if raw.modification is ModificationLevel.ANNOTATIONS and raw.revision is not None:
        stream.seek(0)
        annotations = annotations_added_after(stream, raw.revision)
    undrawn = None if tail else _nothing_drawn_changed(raw)
    if undrawn is not None:
        return LaterChanges(
            unrecognised_tail=tail,
            visual=VisualComparison(renderer=None, note=undrawn),
            annotations=annotations,
        )
    stream.seek(0)
    signed_revision = stream.read(end)
    changes = raw.esig_changes
    allowed = changes.changed_fields if changes is not None and changes.complete else ()
    return LaterChanges(
        unrecognised_tail=tail,
        visual=comparer.compare(signed_revision, allowed),
        annotations=annotations,
    )


_UNDRAWN = frozenset(
    {
        ChangeKind.VALIDATION_DATA,
        ChangeKind.METADATA,
        ChangeKind.DOCUMENT_TIMESTAMP,
        ChangeKind.SIGNATURE,
    }
)


def _nothing_drawn_changed(raw: RawSignature) -> str | None:
    """Why rendering can be skipped, or None when the pages must be compared.

    Skipped only when esig's analysis finished and every change is one a reader draws
    nothing for: validation data, metadata, document timestamps and signatures whose
    widgets have no area (invisible). A visible new signature, any form filling or
    annotation, and anything else is rendered and compared.
    """
    changes = raw.esig_changes
    if changes is None or not changes.complete:
        return None
    if any(c.kind not in _UNDRAWN for c in changes.changes):
        return None
    if changes.changed_fields:  # a visible signature appearance
        return None
    kinds = sorted({c.kind.value for c in changes.changes})
    what = f"add only {', '.join(kinds)}, which draw" if kinds else "change nothing that draws"
    return f"not rendered: the later revisions {what} nothing on the pages (esig's analysis)"


def _finding(
    outcome: Outcome,
    message: str,
    attack: Attack | None = None,
    citations: tuple[Citation, ...] = _CITATIONS,
) -> Finding:
    return Finding(
        check=CheckId.MODIFICATIONS,
        outcome=outcome,
        citations=citations,
        message=message,
        attack=attack,
    )


def _quoted(names: tuple[str, ...]) -> str:
    return ", ".join(repr(n) for n in names)


def _widget(field: str | None, object_id: int | None) -> str:
    obj = f" (object {object_id})" if object_id is not None else ""
    return f"the field {field!r}{obj}" if field else "a field"


def _form_evidence(visual: VisualComparison) -> Finding | None:
    """A failed finding when the pages show more than the filled fields, or other text.

    Form filling may change what a page shows inside the rectangles of the fields that
    changed, and there only what the fields hold: a change outside them, a new
    appearance that paints over signed content, or one that shows other text than the
    field's value is a shadow attack or an appearance mismatch.
    """
    overlay = [f"{r.where}{f', text {r.text!r}' if r.text else ''}" for r in visual.outside]
    overlay += [
        f"{_widget(r.field, r.object_id)} paints over signed content at {r.where}"
        for r in visual.covered
    ]
    mismatch = [
        f"the appearance of {_widget(m.field, m.object_id)} on page {m.page} shows "
        f"{m.shown!r} while its value is {m.value!r}"
        for m in visual.mismatches
    ]
    fields = _quoted(visual.allowed_fields)
    if overlay:
        also = f"; also, {'; '.join(mismatch)}" if mismatch else ""
        return _finding(
            Outcome.FAILED,
            f"The later revisions only fill in the form ({fields}), yet the pages change "
            f"beyond what the filled fields show: {'; '.join(overlay)}{also}. A form "
            "field's appearance covers or replaces signed content.",
            Attack.SHADOW_OVERLAY,
            _SHOWN_CITATIONS,
        )
    if mismatch:
        return _finding(
            Outcome.FAILED,
            f"A field filled after signing shows other text than it holds: "
            f"{'; '.join(mismatch)}. A reader sees other data than the form holds.",
            Attack.APPEARANCE_MISMATCH,
            _SHOWN_CITATIONS,
        )
    return None


def _pages(visual: VisualComparison | None) -> str:
    if visual is None or not visual.visible_change:
        return ""
    pages = ", ".join(str(p) for p in visual.changed_pages)
    counts = ""
    if visual.signed_pages != visual.latest_pages:
        counts = f"; {visual.signed_pages} page(s) signed, {visual.latest_pages} shown"
    return f"page(s) {pages} look different from what was signed{counts}"


def _within_fields(visual: VisualComparison) -> str:
    """``page(s) 1 change only within the fields …``, or nothing when nothing changed."""
    if not visual.changed_pages:
        return ""
    shown = ", ".join(str(p) for p in visual.changed_pages)
    checked = (
        f"; the appearance of {_quoted(visual.values_shown)} shows the new value"
        if visual.values_shown
        else ""
    )
    note = f"; {visual.checks_note}" if visual.checks_note else ""
    return (
        f"page(s) {shown} change only within the fields that changed "
        f"({_quoted(visual.allowed_fields)}){checked}{note}"
    )


def _annotations(annotations: tuple[AddedAnnotation, ...]) -> str:
    """``Text on page 1, FreeText on page 2``: what was added, where."""
    return ", ".join(f"{a.subtype} on page {a.page}" for a in annotations)


def _annotations_allowed(later: LaterChanges, pages: str) -> Finding:
    """Annotations the signature allows (DocMDP P=3, or an approval signature)."""
    added = _annotations(later.annotations)
    what = (
        f"annotations were added after signing ({added})"
        if added
        else ("annotations were added or changed after signing")
    )
    allowed = f"{what[0].upper()}{what[1:]}; the signature's modification permissions allow them"
    if not pages:
        return _finding(Outcome.PASSED, f"{allowed}.")
    # ISO 32000-2 allows annotations over the content under P=3 (a FreeText or a filled
    # Square can hide signed text): not an attack, but the reader should know.
    return _finding(
        Outcome.INFO,
        f"{allowed}; {pages}. Annotations added after signing may cover the signed "
        "content; compare the signed revision (esig verify --extract-signed).",
    )


def modification_finding(raw: RawSignature, later: LaterChanges) -> Finding:
    """Judge the changes after signing; a change the signature does not allow fails."""
    level = raw.modification
    visual = later.visual
    visible = visual is not None and visual.visible_change
    pages = _pages(visual)
    if raw.coverage is Coverage.ENTIRE_FILE and level in (
        ModificationLevel.NONE,
        ModificationLevel.UNKNOWN,
    ):
        return _finding(Outcome.PASSED, "No revision was added after the signed one.")
    if later.unrecognised_tail:
        shown = f"; {pages}" if pages else ""
        return _finding(
            Outcome.FAILED,
            f"{later.unrecognised_tail} bytes were appended after the signed revision without "
            f"forming a valid incremental update: readers that repair the file show them"
            f"{shown}.",
            Attack.INCREMENTAL_SAVING,
        )
    disallowed = (
        raw.modification_detail is not None
        or level is ModificationLevel.OTHER
        or raw.docmdp_ok is False
    )
    if disallowed:
        return _disallowed(raw, level, visible, pages, later.annotations)
    if level is ModificationLevel.UNKNOWN:
        return _unanalysed(raw, visual, pages)
    if level is ModificationLevel.FORM_FILLING and visual is not None:
        evidence = _form_evidence(visual)
        if evidence is not None:
            return evidence
        if visual.allowed_fields and visual.compared and not visual.outside:
            pages = _within_fields(visual)
    if visible and level not in _ALLOWED_WHEN_PERMITTED:
        return _finding(
            Outcome.FAILED,
            f"The later revisions contain only {level.value}, yet {pages}: the change is "
            "hidden from the object analysis.",
            Attack.SHADOW_HIDE,
        )
    if level is ModificationLevel.NONE:
        return _finding(
            Outcome.PASSED, "Later revisions change nothing that affects this signature."
        )
    if level is ModificationLevel.ANNOTATIONS:
        return _annotations_allowed(later, pages)
    seen = f" ({pages}, as {level.value} does)" if pages else ""
    if pages and visual is not None and visual.allowed_fields:
        seen = f"; {pages}"
    return _finding(
        Outcome.PASSED,
        f"Changes after signing: {level.value}, allowed by the "
        f"signature's modification permissions{seen}.",
    )


def _disallowed(
    raw: RawSignature,
    level: ModificationLevel,
    visible: bool,
    pages: str,
    annotations: tuple[AddedAnnotation, ...] = (),
) -> Finding:
    detail = f": {raw.modification_detail}" if raw.modification_detail else ""
    if annotations and not detail:
        detail = f": {_annotations(annotations)} added"
    if raw.certified and level is ModificationLevel.ANNOTATIONS:
        detail += " (the certification does not permit annotations)"
    attack: Attack | None = None
    moved = raw.esig_changes is not None and bool(raw.esig_changes.of_kind(ChangeKind.WIDGET_MOVED))
    if moved:
        attack = Attack.SHADOW_OVERLAY
    elif raw.certified:
        attack = Attack.CERTIFIED_DOCUMENT_CHANGED
    elif visible:
        attack = Attack.SHADOW_REPLACE
    shown = f"; {pages}" if pages else ""
    return _finding(
        Outcome.FAILED,
        f"The document was changed after signing in a way the "
        f"signature does not allow ({level.value}){detail}{shown}.",
        attack,
    )


def _unanalysed(raw: RawSignature, visual: VisualComparison | None, pages: str) -> Finding:
    why = f" ({raw.diff_error})" if raw.diff_error else ""
    if raw.diff_error and raw.redefined_objects:
        objects = ", ".join(str(n) for n in raw.redefined_objects[:10])
        shown = f"; {pages}" if pages else ""
        return _finding(
            Outcome.FAILED,
            f"A later revision redefines object(s) {objects} of the signed revision and is "
            f"malformed{why}: readers can show content other than what was signed{shown}.",
            Attack.SHADOW_HIDE,
        )
    if visual is not None and visual.visible_change:
        return _finding(
            Outcome.FAILED,
            f"A later revision could not be analysed{why}, and {pages}: content of the "
            "signed revision was redefined after signing.",
            Attack.SHADOW_HIDE,
        )
    if visual is not None and visual.compared:
        return _finding(
            Outcome.INDETERMINATE,
            f"The later revisions could not be "
            f"analysed{why}; their pages look the same as the signed ones.",
        )
    note = f"; {visual.note}" if visual is not None and visual.note else ""
    return _finding(
        Outcome.INDETERMINATE, f"Changes after signing could not be analysed{why}{note}."
    )
