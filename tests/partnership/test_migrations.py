"""Migrations from an empty database to head, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from saferplaces.partnership.db import current_revision, head_revision, upgrade
from saferplaces.partnership.models import Base


def test_empty_to_head_creates_every_table(empty_engine: Engine):
    assert current_revision(empty_engine) is None
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision() == "0002"
    tables = set(inspect(empty_engine).get_table_names())
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    assert len(Base.metadata.tables) == 20
    upgrade(empty_engine)  # at head already: nothing to do
    assert current_revision(empty_engine) == "0002"


def test_migrations_match_the_models(engine: Engine):
    # A model change without a migration shows up here.
    with engine.connect() as con:
        diff = compare_metadata(MigrationContext.configure(con), Base.metadata)
    assert diff == []
