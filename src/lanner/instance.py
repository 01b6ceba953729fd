"""A Lanner instance: the backend, internal storage, services and the components it runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from types import TracebackType
from typing import Any

from lanner.backend.database import Database
from lanner.backend.store import Backend
from lanner.durations import parse_duration
from lanner.executions.control import ExecutionControls
from lanner.executions.service import ExecutionService
from lanner.executor.context import InstanceContext
from lanner.executor.service import Executor, ExecutorSettings
from lanner.flows.cache import FlowCache
from lanner.flows.service import FlowService
from lanner.liveness import Heartbeat, LivenessSettings, component_id
from lanner.namespace_files import NamespaceFileDownloader
from lanner.scheduler import scheduler_of
from lanner.secrets import SecretServices
from lanner.settings import Settings
from lanner.storage import Storage, storage_from_url
from lanner.worker.service import Worker, WorkerSettings

logger = logging.getLogger(__name__)

# Seconds a stopping component may take beyond the worker's shutdown timeout.
STOP_MARGIN = 30.0


class Instance:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.backend = Backend(Database(settings.resolved_database_url))
        self.storage: Storage = storage_from_url(settings.resolved_storage_url)
        self.flow_cache = FlowCache(self.backend.flows)
        self.flows = FlowService(self.backend)
        self.executions = ExecutionService(
            self.backend, self.flow_cache, self.storage, settings.encryption_key
        )
        self.controls = ExecutionControls(
            self.backend, self.flow_cache, self.storage, settings.encryption_key
        )
        self.context = InstanceContext(
            envs=settings.envs(), globals=settings.globals, services=SecretServices()
        )
        self.stopping = asyncio.Event()
        self.executor: Executor | None = None
        self.worker: Worker | None = None
        self._components: list[asyncio.Task[None]] = []

    async def start(
        self,
        *,
        executor: bool = False,
        worker: bool = False,
        scheduler: bool = False,
        webserver: bool = False,
    ) -> None:
        """Connect, migrate the schema, and start the components asked for.

        The web server itself is run by the caller; `webserver` registers it and keeps its
        heartbeat, as every component does.
        """
        await self.backend.start()
        liveness = LivenessSettings(
            heartbeat_interval=self.settings.liveness.heartbeat_interval,
            heartbeat_timeout=self.settings.liveness.heartbeat_timeout,
        )
        if executor:
            executor_config = self.settings.executor
            self.executor = Executor(
                self.backend,
                self.flow_cache,
                ExecutorSettings(
                    grouped=executor_config.grouped,
                    concurrency=executor_config.concurrency,
                    batch_size=executor_config.batch_size,
                    poll_interval=executor_config.poll_interval,
                    cache_size=executor_config.cache_size,
                    liveness=liveness,
                    retention=(
                        parse_duration(executor_config.retention)
                        if executor_config.retention
                        else None
                    ),
                    purge_interval=executor_config.purge_interval,
                ),
                self.context,
                self.storage,
                self.settings.encryption_key,
            )
            self._spawn(self.executor.run(self.stopping), "executor")
        if worker:
            worker_config = self.settings.worker
            self.worker = Worker(
                self.backend,
                self.storage,
                WorkerSettings(
                    slots=worker_config.threads,
                    group=worker_config.group,
                    poll_interval=worker_config.poll_interval,
                    encryption_key=self.settings.encryption_key,
                    shutdown_timeout=worker_config.shutdown_timeout,
                    liveness=liveness,
                ),
                downloader=NamespaceFileDownloader.from_settings(
                    self.storage, self.settings.namespace_files
                ),
            )
            self._spawn(self.worker.run(self.stopping), "worker")
        if scheduler:
            self._spawn(scheduler_of(self).run(self.stopping), "scheduler")
        if webserver:
            heartbeat = Heartbeat(self.backend, component_id("webserver"), "webserver", liveness)
            self._spawn(heartbeat.serve(self.stopping), "webserver")

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(coroutine, name=f"lanner-{name}")
        task.add_done_callback(self._component_done)
        self._components.append(task)

    def _component_done(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or self.stopping.is_set():
            return
        error = task.exception()
        if error is not None:
            logger.error("Component %s stopped with an error", task.get_name(), exc_info=error)
            self.stopping.set()

    async def stop_component(self, name: str) -> None:
        """Stop one component ("executor" or "worker") as its own process would on SIGTERM."""
        for task in list(self._components):
            if task.get_name() == f"lanner-{name}":
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                self._components.remove(task)

    async def stop(self) -> None:
        self.stopping.set()
        # A stopping worker may take its whole shutdown timeout, and needs a moment beyond it to
        # hand back what is still running.
        timeout = self.settings.worker.shutdown_timeout + STOP_MARGIN
        for task in self._components:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, timeout=timeout)
        self._components.clear()
        await self.storage.close()
        await self.backend.close()

    async def __aenter__(self) -> Instance:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
