"""Workspace fixtures: every workspace test runs on SQLite and on a real PostgreSQL.

``postgres_server`` starts a throwaway PostgreSQL cluster for the test session: initdb
into a fresh temporary directory, ``pg_ctl start`` listening only on 127.0.0.1 (a free
port) with its socket in that directory, trust authentication for local connections,
and ``pg_ctl stop`` plus removal of the directory at the end. PostgreSQL refuses to run
as root, so as root the server runs as the ``postgres`` OS user (the Debian package
creates it) through ``runuser``.

When the PostgreSQL binaries are absent (a user's clone without the server installed)
the PostgreSQL cases skip with the reason; with ``CI=true`` they fail instead, so CI
can never pass without running them (``.ci/run`` installs the ``postgresql`` package).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
_database_numbers = itertools.count(1)


def _pg_bin() -> Path | None:
    """The newest installed server's bin directory (``/usr/lib/postgresql/N/bin``)."""
    found = [Path(p) for p in glob.glob(PG_BIN_GLOB) if (Path(p) / "initdb").is_file()]
    return max(found, key=lambda p: int(p.parent.name), default=None) if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    """Run ``command`` as ``postgres`` when we are root (the server refuses root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Start a throwaway PostgreSQL on 127.0.0.1; yield its admin URL; stop it after."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        reason = (
            f"PostgreSQL server binaries not found ({PG_BIN_GLOB}/initdb): install the "
            "Debian package `postgresql` to run the workspace tests on PostgreSQL too"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="darkfleet-pg-"))
    if os.geteuid() == 0:
        server_user = pwd.getpwnam("postgres")
        os.chown(base, server_user.pw_uid, server_user.pw_gid)
    data_dir = base / "data"
    port = _free_port()
    log_file = base / "server.log"
    subprocess.run(
        _as_server_user(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-h 127.0.0.1 -p {port} -k {base} -F"
    pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-l", str(log_file)]
    started = subprocess.run(
        _as_server_user([*pg_ctl, "-o", options, "-w", "-t", "60", "start"]),
        capture_output=True,
        text=True,
    )
    if started.returncode != 0:
        log = log_file.read_text() if log_file.exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {started.stderr}\n{log}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_server_user([*pg_ctl, "-m", "fast", "-w", "stop"]), capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _new_postgres_database(admin_url: str) -> str:
    """Create an empty database on the test server and return its URL."""
    name = f"workspace_{os.getpid()}_{next(_database_numbers)}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty workspace database: SQLite in tmp_path, or a new PostgreSQL one."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'workspace.sqlite'}"
    return _new_postgres_database(request.getfixturevalue("postgres_server"))


@pytest.fixture
def backend(database_url: str) -> str:
    """``"sqlite"`` or ``"postgresql"``: the backend of this test case."""
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"
