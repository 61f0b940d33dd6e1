"""``esig evidence show``: read the evidence records sealed into a PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from esig.cli.output import EXIT_FAILED, EXIT_OK, fail
from esig.errors import EsigError

__all__ = ["evidence_show"]


def evidence_show(
    document: Annotated[Path, typer.Argument(metavar="PDF", help="The sealed PDF.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the records as JSON.")] = False,
) -> None:
    """Show who agreed to what, when and how, from each evidence seal in a PDF.

    This reads the records; it does not verify the seals (`esig verify` does). Exit 0:
    records shown; 1: the document holds no evidence record; 2: it cannot be read.
    """
    from esig.evidence.seal import SealedEvidence, read_evidence_records

    try:
        found = read_evidence_records(document)
    except EsigError as exc:
        raise fail(str(exc)) from None
    if as_json:
        from pydantic import TypeAdapter

        typer.echo(TypeAdapter(list[SealedEvidence]).dump_json(list(found), indent=2).decode())
    elif not found:
        typer.echo(f"{document} holds no evidence record.")
    for item in () if as_json else found:
        record = item.record
        contact = ", ".join(c for c in (record.who.email, record.who.phone) if c)
        what = record.what
        typer.echo(
            "\n".join(
                (
                    f"Seal in field {item.field_name!r} (record {record.record_id})",
                    f"  Who:    {record.who.name}" + (f" ({contact})" if contact else ""),
                    f"  What:   SHA-256 {what.document_sha256}, {what.document_size} bytes, "
                    f"{what.pages_presented} of {what.page_count} page(s) shown at "
                    f"{what.presented_at.isoformat(timespec='seconds')}",
                    f"  When:   {record.when.isoformat(timespec='seconds')} "
                    f"(recorded by {record.platform}, its own clock)",
                    f"  How:    {record.method.value}: {record.summary}",
                    f"  Risks:  {record.disclosure.title!r} v{record.disclosure.version} "
                    f"acknowledged at "
                    f"{record.disclosure.acknowledged_at.isoformat(timespec='seconds')}",
                    "  Covers: "
                    + (
                        "the seal extends exactly the document shown"
                        if item.describes_signed_revision
                        else "NOT the document the seal signed"
                    ),
                )
            )
        )
    raise typer.Exit(EXIT_OK if found else EXIT_FAILED)
