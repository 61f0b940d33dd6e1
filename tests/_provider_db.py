"""A provider's database for the tests, SQLite or PostgreSQL, with raw access beside esig.

Raw access is what an intruder with database access (or a careless DBA) has: the SQLite
file itself, or the PostgreSQL superuser. Nothing here imports esig.provider, so the
shared conftest can use it without loading SQLAlchemy.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Database:
    """A provider's database and raw access to it, as an intruder (or a DBA) would have.

    ``kind`` is ``sqlite`` (a file) or ``postgresql`` (raw access as the superuser).
    """

    kind: str
    url: str
    raw: str
    """The SQLite file, or the libpq connection string of the superuser."""

    def execute(self, *statements: str) -> None:
        """Run raw SQL statements in one transaction; the driver's error if refused."""
        if self.kind == "sqlite":
            with sqlite3.connect(self.raw) as db:
                for statement in statements:
                    db.execute(statement)
            return
        import psycopg

        with psycopg.connect(self.raw) as db:
            for statement in statements:
                db.execute(statement)

    def query(self, statement: str) -> list[tuple[Any, ...]]:
        """The rows of a raw SELECT."""
        if self.kind == "sqlite":
            with sqlite3.connect(self.raw) as db:
                return db.execute(statement).fetchall()
        import psycopg

        with psycopg.connect(self.raw) as db:
            return db.execute(statement).fetchall()

    def drop_guard(self) -> list[str]:
        """The statements that drop the append-only triggers (an intruder's first step)."""
        names = ["esig_events_no_update", "esig_events_no_delete"]
        if self.kind == "sqlite":
            return [f"DROP TRIGGER {name}" for name in names]
        return [
            f"DROP TRIGGER {name} ON esig_events" for name in [*names, "esig_events_no_truncate"]
        ]


def sqlite_database(folder: Path) -> Database:
    """A SQLite file ``folder/ca.db``."""
    path = folder / "ca.db"
    return Database("sqlite", f"sqlite:///{path}", str(path))
