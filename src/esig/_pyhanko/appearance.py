"""Visible signature appearances with pyHanko's stamps: text in an embedded font, an image.

The text is drawn with pyHanko's OpenType support (``GlyphAccumulatorFactory``: the
font is subset and embedded, shaped by HarfBuzz), so names in any script render. The
image (PNG or JPEG, through Pillow) is the stamp's background, placed at the left of
the text. PDF/A inputs are detected from the XMP metadata (``pdfaid:part``); for PDF/A-1
the image's transparency is flattened onto white and the font gets the ``CIDSet`` that
PDF/A-1 requires, and the change is reported as a warning.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fontTools import ttLib  # type: ignore[import-untyped]
from PIL import Image, UnidentifiedImageError
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.rw_common import PdfHandler
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign.fields import MDPPerm, SigFieldSpec
from pyhanko.stamp import TextStampStyle

from esig._pyhanko.fields import (
    check_may_sign,
    check_page_and_box,
    field_mdp,
    mdp_perm,
    read_signature_fields,
    set_field_lock,
)
from esig.devices.base import SignatureCreationDevice
from esig.errors import InputError
from esig.model.appearance import FontError, VisibleSignature, appearance_lines, find_font
from esig.model.certification import DocPermission, FieldLock

__all__ = [
    "FieldSetup",
    "PdfA",
    "QuietSubsetWarnings",
    "StampPlan",
    "check_glyphs",
    "pdfa_of",
    "setup_field",
    "stamp_plan",
]

_PART = re.compile(rb"pdfaid:part\s*(?:=\s*[\"']|>)\s*(\d)")
_CONFORMANCE = re.compile(rb"pdfaid:conformance\s*(?:=\s*[\"']|>)\s*([A-Za-z])")
_MARGIN = 4
_IMAGE_SHARE = 0.4
_FORMATS = {"PNG", "JPEG"}


class QuietSubsetWarnings(logging.Filter):
    """FontTools warns about every table it cannot subset (DejaVu's FFTM): noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "NOT subset" not in record.getMessage()


logging.getLogger("fontTools.subset").addFilter(QuietSubsetWarnings())


@dataclass(frozen=True)
class PdfA:
    """The PDF/A claim of a document's XMP metadata."""

    part: int
    conformance: str

    @property
    def label(self) -> str:
        """E.g. ``PDF/A-1b``."""
        return f"PDF/A-{self.part}{self.conformance.lower()}"


def pdfa_of(handler: PdfHandler) -> PdfA | None:
    """The PDF/A part the document claims in its XMP metadata (``pdfaid:part``), if any."""
    try:
        metadata = handler.root.get("/Metadata")
        if metadata is None:
            return None
        data = metadata.get_object().data
    except (PdfError, KeyError, ValueError, TypeError, AttributeError):
        return None
    part = _PART.search(data)
    if part is None:
        return None
    conformance = _CONFORMANCE.search(data)
    return PdfA(int(part.group(1)), conformance.group(1).decode() if conformance else "")


def check_glyphs(font: Path, text: str) -> None:
    """Refuse a font that cannot be read, or that lacks a glyph for a character of ``text``.

    Raises:
        FontError: The font cannot be read, or characters have no glyph in it.

    """
    try:
        with ttLib.TTFont(str(font), lazy=True) as tt:
            cmap = tt.getBestCmap() or {}
    except (OSError, ttLib.TTLibError, AssertionError, KeyError) as exc:
        raise FontError(
            f"The font {font} cannot be used ({exc}); give a TrueType or OpenType font file",
            path=font,
        ) from None
    missing = "".join(sorted({c for c in text if not c.isspace() and ord(c) not in cmap}))
    if missing:
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in missing)
        raise FontError(
            f"The font {font.name} has no glyph for {shown}; pass font= a font that "
            "covers these characters",
            missing=missing,
            path=font,
        )


_SCALED_METRICS = ("/Ascent", "/Descent", "/CapHeight", "/XHeight", "/MissingWidth")


class _Accumulator(GlyphAccumulator):
    """PyHanko's glyph accumulator with glyph widths in PDF glyph space.

    PyHanko 0.38 writes the ``/W`` widths, the ``TJ`` adjustments and the font
    descriptor's metrics in font units; PDF wants thousandths of an em. For a font whose
    units per em are not 1000 (DejaVu Sans: 2048) readers then space the glyphs about
    twice as wide as pyHanko's layout measured them, and text runs out of its box. Here
    HarfBuzz shapes at 1000 units per em and the widths and metrics are scaled to match.
    For PDF/A-1 it also writes the ``CIDSet`` PDF/A-1 requires of font subsets.
    """

    cid_set = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.font_units_per_em = self.units_per_em
        self.hb_font.scale = (1000, 1000)
        self.units_per_em = 1000

    def _scale(self, value: float) -> int:
        return round(float(value) * 1000 / float(self.font_units_per_em))

    def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
        known = glyph_id in self._glyphs
        cid, width = super()._get_cid_and_width(glyph_id)
        if not known:
            width = self._scale(width)
            self._glyphs[glyph_id] = (cid, width)
        return cid, width

    def prepare_write(self) -> None:
        done = self._write_prepared
        super().prepare_write()  # type: ignore[no-untyped-call]
        if done:
            return
        scale = 1000 / self.font_units_per_em
        descriptor = self.cidfont_obj._font_descriptor
        if "/FontBBox" in descriptor:
            box = [round(float(v) * scale) for v in descriptor["/FontBBox"]]
            descriptor[pdf_name("/FontBBox")] = generic.ArrayObject(
                generic.NumberObject(v)  # type: ignore[no-untyped-call]
                for v in box
            )
        for key in _SCALED_METRICS:
            if key in descriptor:
                descriptor[pdf_name(key)] = generic.NumberObject(  # type: ignore[no-untyped-call]
                    round(float(descriptor[key]) * scale)
                )
        if self.cid_set:
            cids = [cid for cid, _ in self._glyphs.values()]
            bits = bytearray((max([0, *cids]) // 8) + 1)
            for cid in [0, *cids]:
                bits[cid // 8] |= 0x80 >> (cid % 8)
            stream = generic.StreamObject(stream_data=bytes(bits))
            descriptor[pdf_name("/CIDSet")] = self.writer.add_object(stream)


class _CidSetAccumulator(_Accumulator):
    cid_set = True


@dataclass(frozen=True)
class _FontFactory(GlyphAccumulatorFactory):
    cid_set: bool = False

    def create_font_engine(
        self, writer: BasePdfFileWriter, obj_stream: Any = None
    ) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()  # type: ignore[no-untyped-call]
        handle = open(self.font_file, "rb")  # noqa: SIM115 - pyHanko's factory does the same
        engine = _CidSetAccumulator if self.cid_set else _Accumulator
        return engine(
            writer=writer, font_handle=handle, font_size=self.font_size, obj_stream=obj_stream
        )


@dataclass(frozen=True)
class StampPlan:
    """A pyHanko stamp style and its text, and what was changed for PDF/A."""

    style: TextStampStyle
    text_params: dict[str, str]
    warnings: list[str] = field(default_factory=list)


def _load_image(data: bytes, pdfa: PdfA | None, warnings: list[str]) -> Image.Image:
    try:
        image: Image.Image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InputError(
            f"The signature image cannot be read as PNG or JPEG ({exc}); SVG is not "
            "supported: convert it to PNG first"
        ) from None
    if image.format not in _FORMATS:
        raise InputError(
            f"The signature image is {image.format}; give a PNG or JPEG image (convert SVG "
            "to PNG first)"
        )
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if has_alpha:
        image = image.convert("RGBA")
        if pdfa is not None and pdfa.part == 1:
            flat = Image.new("RGB", image.size, (255, 255, 255))
            flat.paste(image, mask=image.getchannel("A"))
            warnings.append(
                f"The input is {pdfa.label}, which forbids transparency: the image's "
                "transparency was flattened onto white so the document stays PDF/A."
            )
            return flat
        return image
    return image.convert("RGB") if image.mode not in ("RGB", "L") else image


def stamp_plan(
    lines: tuple[str, ...],
    *,
    size: tuple[float, float],
    font: Path,
    font_size: int,
    image: bytes | None,
    pdfa: PdfA | None,
) -> StampPlan:
    """A stamp of ``lines`` (and ``image`` at the left) for a box of ``size`` points.

    Raises:
        FontError: See :func:`check_glyphs`.
        InputError: The image is not a readable PNG or JPEG.

    """
    width = size[0]
    warnings: list[str] = []
    text = "\n".join(lines)
    picture = _load_image(image, pdfa, warnings) if image is not None else None
    text_left: int = _MARGIN
    background_layout = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MID,
        y_align=layout.AxisAlignment.ALIGN_MID,
        margins=layout.Margins.uniform(_MARGIN),  # type: ignore[no-untyped-call]
        inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
    )
    if picture is not None and lines:
        image_width = width * _IMAGE_SHARE
        text_left = round(image_width + _MARGIN)
        background_layout = layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(
                left=_MARGIN,
                right=round(width - image_width + _MARGIN),
                top=_MARGIN,
                bottom=_MARGIN,
            ),
            inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
        )
    check_glyphs(font, text)
    cid_set = pdfa is not None and pdfa.part == 1
    style = TextStampStyle(
        stamp_text="%(esig_text)s",
        border_width=1,
        # The embedded font, also for an image-only stamp: pyHanko's default is a
        # non-embedded standard font, which PDF/A forbids.
        text_box_style=TextBoxStyle(
            font=_FontFactory(str(font), font_size=font_size, cid_set=cid_set),
            font_size=font_size,
            leading=round(font_size * 1.25),
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN,
                y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins.uniform(0),  # type: ignore[no-untyped-call]
            ),
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(left=text_left, right=_MARGIN, top=_MARGIN, bottom=_MARGIN),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
        background=PdfImage(picture) if picture is not None else None,
        background_layout=background_layout,
        background_opacity=1.0,
    )
    # An empty text box has no glyphs, which pyHanko's font subsetter cannot write.
    return StampPlan(style=style, text_params={"esig_text": text or " "}, warnings=warnings)


@dataclass(frozen=True)
class FieldSetup:
    """How pyHanko is to fill the signature field: its name, stamp and permissions."""

    name: str
    stamp_style: TextStampStyle | None = None
    text_params: dict[str, str] | None = None
    new_field_spec: SigFieldSpec | None = None
    certify: bool = False
    docmdp: MDPPerm | None = None
    warnings: tuple[str, ...] = ()

    def metadata(self) -> dict[str, Any]:
        """The keyword arguments of ``PdfSignatureMetadata`` this setup decides."""
        meta: dict[str, Any] = {"certify": self.certify}
        if self.docmdp is not None:
            meta["docmdp_permissions"] = self.docmdp
        return meta


def setup_field(
    writer: IncrementalPdfFileWriter,
    device: SignatureCreationDevice,
    *,
    field_name: str | None,
    appearance: VisibleSignature | None,
    certify: DocPermission | None,
    lock: FieldLock | None,
    reason: str | None,
    free_name: Callable[[], str],
) -> FieldSetup:
    """Check the request against the document and build what pyHanko needs.

    Everything is checked before the device is used.

    Raises:
        CertificationError: The certification forbids the signature.
        InputError: The field is already signed, does not exist, is invisible while an
            appearance is asked, or a box/page does not fit the document.
        FontError: No usable font, or a glyph is missing.

    """
    check_may_sign(writer, certify=certify is not None)
    if (
        appearance is not None
        and appearance.field
        and field_name
        and appearance.field != field_name
    ):
        raise InputError(
            f"Two field names were given: {field_name!r} and the appearance's "
            f"{appearance.field!r}; give one"
        )
    name = field_name or (appearance.field if appearance is not None else None) or free_name()
    existing = {f.name: f for f in read_signature_fields(writer.prev)}.get(name)
    if existing is not None and existing.signed:
        raise InputError(f"The field {name!r} is already signed; choose an empty field")
    new_spec: SigFieldSpec | None = None
    size: tuple[float, float] | None = None
    if appearance is None and existing is not None and existing.box is not None:
        # A visible prepared field gets esig's appearance, not pyHanko's default stamp
        # (a non-embedded standard font, which PDF/A forbids).
        appearance = VisibleSignature(field=name)
    if appearance is not None and appearance.box is not None:
        if existing is not None:
            raise InputError(
                f"The field {name!r} already exists; sign it with "
                f"VisibleSignature(field={name!r}) and no box"
            )
        check_page_and_box(writer.prev, appearance.page, appearance.box)
        x1, y1, x2, y2 = appearance.box
        size = (x2 - x1, y2 - y1)
        new_spec = SigFieldSpec(
            sig_field_name=name,
            on_page=appearance.page - 1,
            box=appearance.box,  # type: ignore[arg-type]  # pyHanko writes any number
            field_mdp_spec=field_mdp(lock) if lock is not None else None,
        )
    elif appearance is not None:
        if existing is None:
            raise InputError(
                f"The document has no signature field {name!r}; give a page and box to create one"
            )
        if existing.box is None:
            raise InputError(
                f"The field {name!r} is invisible (it has no area on a page); give a box "
                "for a new visible field instead"
            )
        x1, y1, x2, y2 = existing.box
        size = (x2 - x1, y2 - y1)
    elif existing is None and lock is not None:
        new_spec = SigFieldSpec(sig_field_name=name, field_mdp_spec=field_mdp(lock))
    if existing is not None and lock is not None:
        set_field_lock(writer, name, lock)
    docmdp = mdp_perm(certify) if certify is not None else None
    if appearance is None or size is None:
        return FieldSetup(
            name=name, new_field_spec=new_spec, certify=certify is not None, docmdp=docmdp
        )
    lines = appearance_lines(
        device.certificate,
        signed_at=dt.datetime.now(dt.UTC),
        reason=reason,
        level_text=appearance.level_text,
        evidence=device.evidence,
        lines=appearance.lines,
    )
    plan = stamp_plan(
        lines,
        size=size,
        font=find_font(appearance.font),
        font_size=appearance.font_size,
        image=appearance.image_bytes(),
        pdfa=pdfa_of(writer.prev),
    )
    return FieldSetup(
        name=name,
        stamp_style=plan.style,
        text_params=plan.text_params,
        new_field_spec=new_spec,
        certify=certify is not None,
        docmdp=docmdp,
        warnings=tuple(plan.warnings),
    )
