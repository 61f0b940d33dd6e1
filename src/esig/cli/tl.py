"""``esig tl show``: read an EU trusted list (ETSI TS 119 612) and check its signature."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from esig.cli.output import EXIT_FAILED, EXIT_OK, fail
from esig.errors import EsigError

__all__ = ["tl_show"]


def tl_show(
    trusted_list: Annotated[Path, typer.Argument(help="The trusted list (XML).")],
    tlso: Annotated[
        list[Path] | None,
        typer.Option(
            metavar="CERT",
            help="Certificate of the list's scheme operator (TLSO) to verify its signature "
            "with (PEM, DER or PKCS#7); repeatable.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """Show a trusted list's providers, services, status history and signature check.

    Exits 0 when the signature verified with a given TLSO certificate, 1 when it did not
    or could not be checked, 2 when the file cannot be read.
    """
    from esig.certificates import load_certificates_from_paths
    from esig.trust.trusted_lists import SignatureStatus, read_trusted_list

    try:
        certs = load_certificates_from_paths(tlso or [], what="TLSO certificate")
        result = read_trusted_list(trusted_list, tlso_certificates=certs)
    except EsigError as exc:
        raise fail(str(exc)) from None
    typer.echo(result.model_dump_json(indent=2) if as_json else result.to_text().rstrip("\n"))
    raise typer.Exit(
        EXIT_OK if result.signature.status is SignatureStatus.VERIFIED else EXIT_FAILED
    )
