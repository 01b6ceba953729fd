"""The worker service: claims worker jobs, runs their tasks and reports the results.

A worker claims only as many jobs as it has free slots. Results and log lines are buffered and
written in batches; each result is accepted only if the job's claim is still current (see
`lanner.backend.jobs`). Kill requests are polled and also delivered by wake-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from lanner.backend.database import is_connection_error
from lanner.backend.jobs import ClaimedJob, JobResult
from lanner.backend.notify import EXECUTOR, KILL, WORKER
from lanner.backend.store import Backend
from lanner.durations import format_duration, parse_duration
from lanner.errors import BackendError, ExpressionError, LannerError, TaskFailure
from lanner.expressions import RenderServices
from lanner.states import State
from lanner.storage import Storage
from lanner.tasks.base import RunnableTask, Task
from lanner.tasks.registry import TaskRegistry, default_registry
from lanner.timestamps import format_timestamp, utc_now
from lanner.worker.context import RunContext, TaskLogger, TaskLogRecord
from lanner.worker.secrets import reveal_secret_inputs

logger = logging.getLogger(__name__)


@dataclass
class WorkerSettings:
    # Task runs executed at the same time by this worker.
    slots: int = 8
    # Only jobs of tasks with this `workerGroup.key` are claimed; None claims ungrouped jobs.
    group: str | None = None
    # Seconds between two looks at the job queue when no wake-up arrives.
    poll_interval: float = 1.0
    # Seconds between two checks for kill requests of running jobs.
    kill_check_interval: float = 0.5
    # Longest time results and logs wait in memory before they are written.
    flush_interval: float = 0.02
    # Key that decrypts SECRET inputs (the same LANNER_ENCRYPTION_KEY as the API's).
    encryption_key: str | None = None


@dataclass
class _Running:
    job: ClaimedJob
    task: asyncio.Task[None]
    killed: bool = False


@dataclass
class _Buffer:
    results: list[JobResult] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)


class Worker:
    def __init__(
        self,
        backend: Backend,
        storage: Storage,
        settings: WorkerSettings | None = None,
        registry: TaskRegistry | None = None,
        services: RenderServices | None = None,
    ) -> None:
        self.backend = backend
        self.storage = storage
        self.settings = settings or WorkerSettings()
        self.registry = registry or default_registry()
        self.services = services
        self.id = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self._running: dict[int, _Running] = {}
        self._buffer = _Buffer()
        self._buffered = asyncio.Event()
        self._slot_freed = asyncio.Event()
        self._tasks: OrderedDict[tuple[str, str, int, str], Task] = OrderedDict()

    # --- loop -----------------------------------------------------------------------------

    async def run(self, stopping: asyncio.Event) -> None:
        logger.info(
            "Worker %s started (slots=%d, group=%s)",
            self.id,
            self.settings.slots,
            self.settings.group,
        )
        flusher = asyncio.create_task(self._flush_loop(stopping))
        killer = asyncio.create_task(self._kill_loop(stopping))
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
                        "Worker %s lost the database (%s); retrying in %.1f s",
                        self.id,
                        error,
                        backoff,
                    )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
        finally:
            logger.info("Stopping worker %s", self.id)
            for running in list(self._running.values()):
                running.task.cancel()
            for running in list(self._running.values()):
                with contextlib.suppress(asyncio.CancelledError):
                    await running.task
            await self._flush()
            for task in (flusher, killer):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            logger.info("Worker %s stopped", self.id)

    async def _cycle(self, stopping: asyncio.Event) -> None:
        free = self.settings.slots - len(self._running)
        if free <= 0:
            self._slot_freed.clear()
            await _first(self._slot_freed.wait(), stopping.wait())
            return
        wake = self.backend.notifier.watch(WORKER)
        now = utc_now()
        async with self.backend.db.transaction() as connection:
            jobs = await self.backend.jobs.claim(
                connection, self.id, self.settings.group, free, now
            )
            if jobs:
                await self.backend.notifier.publish(connection, [EXECUTOR])
        if jobs:
            self.backend.notifier.after_commit([EXECUTOR])
        for job in jobs:
            task = asyncio.create_task(self._run(job))
            self._running[job.id] = _Running(job, task)
        if len(jobs) < free:
            await _first(
                self.backend.notifier.wait(wake, self.settings.poll_interval), stopping.wait()
            )

    # --- one job --------------------------------------------------------------------------

    async def _run(self, job: ClaimedJob) -> None:
        start = utc_now()
        payload = job.payload
        task_id = str(payload.get("taskId", "?"))
        attempt = job.attempt

        def sink(record: TaskLogRecord) -> None:
            self._log(job, task_id, record)

        task_logger = TaskLogger(sink)
        state = State.SUCCESS
        outputs: dict[str, Any] | None = None
        try:
            task = self._task(payload)
            variables, secrets = reveal_secret_inputs(
                payload["context"], payload.get("secretInputs") or [],
                self.settings.encryption_key,
            )
            task_logger = TaskLogger(
                sink, task.log_level.value if task.log_level else "TRACE", secrets
            )
            context = RunContext(
                variables=variables,
                logger=task_logger,
                storage=self.storage,
                services=self.services,
            )
            outputs = await self._execute(task, context)
        except TaskFailure as error:
            state = State.FAILED
            task_logger.error(str(error))
        except ExpressionError as error:
            state = State.FAILED
            task_logger.error(str(error))
        except TimeoutError:
            state = State.FAILED
            task_logger.error(f"task {task_id!r} timed out after {self._timeout_text(payload)}")
        except asyncio.CancelledError:
            running = self._running.get(job.id)
            if running is None or not running.killed:
                # The worker is stopping: leave the job claimed; another worker takes it over
                # once this one stops heartbeating.
                self._release(job)
                raise
            state = State.KILLED
            task_logger.warn(f"task {task_id!r} was killed")
        except LannerError as error:
            state = State.FAILED
            task_logger.error(str(error))
        except Exception as error:
            state = State.FAILED
            logger.exception(
                "Task %s of execution %s raised an unexpected error",
                task_id,
                job.execution_id,
                extra={"execution_id": job.execution_id},
            )
            task_logger.error(
                f"task {task_id!r} failed with an unexpected error: {type(error).__name__}: {error}"
            )
        end = utc_now()
        self._complete(
            job,
            {
                "taskRunId": job.task_run_id,
                "attempt": attempt,
                "state": state.value,
                "outputs": _json_safe(outputs) if outputs is not None else None,
                "startDate": format_timestamp(start),
                "endDate": format_timestamp(end),
                "workerId": self.id,
            },
        )

    async def _execute(self, task: Task, context: RunContext) -> dict[str, Any] | None:
        if not isinstance(task, RunnableTask):
            raise LannerError(f"task type {task.type!r} cannot run on a worker")
        timeout = task.timeout
        if isinstance(timeout, str):
            rendered = context.render_typed(timeout, "timeout")
            timeout = rendered if isinstance(rendered, timedelta) else parse_duration(str(rendered))
        if timeout is None:
            return await task.run(context)
        return await asyncio.wait_for(task.run(context), timeout.total_seconds())

    def _timeout_text(self, payload: dict[str, Any]) -> str:
        timeout = payload.get("task", {}).get("timeout")
        if isinstance(timeout, str):
            return timeout
        if isinstance(timeout, (int, float)):
            return format_duration(timedelta(seconds=timeout))
        return "its timeout"

    def _task(self, payload: dict[str, Any]) -> Task:
        flow = payload["flow"]
        key = (flow["namespace"], flow["id"], int(flow["revision"]), str(payload["taskId"]))
        task = self._tasks.get(key)
        if task is not None:
            self._tasks.move_to_end(key)
            return task
        raw = payload["task"]
        task_class = self.registry.resolve(str(raw.get("type")))
        if task_class is None:
            raise LannerError(f"task type {raw.get('type')!r} is not installed on worker {self.id}")
        try:
            task = task_class.model_validate(raw)
        except ValidationError as error:
            raise LannerError(f"invalid task {raw.get('id')!r}: {error}") from error
        self._tasks[key] = task
        if len(self._tasks) > 1024:
            self._tasks.popitem(last=False)
        return task

    def _release(self, job: ClaimedJob) -> None:
        self._running.pop(job.id, None)
        self._slot_freed.set()

    def _complete(self, job: ClaimedJob, payload: dict[str, Any]) -> None:
        self._running.pop(job.id, None)
        self._slot_freed.set()
        self._buffer.results.append(JobResult(job.id, job.claim_token, job.execution_id, payload))
        self._buffered.set()

    def _log(self, job: ClaimedJob, task_id: str, record: TaskLogRecord) -> None:
        flow = job.payload.get("flow", {})
        self._buffer.logs.append(
            {
                "execution_id": job.execution_id,
                "namespace": flow.get("namespace", ""),
                "flow_id": flow.get("id", ""),
                "task_run_id": job.task_run_id,
                "task_id": task_id,
                "attempt": job.attempt,
                "level": record.level,
                "message": record.message,
                "timestamp": record.timestamp,
            }
        )
        self._buffered.set()

    # --- results, logs and kills ----------------------------------------------------------

    async def _flush_loop(self, stopping: asyncio.Event) -> None:
        while True:
            await self._buffered.wait()
            # Let results that finish together share one transaction.
            await asyncio.sleep(self.settings.flush_interval)
            try:
                await self._flush()
            except BackendError as error:
                logger.warning("Worker %s could not write results (%s); retrying", self.id, error)
                await asyncio.sleep(0.5)

    async def _flush(self) -> None:
        buffer = self._buffer
        if not buffer.results and not buffer.logs:
            self._buffered.clear()
            return
        self._buffer = _Buffer()
        self._buffered.clear()
        try:
            now = utc_now()
            async with self.backend.db.transaction() as connection:
                await self.backend.logs.insert(connection, buffer.logs)
                accepted = await self.backend.jobs.finish(connection, buffer.results, now)
                if accepted:
                    await self.backend.notifier.publish(connection, [EXECUTOR])
        except BaseException:
            # Keep what could not be written for the next attempt, in order.
            self._buffer.results[:0] = buffer.results
            self._buffer.logs[:0] = buffer.logs
            self._buffered.set()
            raise
        if accepted:
            self.backend.notifier.after_commit([EXECUTOR])
        for rejected in {result.job_id for result in buffer.results} - {
            result.job_id for result in accepted
        }:
            logger.warning(
                "Worker %s: the result of job %s was rejected because the job was "
                "handed to another worker",
                self.id,
                rejected,
            )

    async def _kill_loop(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            wake = self.backend.notifier.watch(KILL)
            if self._running:
                try:
                    await self._kill_requested()
                except BackendError as error:
                    logger.warning("Worker %s could not check kill requests: %s", self.id, error)
            await self.backend.notifier.wait(wake, self.settings.kill_check_interval)

    async def _kill_requested(self) -> None:
        async with self.backend.db.transaction(write=False) as connection:
            requested = await self.backend.jobs.kill_requested(connection, self.id)
        for job_id, token in requested:
            running = self._running.get(job_id)
            if running is not None and running.job.claim_token == token and not running.killed:
                running.killed = True
                running.task.cancel()


async def _first(*awaitables: Any) -> None:
    tasks = [asyncio.ensure_future(awaitable) for awaitable in awaitables]
    _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)
