"""Alembic environment: runs on the engine handed in by saferplaces.partnership.db."""

from __future__ import annotations

from alembic import context

from saferplaces.partnership.models import Base


def run_migrations() -> None:
    """Migrate the engine in the Alembic config's attributes, in one transaction."""
    engine = context.config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


# Alembic sets context.config while it runs this file; plain imports (doctest collection) do not.
if getattr(context, "config", None) is not None:
    run_migrations()
