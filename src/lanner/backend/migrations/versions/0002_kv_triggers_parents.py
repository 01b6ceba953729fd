"""Add the kv and triggers tables and the parent execution of an execution.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from lanner.backend.types import Json, UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("executions") as batch:
        batch.add_column(sa.Column("parent_id", sa.String(32), nullable=True))
        batch.create_index("ix_executions_parent_id", ["parent_id"])
    op.create_table(
        "kv",
        sa.Column("namespace", sa.String(150), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", Json, nullable=True),
        sa.Column("updated", UtcDateTime, nullable=False),
        sa.Column("expires", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("namespace", "key", name="pk_kv"),
    )
    op.create_table(
        "triggers",
        sa.Column("namespace", sa.String(150), nullable=False),
        sa.Column("flow_id", sa.String(100), nullable=False),
        sa.Column("trigger_id", sa.String(256), nullable=False),
        sa.Column("flow_revision", sa.Integer, nullable=False),
        sa.Column("next_date", UtcDateTime, nullable=True),
        sa.Column("last_date", UtcDateTime, nullable=True),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("data", Json, nullable=False),
        sa.Column("updated", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("namespace", "flow_id", "trigger_id", name="pk_triggers"),
    )
    op.create_index("ix_triggers_next_date", "triggers", ["next_date"])


def downgrade() -> None:
    op.drop_table("triggers")
    op.drop_table("kv")
    with op.batch_alter_table("executions") as batch:
        batch.drop_index("ix_executions_parent_id")
        batch.drop_column("parent_id")
