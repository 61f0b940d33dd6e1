"""``esig tl show`` and ``esig tl sync``: read EU trusted lists (ETSI TS 119 612), cache them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from esig.cli.output import EXIT_FAILED, EXIT_OK, fail
from esig.errors import EsigError, InputError

__all__ = ["tl_show", "tl_sync"]


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


def tl_sync(  # noqa: PLR0917 - typer maps parameters to options
    cache: Annotated[
        Path,
        typer.Option(metavar="DIR", help="The cache folder to fill (created if missing)."),
    ],
    source: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="URL|DIR",
            help="Where to read the LOTL: an http(s) URL (default: the EU LOTL, "
            "https://ec.europa.eu/tools/lotl/eu-lotl.xml) or a folder snapshot with the "
            "LOTL, its pivots and the national lists.",
        ),
    ] = None,
    lotl_signers: Annotated[
        Path | None,
        typer.Option(
            metavar="PEM",
            help="The LOTL signer certificates announced in the Official Journal (default: "
            "the set esig ships, OJ C/2026/1944). A line '# OJ: URL' names the announcement.",
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option(metavar="SECONDS", help="Time each fetch may take in all.")
    ] = 60.0,
    max_size: Annotated[
        int, typer.Option(metavar="MB", help="Largest file accepted, in MiB.")
    ] = 32,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Fetch the EU list of trusted lists and every national list into a cache folder.

    The LOTL is authenticated against the LOTL signer certificates (following pivot LOTLs),
    each national list against the certificates the LOTL names for its territory. Exits
    0 when every list was stored and authenticated, 1 when some list was refused or could
    not be fetched (the others are stored), 2 when the LOTL is refused or cannot be read.
    """
    from esig.trust.tl_manifest import LotlSigners
    from esig.trust.tl_sync import sync_trusted_lists

    try:
        if max_size <= 0:
            raise InputError("--max-size must be at least 1 MiB")
        signers = LotlSigners.from_file(lotl_signers) if lotl_signers is not None else None
        result = sync_trusted_lists(
            cache,
            source=source,
            lotl_certificates=signers,
            timeout=timeout,
            max_size=max_size * 1024 * 1024,
        )
    except EsigError as exc:
        raise fail(str(exc)) from None
    typer.echo(result.model_dump_json(indent=2) if as_json else result.to_text().rstrip("\n"))
    raise typer.Exit(EXIT_OK if result.complete else EXIT_FAILED)
