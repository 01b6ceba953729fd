"""The executor service: claims executor messages per execution and applies them.

Grouped mode (the default): all deliverable messages of one execution are applied under one
lock of its row, in one transaction that also writes the changed task runs, the new worker jobs
and follow-up messages, and deletes the consumed messages. Different executions are processed
concurrently by a bounded pool, and a row another executor holds is skipped (`SKIP LOCKED` on
PostgreSQL), never waited for.

Ungrouped mode exists to measure what grouping gains: one message per transaction, waiting for
the row lock like a plain `FOR UPDATE`.

An execution loaded once stays cached with the version of its row; while the version matches,
a batch costs what it changes rather than a reload of every task run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.database import is_connection_error
from lanner.backend.jobs import ANY_GROUP
from lanner.backend.notify import EXECUTION, EXECUTOR, KILL, WORKER
from lanner.backend.store import Backend
from lanner.errors import BackendError, FlowNotFound, LannerError
from lanner.executions.model import Execution
from lanner.executor.context import InstanceContext
from lanner.executor.effects import LogLine, NewJob
from lanner.executor.machine import Effects, StateMachine
from lanner.executor.messages import ExecutorMessage, InvalidMessage, MessageKind
from lanner.executor.related import (
    create_executions,
    grant_slot,
    report_to_parent,
    wake_queued,
)
from lanner.flows.cache import FlowCache
from lanner.flows.executable import ExecutableFlow
from lanner.liveness import Heartbeat, LivenessSettings, component_id, hand_on_orphan_jobs
from lanner.purge import purge_ended
from lanner.states import State
from lanner.storage import Storage
from lanner.timestamps import utc_now
from lanner.triggers.flow_events import on_execution_ended

logger = logging.getLogger(__name__)


@dataclass
class ExecutorSettings:
    grouped: bool = True
    # Executions whose batches are applied at the same time.
    concurrency: int = 8
    # Messages of one execution applied in one batch at most.
    batch_size: int = 1000
    # Seconds between two looks at the queue when no wake-up arrives.
    poll_interval: float = 1.0
    # Executions kept in memory between batches.
    cache_size: int = 2000
    liveness: LivenessSettings = field(default_factory=LivenessSettings)
    # Executions that ended longer ago than this are purged; None keeps everything.
    retention: timedelta | None = None
    # Seconds between two purges when a retention is set.
    purge_interval: float = 3600.0


# Failures in a row after which the oldest message of an execution is set aside.
MAX_BATCH_FAILURES = 3


class PoisonMessage(Exception):
    """Applying a message raised an unexpected error; it must be set aside and the batch redone."""

    def __init__(self, message: ExecutorMessage, error: BaseException) -> None:
        super().__init__(str(error))
        self.message = message
        self.error = error


class Executor:
    def __init__(
        self,
        backend: Backend,
        flows: FlowCache,
        settings: ExecutorSettings | None = None,
        instance: InstanceContext | None = None,
        storage: Storage | None = None,
        encryption_key: str | None = None,
    ) -> None:
        self.backend = backend
        self.flows = flows
        self.settings = settings or ExecutorSettings()
        self.instance = instance or InstanceContext()
        self.storage = storage
        self.encryption_key = encryption_key
        self._cache: OrderedDict[str, Execution] = OrderedDict()
        self._in_flight: set[str] = set()
        self._slots = asyncio.Semaphore(self.settings.concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._rng = random.Random()
        # Consecutive unexpected failures of a batch, by execution id.
        self._failures: dict[str, int] = {}
        self.id = component_id("executor")

    # --- loop -----------------------------------------------------------------------------

    async def run(self, stopping: asyncio.Event) -> None:
        logger.info(
            "Executor %s started (grouped=%s, concurrency=%d)",
            self.id,
            self.settings.grouped,
            self.settings.concurrency,
        )
        heartbeat = Heartbeat(self.backend, self.id, "executor", self.settings.liveness)
        await heartbeat.register()
        background = [
            asyncio.create_task(heartbeat.run(stopping)),
            asyncio.create_task(self._sweep(stopping)),
        ]
        if self.settings.retention is not None and self.storage is not None:
            background.append(asyncio.create_task(self._purge_loop(stopping)))
        backoff = 0.1
        try:
            while not stopping.is_set():
                try:
                    await self._cycle(stopping)
                    backoff = 0.1
                except BackendError as error:
                    if not is_connection_error(error):
                        raise
                    logger.warning(
                        "Executor lost the database (%s); retrying in %.1f s", error, backoff
                    )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
        finally:
            logger.info("Stopping executor %s", self.id)
            for task in list(self._tasks):
                with contextlib.suppress(asyncio.CancelledError, LannerError):
                    await task
            for task in background:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await heartbeat.deregister()
            logger.info("Executor %s stopped", self.id)

    async def _purge_loop(self, stopping: asyncio.Event) -> None:
        assert self.settings.retention is not None and self.storage is not None
        while not stopping.is_set():
            try:
                await purge_ended(self.backend, self.storage, self.settings.retention)
            except BackendError as error:
                logger.warning("Executor %s could not purge ended executions: %s", self.id, error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=self.settings.purge_interval)

    async def _sweep(self, stopping: asyncio.Event) -> None:
        """Hand on the jobs of workers that stopped heartbeating."""
        interval = self.settings.liveness.heartbeat_interval
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=interval)
            if stopping.is_set():
                return
            try:
                await hand_on_orphan_jobs(self.backend, self.settings.liveness)
            except BackendError as error:
                logger.warning("Executor %s could not check worker liveness: %s", self.id, error)

    async def _cycle(self, stopping: asyncio.Event) -> None:
        notifier = self.backend.notifier
        wake = notifier.watch(EXECUTOR)
        now = utc_now()
        free = self.settings.concurrency - len(self._in_flight)
        ids: list[str] = []
        if free > 0:
            async with self.backend.db.transaction(write=False) as connection:
                ids = await self.backend.messages.pending_executions(
                    connection, now, free, self._in_flight
                )
        for execution_id in ids:
            self._in_flight.add(execution_id)
            task = asyncio.create_task(self._process(execution_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if ids and len(ids) == free:
            return  # more may be waiting; look again at once
        timeout = await self._idle_timeout(now) if not ids else self.settings.poll_interval
        waiters = [
            asyncio.ensure_future(notifier.wait(wake, timeout)),
            asyncio.ensure_future(stopping.wait()),
        ]
        _, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for waiter in pending:
            waiter.cancel()

    async def _idle_timeout(self, now: datetime) -> float:
        async with self.backend.db.transaction(write=False) as connection:
            next_delivery = await self.backend.messages.next_delivery(connection)
        timeout = self.settings.poll_interval
        if next_delivery is not None:
            timeout = min(timeout, max(0.0, (next_delivery - now).total_seconds()))
        return timeout

    async def _process(self, execution_id: str) -> None:
        try:
            async with self._slots:
                for _ in range(100):
                    try:
                        await self._apply_batch(execution_id)
                        return
                    except PoisonMessage as poison:
                        self._cache.pop(execution_id, None)
                        await self._set_aside(poison.message, poison.error)
        except BackendError as error:
            self._cache.pop(execution_id, None)
            # Nothing of the batch was committed: its messages stay queued for the next try.
            logger.warning(
                "Batch of execution %s failed and will be retried: %s",
                execution_id,
                error,
                extra={"execution_id": execution_id},
            )
        except Exception as error:
            self._cache.pop(execution_id, None)
            await self._unexpected_failure(execution_id, error)
        else:
            self._failures.pop(execution_id, None)
        finally:
            self._in_flight.discard(execution_id)
            # Messages may have arrived for it while it was in flight.
            self.backend.notifier.notify(EXECUTOR)

    async def _unexpected_failure(self, execution_id: str, error: Exception) -> None:
        """Log a batch that failed outside the state machine; set its oldest message aside
        after repeated failures, so that one broken message cannot block its execution forever.
        """
        failures = self._failures.get(execution_id, 0) + 1
        self._failures[execution_id] = failures
        if failures == 1:
            logger.exception(
                "Batch of execution %s failed; it will be retried",
                execution_id,
                extra={"execution_id": execution_id},
            )
        if failures < MAX_BATCH_FAILURES:
            return
        self._failures.pop(execution_id, None)
        async with self.backend.db.transaction(write=False) as connection:
            oldest = await self.backend.messages.fetch(connection, execution_id, utc_now(), 1)
        if oldest:
            await self._set_aside(oldest[0], error)

    # --- one batch ------------------------------------------------------------------------

    async def _apply_batch(self, execution_id: str) -> None:
        backend = self.backend
        channels: set[str] = set()
        execution: Execution | None = None
        ended = False
        try:
            async with backend.db.transaction() as connection:
                version = await backend.executions.lock(
                    connection, execution_id, wait=not self.settings.grouped
                )
                now = utc_now()
                limit = self.settings.batch_size if self.settings.grouped else 1
                if version is None:
                    # Locked by another executor, or no such execution at all.
                    if not await backend.executions.exists(connection, execution_id):
                        orphans = await backend.messages.fetch(connection, execution_id, now, limit)
                        await self._drop_orphans(connection, orphans, now)
                    return
                messages = await backend.messages.fetch(connection, execution_id, now, limit)
                if not messages:
                    return
                execution, fresh = await self._execution(connection, execution_id, version)
                if execution is None:
                    await self._drop_orphans(connection, messages, now)
                    return
                try:
                    flow = await self.flows.get(
                        connection,
                        execution.namespace,
                        execution.flow_id,
                        execution.flow_revision,
                    )
                except (FlowNotFound, LannerError) as error:
                    await self._fail_unrunnable(connection, execution, messages, error, now)
                    channels.add(EXECUTION)
                    return

                if await grant_slot(backend, connection, flow, execution, messages):
                    # The flow's lock may have been waited for: dates written from here on
                    # must come after the end of the execution whose slot this one takes.
                    now = utc_now()
                machine = StateMachine(flow, execution, now, self.instance, self._rng)
                if fresh:
                    machine.recover()
                state_before = execution.state
                consumed = await self._apply_all(connection, machine, messages, now)
                channels |= await self._persist(connection, flow, execution, machine.effects, now)
                paused = execution.state is State.PAUSED and state_before is not State.PAUSED
                if (machine.effects.ended or paused) and await on_execution_ended(
                    backend,
                    connection,
                    execution,
                    now=now,
                    encryption_key=self.encryption_key,
                    instance=self.instance,
                ):
                    # Flow triggers reacted: their executions were created in this transaction.
                    channels.add(EXECUTOR)
                await backend.messages.delete(connection, consumed)
                await backend.notifier.publish(connection, channels)
                ended = machine.effects.ended
        except BaseException:
            self._cache.pop(execution_id, None)
            raise
        backend.notifier.after_commit(channels)
        if execution is not None:
            self._remember(execution, ended)

    async def _execution(
        self, connection: AsyncConnection, execution_id: str, version: int
    ) -> tuple[Execution | None, bool]:
        cached = self._cache.get(execution_id)
        if cached is not None and cached.version == version:
            self._cache.move_to_end(execution_id)
            return cached, False
        loaded = await self.backend.executions.load(connection, execution_id)
        return loaded, True

    async def _apply_all(
        self,
        connection: AsyncConnection,
        machine: StateMachine,
        messages: list[ExecutorMessage],
        now: datetime,
    ) -> list[int]:
        consumed = []
        for message in messages:
            try:
                machine.apply(message)
            except InvalidMessage as error:
                # Raised while reading the payload, before anything changed.
                await self._record_dead(connection, message, error, now)
                continue
            except Exception as error:
                # The execution may be half-changed: roll back, set the message aside, redo.
                raise PoisonMessage(message, error) from error
            if message.id is not None:
                consumed.append(message.id)
        return consumed

    async def _persist(
        self,
        connection: AsyncConnection,
        flow: ExecutableFlow,
        execution: Execution,
        effects: Effects,
        now: datetime,
    ) -> set[str]:
        backend = self.backend
        channels = {EXECUTION}
        await backend.executions.save(connection, execution)
        unserved = await self._unserved_jobs(connection, effects.jobs, now)
        ended = {id(job) for job in unserved}
        jobs = [job for job in effects.jobs if id(job) not in ended]
        if jobs:
            await backend.jobs.insert(
                connection,
                [
                    {
                        "execution_id": execution.id,
                        "task_run_id": job.task_run_id,
                        "attempt": job.attempt,
                        "worker_group": job.worker_group,
                        "payload": {
                            "flow": {
                                "namespace": execution.namespace,
                                "id": execution.flow_id,
                                "revision": execution.flow_revision,
                            },
                            "taskId": job.task_id,
                            "task": job.task,
                            "context": job.context,
                            "secretInputs": job.secret_inputs,
                        },
                    }
                    for job in jobs
                ],
                now,
            )
            channels.add(WORKER)
        follow_ups: list[tuple[str, str, dict[str, Any], datetime | None]] = [
            (execution.id, message.kind.value, message.payload, message.deliver_at)
            for message in effects.messages
        ]
        if unserved:
            follow_ups += [_fallback_result(execution.id, job) for job in unserved]
            await self._write_logs(
                connection, execution, [_fallback_log(job, now) for job in unserved]
            )
        if effects.kill_task_runs:
            unclaimed = await backend.jobs.kill(connection, effects.kill_task_runs, now)
            follow_ups += [
                (
                    execution_id,
                    MessageKind.TASK_RUN_RESULT.value,
                    {"taskRunId": task_run_id, "attempt": attempt, "state": State.KILLED.value},
                    None,
                )
                for execution_id, task_run_id, attempt in unclaimed
            ]
            channels.add(KILL)
        follow_ups += [
            (child_id, MessageKind.KILL.value, {}, None) for child_id in effects.kill_executions
        ]
        if effects.executions:
            created, failures = await create_executions(
                backend,
                self.flows,
                self._storage(),
                self.encryption_key,
                connection,
                execution,
                effects.executions,
                now,
            )
            follow_ups += created
            await self._write_logs(connection, execution, [line for _, line in failures])
        if effects.ended:
            follow_ups += report_to_parent(execution)
            follow_ups += await wake_queued(backend, connection, flow, execution)
        if follow_ups:
            await backend.messages.insert(connection, follow_ups, now)
            if any(deliver_at is None or deliver_at <= now for *_, deliver_at in follow_ups):
                channels.add(EXECUTOR)
        await self._write_logs(connection, execution, effects.logs)
        return channels

    async def _unserved_jobs(
        self, connection: AsyncConnection, jobs: list[NewJob], now: datetime
    ) -> list[NewJob]:
        """Return the jobs whose fallback ends them because no live worker serves their group."""
        checked = [job for job in jobs if job.worker_group is not None and job.fallback != "WAIT"]
        if not checked:
            return []
        since = now - timedelta(seconds=self.settings.liveness.heartbeat_timeout)
        served = await self.backend.components.live_worker_groups(connection, since)
        if ANY_GROUP in served:
            return []
        return [job for job in checked if job.worker_group not in served]

    async def _write_logs(
        self, connection: AsyncConnection, execution: Execution, lines: list[LogLine]
    ) -> None:
        if not lines:
            return
        await self.backend.logs.insert(
            connection,
            [
                {
                    "execution_id": execution.id,
                    "namespace": execution.namespace,
                    "flow_id": execution.flow_id,
                    "task_run_id": line.task_run_id,
                    "task_id": line.task_id,
                    "attempt": line.attempt,
                    "level": line.level,
                    "message": line.message,
                    "timestamp": line.timestamp,
                }
                for line in lines
            ],
        )

    def _storage(self) -> Storage:
        if self.storage is None:
            raise LannerError("this executor has no internal storage to create executions with")
        return self.storage

    def _remember(self, execution: Execution, ended: bool) -> None:
        if execution.state.is_terminal and not self._needs_more(execution):
            self._cache.pop(execution.id, None)
            return
        self._cache[execution.id] = execution
        self._cache.move_to_end(execution.id)
        while len(self._cache) > self.settings.cache_size:
            self._cache.popitem(last=False)

    @staticmethod
    def _needs_more(execution: Execution) -> bool:
        return execution.active_count() > 0

    # --- messages that cannot be applied ----------------------------------------------------

    async def _record_dead(
        self,
        connection: AsyncConnection,
        message: ExecutorMessage,
        error: BaseException,
        now: datetime,
    ) -> None:
        logger.error(
            "Set aside executor message %s (%s) of execution %s: %s",
            message.id,
            message.kind,
            message.execution_id,
            error,
            extra={"execution_id": message.execution_id},
        )
        await self.backend.messages.set_aside(connection, message, str(error), now)

    async def _set_aside(self, message: ExecutorMessage, error: BaseException) -> None:
        logger.error(
            "Executor message %s (%s) of execution %s raised an unexpected error; set aside",
            message.id,
            message.kind,
            message.execution_id,
            exc_info=error,
            extra={"execution_id": message.execution_id},
        )
        async with self.backend.db.transaction() as connection:
            await self.backend.messages.set_aside(
                connection, message, f"{type(error).__name__}: {error}", utc_now()
            )

    async def _drop_orphans(
        self, connection: AsyncConnection, messages: list[ExecutorMessage], now: datetime
    ) -> None:
        for message in messages:
            await self._record_dead(
                connection, message, LannerError("the execution does not exist"), now
            )

    async def _fail_unrunnable(
        self,
        connection: AsyncConnection,
        execution: Execution,
        messages: list[ExecutorMessage],
        error: BaseException,
        now: datetime,
    ) -> None:
        """Set aside the messages of an execution whose flow revision cannot be loaded."""
        for message in messages:
            await self._record_dead(connection, message, error, now)
        if not execution.state.is_terminal:
            execution.set_state(State.FAILED, now)
            await self.backend.executions.save(connection, execution)
            await self.backend.logs.insert(
                connection,
                [
                    {
                        "execution_id": execution.id,
                        "namespace": execution.namespace,
                        "flow_id": execution.flow_id,
                        "task_run_id": None,
                        "task_id": None,
                        "attempt": None,
                        "level": "ERROR",
                        "message": f"the execution cannot continue: {error}",
                        "timestamp": now,
                    }
                ],
            )


def _fallback_result(execution_id: str, job: NewJob) -> tuple[str, str, dict[str, Any], None]:
    """Build the result that ends a job no worker serves: FAILED for FAIL, KILLED for CANCEL."""
    state = State.FAILED if job.fallback == "FAIL" else State.KILLED
    payload = {"taskRunId": job.task_run_id, "attempt": job.attempt, "state": state.value}
    return (execution_id, MessageKind.TASK_RUN_RESULT.value, payload, None)


def _fallback_log(job: NewJob, now: datetime) -> LogLine:
    return LogLine(
        "ERROR" if job.fallback == "FAIL" else "WARN",
        f"no live worker serves worker group {job.worker_group!r}, and workerGroup.fallback is "
        f"{job.fallback}; start a worker with `lanner server worker --group "
        f"{job.worker_group}`, or set fallback to WAIT",
        now,
        task_run_id=job.task_run_id,
        task_id=job.task_id,
        attempt=job.attempt,
    )
