"""XadesPackaging: where a XAdES signature goes relative to what it signs."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["XadesPackaging"]


class XadesPackaging(StrEnum):
    """Where a XAdES signature goes relative to what it signs.

    .. versionadded:: 0.2.0
    """

    ENVELOPED = "enveloped"
    """Inside the XML document, covering all of it (the enveloped-signature transform)."""
    DETACHED = "detached"
    """A separate signature file whose reference names the signed file and its digest."""
