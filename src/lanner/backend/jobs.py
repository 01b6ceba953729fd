"""The worker job queue.

A worker claims jobs with `FOR UPDATE SKIP LOCKED` (on PostgreSQL) and gets a fresh claim token
for each. The same transaction records a "started" executor message per job. A result is
accepted only if the job still carries that token: the job row is deleted and the result
message inserted in one transaction, so a result is recorded once, and never for a job that
was handed to another worker meanwhile.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.queue import MessageQueue
from lanner.backend.schema import worker_jobs
from lanner.executor.messages import MessageKind
from lanner.timestamps import format_timestamp

# A worker of this group claims the jobs of every group, and those without one: the single
# worker of `lanner flow run` and `lanner server local` is one.
ANY_GROUP = "*"


@dataclass
class ClaimedJob:
    id: int
    execution_id: str
    task_run_id: str
    attempt: int
    claim_token: str
    payload: dict[str, Any]


@dataclass
class JobResult:
    job_id: int
    claim_token: str
    execution_id: str
    payload: dict[str, Any]


class JobQueue:
    def __init__(self, messages: MessageQueue, skip_locked: bool) -> None:
        self.messages = messages
        self.skip_locked = skip_locked

    async def insert(
        self, connection: AsyncConnection, rows: list[dict[str, Any]], now: datetime
    ) -> None:
        if rows:
            await connection.execute(
                sa.insert(worker_jobs),
                [{**row, "created": now, "kill_requested": False} for row in rows],
            )

    async def claim(
        self,
        connection: AsyncConnection,
        worker_id: str,
        group: str | None,
        limit: int,
        now: datetime,
    ) -> list[ClaimedJob]:
        """Claim up to `limit` unclaimed jobs of a worker group and record their start."""
        if limit <= 0:
            return []
        conditions: list[sa.ColumnElement[bool]] = [worker_jobs.c.worker_id.is_(None)]
        if group is None:
            conditions.append(worker_jobs.c.worker_group.is_(None))
        elif group != ANY_GROUP:
            conditions.append(worker_jobs.c.worker_group == group)
        candidates = (
            sa.select(worker_jobs.c.id)
            .where(*conditions)
            .order_by(worker_jobs.c.id)
            .limit(limit)
        )
        if self.skip_locked:
            candidates = candidates.with_for_update(skip_locked=True)
        # One token per claim: a job claimed again later gets another one.
        token = secrets.token_hex(8)
        rows = await connection.execute(
            sa.update(worker_jobs)
            .where(worker_jobs.c.id.in_(candidates.scalar_subquery()))
            .values(worker_id=worker_id, claim_token=token, claimed_at=now)
            .returning(
                worker_jobs.c.id,
                worker_jobs.c.execution_id,
                worker_jobs.c.task_run_id,
                worker_jobs.c.attempt,
                worker_jobs.c.payload,
            )
        )
        claimed = [
            ClaimedJob(
                id=row.id,
                execution_id=row.execution_id,
                task_run_id=row.task_run_id,
                attempt=row.attempt,
                claim_token=token,
                payload=row.payload,
            )
            for row in rows
        ]
        claimed.sort(key=lambda job: job.id)
        started = [
            (
                job.execution_id,
                MessageKind.TASK_RUN_STARTED.value,
                {
                    "taskRunId": job.task_run_id,
                    "attempt": job.attempt,
                    "workerId": worker_id,
                    "date": format_timestamp(now),
                },
                None,
            )
            for job in claimed
        ]
        await self.messages.insert(connection, started, now)
        return claimed

    async def finish(
        self, connection: AsyncConnection, results: list[JobResult], now: datetime
    ) -> list[JobResult]:
        """Record results whose claim is still current; return those that were accepted."""
        if not results:
            return []
        deleted = await connection.execute(
            sa.delete(worker_jobs)
            .where(
                sa.tuple_(worker_jobs.c.id, worker_jobs.c.claim_token).in_(
                    [(result.job_id, result.claim_token) for result in results]
                )
            )
            .returning(worker_jobs.c.id)
        )
        accepted_ids = {row[0] for row in deleted}
        accepted = [result for result in results if result.job_id in accepted_ids]
        await self.messages.insert(
            connection,
            [
                (result.execution_id, MessageKind.TASK_RUN_RESULT.value, result.payload, None)
                for result in accepted
            ],
            now,
        )
        return accepted

    async def hand_back(
        self, connection: AsyncConnection, jobs: list[ClaimedJob], worker_id: str, now: datetime
    ) -> int:
        """Give back claimed jobs of a stopping worker: each runs again as a new attempt."""
        if not jobs:
            return 0
        deleted = await connection.execute(
            sa.delete(worker_jobs)
            .where(
                sa.tuple_(worker_jobs.c.id, worker_jobs.c.claim_token).in_(
                    [(job.id, job.claim_token) for job in jobs]
                )
            )
            .returning(worker_jobs.c.id)
        )
        kept = {row[0] for row in deleted}
        await self.messages.insert(
            connection,
            [
                (
                    job.execution_id,
                    MessageKind.TASK_RUN_LOST.value,
                    {"taskRunId": job.task_run_id, "attempt": job.attempt, "workerId": worker_id},
                    None,
                )
                for job in jobs
                if job.id in kept
            ],
            now,
        )
        return len(kept)

    async def kill(
        self, connection: AsyncConnection, task_run_ids: list[str], now: datetime
    ) -> list[tuple[str, str, int]]:
        """Stop the jobs of task runs being killed.

        A job nobody claimed is deleted and returned as (execution id, task run id, attempt),
        so the caller can record it as KILLED; a claimed job is flagged for its worker.
        """
        if not task_run_ids:
            return []
        deleted = await connection.execute(
            sa.delete(worker_jobs)
            .where(worker_jobs.c.task_run_id.in_(task_run_ids), worker_jobs.c.worker_id.is_(None))
            .returning(worker_jobs.c.execution_id, worker_jobs.c.task_run_id, worker_jobs.c.attempt)
        )
        unclaimed = [(row[0], row[1], row[2]) for row in deleted]
        await connection.execute(
            sa.update(worker_jobs)
            .where(worker_jobs.c.task_run_id.in_(task_run_ids))
            .values(kill_requested=True)
        )
        return unclaimed

    async def kill_requested(
        self, connection: AsyncConnection, worker_id: str
    ) -> list[tuple[int, str]]:
        rows = await connection.execute(
            sa.select(worker_jobs.c.id, worker_jobs.c.claim_token).where(
                worker_jobs.c.worker_id == worker_id, worker_jobs.c.kill_requested.is_(True)
            )
        )
        return [(row[0], row[1]) for row in rows]

    async def count(self, connection: AsyncConnection) -> int:
        return int(
            (
                await connection.execute(sa.select(sa.func.count()).select_from(worker_jobs))
            ).scalar_one()
        )
