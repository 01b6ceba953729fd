"""Stored executions and task runs.

Saving writes only what changed: the execution row when its own fields changed (its version is
bumped every time, so that an executor's cached copy can be checked cheaply), inserts for new
task runs and updates for changed ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.codec import (
    execution_from_row,
    execution_row,
    task_run_data,
    task_run_from_row,
    task_run_row,
)
from lanner.backend.schema import executions, flows, task_runs
from lanner.backend.sql import escape_like
from lanner.executions.model import Execution
from lanner.states import TERMINAL_STATES, State

# States in which an execution holds one of its flow's concurrency slots.
SLOT_STATES = [State.RUNNING.value, State.PAUSED.value, State.KILLING.value]


class ExecutionRepository:
    def __init__(self, skip_locked: bool) -> None:
        self.skip_locked = skip_locked

    async def insert(self, connection: AsyncConnection, execution: Execution) -> None:
        await connection.execute(sa.insert(executions).values(**execution_row(execution)))
        await self._write_task_runs(connection, execution)
        execution.clear_changes()

    async def lock(self, connection: AsyncConnection, execution_id: str, wait: bool) -> int | None:
        """Lock an execution's row and return its version; None when another process holds it."""
        query = sa.select(executions.c.version).where(executions.c.id == execution_id)
        if self.skip_locked:
            query = query.with_for_update(skip_locked=not wait)
        return (await connection.execute(query)).scalar_one_or_none()

    async def lock_flow(self, connection: AsyncConnection, namespace: str, flow_id: str) -> None:
        """Lock a flow's row, so that concurrency slots of the flow are counted one at a time."""
        if self.skip_locked:
            await connection.execute(
                sa.select(flows.c.id)
                .where(flows.c.namespace == namespace, flows.c.id == flow_id)
                .with_for_update()
            )

    async def count_running(
        self, connection: AsyncConnection, namespace: str, flow_id: str, exclude: str
    ) -> int:
        """Count the executions of a flow that hold a concurrency slot (PAUSED ones do)."""
        return int(
            (
                await connection.execute(
                    sa.select(sa.func.count())
                    .select_from(executions)
                    .where(
                        executions.c.namespace == namespace,
                        executions.c.flow_id == flow_id,
                        executions.c.state.in_(SLOT_STATES),
                        executions.c.id != exclude,
                    )
                )
            ).scalar_one()
        )

    async def oldest_queued(
        self, connection: AsyncConnection, namespace: str, flow_id: str, count: int, exclude: str
    ) -> list[str]:
        """Return the ids of the `count` oldest QUEUED executions of a flow, except `exclude`."""
        rows = await connection.execute(
            sa.select(executions.c.id)
            .where(
                executions.c.namespace == namespace,
                executions.c.flow_id == flow_id,
                executions.c.state == State.QUEUED.value,
                executions.c.id != exclude,
            )
            .order_by(executions.c.created, executions.c.id)
            .limit(count)
        )
        return [row[0] for row in rows]

    async def children(self, connection: AsyncConnection, execution_id: str) -> list[str]:
        """Return the ids of the subflow executions started by an execution."""
        rows = await connection.execute(
            sa.select(executions.c.id)
            .where(executions.c.parent_id == execution_id)
            .order_by(executions.c.created, executions.c.id)
        )
        return [row[0] for row in rows]

    async def exists(self, connection: AsyncConnection, execution_id: str) -> bool:
        found = await connection.execute(
            sa.select(executions.c.id).where(executions.c.id == execution_id)
        )
        return found.first() is not None

    async def load(self, connection: AsyncConnection, execution_id: str) -> Execution | None:
        row = (
            await connection.execute(sa.select(executions).where(executions.c.id == execution_id))
        ).first()
        if row is None:
            return None
        execution = execution_from_row(row)
        rows = await connection.execute(
            sa.select(task_runs)
            .where(task_runs.c.execution_id == execution_id)
            .order_by(task_runs.c.seq)
        )
        execution.load_task_runs([task_run_from_row(task_row) for task_row in rows])
        return execution

    async def save(self, connection: AsyncConnection, execution: Execution) -> None:
        """Write what changed since the last save and bump the version."""
        execution.version += 1
        row = execution_row(execution)
        if execution.changed:
            await connection.execute(
                sa.update(executions).where(executions.c.id == execution.id).values(**row)
            )
        else:
            await connection.execute(
                sa.update(executions)
                .where(executions.c.id == execution.id)
                .values(version=execution.version)
            )
        await self._write_task_runs(connection, execution)
        execution.clear_changes()

    async def _write_task_runs(self, connection: AsyncConnection, execution: Execution) -> None:
        if execution.removed_task_runs:
            await connection.execute(
                sa.delete(task_runs).where(task_runs.c.id.in_(execution.removed_task_runs))
            )
        new_rows = [task_run_row(execution.task_runs[run_id]) for run_id in execution.new_task_runs]
        if new_rows:
            await connection.execute(sa.insert(task_runs), new_rows)
        changed = [execution.task_runs[run_id] for run_id in execution.changed_task_runs]
        if changed:
            await connection.execute(
                sa.update(task_runs)
                .where(task_runs.c.id == sa.bindparam("run_id"))
                .values(
                    state=sa.bindparam("new_state"),
                    data=sa.bindparam("new_data", type_=task_runs.c.data.type),
                ),
                [
                    {"run_id": run.id, "new_state": run.state.value, "new_data": task_run_data(run)}
                    for run in changed
                ],
            )

    async def get(self, connection: AsyncConnection, execution_id: str) -> Execution | None:
        return await self.load(connection, execution_id)

    async def finished(self, connection: AsyncConnection, execution_id: str) -> bool | None:
        """Tell whether an execution ended with nothing of it still running; None if unknown."""
        state = await self.state(connection, execution_id)
        if state is None:
            return None
        if not state.is_terminal:
            return False
        active = await connection.execute(
            sa.select(task_runs.c.id)
            .where(
                task_runs.c.execution_id == execution_id,
                task_runs.c.state.not_in([item.value for item in TERMINAL_STATES]),
            )
            .limit(1)
        )
        return active.first() is None

    async def state(self, connection: AsyncConnection, execution_id: str) -> State | None:
        value = (
            await connection.execute(
                sa.select(executions.c.state).where(executions.c.id == execution_id)
            )
        ).scalar_one_or_none()
        return State(value) if value else None

    async def search(
        self,
        connection: AsyncConnection,
        *,
        namespace: str | None = None,
        flow_id: str | None = None,
        states: list[State] | None = None,
        start_after: datetime | None = None,
        start_before: datetime | None = None,
        labels: list[tuple[str, str]] | None = None,
        page: int = 1,
        size: int = 25,
    ) -> tuple[list[Execution], int]:
        """Return a page of executions, newest first, and the total; `labels` must all match."""
        condition: Any = sa.true()
        if namespace:
            condition &= sa.or_(
                executions.c.namespace == namespace,
                executions.c.namespace.like(escape_like(namespace) + ".%", escape="\\"),
            )
        if flow_id:
            condition &= executions.c.flow_id == flow_id
        if states:
            condition &= executions.c.state.in_([state.value for state in states])
        if start_after:
            condition &= executions.c.created >= start_after
        if start_before:
            condition &= executions.c.created <= start_before
        for key, value in labels or []:
            condition &= _has_label(connection.dialect.name, key, value)
        total = (
            await connection.execute(
                sa.select(sa.func.count()).select_from(executions).where(condition)
            )
        ).scalar_one()
        rows = await connection.execute(
            sa.select(executions)
            .where(condition)
            .order_by(executions.c.created.desc(), executions.c.id)
            .limit(size)
            .offset((page - 1) * size)
        )
        return [execution_from_row(row) for row in rows], int(total)


def _has_label(dialect: str, key: str, value: str) -> sa.ColumnElement[bool]:
    """Match executions whose `data.labels` list contains `{key, value}`."""
    if dialect == "postgresql":
        labels = sa.cast(executions.c.data, postgresql.JSONB)["labels"]
        return labels.contains([{"key": key, "value": value}])
    label = sa.func.json_each(executions.c.data, "$.labels").table_valued("value").alias("label")
    return sa.exists().where(
        sa.func.json_extract(label.c.value, "$.key") == key,
        sa.func.json_extract(label.c.value, "$.value") == value,
    )
