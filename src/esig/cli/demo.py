"""``esig demo``: sign and verify a sample document on a throwaway test PKI."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from esig.cli.output import EXIT_FAILED, EXIT_OK, emit_report, fail
from esig.errors import EsigError

__all__ = ["DemoKey", "demo"]


class DemoKey(StrEnum):
    """Key types offered by ``esig demo``."""

    rsa = "rsa"
    ec = "ec"


def demo(
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="DIR", help="Folder for the results.")
    ] = Path("esig-demo"),
    key: Annotated[DemoKey, typer.Option(help="Key type: RSA-2048 or EC P-256.")] = DemoKey.rsa,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Sign and verify a sample document on a throwaway local test PKI."""
    from esig.demo import run_demo
    from esig.issuance import KeyType

    key_type = KeyType.RSA_2048 if key is DemoKey.rsa else KeyType.EC_P256
    try:
        result = run_demo(output, key_type=key_type)
    except EsigError as exc:
        raise fail(str(exc)) from None
    emit_report(result.report, as_json)
    if not as_json:
        typer.echo(
            f"\nSigned document: {result.signed_pdf}"
            f"\nReport (JSON):   {result.report_json}"
            f"\nTrust anchor:    {result.trust_anchor}"
            f"\nVerify again:    esig verify {result.signed_pdf} --trust {result.trust_anchor}"
        )
    raise typer.Exit(EXIT_OK if result.report.passed else EXIT_FAILED)
