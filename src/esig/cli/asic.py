"""``esig sign --format asice|asics[-xades]`` and ``esig verify`` of ASiC containers.

``esig sign a.xml b.png --format asice -o bundle.asice`` puts the files in one container
(EN 319 162-1) with one CAdES signature; ``--format asice-xades`` with one XAdES
signature; (A second signer is added in Python:
:func:`esig.add_asic_signature`.) ``esig verify`` recognises a container by its content (the
``mimetype`` entry, or its ASiCManifest), not by its name.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from esig.cli.options import SignFormat
from esig.cli.output import EXIT_OK, EXIT_USAGE
from esig.errors import EsigError, InputError

if TYPE_CHECKING:
    from esig.devices.base import SignatureCreationDevice
    from esig.signing.baseline import BaselineRequest
    from esig.verification.report import VerificationReport

_FORMAT_LABEL = {"cades": "CAdES", "xades": "XAdES"}

__all__ = ["check_container_output", "is_container", "sign_container", "verify_container"]


def check_container_output(
    documents: list[Path], output: Path | None, output_dir: Path | None
) -> Path:
    """The container to write: ``-o FILE`` is required, ``--output-dir`` refused."""
    if output_dir is not None:
        raise InputError("A container is one file: give -o/--output FILE, not --output-dir")
    if output is None:
        raise InputError("Say where to write the container: -o FILE (e.g. bundle.asice)")
    return output


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

    try:
        made = sign_asic(
            documents,
            output,
            device,
            signature_format="xades" if sign_format.value.endswith("-xades") else "cades",
            form=sign_format.value.removesuffix("-xades"),  # type: ignore[arg-type]
            level=baseline.level,
            timestamp=baseline.timestamp,
            validation=baseline.validation,
        )
    except EsigError as exc:
        typer.echo(f"esig: error: {exc}", err=True)
        return EXIT_USAGE
    finally:
        close: Any = getattr(device, "close", None)
        if callable(close):
            close()
    if as_json:
        typer.echo(made.model_dump_json(indent=2))
    else:
        typer.echo(
            f"Signed {len(made.files)} file{'s' if len(made.files) != 1 else ''} as "
            f"{made.signer.display} ({made.form.label} {_FORMAT_LABEL[made.signature_format]} "
            f"{made.level.value}) -> {made.path}"
        )
    return EXIT_OK


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
