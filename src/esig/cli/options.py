"""Option values of the signing commands, parsed and checked before any device is opened.

``--level``, ``--tsa``/``--trust`` (services), ``--visible``, ``--image``/``--font``,
``--certify``, ``--lock``, ``prepare --field`` and ``verify --at``. Each parser raises
:class:`~esig.errors.InputError` with the form the option expects; esig's models are
imported only when a value is parsed.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from esig.errors import InputError

if TYPE_CHECKING:
    from esig.signing.baseline import (
        BaselineLevel,
        BaselineRequest,
        TimestampService,
        ValidationServices,
    )
    from esig.signing.certification import DocPermission, FieldLock
    from esig.signing.fields import SignatureFieldSpec

__all__ = [
    "SignFormat",
    "baseline_request",
    "field_specs",
    "parse_level",
    "parse_moment",
    "pdf_extras",
    "services",
]

_BOX_FORM = "X1,Y1,X2,Y2 (four numbers in points, lower left then upper right, e.g. 50,50,250,110)"
_LOCK_FORM = "all, include:F1,F2 or exclude:F1,F2"
_CERTIFY_FORM = "no-changes, form-filling or annotations"


class SignFormat(StrEnum):
    """Signature formats offered by ``esig sign --format``."""

    pades = "pades"
    cades = "cades"
    xades = "xades"
    xades_detached = "xades-detached"
    asice = "asice"
    """An ASiC-E container (EN 319 162-1) with a CAdES signature over all the files."""
    asics = "asics"
    """An ASiC-S container: one file and its CAdES signature."""
    asice_xades = "asice-xades"
    """An ASiC-E container with a XAdES signature (``META-INF/signatures.xml``)."""
    asics_xades = "asics-xades"
    """An ASiC-S container with a XAdES signature."""

    @property
    def is_container(self) -> bool:
        """Whether the format is an ASiC container (``-o FILE`` names it)."""
        return self.value.startswith("asic")


def parse_level(text: str) -> BaselineLevel:
    """``--level``: B-B, B-T, B-LT or B-LTA."""
    from esig.signing.baseline import BaselineLevel

    try:
        return BaselineLevel(text)
    except ValueError:
        raise InputError(f"--level {text!r}: choose B-B, B-T, B-LT or B-LTA") from None


def services(
    tsa: str | None, timeout: float, trust: list[Path] | None
) -> tuple[TimestampService | None, ValidationServices]:
    """The services of ``--tsa``, ``--service-timeout`` and ``--trust``, checked."""
    from esig.signing.baseline import TimestampService, ValidationServices

    if not 0 < timeout <= 600:
        raise InputError("--service-timeout must be more than 0 and at most 600 seconds")
    timestamp = TimestampService(url=tsa, timeout=timeout) if tsa else None
    return timestamp, ValidationServices(trust=tuple(trust or ()), timeout=timeout)


def baseline_request(
    level: str | None,
    tsa: str | None,
    timeout: float,
    trust: list[Path] | None,
    sign_format: SignFormat,
) -> BaselineRequest:
    """The level and its services, checked before any device is opened."""
    from esig.signing.baseline import BaselineLevel, BaselineRequest

    chosen = parse_level(level) if level else (BaselineLevel.B_T if tsa else BaselineLevel.B_B)
    lta_formats = {
        SignFormat.pades,
        SignFormat.asice,
        SignFormat.asics,
        SignFormat.xades,
        SignFormat.xades_detached,
        SignFormat.asice_xades,
        SignFormat.asics_xades,
    }
    if sign_format not in lta_formats and chosen is BaselineLevel.B_LTA:
        raise InputError(f"--format {sign_format.value} signs at B-B, B-T or B-LT, not B-LTA")
    if trust and not chosen.long_term:
        raise InputError("--trust is for collecting validation data: use it with B-LT or B-LTA")
    timestamp, validation = services(tsa, timeout, trust)
    return BaselineRequest(
        level=chosen, timestamp=timestamp, validation=validation if chosen.long_term else None
    )


def _parse_box(text: str, option: str) -> tuple[float, float, float, float]:
    parts = [p.strip() for p in text.split(",")]
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 4:
        raise InputError(f"{option} {text!r}: give the box as {_BOX_FORM}")
    x1, y1, x2, y2 = numbers
    return (x1, y1, x2, y2)


def _parse_page(text: str, option: str, form: str) -> int:
    try:
        page = int(text)
    except ValueError:
        raise InputError(f"{option}: the page {text!r} is not a number; give {form}") from None
    if page < 1:
        raise InputError(f"{option}: pages are counted from 1; give {form}")
    return page


def _parse_visible(text: str) -> tuple[int, tuple[float, float, float, float]]:
    """``PAGE:X1,Y1,X2,Y2`` → (page, box)."""
    form = "PAGE:X1,Y1,X2,Y2, e.g. 1:50,50,250,110"
    page_text, sep, box_text = text.partition(":")
    if not sep:
        raise InputError(f"--visible {text!r}: give {form}")
    return _parse_page(page_text.strip(), "--visible", form), _parse_box(box_text, "--visible")


def _parse_lock(text: str, option: str = "--lock") -> FieldLock:
    """``all`` | ``include:F1,F2`` | ``exclude:F1,F2`` → FieldLock."""
    from pydantic import ValidationError

    from esig.signing.certification import FieldLock

    scope, sep, rest = text.strip().partition(":")
    names = tuple(n.strip() for n in rest.split(",")) if sep else ()
    try:
        if scope == "all" and not sep:
            return FieldLock.all()
        if scope == "include" and sep and all(names):
            return FieldLock.include(*names)
        if scope == "exclude" and sep and all(names):
            return FieldLock.exclude(*names)
    except ValidationError:
        pass
    raise InputError(f"{option} {text!r}: give {_LOCK_FORM}")


def _parse_certify(text: str) -> DocPermission:
    from esig.signing.certification import DocPermission

    try:
        return DocPermission(text.strip())
    except ValueError:
        raise InputError(f"--certify {text!r}: choose {_CERTIFY_FORM}") from None


def _validation_message(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(str(e.get("msg", "")).removeprefix("Value error, ") for e in errors())
    return str(exc)


def pdf_extras(
    sign_format: SignFormat,
    *,
    field: str | None,
    visible: str | None,
    image: Path | None,
    font: Path | None,
    certify: str | None,
    lock: str | None,
) -> dict[str, Any]:
    """The appearance, certification and lock options of ``esig sign``, checked."""
    given = [
        name
        for name, value in (
            ("--visible", visible),
            ("--image", image),
            ("--font", font),
            ("--certify", certify),
            ("--lock", lock),
        )
        if value is not None
    ]
    if not given:
        return {}
    if sign_format is not SignFormat.pades:
        raise InputError(
            f"{', '.join(given)}: only for PDF signatures, not --format {sign_format.value}"
        )
    from pydantic import ValidationError

    from esig.signing.appearance import VisibleSignature

    extras: dict[str, Any] = {}
    if certify is not None:
        extras["certify"] = _parse_certify(certify)
    if lock is not None:
        extras["lock_fields"] = _parse_lock(lock)
    if visible is not None or image is not None or font is not None:
        if visible is None and field is None:
            raise InputError(
                "--image and --font need a place for the signature: --visible PAGE:X1,Y1,X2,Y2, "
                "or --field NAME of a visible field"
            )
        try:
            if visible is not None:
                page, box = _parse_visible(visible)
                appearance = VisibleSignature(
                    page=page, box=box, field=field, image=image, font=font
                )
            else:
                appearance = VisibleSignature(field=field, image=image, font=font)
        except ValidationError as exc:
            raise InputError(f"--visible: {_validation_message(exc)}") from None
        extras["appearance"] = appearance
    return extras


def _parse_field_spec(text: str) -> SignatureFieldSpec:
    """``NAME:PAGE:X1,Y1,X2,Y2`` (visible) or ``NAME`` (invisible) → SignatureFieldSpec."""
    from pydantic import ValidationError

    from esig.signing.fields import SignatureFieldSpec

    form = "NAME:PAGE:X1,Y1,X2,Y2 (e.g. Approval1:1:50,50,250,110), or NAME for an invisible field"
    parts = text.split(":")
    if len(parts) not in {1, 3} or not parts[0].strip():
        raise InputError(f"--field {text!r}: give {form}")
    try:
        if len(parts) == 1:
            return SignatureFieldSpec(name=parts[0].strip())
        page = _parse_page(parts[1].strip(), "--field", form)
        box = _parse_box(parts[2], "--field")
        return SignatureFieldSpec(name=parts[0].strip(), page=page, box=box)
    except ValidationError as exc:
        raise InputError(f"--field {text!r}: {_validation_message(exc)}") from None


def field_specs(fields: list[str], locks: list[str]) -> list[SignatureFieldSpec]:
    """``prepare --field`` and ``--lock NAME=LOCK`` → the fields to add, each with its lock."""
    specs = {spec.name: spec for spec in map(_parse_field_spec, fields)}
    if len(specs) != len(fields):
        raise InputError("--field: every field needs its own name")
    for text in locks:
        name, sep, rule = text.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InputError(f"--lock {text!r}: give NAME=LOCK, LOCK being {_LOCK_FORM}")
        if name not in specs:
            raise InputError(f"--lock {text!r}: no --field named {name!r} to lock")
        specs[name] = specs[name].model_copy(update={"lock": _parse_lock(rule, f"--lock {name}=")})
    return list(specs.values())


def parse_moment(text: str | None) -> dt.datetime | None:
    """``verify --at``: an ISO 8601 date or time; UTC when no zone is given."""
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"--at {text!r} is not an ISO 8601 date or time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
