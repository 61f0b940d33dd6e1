"""Visible signatures: the model, the font, the text lines built from the certificate.

Everything behind :mod:`esig.signing.appearance` (which documents it and re-exports
it), here so that the pyHanko adapter can draw a stamp without importing
:mod:`esig.signing`.
"""

from __future__ import annotations

import datetime as dt
import os
from enum import StrEnum
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ObjectIdentifier
from pydantic import field_validator, model_validator

from esig._model import Base64Bytes, EsigModel
from esig.devices.base import DeviceEvidence
from esig.errors import InputError
from esig.identity import NameIdentity
from esig.model.fields import Box, check_box, check_field_name

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

_ROLE_OID = ObjectIdentifier("2.5.4.72")  # id-at-role (X.520)

FONT_CANDIDATES: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),  # Debian, Ubuntu
    Path("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf"),  # Fedora
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),  # older Fedora, Alpine
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),  # Arch
    Path("/usr/local/share/fonts/dejavu/DejaVuSans.ttf"),  # FreeBSD
    Path("/opt/homebrew/share/fonts/DejaVuSans.ttf"),  # Homebrew
)
"""Where :func:`find_font` looks for DejaVu Sans, in order (after ``ESIG_FONT``)."""


class FontError(InputError):
    """No usable font for the appearance, or a character it has no glyph for.

    Attributes:
        missing: The characters the font cannot draw (empty if the font itself is
            the problem).

    """

    def __init__(
        self, message: str, *, missing: str = "", path: str | os.PathLike[str] | None = None
    ) -> None:
        super().__init__(message, path=Path(path) if path is not None else None)
        self.missing = missing


class AppearanceLine(StrEnum):
    """A line of text a visible signature can show."""

    NAME = "name"
    """``Signed by`` the signatory's name (``Sealed by`` for a legal person)."""
    ORGANIZATION = "organization"
    """``On behalf of`` the certificate's organizationName (company identity)."""
    TITLE = "title"
    """``Function:`` the certificate's title, or its role attribute."""
    DATE = "date"
    """``Date:`` the signing time, UTC."""
    REASON = "reason"
    """``Reason:`` the reason given for signing."""
    LEVEL = "level"
    """``Level:`` the level claimed (see :func:`level_claim`) or ``level_text``."""


DEFAULT_LINES: tuple[AppearanceLine, ...] = tuple(AppearanceLine)
"""Every line, in this order; lines with nothing to say are left out."""


class VisibleSignature(EsigModel):
    """Where a signature shows, and what it shows.

    Give either ``box`` (a new field on ``page``, named ``field`` or, by default, the
    ``field_name`` passed to :func:`esig.sign_pdf`) or only ``field``: an existing
    visible field, e.g. one added by :func:`~esig.signing.fields.prepare_document`.
    """

    page: int = 1
    """The page for a new field, counted from 1."""
    box: Box | None = None
    """The rectangle of a new field in points (x1, y1, x2, y2) from the lower left."""
    field: str | None = None
    """The field to sign: an existing field if ``box`` is None, else the new field's name."""
    lines: tuple[AppearanceLine, ...] = DEFAULT_LINES
    """Which lines of text to show, in order (empty: image only)."""
    image: Path | None = None
    """A PNG or JPEG file to show at the left of the text (a drawn signature, a logo)."""
    image_data: Base64Bytes | None = None
    """The same as ``image``, as bytes."""
    font: Path | None = None
    """A TrueType/OpenType font file (default: :func:`find_font`)."""
    font_size: int = 8
    """The font size in points; text that does not fit the box is shrunk to fit."""
    level_text: str | None = None
    """The text of the level line (default: :func:`level_claim`)."""

    @field_validator("box")
    @classmethod
    def _box(cls, value: Box | None) -> Box | None:
        return check_box(value)

    @field_validator("field")
    @classmethod
    def _field(cls, value: str | None) -> str | None:
        return None if value is None else check_field_name(value)

    @model_validator(mode="after")
    def _consistent(self) -> VisibleSignature:
        if self.page < 1:
            raise ValueError("pages are counted from 1")
        if self.box is None and self.field is None:
            raise ValueError("give a box for a new field, or the name of an existing field")
        if self.image is not None and self.image_data is not None:
            raise ValueError("give the image as a path or as bytes, not both")
        if not self.lines and self.image is None and self.image_data is None:
            raise ValueError("a visible signature needs lines of text, an image, or both")
        if not 4 <= self.font_size <= 72:
            raise ValueError("the font size must be between 4 and 72 points")
        return self

    def image_bytes(self) -> bytes | None:
        """The image, read from :attr:`image` if given as a path.

        Raises:
            InputError: The image file cannot be read.

        """
        if self.image_data is not None:
            return self.image_data
        if self.image is None:
            return None
        try:
            return self.image.read_bytes()
        except OSError as exc:
            raise InputError(
                f"The signature image cannot be read: {exc.strerror}", path=self.image
            ) from None


def find_font(font: str | os.PathLike[str] | None = None) -> Path:
    """The font file for appearances: ``font``, else ``$ESIG_FONT``, else DejaVu Sans.

    Raises:
        FontError: ``font`` (or ``$ESIG_FONT``) does not exist, or no DejaVu Sans is
            installed (``apt-get install fonts-dejavu-core``).

    """
    chosen = font if font is not None else os.environ.get("ESIG_FONT") or None
    if chosen is not None:
        path = Path(chosen)
        if not path.is_file():
            raise FontError(f"The font file {path} does not exist", path=path)
        return path
    for candidate in FONT_CANDIDATES:
        if candidate.is_file():
            return candidate
    raise FontError(
        "No font for the signature appearance: DejaVu Sans is not installed (Debian: "
        "apt-get install fonts-dejavu-core). Pass font= a .ttf or .otf file, or set ESIG_FONT."
    )


def _attribute(name: x509.Name, oid: ObjectIdentifier) -> str | None:
    for attribute in name.get_attributes_for_oid(oid):
        value = attribute.value
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return None


def _is_legal_person(certificate: x509.Certificate) -> bool:
    from esig.profiles import CertificateProfile, PersonKind  # noqa: PLC0415 - heavy import

    try:
        profile = CertificateProfile.from_certificate(certificate)
    except (ValueError, TypeError):  # pragma: no cover - a certificate we cannot profile
        return False
    return profile.person_kind is PersonKind.LEGAL_PERSON


def level_claim(certificate: x509.Certificate, evidence: DeviceEvidence | None = None) -> str:
    """The level a signature with this certificate and device can claim, in words.

    Cheap and before signing: "Qualified electronic signature (claimed)" when the
    certificate claims to be qualified (QcCompliance or a QCP policy) and the key is
    in a QSCD (the certificate's QcSSCD, or the device claims it); otherwise "Advanced
    electronic signature (claimed)". "seal" instead of "signature" for a legal person.
    Whether the claim holds is established only by verification (:func:`esig.verify_pdf`),
    which also checks the issuer against the register (BES art. 4).
    """
    from esig.profiles import CertificateProfile, PersonKind  # noqa: PLC0415 - heavy import

    profile = CertificateProfile.from_certificate(certificate)
    noun = "seal" if profile.person_kind is PersonKind.LEGAL_PERSON else "signature"
    qualified = profile.qualified.claims_qualified and (
        profile.qualified.qc_sscd or (evidence is not None and evidence.qscd_claimed)
    )
    kind = "Qualified" if qualified else "Advanced"
    return f"{kind} electronic {noun} (claimed)"


def appearance_lines(
    certificate: x509.Certificate,
    *,
    signed_at: dt.datetime,
    reason: str | None = None,
    level_text: str | None = None,
    evidence: DeviceEvidence | None = None,
    lines: tuple[AppearanceLine, ...] = DEFAULT_LINES,
) -> tuple[str, ...]:
    """The text lines of a visible signature for ``certificate``.

    Lines with nothing to say (no organisation, no reason) are left out. ``level_text``
    defaults to :func:`level_claim` of ``certificate`` and ``evidence``.
    """
    subject = certificate.subject
    identity = NameIdentity.from_name(subject)
    name = identity.pseudonym or identity.common_name
    if not name:
        name = " ".join(p for p in (identity.given_name, identity.surname) if p)
    name = name or identity.organization or identity.rfc4514
    if identity.is_pseudonym:
        name = f"{name} (pseudonym)"
    seal = _is_legal_person(certificate) if AppearanceLine.NAME in lines else False
    function = identity.title or _attribute(subject, _ROLE_OID)
    when = signed_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    texts: list[str] = []
    for line in lines:
        if line is AppearanceLine.NAME:
            texts.append(f"{'Sealed' if seal else 'Signed'} by {name}")
        elif line is AppearanceLine.ORGANIZATION:
            organization = identity.organization
            if organization and organization != name and not seal:
                texts.append(f"On behalf of {organization}")
        elif line is AppearanceLine.TITLE:
            if function:
                texts.append(f"Function: {function}")
        elif line is AppearanceLine.DATE:
            texts.append(f"Date: {when}")
        elif line is AppearanceLine.REASON:
            if reason:
                texts.append(f"Reason: {reason}")
        elif line is AppearanceLine.LEVEL:
            texts.append(f"Level: {level_text or level_claim(certificate, evidence)}")
    return tuple(texts)
