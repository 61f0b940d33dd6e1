"""What every ``esig`` command shares: the exit codes, the error line, the styled report.

Light on purpose: it imports typer only; the report and rich come in when a report is
shown.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from esig.verification.report import VerificationReport

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "emit_report", "fail"]

EXIT_OK = 0
"""Every signature passed, or the command did its job."""
EXIT_FAILED = 1
"""A signature failed or is indeterminate (or the command found nothing to show)."""
EXIT_USAGE = 2
"""A usage or input error: one line on stderr, no traceback."""

_STYLES = (
    ("TOTAL-PASSED", "bold green"),
    ("TOTAL-FAILED", "bold red"),
    ("INDETERMINATE", "bold yellow"),
    ("    PASS ", "green"),
    ("    FAIL ", "red"),
    ("    INDET ", "yellow"),
    ("    met ", "green"),
    ("    not met ", "red"),
    ("    unknown ", "yellow"),
    ("(pseudonym)", "bold magenta"),
    ("Recognised: ", "bold red"),
)


def fail(message: str) -> typer.Exit:
    """Print ``esig: error: MESSAGE`` on stderr; return the exit (code 2) to raise."""
    typer.echo(f"esig: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def emit_report(report: VerificationReport, as_json: bool) -> None:
    """Print a verification report: JSON, plain text when piped, coloured on a terminal."""
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    text = report.to_text()
    if not sys.stdout.isatty():
        typer.echo(text, nl=False)
        return
    from rich.console import Console
    from rich.text import Text

    styled = Text(text)
    for needle, style in _STYLES:
        styled.highlight_words([needle], style=style)
    Console(highlight=False, soft_wrap=True).print(styled, end="")
