"""KPI values computed from the warehouse keep their metric, harm scheme and time

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kpi_value", schema=None) as batch_op:
        batch_op.add_column(sa.Column("metric", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("harm_scheme", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("computed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kpi_value", schema=None) as batch_op:
        batch_op.drop_column("computed_at")
        batch_op.drop_column("harm_scheme")
        batch_op.drop_column("metric")
