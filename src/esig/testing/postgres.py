"""A throwaway PostgreSQL server for tests: its own data folder, a unix socket, no TCP.

:class:`LocalPostgres` runs the Debian ``postgresql`` package's own ``initdb`` and
``pg_ctl`` (found under ``/usr/lib/postgresql/*/bin``, the newest version, or through
``pg_config --bindir``). PostgreSQL refuses to run as root: when this process is root,
the server runs as the ``postgres`` system user (``runuser``). It listens only on a unix
socket in its temporary folder, with ``trust`` authentication (nothing else can reach
it). Two roles exist: ``postgres`` (the superuser, for tests that tamper with the
database behind esig's back) and ``esig`` (an ordinary role that owns each database
made by :meth:`LocalPostgres.create_database`, as an application's account would).

The session fixture ``esig_postgres`` starts one server for the whole test run and
stops it at the end; ``ESIG_REQUIRE_REAL=1`` turns a missing PostgreSQL into a failure.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Final

import pytest

from esig.testing.real import real_part_missing

__all__ = ["APPLICATION_ROLE", "LocalPostgres", "esig_postgres", "postgres_bin_dir"]

APPLICATION_ROLE: Final = "esig"
"""The ordinary (non-superuser) role that owns the test databases."""

_SUPERUSER: Final = "postgres"
_PORT: Final = 5432
"""The port in the socket's name (``.s.PGSQL.5432``); nothing listens on TCP."""
_TIMEOUT: Final = 60


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def postgres_bin_dir() -> Path | None:
    """The folder with ``initdb`` and ``pg_ctl``: the newest Debian version, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)
    if found:
        return Path(found[-1]).parent
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        result = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False, timeout=30
        )
        folder = Path(result.stdout.strip())
        if result.returncode == 0 and (folder / "initdb").exists():
            return folder
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class LocalPostgres:
    """A PostgreSQL server in a temporary folder, reachable only through its unix socket.

    Args:
        bin_dir: The folder with ``initdb``, ``pg_ctl`` and ``psql`` (default:
            :func:`postgres_bin_dir`).

    Raises:
        FileNotFoundError: PostgreSQL is not installed, or this process is root and
            there is no ``postgres`` user to run it as.

    """

    def __init__(self, bin_dir: Path | None = None) -> None:
        folder = bin_dir or postgres_bin_dir()
        if folder is None:
            raise FileNotFoundError("PostgreSQL is not installed (Debian package postgresql)")
        self.bin_dir = folder
        """Where the PostgreSQL programs are."""
        self._as_user: Sequence[str] = ()
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None or _uid_of(_SUPERUSER) is None:
                raise FileNotFoundError("Running as root needs runuser and a 'postgres' user")
            self._as_user = (runuser, "-u", _SUPERUSER, "--")
        self.folder: Path | None = None
        """The temporary folder (data and socket) while the server exists."""
        self._names = itertools.count(1)

    # -- lifecycle

    def start(self) -> LocalPostgres:
        """Make the cluster, start the server and create the application role."""
        if self.folder is not None:
            raise RuntimeError("the PostgreSQL server is already running")
        folder = Path(tempfile.mkdtemp(prefix="esig-pg-"))
        self.folder = folder
        try:
            if self._as_user:
                uid = _uid_of(_SUPERUSER)
                assert uid is not None
                os.chown(folder, uid, -1)
            self._run(
                "initdb", "-D", str(self.data_dir), "-U", _SUPERUSER, "--auth=trust",
                "--no-sync", "--encoding=UTF8", "--locale=C",
            )  # fmt: skip
            options = f"-k {folder} -c listen_addresses='' -c port={_PORT} -c fsync=off"
            self._run(
                "pg_ctl", "-D", str(self.data_dir), "-l", str(folder / "server.log"),
                "-o", options, "-w", "-t", str(_TIMEOUT), "start",
            )  # fmt: skip
            self.psql(f"CREATE ROLE {APPLICATION_ROLE} LOGIN")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder. Does nothing when stopped."""
        folder, self.folder = self.folder, None
        if folder is None:
            return
        try:
            if (folder / "data" / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(folder / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    # -- where

    @property
    def socket_dir(self) -> Path:
        """The folder with the server's unix socket (libpq's ``host``)."""
        if self.folder is None:
            raise RuntimeError("the PostgreSQL server is not running")
        return self.folder

    @property
    def data_dir(self) -> Path:
        """The cluster's data folder."""
        return self.socket_dir / "data"

    def url(self, database: str, *, superuser: bool = False) -> str:
        """A SQLAlchemy URL (``postgresql+psycopg``) for ``database`` over the socket."""
        role = _SUPERUSER if superuser else APPLICATION_ROLE
        return f"postgresql+psycopg://{role}@/{database}?host={self.socket_dir}&port={_PORT}"

    def conninfo(self, database: str, *, superuser: bool = True) -> str:
        """A libpq connection string for ``database`` (psycopg's ``connect``)."""
        role = _SUPERUSER if superuser else APPLICATION_ROLE
        return f"host={self.socket_dir} port={_PORT} dbname={database} user={role}"

    # -- databases

    def create_database(self) -> str:
        """A new, empty database owned by the application role; its name."""
        name = f"esig_test_{next(self._names)}"
        self.psql(f"CREATE DATABASE {name} OWNER {APPLICATION_ROLE}")
        return name

    def psql(self, statement: str, *, database: str = "postgres") -> str:
        """Run one SQL statement as the superuser; its output (tuples only)."""
        return self._run(
            "psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir),
            "-p", str(_PORT), "-U", _SUPERUSER, "-d", database, "-c", statement,
        )  # fmt: skip

    def _run(self, program: str, *args: str) -> str:
        result = subprocess.run(
            [*self._as_user, str(self.bin_dir / program), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=_TIMEOUT,
            stdin=subprocess.DEVNULL,
            cwd=self.folder or tempfile.gettempdir(),
        )
        if result.returncode != 0:
            raise RuntimeError(f"{program} failed: {result.stderr.strip() or result.stdout}")
        return result.stdout

    def __repr__(self) -> str:
        return f"LocalPostgres({self.bin_dir}, socket in {self.folder})"


def _uid_of(user: str) -> int | None:
    import pwd  # noqa: PLC0415 - POSIX only, needed only when running as root

    try:
        return pwd.getpwnam(user).pw_uid
    except KeyError:
        return None


@pytest.fixture(scope="session")
def esig_postgres() -> Iterator[LocalPostgres]:
    """A real PostgreSQL server for this session (unix socket only); see :class:`LocalPostgres`."""
    try:
        import psycopg  # noqa: F401, PLC0415 - psycopg is optional (esig[provider])
    except ImportError:
        real_part_missing("psycopg (install esig[provider])")
    try:
        server = LocalPostgres()
    except FileNotFoundError as exc:
        real_part_missing(str(exc))
        raise AssertionError("unreachable") from None  # pragma: no cover
    server.start()
    try:
        yield server
    finally:
        server.stop()
