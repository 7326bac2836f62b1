"""Partnership tests run on SQLite and on the local PostgreSQL server (a throwaway database).

PostgreSQL is never skipped: if the server on 127.0.0.1:5432 is down the tests fail with a
message saying how to start it (``.ci/run`` does).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from saferplaces.partnership.db import create_engine_for, upgrade
from saferplaces.partnership.models import Base
from saferplaces.settings import LocalitySettings
from saferplaces.workspace import Workspace

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


# A hand-built warehouse for the strategy's baseline period (November 2019 to October 2020) ----

TELFORD = {"E01014171": 1000, "E01014172": 2000, "E01014173": 1000}
BASELINE = "2019-11..2020-10"


def _crimes(con, n: int, month: str, crime_type: str, lsoa: str) -> None:
    con.execute(
        "INSERT INTO crime (month, force, crime_type, lsoa, lsoa_code, lsoa_name, placed_by, "
        "ingest_id, line) SELECT ?::DATE, 'west-mercia', ?, ?, ?, ?, 'code', 1, range "
        "FROM range(?)",
        [month, crime_type, lsoa, lsoa, f"Telford and Wrekin {lsoa[-3:]}", n],
    )


@pytest.fixture
def warehouse(workspace: Workspace) -> Workspace:
    """Three Telford LSOAs (4,000 residents) holding November 2019 to October 2020; two of the
    bundled strategy's localities defined (Arleston, Dawley and Malinslee), the third not."""
    con = workspace.connect()
    for code, pop in TELFORD.items():
        con.execute(
            "INSERT INTO lsoa (lsoa_code, lsoa_name, vintage, lad_code, area_km2) "
            "VALUES (?, ?, 2021, 'E06000020', 1.0)",
            [code, f"Telford and Wrekin {code[-3:]}"],
        )
        con.execute("INSERT INTO population VALUES (?, 2021, 2021, ?, 'test')", [code, pop])
    for month in pd.date_range("2019-11-01", "2020-10-01", freq="MS"):
        con.execute(
            "INSERT INTO partition VALUES ('street', 'west-mercia', ?, 1, 'x', 0)", [month.date()]
        )
    _crimes(con, 30, "2019-11-01", "Burglary", "E01014171")
    _crimes(con, 12, "2020-03-01", "Violence and sexual offences", "E01014171")
    _crimes(con, 20, "2020-02-01", "Shoplifting", "E01014172")
    _crimes(con, 10, "2020-06-01", "Robbery", "E01014173")
    _crimes(con, 8, "2020-10-01", "Criminal damage and arson", "E01014173")
    con.execute(
        "INSERT INTO asb (month, force, lsoa, placed_by, ingest_id, line) "
        "SELECT '2020-01-01', 'west-mercia', 'E01014172', 'code', 2, range FROM range(5)"
    )
    con.close()
    workspace.settings.localities["Arleston"] = LocalitySettings(lsoas=["E01014171"])
    workspace.settings.localities["Dawley and Malinslee"] = LocalitySettings(
        lsoas=["E01014172", "E01014173"]
    )
    workspace.save_settings()
    return workspace
