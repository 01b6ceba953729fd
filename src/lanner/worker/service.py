"""The worker service: claims worker jobs, runs their tasks and reports the results.

A worker claims only as many jobs as it has free slots. Results and log lines are written in
batches (`results.py`); each result is accepted only while the job's claim is current (see
`lanner.backend.jobs`). Kill requests are polled and also delivered by wake-up.

A worker registers itself and heartbeats (`lanner.liveness`). When it is stopped it stops
claiming, lets running task runs finish for `shutdown_timeout` seconds, then hands the others
back: each runs again elsewhere as a new attempt. When it cannot heartbeat for longer than the
timeout, or learns it was declared dead, it cancels its running task runs itself, because
their jobs are being handed to other workers, then registers again under a new id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from lanner.backend.database import is_connection_error
from lanner.backend.jobs import ClaimedJob, JobResult
from lanner.backend.kv import SyncKvReader
from lanner.backend.notify import EXECUTOR, KILL, WORKER
from lanner.backend.store import Backend
from lanner.errors import BackendError
from lanner.expressions import RenderServices
from lanner.liveness import Heartbeat, LivenessSettings, component_id
from lanner.namespace_files import NamespaceFileDownloader
from lanner.storage import Storage
from lanner.tasks.registry import TaskRegistry, default_registry
from lanner.timestamps import utc_now
from lanner.worker.context import TaskLogRecord
from lanner.worker.results import ResultBuffer
from lanner.worker.runner import JobRunner, TaskCache

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
    # Seconds results and logs wait before they are written. Results that arrive while a
    # write is under way are batched into the next one anyway, so no wait is the default.
    flush_interval: float = 0.0
    # Key that decrypts SECRET inputs (the same LANNER_ENCRYPTION_KEY as the API's).
    encryption_key: str | None = None
    # Seconds a stopping worker lets running task runs finish before handing them back.
    shutdown_timeout: float = 30.0
    liveness: LivenessSettings = field(default_factory=LivenessSettings)


class _Stop(Enum):
    """Why a running task run was cancelled."""

    KILL = "kill"  # its execution is being killed: report KILLED
    FENCE = "fence"  # this worker was declared dead: its results would be rejected anyway
    SHUTDOWN = "shutdown"  # the worker is stopping: hand the job back as a new attempt


@dataclass
class _Running:
    job: ClaimedJob
    task: asyncio.Task[None]
    stop: _Stop | None = None


class Worker:
    def __init__(
        self,
        backend: Backend,
        storage: Storage,
        settings: WorkerSettings | None = None,
        registry: TaskRegistry | None = None,
        services: RenderServices | None = None,
        downloader: NamespaceFileDownloader | None = None,
    ) -> None:
        self.backend = backend
        self.settings = settings or WorkerSettings()
        self.id = component_id("worker")
        # Reads KV keys that expressions compute while they render (see lanner.kv.rendering).
        self.kv_reader = SyncKvReader(backend.db.url)
        self.runner = JobRunner(
            TaskCache(registry or default_registry()),
            storage,
            services,
            self.settings.encryption_key,
            lambda: self.id,
            backend=backend,
            kv_reader=self.kv_reader,
            namespace_file_downloader=downloader,
        )
        self.buffer = ResultBuffer(backend, self.settings.flush_interval)
        self._running: dict[int, _Running] = {}
        self._slot_freed = asyncio.Event()
        self._fenced = False
        self._heartbeat = self._make_heartbeat()

    # --- lifecycle ------------------------------------------------------------------------

    async def run(self, stopping: asyncio.Event) -> None:
        logger.info(
            "Worker %s started (slots=%d, group=%s)",
            self.id,
            self.settings.slots,
            self.settings.group,
        )
        await self._heartbeat.register()
        background = [
            asyncio.create_task(self.buffer.run(self.id)),
            asyncio.create_task(self._kill_loop(stopping)),
            asyncio.create_task(self._heartbeat_loop(stopping)),
        ]
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
            await self._shut_down(background)

    async def _shut_down(self, background: list[asyncio.Task[None]]) -> None:
        """Let running task runs finish for a while, then hand the others back."""
        logger.info("Stopping worker %s (%d task run(s) running)", self.id, len(self._running))
        if self._running:
            tasks = [running.task for running in self._running.values()]
            await asyncio.wait(tasks, timeout=self.settings.shutdown_timeout)
        for running in list(self._running.values()):
            running.stop = _Stop.SHUTDOWN
            running.task.cancel()
        for running in list(self._running.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await running.task
        try:
            await self.buffer.flush(self.id)
        except BackendError as error:
            logger.error("Worker %s could not write its last results: %s", self.id, error)
        for task in background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._heartbeat.deregister()
        self.kv_reader.close()
        logger.info("Worker %s stopped", self.id)

    # --- claiming -------------------------------------------------------------------------

    async def _cycle(self, stopping: asyncio.Event) -> None:
        if self._fenced:
            await _first(asyncio.sleep(self.settings.poll_interval), stopping.wait())
            return
        free = self.settings.slots - len(self._running)
        if free <= 0:
            self._slot_freed.clear()
            await _first(self._slot_freed.wait(), stopping.wait())
            return
        wake = self.backend.notifier.watch(WORKER)
        async with self.backend.db.transaction() as connection:
            # Read the clock inside the transaction: on SQLite, BEGIN waits for the write lock,
            # and the claim date must not come before the job existed.
            now = utc_now()
            jobs = await self.backend.jobs.claim(
                connection, self.id, self.settings.group, free, now
            )
            if jobs:
                await self.backend.notifier.publish(connection, [EXECUTOR])
        if jobs:
            self.backend.notifier.after_commit([EXECUTOR])
        for job in jobs:
            self._running[job.id] = _Running(job, asyncio.create_task(self._run(job)))
        if len(jobs) < free:
            await _first(
                self.backend.notifier.wait(wake, self.settings.poll_interval), stopping.wait()
            )

    async def _run(self, job: ClaimedJob) -> None:
        def sink(record: TaskLogRecord) -> None:
            self.buffer.add_log(self._log_row(job, record))

        def killed() -> bool:
            running = self._running.get(job.id)
            return running is not None and running.stop is _Stop.KILL

        try:
            payload = await self.runner.run(job, sink, killed)
        except asyncio.CancelledError:
            running = self._running.pop(job.id, None)
            self._slot_freed.set()
            if running is not None and running.stop is _Stop.SHUTDOWN:
                self.buffer.hand_back(job)
            if running is None or running.stop is None:
                raise
            return
        self._running.pop(job.id, None)
        self._slot_freed.set()
        self.buffer.add_result(JobResult(job.id, job.claim_token, job.execution_id, payload))

    def _log_row(self, job: ClaimedJob, record: TaskLogRecord) -> dict[str, Any]:
        flow = job.payload.get("flow", {})
        return {
            "execution_id": job.execution_id,
            "namespace": flow.get("namespace", ""),
            "flow_id": flow.get("id", ""),
            # A WorkingDirectory's children log under their own task runs, inside its job.
            "task_run_id": record.task_run_id or job.task_run_id,
            "task_id": record.task_id or str(job.payload.get("taskId", "")),
            "attempt": record.attempt or job.attempt,
            "level": record.level,
            "message": record.message,
            "timestamp": record.timestamp,
        }

    # --- kills ----------------------------------------------------------------------------

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
            if running is not None and running.job.claim_token == token and running.stop is None:
                running.stop = _Stop.KILL
                running.task.cancel()

    # --- liveness -------------------------------------------------------------------------

    def _make_heartbeat(self) -> Heartbeat:
        return Heartbeat(
            self.backend,
            self.id,
            "worker",
            self.settings.liveness,
            self.settings.group,
            on_lost=self._fence,
        )

    async def _heartbeat_loop(self, stopping: asyncio.Event) -> None:
        # The loop goes on while a stopping worker lets its task runs finish, and ends only when
        # the shutdown cancels it: a silent worker would be declared dead and its jobs run twice.
        interval = self.settings.liveness.heartbeat_interval
        while True:
            await asyncio.sleep(interval)
            await self._heartbeat.beat()
            if self._fenced and not stopping.is_set():
                await self._rejoin()

    def _fence(self) -> None:
        """Cancel every running task run: their jobs were, or are being, handed on."""
        self._fenced = True
        for running in self._running.values():
            running.stop = _Stop.FENCE
            running.task.cancel()

    async def _rejoin(self) -> None:
        """Register again under a new id once the cancelled task runs are gone."""
        for running in list(self._running.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await running.task
        old = self.id
        self.id = component_id("worker")
        self._heartbeat = self._make_heartbeat()
        try:
            await self._heartbeat.register()
        except BackendError as error:
            logger.warning("Worker %s could not register again yet: %s", old, error)
            self.id = old
            return
        self._fenced = False
        logger.warning("Worker %s registered again as %s", old, self.id)


async def _first(*awaitables: Any) -> None:
    tasks = [asyncio.ensure_future(awaitable) for awaitable in awaitables]
    _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
