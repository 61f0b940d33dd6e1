"""Where a widget is drawn and what it should show: page geometry and a field's shown value.

The visual check (:mod:`esig.verification.visual`) masks the rectangles of fields that
legitimately changed and checks that a filled field's appearance shows its new value.
For that it needs, from the latest revision:

- each page's visible box (the crop box clipped to the media box, both inheritable from
  the page tree, ISO 32000-2, 7.7.3.4 and 14.11.2) and its /Rotate and /UserUnit;
- the text a filled field's widget must render: a text field's /V; a choice field's
  selected option as displayed (its /Opt entry may pair an export value with the text
  shown, 12.7.5.4). Password and file-select fields show no value (nothing to check).
"""

from __future__ import annotations

from pyhanko.pdf_utils import generic

from esig.model.revision_changes import PageBox

__all__ = ["page_box", "shown_value"]

_LETTER = (0.0, 0.0, 612.0, 792.0)
_MAX_PARENTS = 32
_PASSWORD = 1 << 13
_FILE_SELECT = 1 << 20
_COMBO = 1 << 17


def _entry(node: generic.DictionaryObject, key: str) -> object:
    """``node[key]`` resolved (pyHanko's ``get`` leaves references unresolved)."""
    value = node.get(key)
    return value.get_object() if isinstance(value, generic.IndirectObject) else value  # type: ignore[no-untyped-call]


def _get(node: generic.DictionaryObject, key: str) -> object:
    """``node[key]``, resolved; inherited through /Parent (None when absent)."""
    current: generic.DictionaryObject | None = node
    for _ in range(_MAX_PARENTS):
        if current is None:
            return None
        if key in current:
            return current[key]
        parent = _entry(current, "/Parent")
        current = parent if isinstance(parent, generic.DictionaryObject) else None
    return None


def _box(value: object) -> tuple[float, float, float, float] | None:
    if not isinstance(value, generic.ArrayObject) or len(value) != 4:
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def page_box(page: generic.DictionaryObject) -> PageBox:
    """The page's visible box, rotation and user unit, inheritance followed.

    Never raises on a document's content: unreadable entries fall back to the
    defaults (US Letter, no rotation), as readers do.
    """
    try:
        media = _box(_get(page, "/MediaBox")) or _LETTER
        crop = _box(_get(page, "/CropBox")) or media
        rotate_value = _get(page, "/Rotate")
        unit_value = _entry(page, "/UserUnit")
    except (KeyError, TypeError, ValueError, AttributeError):
        return PageBox(box=_LETTER)
    box = (
        max(media[0], crop[0]),
        max(media[1], crop[1]),
        min(media[2], crop[2]),
        min(media[3], crop[3]),
    )
    if box[2] <= box[0] or box[3] <= box[1]:
        box = media
    rotate = int(rotate_value) % 360 if isinstance(rotate_value, int) else 0
    if rotate % 90:
        rotate = 0
    unit = float(unit_value) if isinstance(unit_value, int | float) and unit_value > 0 else 1.0
    return PageBox(box=box, rotate=rotate, user_unit=unit)


def _string(value: object) -> str | None:
    if isinstance(value, generic.TextStringObject | generic.ByteStringObject | str):
        return str(value)
    if isinstance(value, generic.NameObject):
        return str(value)[1:]
    return None


def _displayed_option(options: object, value: str) -> str:
    """The text a choice field shows for ``value``: the /Opt pair's display text if any."""
    if not isinstance(options, generic.ArrayObject):
        return value
    for option in options:
        if isinstance(option, generic.ArrayObject) and len(option) == 2:
            if _string(option[0]) == value:
                return _string(option[1]) or value
        elif _string(option) == value:
            return value
    return value


def shown_value(node: generic.DictionaryObject, kind: str) -> tuple[str | None, bool]:
    """The text the field's widgets must show, and whether it is one line among options.

    ``kind`` is the field's /FT (inherited). ``(None, False)`` when there is nothing to
    check: buttons, signatures, password and file-select fields, a rich or unreadable
    value.
    """
    try:
        flags_value = _get(node, "/Ff")
        flags = int(flags_value) if isinstance(flags_value, int) else 0
        value = _get(node, "/V")
        if kind == "/Tx":
            if flags & (_PASSWORD | _FILE_SELECT):
                return None, False
            return (_string(value) if value is not None else ""), False
        if kind == "/Ch":
            if isinstance(value, generic.ArrayObject):
                value = value[0] if len(value) else None
            text = _string(value)
            if text is None:
                return None, False
            return _displayed_option(_get(node, "/Opt"), text), not flags & _COMBO
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return None, False
    return None, False
