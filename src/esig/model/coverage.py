"""What a signature's byte range covers and what changed in the document after it.

Read from pyHanko by the adapter (:mod:`esig._pyhanko.validate`) and reported by
:mod:`esig.verification.report`, which re-exports both enums.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Coverage", "ModificationLevel"]


class Coverage(StrEnum):
    """How much of the file the signature's byte range covers."""

    ENTIRE_FILE = "entire file"
    ENTIRE_REVISION = "entire revision"
    """The revision it was made in; later revisions were appended."""
    PREFIX = "contiguous block from the start"
    """A contiguous block that does not end at a revision boundary: non-standard."""
    UNCLEAR = "unclear"
    """Disconnected or otherwise non-standard coverage."""


class ModificationLevel(StrEnum):
    """What kind of change was made to the document after signing."""

    NONE = "none"
    LTA_UPDATES = "validation data and timestamps added"
    FORM_FILLING = "form filling and signatures"
    ANNOTATIONS = "annotations"
    OTHER = "other changes"
    UNKNOWN = "not analysed"
