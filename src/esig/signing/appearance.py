"""Visible signatures: what the signature looks like on the page.

A :class:`VisibleSignature` says where the signature shows (a page and a box in
points, or an existing field by name) and what it shows: lines of text built from the
signer's certificate (:func:`appearance_lines`) and, optionally, an image (a drawn
signature or a logo, PNG or JPEG).

The lines:

- **name**: the signatory as the certificate names them (a pseudonym says so);
- **organization** and **title**: for a person who signs on behalf of a company, the
  ``organizationName`` and ``title`` (or ``role``) of the certificate's subject, which
  BES art. 6(1)(c) lets the certificate state;
- **date**: when the signature was made (UTC, the signer's clock; a trusted time comes
  from a timestamp, B-T and up);
- **reason**: the reason given for signing;
- **level**: the level the signature *claims* (:func:`level_claim`). It can only be
  established when the signature is verified, so the text says "claimed"; pass
  ``level_text`` to say something else.

Text is drawn with an embedded TrueType font, so names in any script render: DejaVu
Sans (Debian's ``fonts-dejavu-core``) is found at run time, ``font=`` overrides it. A
missing font, or a character the font has no glyph for, is a :class:`FontError`.
"""

from esig.model.appearance import (
    DEFAULT_LINES,
    FONT_CANDIDATES,
    AppearanceLine,
    FontError,
    VisibleSignature,
    appearance_lines,
    find_font,
    level_claim,
)

__all__ = [
    "DEFAULT_LINES",
    "FONT_CANDIDATES",
    "AppearanceLine",
    "FontError",
    "VisibleSignature",
    "appearance_lines",
    "find_font",
    "level_claim",
]
