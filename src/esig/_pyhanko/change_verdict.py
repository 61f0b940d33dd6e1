"""Which changes a signature allows: esig's analysis judged against DocMDP and FieldMDP.

The permissions (ISO 32000-2, 12.8.2.2 and 12.8.2.4; PAdES, ETSI EN 319 142-1, 5.4):

- a certification signature's DocMDP /P, which binds every later change to the
  document (P=1: validation data and document timestamps only; P=2: also form filling
  and signing; P=3: also annotations);
- a signature field's /Lock (FieldMDP, and its /P if present) for that signature;
- without either, an approval signature allows form filling, signatures and
  annotations; changes of any other kind are never allowed.

When esig's analysis is complete it decides (pyHanko's difference analysis is not run);
when it is not (an unreadable object, a document beyond its size limit), pyHanko's
analysis is run and its verdict stands, with esig's reason kept.
"""

from __future__ import annotations

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import SuspiciousModification
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature, read_certification_data

from esig._pyhanko.diff_rules import ESIG_DIFF_POLICY
from esig._pyhanko.documents import MALFORMED
from esig._pyhanko.raw_signature import RawSignature, with_changes
from esig._pyhanko.revision_diff import revision_changes
from esig.model.coverage import Coverage, ModificationLevel
from esig.model.revision_changes import ChangeKind, RevisionChanges, level_of

__all__ = ["judged_by_esig", "permitted_level"]

_PERMITTED = {
    MDPPerm.NO_CHANGES: ModificationLevel.LTA_UPDATES,
    MDPPerm.FILL_FORMS: ModificationLevel.FORM_FILLING,
    MDPPerm.ANNOTATE: ModificationLevel.ANNOTATIONS,
}
_ORDER = (
    ModificationLevel.NONE,
    ModificationLevel.LTA_UPDATES,
    ModificationLevel.FORM_FILLING,
    ModificationLevel.ANNOTATIONS,
)
_MAX_LISTED = 5


def permitted_level(permission: MDPPerm | None) -> ModificationLevel:
    """The highest level of change a DocMDP permission allows (None: an approval)."""
    if permission is None:
        return ModificationLevel.ANNOTATIONS
    return _PERMITTED[permission]


def _permission(reader: PdfFileReader, sig: EmbeddedPdfSignature) -> MDPPerm | None:
    """The strictest of the signature's own DocMDP/lock /P and the certification's /P."""
    found: list[MDPPerm] = []
    try:
        own = sig.docmdp_level
    except MALFORMED:
        own = None
    if own is not None:
        found.append(own)
    try:
        certification = read_certification_data(reader)
    except MALFORMED:
        certification = None
    if certification is not None and certification.permission is not None:
        found.append(certification.permission)
    return min(found, key=lambda p: p.value) if found else None


def judged_by_esig(
    reader: PdfFileReader, sig: EmbeddedPdfSignature, raw: RawSignature
) -> RawSignature:
    """``raw`` with the changes after signing judged: esig's analysis, else pyHanko's."""
    if raw.coverage is Coverage.ENTIRE_FILE:
        return with_changes(raw, modification=ModificationLevel.NONE, docmdp_ok=True)
    if raw.coverage is not Coverage.ENTIRE_REVISION or raw.revision is None:
        return with_changes(
            raw,
            modification=ModificationLevel.OTHER,
            modification_detail="the signature does not cover a whole revision",
            docmdp_ok=False,
        )
    try:
        lock = sig.fieldmdp
    except MALFORMED:
        lock = None
    changes = revision_changes(
        reader,
        raw.revision - 1,
        locked=lock.is_locked if lock is not None else (lambda _n: False),
    )
    judged = with_changes(raw, esig_changes=changes)
    if not changes.complete:
        return _judged_by_pyhanko(sig, judged, changes.error)
    level = changes.level
    allowed = permitted_level(_permission(reader, sig))
    ok = level is not ModificationLevel.OTHER and _ORDER.index(level) <= _ORDER.index(allowed)
    return with_changes(
        judged,
        modification=level,
        modification_detail=None if ok else _beyond(changes, allowed),
        docmdp_ok=ok,
    )


def _judged_by_pyhanko(
    sig: EmbeddedPdfSignature, raw: RawSignature, why: str | None
) -> RawSignature:
    """The verdict of pyHanko's difference analysis, where esig's stopped (``why``)."""
    try:
        result = sig.evaluate_modifications(ESIG_DIFF_POLICY)
    except MALFORMED as exc:
        return with_changes(raw, modification=ModificationLevel.UNKNOWN, diff_error=str(exc) or why)
    if isinstance(result, SuspiciousModification):
        level, detail = ModificationLevel.OTHER, str(result)
    else:
        level, detail = ModificationLevel[result.modification_level.name], None
    try:
        own = sig.docmdp_level
    except MALFORMED:
        own = None
    ok = level is not ModificationLevel.OTHER and (
        own is None or _ORDER.index(level) <= _ORDER.index(permitted_level(own))
    )
    return with_changes(
        raw,
        modification=level,
        modification_detail=detail,
        docmdp_ok=ok,
        pyhanko_modification=level,
        pyhanko_detail=detail,
        diff_error=why,
    )


def _beyond(changes: RevisionChanges, allowed: ModificationLevel) -> str:
    """The changes the permission does not cover, in words (the first few)."""
    limit = _ORDER.index(allowed)
    bad = [
        c
        for c in changes.changes
        if c.kind in (ChangeKind.OTHER, ChangeKind.WIDGET_MOVED)
        or _ORDER.index(_level(c.kind)) > limit
    ]
    words = [_where(c.description, c.object_id, c.page) for c in bad[:_MAX_LISTED]]
    more = f" and {len(bad) - _MAX_LISTED} more" if len(bad) > _MAX_LISTED else ""
    return "; ".join(words) + more


def _level(kind: ChangeKind) -> ModificationLevel:
    return level_of([kind])


def _where(description: str, object_id: int | None, page: int | None) -> str:
    on_page = f"page {page}" if page and f"page {page}" not in description else ""
    parts = [f"object {object_id}" if object_id is not None else "", on_page]
    detail = ", ".join(p for p in parts if p)
    return f"{description} ({detail})" if detail else description
