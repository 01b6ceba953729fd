"""Create the initial schema.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from lanner.backend.types import BigId, Json, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flows",
        sa.Column("namespace", sa.String(150), nullable=False),
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("updated", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("namespace", "id", name="pk_flows"),
    )
    op.create_table(
        "flow_revisions",
        sa.Column("namespace", sa.String(150), nullable=False),
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("created", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("namespace", "id", "revision", name="pk_flow_revisions"),
    )
    op.create_table(
        "executions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("namespace", sa.String(150), nullable=False),
        sa.Column("flow_id", sa.String(100), nullable=False),
        sa.Column("flow_revision", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created", UtcDateTime, nullable=False),
        sa.Column("end_date", UtcDateTime, nullable=True),
        sa.Column("data", Json, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_executions"),
    )
    op.create_index(
        "ix_executions_namespace_flow_id_created",
        "executions",
        ["namespace", "flow_id", "created"],
    )
    op.create_index("ix_executions_state", "executions", ["state"])
    op.create_index("ix_executions_created", "executions", ["created"])
    op.create_table(
        "task_runs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("execution_id", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("parent_id", sa.String(32), nullable=True),
        sa.Column("task_id", sa.String(256), nullable=False),
        sa.Column("value", sa.Text, nullable=True),
        sa.Column("iteration", sa.Integer, nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("data", Json, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_task_runs"),
    )
    op.create_index("ix_task_runs_execution_id_seq", "task_runs", ["execution_id", "seq"])
    op.create_table(
        "executor_messages",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("execution_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", Json, nullable=False),
        sa.Column("deliver_at", UtcDateTime, nullable=False),
        sa.Column("created", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_executor_messages"),
    )
    op.create_index("ix_executor_messages_deliver_at", "executor_messages", ["deliver_at"])
    op.create_index(
        "ix_executor_messages_execution_id_id", "executor_messages", ["execution_id", "id"]
    )
    op.create_table(
        "dead_messages",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("message_id", sa.BigInteger, nullable=True),
        sa.Column("execution_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", Json, nullable=True),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("created", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dead_messages"),
    )
    op.create_index("ix_dead_messages_execution_id", "dead_messages", ["execution_id"])
    op.create_table(
        "worker_jobs",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("execution_id", sa.String(32), nullable=False),
        sa.Column("task_run_id", sa.String(32), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("worker_group", sa.String(150), nullable=True),
        sa.Column("payload", Json, nullable=False),
        sa.Column("created", UtcDateTime, nullable=False),
        sa.Column("worker_id", sa.String(64), nullable=True),
        sa.Column("claim_token", sa.String(32), nullable=True),
        sa.Column("claimed_at", UtcDateTime, nullable=True),
        sa.Column("kill_requested", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_worker_jobs"),
    )
    op.create_index("ix_worker_jobs_worker_id_id", "worker_jobs", ["worker_id", "id"])
    op.create_index("ix_worker_jobs_task_run_id", "worker_jobs", ["task_run_id"])
    op.create_index("ix_worker_jobs_execution_id", "worker_jobs", ["execution_id"])
    op.create_table(
        "logs",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("execution_id", sa.String(32), nullable=False),
        sa.Column("namespace", sa.String(150), nullable=False),
        sa.Column("flow_id", sa.String(100), nullable=False),
        sa.Column("task_run_id", sa.String(32), nullable=True),
        sa.Column("task_id", sa.String(256), nullable=True),
        sa.Column("attempt", sa.Integer, nullable=True),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("timestamp", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_logs"),
    )
    op.create_index("ix_logs_execution_id_id", "logs", ["execution_id", "id"])
    op.create_table(
        "components",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("hostname", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("worker_group", sa.String(150), nullable=True),
        sa.Column("started", UtcDateTime, nullable=False),
        sa.Column("heartbeat", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_components"),
    )


def downgrade() -> None:
    for table in (
        "components",
        "logs",
        "worker_jobs",
        "dead_messages",
        "executor_messages",
        "task_runs",
        "executions",
        "flow_revisions",
        "flows",
    ):
        op.drop_table(table)
