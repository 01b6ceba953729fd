"""The tables. Alembic migrations under `migrations/` create exactly this schema."""

from __future__ import annotations

import sqlalchemy as sa

from lanner.backend.types import BigId, Json, UtcDateTime

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# The latest revision of each flow; every revision is kept in flow_revisions.
flows = sa.Table(
    "flows",
    metadata,
    sa.Column("namespace", sa.String(150), primary_key=True),
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    sa.Column("updated", UtcDateTime, nullable=False),
)

flow_revisions = sa.Table(
    "flow_revisions",
    metadata,
    sa.Column("namespace", sa.String(150), primary_key=True),
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    sa.Column("created", UtcDateTime, nullable=False),
)

executions = sa.Table(
    "executions",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("namespace", sa.String(150), nullable=False),
    sa.Column("flow_id", sa.String(100), nullable=False),
    sa.Column("flow_revision", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("created", UtcDateTime, nullable=False),
    sa.Column("end_date", UtcDateTime, nullable=True),
    # Histories, inputs, outputs, labels, trigger and the root's bookkeeping.
    sa.Column("data", Json, nullable=False),
    # Incremented on every save: the executor's cache of an execution is valid while it matches.
    sa.Column("version", sa.Integer, nullable=False, default=0),
    # The execution whose Subflow or ForEachItem task started this one.
    sa.Column("parent_id", sa.String(32), nullable=True),
    sa.Index(None, "namespace", "flow_id", "created"),
    sa.Index(None, "parent_id"),
    sa.Index(None, "state"),
    sa.Index(None, "created"),
)

task_runs = sa.Table(
    "task_runs",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("execution_id", sa.String(32), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("parent_id", sa.String(32), nullable=True),
    sa.Column("task_id", sa.String(256), nullable=False),
    sa.Column("value", sa.Text, nullable=True),
    sa.Column("iteration", sa.Integer, nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    # Histories, attempts, outputs and flowable bookkeeping.
    sa.Column("data", Json, nullable=False),
    sa.Index(None, "execution_id", "seq"),
)

executor_messages = sa.Table(
    "executor_messages",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("execution_id", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("payload", Json, nullable=False),
    sa.Column("deliver_at", UtcDateTime, nullable=False),
    sa.Column("created", UtcDateTime, nullable=False),
    sa.Index(None, "deliver_at"),
    sa.Index(None, "execution_id", "id"),
)

# Messages the executor could not apply, kept with their error for an operator to inspect.
dead_messages = sa.Table(
    "dead_messages",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("message_id", sa.BigInteger, nullable=True),
    sa.Column("execution_id", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("payload", Json, nullable=True),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("created", UtcDateTime, nullable=False),
    sa.Index(None, "execution_id"),
)

worker_jobs = sa.Table(
    "worker_jobs",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("execution_id", sa.String(32), nullable=False),
    sa.Column("task_run_id", sa.String(32), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("worker_group", sa.String(150), nullable=True),
    sa.Column("payload", Json, nullable=False),
    sa.Column("created", UtcDateTime, nullable=False),
    sa.Column("worker_id", sa.String(64), nullable=True),
    # A fresh token per claim: a result is accepted only with the token of the current claim.
    sa.Column("claim_token", sa.String(32), nullable=True),
    sa.Column("claimed_at", UtcDateTime, nullable=True),
    sa.Column("kill_requested", sa.Boolean, nullable=False, default=False),
    sa.Index(None, "worker_id", "id"),
    sa.Index(None, "task_run_id"),
    sa.Index(None, "execution_id"),
)

logs = sa.Table(
    "logs",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("execution_id", sa.String(32), nullable=False),
    sa.Column("namespace", sa.String(150), nullable=False),
    sa.Column("flow_id", sa.String(100), nullable=False),
    sa.Column("task_run_id", sa.String(32), nullable=True),
    sa.Column("task_id", sa.String(256), nullable=True),
    sa.Column("attempt", sa.Integer, nullable=True),
    sa.Column("level", sa.String(8), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("timestamp", UtcDateTime, nullable=False),
    sa.Index(None, "execution_id", "id"),
)

# Running Lanner components (executors, workers, schedulers, webservers) and their heartbeats.
components = sa.Table(
    "components",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("hostname", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("worker_group", sa.String(150), nullable=True),
    sa.Column("started", UtcDateTime, nullable=False),
    sa.Column("heartbeat", UtcDateTime, nullable=False),
)

# Key-value pairs stored per namespace; `expires` is set when the pair has a TTL.
kv = sa.Table(
    "kv",
    metadata,
    sa.Column("namespace", sa.String(150), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("value", Json, nullable=True),
    sa.Column("updated", UtcDateTime, nullable=False),
    sa.Column("expires", UtcDateTime, nullable=True),
)

# The state of each trigger of each flow: the next date a Schedule fires, whether the trigger is
# disabled, and what a scheduler must remember between two evaluations.
triggers = sa.Table(
    "triggers",
    metadata,
    sa.Column("namespace", sa.String(150), primary_key=True),
    sa.Column("flow_id", sa.String(100), primary_key=True),
    sa.Column("trigger_id", sa.String(256), primary_key=True),
    sa.Column("flow_revision", sa.Integer, nullable=False),
    sa.Column("next_date", UtcDateTime, nullable=True),
    sa.Column("last_date", UtcDateTime, nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("data", Json, nullable=False),
    sa.Column("updated", UtcDateTime, nullable=False),
    sa.Index(None, "next_date"),
)
