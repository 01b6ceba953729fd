"""Stored trigger state, and the flow facts the scheduler reads to keep it in step with flows.

One row per (namespace, flow id, trigger id). `next_date` is when a scheduler must look at the
trigger next: the due date of its schedule or of its backfill, a retry date while its last
execution still runs, or NULL when it cannot fire (webhooks, flow triggers, disabled ones).
What a trigger type must remember between two evaluations lives in the `data` document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.schema import components, executions, flows, triggers
from lanner.backend.sql import escape_like
from lanner.states import State


@dataclass
class StoredTrigger:
    namespace: str
    flow_id: str
    trigger_id: str
    flow_revision: int
    next_date: datetime | None
    last_date: datetime | None
    disabled: bool
    data: dict[str, Any] = field(default_factory=dict)
    updated: datetime | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.namespace, self.flow_id, self.trigger_id)


@dataclass(frozen=True)
class FlowState:
    """The latest revision of a flow, without its source."""

    namespace: str
    id: str
    revision: int
    disabled: bool
    deleted: bool


class TriggerRepository:
    def __init__(self, skip_locked: bool) -> None:
        self.skip_locked = skip_locked

    # --- reading --------------------------------------------------------------------------

    async def get(
        self,
        connection: AsyncConnection,
        namespace: str,
        flow_id: str,
        trigger_id: str,
        lock: bool = False,
    ) -> StoredTrigger | None:
        query = sa.select(triggers).where(
            triggers.c.namespace == namespace,
            triggers.c.flow_id == flow_id,
            triggers.c.trigger_id == trigger_id,
        )
        if lock and self.skip_locked:
            query = query.with_for_update()
        row = (await connection.execute(query)).first()
        return _stored(row) if row else None

    async def of_flow(
        self, connection: AsyncConnection, namespace: str, flow_id: str, lock: bool = False
    ) -> list[StoredTrigger]:
        query = (
            sa.select(triggers)
            .where(triggers.c.namespace == namespace, triggers.c.flow_id == flow_id)
            .order_by(triggers.c.trigger_id)
        )
        if lock and self.skip_locked:
            query = query.with_for_update()
        return [_stored(row) for row in await connection.execute(query)]

    async def search(
        self,
        connection: AsyncConnection,
        namespace: str | None = None,
        flow_id: str | None = None,
        query: str | None = None,
        page: int = 1,
        size: int = 25,
    ) -> tuple[list[StoredTrigger], int]:
        """Page through triggers; `namespace` takes its children too, `query` any id part."""
        condition: sa.ColumnElement[bool] = sa.true()
        if namespace:
            condition &= sa.or_(
                triggers.c.namespace == namespace,
                triggers.c.namespace.like(escape_like(namespace) + ".%", escape="\\"),
            )
        if flow_id:
            condition &= triggers.c.flow_id == flow_id
        if query:
            pattern = f"%{escape_like(query)}%"
            condition &= sa.or_(
                triggers.c.trigger_id.like(pattern, escape="\\"),
                triggers.c.flow_id.like(pattern, escape="\\"),
                triggers.c.namespace.like(pattern, escape="\\"),
            )
        total = (
            await connection.execute(
                sa.select(sa.func.count()).select_from(triggers).where(condition)
            )
        ).scalar_one()
        rows = await connection.execute(
            sa.select(triggers)
            .where(condition)
            .order_by(triggers.c.namespace, triggers.c.flow_id, triggers.c.trigger_id)
            .limit(size)
            .offset((page - 1) * size)
        )
        return [_stored(row) for row in rows], int(total)

    async def claim_due(
        self, connection: AsyncConnection, now: datetime, limit: int
    ) -> list[StoredTrigger]:
        """Lock triggers whose next date has come, the most overdue first.

        On PostgreSQL a row locked by another scheduler is skipped, never waited for. On SQLite
        the write transaction already excludes every other writer.
        """
        query = (
            sa.select(triggers)
            .where(triggers.c.next_date <= now, triggers.c.disabled.is_(False))
            .order_by(triggers.c.next_date)
            .limit(limit)
        )
        if self.skip_locked:
            query = query.with_for_update(skip_locked=True)
        return [_stored(row) for row in await connection.execute(query)]

    async def overdue(self, connection: AsyncConnection, before: datetime) -> list[StoredTrigger]:
        """Lock the enabled triggers due before `before`, waiting for rows others hold."""
        query = (
            sa.select(triggers)
            .where(triggers.c.next_date < before, triggers.c.disabled.is_(False))
            .order_by(triggers.c.next_date)
        )
        if self.skip_locked:
            query = query.with_for_update()
        return [_stored(row) for row in await connection.execute(query)]

    async def next_due(self, connection: AsyncConnection) -> datetime | None:
        value: datetime | None = (
            await connection.execute(
                sa.select(sa.func.min(triggers.c.next_date)).where(triggers.c.disabled.is_(False))
            )
        ).scalar_one_or_none()
        return value

    # --- writing --------------------------------------------------------------------------

    async def insert(self, connection: AsyncConnection, trigger: StoredTrigger) -> None:
        await connection.execute(sa.insert(triggers).values(**_row(trigger)))

    async def update(self, connection: AsyncConnection, trigger: StoredTrigger) -> None:
        await connection.execute(
            sa.update(triggers)
            .where(
                triggers.c.namespace == trigger.namespace,
                triggers.c.flow_id == trigger.flow_id,
                triggers.c.trigger_id == trigger.trigger_id,
            )
            .values(**_row(trigger))
        )

    async def delete(
        self, connection: AsyncConnection, namespace: str, flow_id: str, trigger_ids: list[str]
    ) -> None:
        if trigger_ids:
            await connection.execute(
                sa.delete(triggers).where(
                    triggers.c.namespace == namespace,
                    triggers.c.flow_id == flow_id,
                    triggers.c.trigger_id.in_(trigger_ids),
                )
            )

    # --- flows ----------------------------------------------------------------------------

    async def flow_states(self, connection: AsyncConnection) -> list[FlowState]:
        rows = await connection.execute(
            sa.select(
                flows.c.namespace, flows.c.id, flows.c.revision, flows.c.disabled, flows.c.deleted
            )
        )
        return [FlowState(row[0], row[1], row[2], bool(row[3]), bool(row[4])) for row in rows]

    async def flow_revisions_of_triggers(
        self, connection: AsyncConnection
    ) -> dict[tuple[str, str], int]:
        """Map each flow that has trigger rows to the lowest flow revision among them."""
        rows = await connection.execute(
            sa.select(
                triggers.c.namespace, triggers.c.flow_id, sa.func.min(triggers.c.flow_revision)
            ).group_by(triggers.c.namespace, triggers.c.flow_id)
        )
        return {(row[0], row[1]): int(row[2]) for row in rows}

    async def flow_source(
        self, connection: AsyncConnection, namespace: str, flow_id: str, lock: bool = False
    ) -> tuple[FlowState, str] | None:
        """Read the latest revision of a flow; `lock` locks its row until the transaction ends."""
        query = sa.select(flows).where(flows.c.namespace == namespace, flows.c.id == flow_id)
        if lock and self.skip_locked:
            query = query.with_for_update()
        row = (await connection.execute(query)).first()
        if row is None:
            return None
        state = FlowState(row.namespace, row.id, row.revision, bool(row.disabled), row.deleted)
        return state, row.source

    async def flows_fingerprint(self, connection: AsyncConnection) -> tuple[int, int]:
        """Count flows and add up their revisions: every deploy or deletion changes the pair.

        Revisions only grow and flow rows are never removed, so the sum rises on each change.
        """
        row = (
            await connection.execute(
                sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(flows.c.revision), 0))
            )
        ).one()
        return int(row[0]), int(row[1])

    async def sources_containing(
        self, connection: AsyncConnection, fragments: tuple[str, ...]
    ) -> list[tuple[FlowState, str]]:
        """Read the enabled flows whose source contains one of `fragments`."""
        condition = sa.or_(
            *(flows.c.source.like(f"%{escape_like(text)}%", escape="\\") for text in fragments)
        )
        rows = await connection.execute(
            sa.select(flows).where(
                condition, flows.c.deleted.is_(False), flows.c.disabled.is_(False)
            )
        )
        return [
            (FlowState(row.namespace, row.id, row.revision, False, False), row.source)
            for row in rows
        ]

    # --- executions and schedulers --------------------------------------------------------

    async def execution_state(self, connection: AsyncConnection, execution_id: str) -> State | None:
        value = (
            await connection.execute(
                sa.select(executions.c.state).where(executions.c.id == execution_id)
            )
        ).scalar_one_or_none()
        return State(value) if value else None

    async def live_schedulers(
        self, connection: AsyncConnection, since: datetime, exclude: str
    ) -> list[str]:
        """List the other schedulers that heartbeated at or after `since`."""
        rows = await connection.execute(
            sa.select(components.c.id).where(
                components.c.role == "scheduler",
                components.c.heartbeat >= since,
                components.c.id != exclude,
            )
        )
        return [row[0] for row in rows]


def _row(trigger: StoredTrigger) -> dict[str, Any]:
    return {
        "namespace": trigger.namespace,
        "flow_id": trigger.flow_id,
        "trigger_id": trigger.trigger_id,
        "flow_revision": trigger.flow_revision,
        "next_date": trigger.next_date,
        "last_date": trigger.last_date,
        "disabled": trigger.disabled,
        "data": trigger.data,
        "updated": trigger.updated,
    }


def _stored(row: Any) -> StoredTrigger:
    return StoredTrigger(
        namespace=row.namespace,
        flow_id=row.flow_id,
        trigger_id=row.trigger_id,
        flow_revision=row.flow_revision,
        next_date=row.next_date,
        last_date=row.last_date,
        disabled=bool(row.disabled),
        data=dict(row.data or {}),
        updated=row.updated,
    )
