"""Partnership tests run on SQLite and on the local PostgreSQL server (a throwaway database).

PostgreSQL is never skipped: if the server on 127.0.0.1:5432 is down the tests fail with a
message saying how to start it (``.ci/run`` does).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from saferplaces.partnership.db import create_engine_for, upgrade
from saferplaces.partnership.models import Base

PG_SERVER = os.environ.get("SAFERPLACES_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A uniquely named PostgreSQL database for this test session, dropped afterwards."""
    name = f"saferplaces_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as e:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_SERVER} ({str(e).strip()}); the partnership "
            "tests need it. Start it (`pg_ctlcluster <version> main start`, as .ci/run does) "
            "or point $SAFERPLACES_TEST_PG at a server.",
            pytrace=False,
        )
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield PG_SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + (
                f"/{name}"
            )
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database: a SQLite file, or the session's PostgreSQL database
    wiped clean."""
    if request.param == "sqlite":
        engine = create_engine_for(f"sqlite:///{tmp_path / 'partnership.db'}")
    else:
        engine = create_engine_for(request.getfixturevalue("pg_database"))
        Base.metadata.drop_all(engine)
        with engine.begin() as con:
            con.execute(text("DROP TABLE IF EXISTS alembic_version"))
    yield engine
    engine.dispose()


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """A database migrated to head."""
    upgrade(empty_engine)
    return empty_engine


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
