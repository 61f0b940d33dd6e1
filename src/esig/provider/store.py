"""The provider's database: SQLAlchemy 2 tables, SQLite by default, PostgreSQL by URL.

:class:`ProviderStore` opens an engine from a URL (``sqlite:///ca.db``,
``postgresql+psycopg://user@host/ca``), creates the tables, and hands out transactions.
A SQLite file is created only by :meth:`ProviderStore.create_tables` (setting up a CA);
every other use of a file that is not there is refused, so a mistyped path leaves no
empty database behind.
What is written, and the rules (roles, signatures, the hash chain), belong to
:mod:`esig.provider.ca` and :mod:`esig.provider.log`; this module only knows the shape.

Times are stored as text, ``YYYY-MM-DDTHH:MM:SSZ`` (UTC to the second, BES art. 5(d)), so
every database keeps exactly the value the certificate, the CRL and OCSP carry. Serial
numbers are stored as hex text (they are up to 159 bits). The event log is append-only
in the database too: on SQLite triggers abort any UPDATE or DELETE of a log record; on
PostgreSQL a trigger function refuses UPDATE, DELETE and TRUNCATE. A superuser can
still drop them: the audit then reports the missing trigger (and the chain, whatever
was changed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from esig.provider.errors import ProviderStoreError

__all__ = [
    "POSTGRESQL_APPEND_ONLY_TRIGGERS",
    "AcknowledgementRow",
    "Base",
    "CertificateRow",
    "CrlStateRow",
    "EventRow",
    "IdentityRow",
    "LogHeadRow",
    "OperatorRow",
    "ProviderStore",
    "SettingRow",
    "TermsRow",
    "format_time",
    "parse_time",
]

SCHEMA_VERSION: Final = "1"
"""The version of the tables below, kept in the settings table."""

_TIME_FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"

APPEND_ONLY_TRIGGERS: Final = ("esig_events_no_update", "esig_events_no_delete")
"""The SQLite triggers that keep the event log append-only."""

POSTGRESQL_APPEND_ONLY_TRIGGERS: Final = (*APPEND_ONLY_TRIGGERS, "esig_events_no_truncate")
"""The PostgreSQL triggers that keep the event log append-only (TRUNCATE too)."""

_REFUSAL: Final = "the esig event log is append-only"

_POSTGRESQL_GUARD: Final = (
    "CREATE OR REPLACE FUNCTION esig_events_append_only() RETURNS trigger "
    f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{_REFUSAL}' "
    "USING ERRCODE = 'insufficient_privilege'; END $$",
    "CREATE OR REPLACE TRIGGER esig_events_no_update BEFORE UPDATE ON esig_events "
    "FOR EACH ROW EXECUTE FUNCTION esig_events_append_only()",
    "CREATE OR REPLACE TRIGGER esig_events_no_delete BEFORE DELETE ON esig_events "
    "FOR EACH ROW EXECUTE FUNCTION esig_events_append_only()",
    "CREATE OR REPLACE TRIGGER esig_events_no_truncate BEFORE TRUNCATE ON esig_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION esig_events_append_only()",
)
"""The PostgreSQL guard: one trigger function, three triggers (PostgreSQL 14 or later)."""


def format_time(moment: dt.datetime) -> str:
    """A UTC time as stored: ``2026-12-07T15:16:45Z``."""
    return moment.astimezone(dt.UTC).strftime(_TIME_FORMAT)


def parse_time(value: str) -> dt.datetime:
    """A stored time back as an aware UTC datetime."""
    return dt.datetime.strptime(value, _TIME_FORMAT).replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    """The declarative base of the provider's tables."""


class SettingRow(Base):
    """The CA's settings: its certificate, base URL, device URI, schema version."""

    __tablename__ = "esig_settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class OperatorRow(Base):
    """An operator: name, roles, the SHA-256 of its API key, signed by the CA."""

    __tablename__ = "esig_operators"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    roles: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[str] = mapped_column(String(20))
    signature: Mapped[str] = mapped_column(Text)


class IdentityRow(Base):
    """An identity check (art. 5(e)): the evidence as canonical JSON, who, when."""

    __tablename__ = "esig_identity_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscriber_id: Mapped[str] = mapped_column(String(200), index=True)
    evidence: Mapped[str] = mapped_column(Text)
    verified_by: Mapped[str] = mapped_column(String(200))
    verified_at: Mapped[str] = mapped_column(String(20))
    event_sequence: Mapped[int] = mapped_column(Integer)


class TermsRow(Base):
    """A version of the terms and conditions (art. 5(m)); the highest id is current."""

    __tablename__ = "esig_terms"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    published_at: Mapped[str] = mapped_column(String(20))


class AcknowledgementRow(Base):
    """A subscriber's acknowledgement of a terms version, by content hash."""

    __tablename__ = "esig_acknowledgements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscriber_id: Mapped[str] = mapped_column(String(200), index=True)
    terms_version: Mapped[str] = mapped_column(ForeignKey("esig_terms.version"))
    sha256: Mapped[str] = mapped_column(String(64))
    acknowledged_at: Mapped[str] = mapped_column(String(20))
    recorded_by: Mapped[str] = mapped_column(String(200))
    event_sequence: Mapped[int] = mapped_column(Integer)


class CertificateRow(Base):
    """An issued certificate and its status; the record is signed by the CA."""

    __tablename__ = "esig_certificates"
    serial: Mapped[str] = mapped_column(String(42), primary_key=True)
    subscriber_id: Mapped[str] = mapped_column(String(200), index=True)
    subject: Mapped[str] = mapped_column(Text)
    pem: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[str] = mapped_column(String(20))
    not_after: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16))
    revoked_at: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    publish: Mapped[bool] = mapped_column(Boolean)
    terms_version: Mapped[str] = mapped_column(String(100))
    event_sequence: Mapped[int] = mapped_column(Integer)
    signature: Mapped[str] = mapped_column(Text)


class EventRow(Base):
    """One record of the append-only, hash-chained event log (art. 5(k))."""

    __tablename__ = "esig_events"
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    time: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(32))
    operator: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    previous_hash: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64), unique=True)
    signature: Mapped[str] = mapped_column(Text)


class LogHeadRow(Base):
    """The log's last sequence and hash, signed: deleting the newest records shows."""

    __tablename__ = "esig_log_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer)
    record_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(Text)


class CrlStateRow(Base):
    """The number of the last CRL issued (RFC 5280 cRLNumber, monotonically increasing)."""

    __tablename__ = "esig_crl_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer)


def _sqlite_begin_immediate(engine: Engine) -> None:
    # pysqlite starts transactions lazily and as DEFERRED: two writers could read the
    # same log head. BEGIN IMMEDIATE takes the write lock when the transaction starts.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _unreadable(exc: OperationalError) -> ProviderStoreError:
    """The error for a database that cannot be read (the driver's reason kept)."""
    reason = " ".join(str(exc.orig).split())  # drivers' reasons span lines; esig's is one
    return ProviderStoreError(f"Cannot read the provider's database: {reason}")


def _sqlite_file(url: URL) -> Path | None:
    """The file a SQLite URL names, absolute; None in memory or in SQLite's URI form."""
    database = url.database
    if not database or database == ":memory:" or url.query.get("uri"):
        return None
    return Path(database).resolve()


class ProviderStore:
    """The provider's database, opened from a SQLAlchemy URL.

    Opening a store creates nothing. A SQLite file that does not exist is created by
    :meth:`create_tables` only, which :meth:`CertificateAuthority.create
    <esig.provider.ca.CertificateAuthority.create>` and
    :func:`~esig.provider.ceremony.key_ceremony` call; every other read or write of a
    missing file raises :class:`ProviderStoreError` naming it. The file's folder must
    exist: it is never created.

    Args:
        url: ``sqlite:///path/ca.db`` (the default kind), ``sqlite://`` (in memory) or a
            PostgreSQL URL such as ``postgresql+psycopg://ca@db.example/ca``.

    Raises:
        ProviderStoreError: The URL is not a database URL, the SQLite file's folder does
            not exist, or the database cannot be reached.

    """

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise ProviderStoreError(
                "Not a database URL; give e.g. sqlite:///ca.db or postgresql+psycopg://host/db"
            ) from None
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.is_postgresql = parsed.get_backend_name() == "postgresql"
        self.path = _sqlite_file(parsed) if self.is_sqlite else None
        """The SQLite database's file; None in memory and on another database."""
        if self.path is not None and not self.path.parent.is_dir():
            raise ProviderStoreError(
                f"The database's folder {self.path.parent} does not exist", path=self.path.parent
            )
        self._may_create = False
        try:
            self.engine = create_engine(
                parsed, connect_args={"timeout": 30} if self.is_sqlite else {}
            )
        except (ArgumentError, ImportError) as exc:
            raise ProviderStoreError(f"Cannot use this database URL: {exc}") from None
        if self.is_sqlite:
            _sqlite_begin_immediate(self.engine)
        if self.path is not None:
            event.listen(self.engine, "do_connect", self._open_existing)
        self.url = parsed.render_as_string(hide_password=True)
        """The URL, with any password hidden."""
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def for_path(cls, path: str | Path) -> ProviderStore:
        """A SQLite store in the file ``path``."""
        return cls(f"sqlite:///{Path(path).resolve()}")

    def _open_existing(
        self, _dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]
    ) -> None:
        # SQLite creates a missing file on connect; open it read-write only (mode=rw),
        # unless create_tables is setting up the database.
        if self._may_create or self.path is None:
            return
        if not self.path.exists():
            raise ProviderStoreError(
                f"No provider database at {self.path}; check the path (esig ca init "
                "creates the database)",
                path=self.path,
            )
        cargs[0] = f"{self.path.as_uri()}?mode=rw"
        cparams["uri"] = True

    def create_tables(self) -> None:
        """Create the tables and the append-only triggers (SQLite, PostgreSQL) if missing.

        The one operation that creates a SQLite database file that is not there yet.
        """
        self._may_create = True
        try:
            Base.metadata.create_all(self.engine)
            with self.engine.begin() as connection:
                for statement in self._guard_statements():
                    connection.execute(text(statement))
        except SQLAlchemyError as exc:
            cause = getattr(exc, "orig", None) or exc
            raise ProviderStoreError(f"Cannot create the provider's tables: {cause}") from None
        finally:
            self._may_create = False

    def _guard_statements(self) -> tuple[str, ...]:
        if self.is_postgresql:
            return _POSTGRESQL_GUARD
        if self.is_sqlite:
            return tuple(
                f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {action} ON esig_events "
                f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
                for name, action in zip(APPEND_ONLY_TRIGGERS, ("UPDATE", "DELETE"), strict=True)
            )
        return ()

    def is_set_up(self) -> bool:
        """Whether a CA was set up in this database."""
        try:
            if not inspect(self.engine).has_table(SettingRow.__tablename__):
                return False
            with self.transaction() as session:
                return session.get(SettingRow, "ca_certificate") is not None
        except OperationalError as exc:
            raise _unreadable(exc) from None

    def missing_triggers(self) -> tuple[str, ...]:
        """The append-only triggers absent (or disabled) in the database.

        SQLite and PostgreSQL have them; another database has none to miss.
        """
        expected: tuple[str, ...]
        if self.is_sqlite:
            query, expected = (
                "SELECT name FROM sqlite_master WHERE type = 'trigger'",
                APPEND_ONLY_TRIGGERS,
            )
        elif self.is_postgresql:
            # tgenabled 'D' is a trigger switched off with ALTER TABLE … DISABLE TRIGGER.
            query, expected = (
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'esig_events'::regclass "
                "AND tgenabled <> 'D'",
                POSTGRESQL_APPEND_ONLY_TRIGGERS,
            )
        else:
            return ()
        try:
            with self.engine.connect() as connection:
                present = {row[0] for row in connection.execute(text(query))}
        except OperationalError as exc:
            raise _unreadable(exc) from None
        return tuple(name for name in expected if name not in present)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed when the block ends, else rolled back."""
        session = self._sessions()
        try:
            with session.begin():
                yield session
        except SQLAlchemyError as exc:
            cause = getattr(exc, "orig", None) or exc
            raise ProviderStoreError(
                f"The provider's database refused the change: {cause}"
            ) from None
        finally:
            session.close()

    def setting(self, session: Session, key: str) -> str:
        """A setting's value; :class:`ProviderStoreError` when the CA was never set up."""
        row = session.get(SettingRow, key)
        if row is None:
            raise ProviderStoreError(
                f"No CA is set up in {self.url}; run esig ca init first (setting {key!r} missing)"
            )
        return row.value

    def settings(self, session: Session) -> dict[str, str]:
        """Every setting."""
        return {row.key: row.value for row in session.scalars(select(SettingRow))}

    def dispose(self) -> None:
        """Close the engine's connections."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"ProviderStore({self.url!r})"
