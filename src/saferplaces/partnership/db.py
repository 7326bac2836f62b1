"""The partnership database: engine and sessions, migrated to head on first use.

The URL comes from ``settings.partnership.database_url``; without one the database is the
SQLite file ``partnership.db`` in the workspace. PostgreSQL (``postgresql+psycopg://...``) is
for a multi-user deployment. Alembic migrations (``migrations/`` in this package) are run
programmatically, so a user never needs an ``alembic.ini``.

Examples
--------
>>> engine = create_engine_for("sqlite://")
>>> upgrade(engine)
>>> current_revision(engine) == head_revision()
True
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from saferplaces.errors import SaferplacesError
from saferplaces.partnership import audit

if TYPE_CHECKING:
    from saferplaces.workspace import Workspace

__all__ = [
    "DATABASE_FILE",
    "create_engine_for",
    "current_revision",
    "database_url",
    "head_revision",
    "open_database",
    "session_scope",
    "upgrade",
]

DATABASE_FILE = "partnership.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url(ws: Workspace) -> str:
    """The workspace's partnership database URL (default: SQLite ``partnership.db`` in it)."""
    url = ws.settings.partnership.database_url
    return url or f"sqlite:///{ws.root / DATABASE_FILE}"


def _sqlite_foreign_keys(dbapi_connection: object, connection_record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine_for(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys enforced like PostgreSQL."""
    try:
        engine = create_engine(url)
    except Exception as e:  # bad URL or missing driver
        raise SaferplacesError(
            f"partnership database URL {url!r} cannot be used ({e}); set "
            "[partnership] database_url in saferplaces.toml to a SQLAlchemy URL such as "
            "postgresql+psycopg://user@host/db, or remove it to use partnership.db"
        ) from None
    audit.install()
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_foreign_keys)
    return engine


def _config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    """The newest migration."""
    head = ScriptDirectory.from_config(_config(create_engine("sqlite://"))).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as con:
        return MigrationContext.configure(con).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations up to ``revision``."""
    try:
        command.upgrade(_config(engine), revision)
    except OperationalError as e:
        raise SaferplacesError(
            f"cannot migrate the partnership database {engine.url!r}: {e.orig}"
        ) from None


def open_database(ws: Workspace) -> sessionmaker[Session]:
    """Sessions on the workspace's partnership database, migrated to head first if needed."""
    engine = create_engine_for(database_url(ws))
    try:
        at = current_revision(engine)
    except OperationalError as e:
        raise SaferplacesError(
            f"cannot open the partnership database {engine.url!r}: {e.orig}; check "
            "[partnership] database_url in saferplaces.toml and that the server is running"
        ) from None
    if at != head_revision():
        upgrade(engine)
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed on success, rolled back on any error."""
    with factory() as session, session.begin():
        yield session
