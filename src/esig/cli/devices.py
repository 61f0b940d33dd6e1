"""``esig devices list``: find signing devices (PKCS#11 tokens and keys, CSC credentials)."""

from __future__ import annotations

from typing import Annotated

import typer

from esig.cli.output import fail
from esig.errors import EsigError

__all__ = ["devices_list"]


def devices_list(
    uri: Annotated[
        str,
        typer.Argument(
            metavar="URI",
            help="What to list: pkcs11:?module-path=/path/module.so (tokens), "
            "pkcs11:token=LABEL?module-path=... (keys; PIN from ESIG_PIN or a prompt), "
            "csc+https://host (credentials), or file:/path/signer.p12.",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the entries as JSON.")] = False,
) -> None:
    """List the tokens, keys or credentials a device URI leads to, each with its URI."""
    from esig.devices.factory import DeviceEntry, env_secret_provider, list_devices

    try:
        entries = list_devices(uri, secret_provider=env_secret_provider())
    except EsigError as exc:
        raise fail(str(exc)) from None
    if as_json:
        from pydantic import TypeAdapter

        typer.echo(TypeAdapter(list[DeviceEntry]).dump_json(entries, indent=2).decode("utf-8"))
        return
    if not entries:
        typer.echo("Nothing found.")
    for entry in entries:
        facts = [
            entry.entry,
            *(f for f in (entry.algorithm, entry.subject, entry.note) if f),
            "usable" if entry.usable else "NOT usable",
        ]
        typer.echo(f"{entry.uri}\n    {'; '.join(facts)}")
