"""``esig schema report``: the JSON Schema of esig's JSON verification report."""

from __future__ import annotations

import typer

__all__ = ["schema_report"]


def schema_report() -> None:
    """Print the JSON Schema of the verification report (`esig verify --json`)."""
    import json

    from esig.verification.report import report_json_schema

    typer.echo(json.dumps(report_json_schema(), indent=2, ensure_ascii=False))
