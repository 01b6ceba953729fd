"""Liveness: components register and heartbeat; the jobs of a worker that stops are handed on.

A worker whose heartbeat is older than the timeout is declared dead by any executor: its
component row is deleted and each of its claimed jobs is settled in the same transaction.
The job of a running execution becomes a TASK_RUN_LOST message, so the executor runs the
task run again as a new attempt on another worker; the job of a killed execution becomes a
KILLED result; the job of an ended execution is dropped. The old worker can no longer record
a result, because results are accepted only for a job row carrying its claim token.

A worker that cannot heartbeat for longer than the timeout stops its running task runs
itself, so that, as far as Lanner can know, a task run never executes in two places.

Executors, schedulers and web servers hold no jobs: their rows are deleted once their
heartbeat is older than the timeout, and one that comes back registers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from lanner.backend.components import OrphanJob
from lanner.backend.notify import EXECUTOR
from lanner.backend.store import Backend
from lanner.errors import BackendError
from lanner.executor.messages import MessageKind
from lanner.states import State
from lanner.timestamps import utc_now

logger = logging.getLogger(__name__)


@dataclass
class LivenessSettings:
    # Seconds between two heartbeats of a component.
    heartbeat_interval: float = 3.0
    # Seconds without a heartbeat after which a worker is declared dead.
    heartbeat_timeout: float = 30.0


def component_id(role: str) -> str:
    """Make a new id for a component of this role: host, process and a random suffix."""
    return f"{socket.gethostname()}-{os.getpid()}-{role}-{secrets.token_hex(3)}"


class Heartbeat:
    """Registers a component and keeps its heartbeat; calls `on_lost` if it cannot."""

    def __init__(
        self,
        backend: Backend,
        component_id: str,
        role: str,
        settings: LivenessSettings,
        worker_group: str | None = None,
        on_lost: Callable[[], None] | None = None,
    ) -> None:
        self.backend = backend
        self.component_id = component_id
        self.role = role
        self.settings = settings
        self.worker_group = worker_group
        self.on_lost = on_lost
        self._last_success = utc_now()

    async def register(self) -> None:
        now = utc_now()
        async with self.backend.db.transaction() as connection:
            await self.backend.components.register(
                connection,
                self.component_id,
                self.role,
                socket.gethostname(),
                os.getpid(),
                self.worker_group,
                now,
            )
        self._last_success = now
        logger.info("Registered %s %s", self.role, self.component_id)

    async def deregister(self) -> None:
        try:
            async with self.backend.db.transaction() as connection:
                await self.backend.components.deregister(connection, self.component_id)
        except BackendError as error:
            logger.warning("Could not deregister %s %s: %s", self.role, self.component_id, error)

    async def serve(self, stopping: asyncio.Event) -> None:
        """Register, heartbeat until `stopping` is set, then deregister."""
        await self.register()
        try:
            await self.run(stopping)
        finally:
            await self.deregister()

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            await _sleep_or_stop(stopping, self.settings.heartbeat_interval)
            if stopping.is_set():
                return
            await self.beat()

    async def beat(self) -> None:
        now = utc_now()
        try:
            async with self.backend.db.transaction() as connection:
                alive = await self.backend.components.heartbeat(connection, self.component_id, now)
        except BackendError as error:
            silent = now - self._last_success
            logger.warning(
                "Heartbeat of %s %s failed (%s); last one %.1f s ago",
                self.role,
                self.component_id,
                error,
                silent.total_seconds(),
            )
            if silent > timedelta(seconds=self.settings.heartbeat_timeout):
                self._lost("it could not heartbeat for longer than the timeout")
            return
        if not alive:
            self._lost("it was declared dead by an executor")
            if self.on_lost is None:
                await self._register_again()
            return
        self._last_success = now

    async def _register_again(self) -> None:
        """Register a component without jobs again; its row was deleted while it was silent."""
        try:
            await self.register()
        except BackendError as error:
            logger.warning(
                "Could not register %s %s again yet: %s", self.role, self.component_id, error
            )

    def _lost(self, reason: str) -> None:
        logger.error(
            "%s %s lost its registration: %s", self.role.capitalize(), self.component_id, reason
        )
        if self.on_lost is not None:
            self.on_lost()


async def hand_on_orphan_jobs(backend: Backend, settings: LivenessSettings) -> int:
    """Settle the jobs of dead workers; return how many jobs were settled."""
    now = utc_now()
    timeout = timedelta(seconds=settings.heartbeat_timeout)
    async with backend.db.transaction() as connection:
        dead = await backend.components.claim_dead_workers(connection, now, timeout)
        silent = await backend.components.delete_silent_components(connection, now, timeout)
        jobs = await backend.components.orphan_jobs(connection, dead, now, timeout)
        if not jobs and not dead and not silent:
            return 0
        messages = [message for job in jobs if (message := _settle(job, now)) is not None]
        await backend.components.delete_jobs(connection, [job.id for job in jobs])
        await backend.messages.insert(connection, messages, now)
        if messages:
            await backend.notifier.publish(connection, [EXECUTOR])
    if messages:
        backend.notifier.after_commit([EXECUTOR])
    for worker_id in dead:
        logger.warning("Worker %s stopped heartbeating; declared dead", worker_id)
    for row_id in silent:
        logger.warning("Component %s stopped heartbeating; its registration was removed", row_id)
    for job in jobs:
        logger.warning(
            "Job %s (task run %s, attempt %d) of stopped worker %s: %s",
            job.id,
            job.task_run_id,
            job.attempt,
            job.worker_id,
            _fate(job),
            extra={"execution_id": job.execution_id},
        )
    return len(jobs)


def _settle(job: OrphanJob, now: datetime) -> tuple[str, str, dict[str, object], None] | None:
    state = State(job.execution_state) if job.execution_state else None
    if state is None or state.is_terminal:
        return None
    if job.kill_requested or state is State.KILLING:
        payload: dict[str, object] = {
            "taskRunId": job.task_run_id,
            "attempt": job.attempt,
            "state": State.KILLED.value,
        }
        return (job.execution_id, MessageKind.TASK_RUN_RESULT.value, payload, None)
    payload = {"taskRunId": job.task_run_id, "attempt": job.attempt, "workerId": job.worker_id}
    return (job.execution_id, MessageKind.TASK_RUN_LOST.value, payload, None)


def _fate(job: OrphanJob) -> str:
    state = State(job.execution_state) if job.execution_state else None
    if state is None or state.is_terminal:
        return "dropped, its execution has ended"
    if job.kill_requested or state is State.KILLING:
        return "recorded as KILLED"
    return "handed to another worker as a new attempt"


async def _sleep_or_stop(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
