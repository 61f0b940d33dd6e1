"""``esig prepare``: add empty signature fields to a PDF, one per signer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from esig.cli.options import field_specs
from esig.cli.output import fail
from esig.errors import EsigError

__all__ = ["prepare"]


def prepare(
    document: Annotated[
        Path, typer.Argument(metavar="PDF", help="The PDF to prepare (only read).")
    ],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", metavar="FILE", help="Where to write the prepared PDF."),
    ],
    fields: Annotated[
        list[str],
        typer.Option(
            "--field",
            metavar="NAME:PAGE:X1,Y1,X2,Y2",
            help="An empty signature field to add: its name, page (from 1) and box in points "
            "from the page's lower left (lower left corner, then upper right); NAME alone "
            "for an invisible field. Repeatable: one per signer.",
        ),
    ],
    locks: Annotated[
        list[str] | None,
        typer.Option(
            "--lock",
            metavar="NAME=LOCK",
            help="Once field NAME is signed, lock form fields: NAME=all, "
            "NAME=include:F1,F2 or NAME=exclude:F1,F2. Repeatable.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Add empty signature fields to a PDF, one per signer, for `esig sign --field NAME`.

    The fields are added in one incremental update; signatures already there stay valid.
    Exit 0: prepared; 2: a malformed option, or the document cannot be prepared.
    """
    from esig.signing.fields import prepare_document

    try:
        specs = field_specs(fields, locks or [])
        result = prepare_document(document, output, specs)
    except EsigError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    typer.echo(f"Prepared {document} -> {result.path}")
    for f in result.fields:
        where = (
            f"page {f.page}, box {','.join(f'{v:g}' for v in f.box)}"
            if f.box is not None
            else "invisible"
        )
        state = "signed" if f.signed else "empty"
        lock_text = f"; {f.lock.describe()} once signed" if f.lock is not None else ""
        typer.echo(f"  {f.name}: {where}, {state}{lock_text}")
