"""The typer application behind the ``esig`` command: builds it and registers the commands.

Each command lives in its own module (``esig.cli.sign``, ``esig.cli.verify``, …), which
imports esig's machinery only when the command runs, so ``esig --help`` stays fast.

Help is rich (panels, colours) on a terminal and plain text, wrapped at
:data:`HELP_WIDTH` columns, when stdout is a pipe or a file.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from esig.cli.bulk import extend_many, verify_many
from esig.cli.ca import (
    ca_audit,
    ca_certificate,
    ca_export,
    ca_identity_record,
    ca_init,
    ca_issue,
    ca_operator_add,
    ca_revoke,
    ca_serve,
    ca_terms_ack,
    ca_terms_add,
    ca_verify_bundle,
)
from esig.cli.cert import cert_show
from esig.cli.demo import demo
from esig.cli.devices import devices_list
from esig.cli.evidence import evidence_show
from esig.cli.extend import extend
from esig.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from esig.cli.prepare import prepare
from esig.cli.schema import schema_report
from esig.cli.sign import sign
from esig.cli.tl import tl_show, tl_sync
from esig.cli.verify import verify

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "HELP_WIDTH", "app", "build_app", "main"]

HELP_WIDTH = 100
"""Columns of the plain help printed when stdout is not a terminal."""

_NOISY_LOGGERS = ("pyhanko", "pyhanko_certvalidator")


def _options(
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Show the log messages of the libraries underneath."),
    ] = False,
) -> None:
    """Sign and verify documents, and say which level a signature reaches, and why."""
    level = logging.DEBUG if verbose else logging.CRITICAL
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(level)
    if verbose:
        # esig logs the libraries' warnings it caught at INFO; without -v the root
        # logger's WARNING threshold keeps them quiet (esig's logger is left as it is).
        logging.getLogger("esig").setLevel(logging.DEBUG)


class _Group(TyperGroup):
    """A typer group whose ``--help`` flag defaults to ``False`` rather than ``None``.

    Typer converts a flag's value with a pydantic adapter unless it already is a bool;
    with ``None`` every ``esig COMMAND ...`` would import pydantic (~0.1 s) just to
    learn that the group's ``--help`` was not given.
    """

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None and option.default is None:
            option.default = False
        return option


def _group(help_text: str) -> typer.Typer:
    # short_help: click would cut the command list's line at the first ". " ("art. 6").
    return typer.Typer(cls=_Group, help=help_text, short_help=help_text, no_args_is_help=True)


def _register(group: typer.Typer, command: Callable[..., None], name: str | None = None) -> None:
    """Add ``command`` to ``group``; its list line is its docstring's whole first line."""
    first_line = (command.__doc__ or "").strip().splitlines()[0]
    group.command(name, short_help=first_line)(command)


def build_app(*, rich_help: bool = True) -> typer.Typer:
    """The ``esig`` typer app; ``rich_help=False`` renders plain (click) help and errors."""
    root = typer.Typer(
        name="esig",
        cls=_Group,
        help="Sign and verify documents, and say which level (SES/AES/QES) a signature "
        "reaches under the BES decree and eIDAS, and why.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        rich_markup_mode="rich" if rich_help else None,
    )
    root.callback()(_options)
    for command in (demo, sign, prepare, verify, extend):
        _register(root, command)
    _register(root, verify_many, "verify-many")
    _register(root, extend_many, "extend-many")

    devices = _group("Find signing devices: PKCS#11 tokens and keys, remote CSC credentials.")
    _register(devices, devices_list, "list")
    root.add_typer(devices, name="devices")

    schema = _group("Print the JSON Schemas of esig's JSON output.")
    _register(schema, schema_report, "report")
    root.add_typer(schema, name="schema")

    cert = _group("Read certificates as the decree sees them (BES art. 6).")
    _register(cert, cert_show, "show")
    root.add_typer(cert, name="cert")

    tl = _group("Read EU trusted lists (ETSI TS 119 612): the registers of recognised providers.")
    _register(tl, tl_show, "show")
    _register(tl, tl_sync, "sync")
    root.add_typer(tl, name="tl")

    evidence = _group(
        "Read the evidence records sealed into documents (one-time codes, clicks, drawings)."
    )
    _register(evidence, evidence_show, "show")
    root.add_typer(evidence, name="evidence")

    root.add_typer(_ca_group(), name="ca")
    return root


def _ca_group() -> typer.Typer:
    ca = _group("Run a certification service provider's CA (BES art. 5): issue, revoke, serve.")
    _register(ca, ca_init, "init")
    operator = _group("Operators and their roles (art. 5(n)).")
    _register(operator, ca_operator_add, "add")
    ca.add_typer(operator, name="operator")
    terms = _group("Terms and conditions: publish, acknowledge (art. 5(m)).")
    _register(terms, ca_terms_add, "add")
    _register(terms, ca_terms_ack, "ack")
    ca.add_typer(terms, name="terms")
    identity = _group("Identity checks of applicants (art. 5(e)).")
    _register(identity, ca_identity_record, "record")
    ca.add_typer(identity, name="identity")
    _register(ca, ca_issue, "issue")
    _register(ca, ca_revoke, "revoke")
    _register(ca, ca_serve, "serve")
    _register(ca, ca_certificate, "certificate")
    _register(ca, ca_audit, "audit")
    _register(ca, ca_export, "export")
    _register(ca, ca_verify_bundle, "verify-bundle")
    return ca


app = build_app()
"""The ``esig`` app with rich help (for ``typer.testing.CliRunner`` and embedding)."""


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``esig`` console script; ``argv`` defaults to ``sys.argv[1:]``.

    Rich help on a terminal; plain help, :data:`HELP_WIDTH` columns wide, when stdout
    is piped. Exits with the command's code (0, 1 or 2).
    """
    from esig._library_warnings import caught_library_warnings

    args = list(argv) if argv is not None else None
    # The last line of defence: whatever a command calls, only esig's words reach stderr.
    with caught_library_warnings("running the esig command"):
        if sys.stdout.isatty():
            app(args=args, prog_name="esig")
        else:
            build_app(rich_help=False)(args=args, prog_name="esig", terminal_width=HELP_WIDTH)
