"""``esig sign --format asice|asics[-xades]`` and ``esig verify`` of ASiC containers.

``esig sign a.xml b.png --format asice -o bundle.asice`` puts the files in one container
(EN 319 162-1) with one CAdES signature; ``--format asice-xades`` with one XAdES
signature. ``esig sign bundle.asice --add-signature -o bundle2.asice`` adds a signer to
an ASiC-E container, in the container's format (:func:`esig.add_asic_signature`): the
signatures already there stay valid. ``esig verify`` recognises a container by its
content (the ``mimetype`` entry, or its ASiCManifest), not by its name.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from esig.cli.options import SignFormat
from esig.cli.output import EXIT_OK, EXIT_USAGE
from esig.errors import EsigError, InputError

if TYPE_CHECKING:
    from collections.abc import Callable

    from esig.devices.base import SignatureCreationDevice
    from esig.signing.asic import AsicSignature
    from esig.signing.baseline import BaselineRequest
    from esig.verification.report import VerificationReport

_FORMAT_LABEL = {"cades": "CAdES", "xades": "XAdES"}

__all__ = [
    "add_container_signature",
    "check_container_output",
    "is_container",
    "sign_container",
    "verify_container",
]


def check_container_output(
    documents: list[Path], output: Path | None, output_dir: Path | None
) -> Path:
    """The container to write: ``-o FILE`` is required, ``--output-dir`` refused."""
    if output_dir is not None:
        raise InputError("A container is one file: give -o/--output FILE, not --output-dir")
    if output is None:
        raise InputError("Say where to write the container: -o FILE (e.g. bundle.asice)")
    return output


def _made(
    make: Callable[[], AsicSignature],
    device: SignatureCreationDevice,
    as_json: bool,
    describe: Callable[[AsicSignature], str],
) -> int:
    """Run ``make`` with ``device`` (closed after), print the result; the exit code."""
    try:
        made = make()
    except EsigError as exc:
        typer.echo(f"esig: error: {exc}", err=True)
        return EXIT_USAGE
    finally:
        close: Any = getattr(device, "close", None)
        if callable(close):
            close()
    typer.echo(made.model_dump_json(indent=2) if as_json else describe(made))
    return EXIT_OK


def _kind(made: AsicSignature) -> str:
    return f"{made.form.label} {_FORMAT_LABEL[made.signature_format]} {made.level.value}"


def _files(made: AsicSignature) -> str:
    return f"{len(made.files)} file{'s' if len(made.files) != 1 else ''}"


def sign_container(
    documents: list[Path],
    output: Path,
    device: SignatureCreationDevice,
    *,
    sign_format: SignFormat,
    baseline: BaselineRequest,
    as_json: bool,
) -> int:
    """Sign ``documents`` into one container at ``output``; return the exit code."""
    from esig.signing.asic import sign_asic

    def make() -> AsicSignature:
        return sign_asic(
            documents,
            output,
            device,
            signature_format="xades" if sign_format.value.endswith("-xades") else "cades",
            form=sign_format.value.removesuffix("-xades"),  # type: ignore[arg-type]
            level=baseline.level,
            timestamp=baseline.timestamp,
            validation=baseline.validation,
        )

    return _made(
        make,
        device,
        as_json,
        lambda made: (
            f"Signed {_files(made)} as {made.signer.display} ({_kind(made)}) -> {made.path}"
        ),
    )


def add_container_signature(
    documents: list[Path],
    output: Path,
    device: SignatureCreationDevice,
    *,
    baseline: BaselineRequest,
    as_json: bool,
) -> int:
    """Add a signer to the one container in ``documents``, written to ``output``."""
    from esig.signing.asic import add_asic_signature

    (container,) = documents

    def make() -> AsicSignature:
        return add_asic_signature(
            container,
            output,
            device,
            level=baseline.level,
            timestamp=baseline.timestamp,
            validation=baseline.validation,
        )

    return _made(
        make,
        device,
        as_json,
        lambda made: (
            f"Added a signature by {made.signer.display} ({_kind(made)}, "
            f"{made.signature_file}, over {_files(made)}) to {container} -> {made.path}"
        ),
    )


def is_container(document: Path) -> bool:
    """Whether ``document`` is a ZIP file (by its content): an ASiC container to verify.

    :func:`~esig.verification.asic.verify_asic` then reads its ``mimetype`` entry and its
    structure, and says why a ZIP file that is not an ASiC container is refused.
    """
    try:
        with document.open("rb") as handle:
            return handle.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def verify_container(document: Path, settings: dict[str, Any]) -> VerificationReport:
    """Verify every signature in an ASiC container."""
    from esig.verification.asic import verify_asic

    return verify_asic(document, **settings)
