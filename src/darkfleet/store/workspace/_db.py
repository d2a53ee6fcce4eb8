"""Opening the workspace database and migrating it (store layer).

Imports only ``errors`` of darkfleet. ``connect`` turns a URL into a SQLAlchemy engine
(``postgresql://`` means the psycopg 3 driver, the one darkfleet ships) and runs the
Alembic migrations shipped in ``migrations/versions`` up to the wanted revision.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from darkfleet.errors import ConfigError, StoreError

__all__ = ["HEAD", "MIGRATIONS", "connect", "current_revision", "safe_url"]

#: The migration scripts shipped inside the package.
MIGRATIONS: Final = Path(__file__).resolve().parent / "migrations"
#: The newest revision; ``connect`` migrates to it unless told otherwise.
HEAD: Final = "head"
_EXAMPLE_URLS: Final = (
    "postgresql://USER:PASSWORD@HOST:5432/DBNAME or sqlite:////path/workspace.sqlite"
)


def safe_url(url: URL) -> str:
    """Render ``url`` for messages, with any password masked."""
    return url.render_as_string(hide_password=True)


def _parse_url(text: str, where: str) -> URL:
    try:
        url = make_url(text)
    except ArgumentError as err:
        raise ConfigError(
            f"{where}: {text!r} is not a database URL; write e.g. {_EXAMPLE_URLS}"
        ) from err
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"{where}: database {url.get_backend_name()!r} is not supported; the workspace "
            f"runs on PostgreSQL or SQLite, e.g. {_EXAMPLE_URLS}"
        )
    return url


def _upgrade(connection: sa.Connection, revision: str) -> None:
    """Run the shipped migrations on ``connection`` up to ``revision``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)

    def upgrade(rev: object, context: MigrationContext) -> object:
        return script._upgrade_revs(revision, rev)  # type: ignore[arg-type]

    env = EnvironmentContext(config, script, fn=upgrade, destination_rev=revision)
    with env:
        env.configure(connection=connection)
        with env.begin_transaction():
            env.run_migrations()


def current_revision(engine: sa.Engine) -> str | None:
    """Return the workspace's migration revision (``None`` before the first migration)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def connect(text: str, *, where: str, revision: str = HEAD) -> sa.Engine:
    """Open the database at URL ``text`` and migrate it to ``revision``.

    Parameters
    ----------
    text
        A SQLAlchemy URL: ``postgresql://...`` (psycopg 3) or ``sqlite:///PATH``.
    where
        Where the URL came from, for messages (e.g. ``$DARKFLEET_DATABASE_URL``).
    revision
        Migrate up to this revision; the newest by default. Tests open older revisions
        to check that a database made by an older darkfleet upgrades.

    Raises
    ------
    ConfigError
        The URL is malformed or names a database other than PostgreSQL or SQLite.
    StoreError
        The database cannot be reached or migrated (the message names it without its
        password).
    """
    url = _parse_url(text, where)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        folder = Path(url.database).parent
        if not folder.is_dir():
            raise StoreError(
                f"{where}: folder {folder} of the SQLite workspace does not exist; create it "
                "or point the URL elsewhere"
            )
    try:
        engine = sa.create_engine(url)
    except (ArgumentError, NoSuchModuleError) as err:
        raise ConfigError(
            f"{where}: cannot use {safe_url(url)}: {err}; write e.g. {_EXAMPLE_URLS}"
        ) from err
    try:
        with engine.begin() as connection:
            _upgrade(connection, revision)
    except SQLAlchemyError as err:
        engine.dispose()
        reason = str(getattr(err, "orig", None) or err).strip().splitlines()[0]
        raise StoreError(
            f"cannot open the workspace database {safe_url(url)} ({where}): {reason}; check "
            "that the server runs and the URL, user and password are right"
        ) from err
    return engine
