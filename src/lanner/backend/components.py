"""Registered components and their heartbeats, and the jobs of workers that stopped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.schema import components, executions, worker_jobs


@dataclass(frozen=True)
class OrphanJob:
    """A claimed job whose worker stopped heartbeating."""

    id: int
    execution_id: str
    task_run_id: str
    attempt: int
    worker_id: str
    kill_requested: bool
    execution_state: str | None


class ComponentRepository:
    def __init__(self, skip_locked: bool) -> None:
        self.skip_locked = skip_locked

    async def register(
        self,
        connection: AsyncConnection,
        component_id: str,
        role: str,
        hostname: str,
        pid: int,
        worker_group: str | None,
        now: datetime,
    ) -> None:
        await connection.execute(
            sa.insert(components).values(
                id=component_id,
                role=role,
                hostname=hostname,
                pid=pid,
                worker_group=worker_group,
                started=now,
                heartbeat=now,
            )
        )

    async def heartbeat(
        self, connection: AsyncConnection, component_id: str, now: datetime
    ) -> bool:
        """Record a heartbeat; return False when the component was declared dead meanwhile."""
        updated = await connection.execute(
            sa.update(components).where(components.c.id == component_id).values(heartbeat=now)
        )
        return bool(updated.rowcount)

    async def deregister(self, connection: AsyncConnection, component_id: str) -> None:
        await connection.execute(sa.delete(components).where(components.c.id == component_id))

    async def live_worker_groups(self, connection: AsyncConnection, since: datetime) -> set[str]:
        """Return the groups of the workers that heartbeat since `since`."""
        rows = await connection.execute(
            sa.select(components.c.worker_group)
            .where(
                components.c.role == "worker",
                components.c.worker_group.is_not(None),
                components.c.heartbeat >= since,
            )
            .distinct()
        )
        return {str(row[0]) for row in rows}

    async def registered(self, connection: AsyncConnection) -> list[sa.Row[tuple[object, ...]]]:
        return list(await connection.execute(sa.select(components).order_by(components.c.id)))

    async def claim_dead_workers(
        self, connection: AsyncConnection, now: datetime, timeout: timedelta
    ) -> list[str]:
        """Lock and delete the workers whose last heartbeat is older than `timeout`."""
        query = sa.select(components.c.id).where(
            components.c.role == "worker", components.c.heartbeat < now - timeout
        )
        if self.skip_locked:
            query = query.with_for_update(skip_locked=True)
        dead = [row[0] for row in await connection.execute(query)]
        if dead:
            await connection.execute(sa.delete(components).where(components.c.id.in_(dead)))
        return dead

    async def delete_silent_components(
        self, connection: AsyncConnection, now: datetime, timeout: timedelta
    ) -> list[str]:
        """Delete the components other than workers whose last heartbeat is older than `timeout`."""
        query = sa.delete(components).where(
            components.c.role != "worker", components.c.heartbeat < now - timeout
        )
        result = await connection.execute(query.returning(components.c.id))
        return [row[0] for row in result]

    async def orphan_jobs(
        self, connection: AsyncConnection, dead: list[str], now: datetime, timeout: timedelta
    ) -> list[OrphanJob]:
        """Lock the claimed jobs of dead workers, and of workers that never registered."""
        unknown_worker = sa.and_(
            worker_jobs.c.worker_id.is_not(None),
            worker_jobs.c.claimed_at < now - timeout,
            worker_jobs.c.worker_id.not_in(sa.select(components.c.id)),
        )
        condition = (
            sa.or_(worker_jobs.c.worker_id.in_(dead), unknown_worker) if dead else unknown_worker
        )
        query = (
            sa.select(
                worker_jobs.c.id,
                worker_jobs.c.execution_id,
                worker_jobs.c.task_run_id,
                worker_jobs.c.attempt,
                worker_jobs.c.worker_id,
                worker_jobs.c.kill_requested,
                executions.c.state,
            )
            .select_from(
                worker_jobs.outerjoin(executions, executions.c.id == worker_jobs.c.execution_id)
            )
            .where(condition)
            .order_by(worker_jobs.c.id)
        )
        if self.skip_locked:
            query = query.with_for_update(of=worker_jobs, skip_locked=True)
        return [
            OrphanJob(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6])
            for row in await connection.execute(query)
        ]

    async def delete_jobs(self, connection: AsyncConnection, job_ids: list[int]) -> None:
        if job_ids:
            await connection.execute(sa.delete(worker_jobs).where(worker_jobs.c.id.in_(job_ids)))
