"""Deleting ended executions with everything they own, a batch per transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.schema import (
    dead_messages,
    executions,
    executor_messages,
    logs,
    task_runs,
    worker_jobs,
)
from lanner.states import TERMINAL_STATES


@dataclass(frozen=True)
class PurgedExecution:
    id: str
    namespace: str
    flow_id: str


@dataclass
class PurgeCounts:
    executions: int = 0
    task_runs: int = 0
    logs: int = 0

    def add(self, other: PurgeCounts) -> None:
        self.executions += other.executions
        self.task_runs += other.task_runs
        self.logs += other.logs


async def purge_batch(
    connection: AsyncConnection, ended_before: datetime, size: int, skip_locked: bool
) -> tuple[list[PurgedExecution], PurgeCounts]:
    """Delete up to `size` executions that ended before the date, with their rows."""
    query = (
        sa.select(executions.c.id, executions.c.namespace, executions.c.flow_id)
        .where(
            executions.c.end_date < ended_before,
            executions.c.state.in_([state.value for state in TERMINAL_STATES]),
        )
        .order_by(executions.c.end_date)
        .limit(size)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    purged = [PurgedExecution(row[0], row[1], row[2]) for row in await connection.execute(query)]
    if not purged:
        return [], PurgeCounts()
    ids = [item.id for item in purged]
    counts = PurgeCounts(executions=len(ids))
    counts.task_runs = (
        await connection.execute(sa.delete(task_runs).where(task_runs.c.execution_id.in_(ids)))
    ).rowcount
    counts.logs = (
        await connection.execute(sa.delete(logs).where(logs.c.execution_id.in_(ids)))
    ).rowcount
    for table in (executor_messages, worker_jobs, dead_messages):
        await connection.execute(sa.delete(table).where(table.c.execution_id.in_(ids)))
    await connection.execute(sa.delete(executions).where(executions.c.id.in_(ids)))
    return purged, counts
