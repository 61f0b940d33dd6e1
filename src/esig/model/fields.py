"""A signature field's rectangle and name, and the checks both must pass.

Shared by :mod:`esig.signing.fields` (empty fields added for signers),
:mod:`esig.signing.appearance` (a visible signature's new field) and the pyHanko
adapter that writes them.
"""

from __future__ import annotations

__all__ = ["Box", "check_box", "check_field_name"]

Box = tuple[float, float, float, float]
"""A rectangle in PDF points: (x1, y1, x2, y2), lower left then upper right corner."""


def check_box(box: Box | None) -> Box | None:
    """Refuse a box whose corners are not lower-left then upper-right, or negative."""
    if box is None:
        return None
    x1, y1, x2, y2 = box
    if min(box) < 0:
        raise ValueError("box coordinates must not be negative (points from the lower left)")
    if x2 <= x1 or y2 <= y1:
        raise ValueError(
            f"the box ({x1:g}, {y1:g}, {x2:g}, {y2:g}) must be x1,y1 (lower left) then "
            "x2,y2 (upper right), with x2 > x1 and y2 > y1"
        )
    return box


def check_field_name(name: str) -> str:
    """Refuse an empty field name, or one with a period (a PDF name separator)."""
    if not name.strip():
        raise ValueError("the field name must not be empty")
    if "." in name:
        raise ValueError(f"the field name {name!r} must not contain a period")
    return name
