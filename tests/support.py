"""Helpers for tests that run flows on a real instance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lanner.backend.logs import LogEntry
from lanner.executions.model import Execution, TaskRun
from lanner.flows.inputs import UploadedFile
from lanner.instance import Instance
from lanner.settings import load_settings


class InstanceHarness:
    """An instance with an executor and a worker, and shortcuts to run flows on it."""

    def __init__(self, database_url: str, data_dir: Path, **settings: Any) -> None:
        self.settings = load_settings(
            data_dir=data_dir,
            database_url=database_url,
            storage_url=f"file://{data_dir / 'storage'}",
            **settings,
        )
        self.settings.executor.poll_interval = 0.2
        self.settings.worker.poll_interval = 0.2
        # A stopping worker hands running task runs back at once instead of after 30 s.
        self.settings.worker.shutdown_timeout = 0.5
        self.instance = Instance(self.settings)

    async def start(self, executor: bool = True, worker: bool = True) -> None:
        await self.instance.start(executor=executor, worker=worker)

    async def stop(self) -> None:
        await self.instance.stop()

    async def deploy(self, source: str) -> None:
        await self.instance.flows.deploy_text(source)

    async def run(
        self,
        source: str,
        inputs: dict[str, Any] | None = None,
        files: dict[str, UploadedFile] | None = None,
        timeout: float = 60,
    ) -> Execution:
        """Deploy every flow of `source`, run the first one and wait until it ends."""
        results = await self.instance.flows.deploy_text(source)
        flow = results[0]
        execution = await self.instance.executions.create(
            flow.namespace, flow.id, inputs or {}, files or {}
        )
        return await self.instance.executions.wait_until_finished(execution.id, timeout)

    async def logs(self, execution: Execution) -> list[LogEntry]:
        return await self.instance.executions.logs(execution.id)


def runs_of(execution: Execution, task_id: str) -> list[TaskRun]:
    return execution.runs_of_task(task_id)


def only_run(execution: Execution, task_id: str) -> TaskRun:
    runs = execution.runs_of_task(task_id)
    assert len(runs) == 1, f"expected one run of {task_id!r}, found {len(runs)}"
    return runs[0]
