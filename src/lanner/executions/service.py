"""Creating, killing and reading executions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from lanner.backend.logs import LogEntry
from lanner.backend.notify import EXECUTION, EXECUTOR
from lanner.backend.store import Backend
from lanner.errors import ExecutionNotFound, InvalidInputs
from lanner.executions.builder import (
    ExecutionRequest,
    FlowDisabled,
    build_execution,
    runnable_flow,
)
from lanner.executions.model import Execution
from lanner.executor.messages import MessageKind
from lanner.flows.cache import FlowCache
from lanner.flows.inputs import UploadedFile
from lanner.ids import new_id
from lanner.storage import Storage
from lanner.timestamps import utc_now

logger = logging.getLogger(__name__)


class ExecutionService:
    def __init__(
        self,
        backend: Backend,
        flows: FlowCache,
        storage: Storage,
        encryption_key: str | None = None,
    ) -> None:
        self.backend = backend
        self.flows = flows
        self.storage = storage
        self.encryption_key = encryption_key

    async def create(
        self,
        namespace: str,
        flow_id: str,
        inputs: Mapping[str, Any] | None = None,
        files: Mapping[str, UploadedFile] | None = None,
        labels: list[dict[str, str]] | None = None,
        revision: int | None = None,
        trigger: dict[str, Any] | None = None,
    ) -> Execution:
        """Create an execution of a flow and hand it to the executor.

        Raise FlowNotFound, FlowDisabled, or InvalidInputs listing every bad input; in each
        case no execution exists afterwards.
        """
        async with self.backend.db.transaction(write=False) as connection:
            flow = await runnable_flow(
                self.backend, self.flows, connection, namespace, flow_id, revision
            )
        now = utc_now()
        request = ExecutionRequest(
            id=new_id(),
            inputs=inputs or {},
            files=files or {},
            labels=labels or [],
            trigger=trigger,
        )
        execution = await build_execution(flow, request, self.storage, self.encryption_key, now)
        async with self.backend.db.transaction() as connection:
            await self.backend.executions.insert(connection, execution)
            await self.backend.messages.insert(
                connection,
                [(execution.id, MessageKind.EXECUTION_CREATED.value, {}, None)],
                now,
            )
            await self.backend.notifier.publish(connection, [EXECUTOR])
        self.backend.notifier.after_commit([EXECUTOR])
        logger.info(
            "Created execution %s of flow %s.%s revision %d",
            execution.id,
            namespace,
            flow_id,
            execution.flow_revision,
            extra={"execution_id": execution.id},
        )
        return execution

    async def kill(self, execution_id: str) -> None:
        """Ask the executor to kill an execution; raise ExecutionNotFound for unknown ids."""
        now = utc_now()
        async with self.backend.db.transaction() as connection:
            state = await self.backend.executions.state(connection, execution_id)
            if state is None:
                raise ExecutionNotFound(execution_id)
            if state.is_terminal:
                return
            await self.backend.messages.insert(
                connection, [(execution_id, MessageKind.KILL.value, {}, None)], now
            )
            await self.backend.notifier.publish(connection, [EXECUTOR])
        self.backend.notifier.after_commit([EXECUTOR])
        logger.info(
            "Kill requested for execution %s", execution_id, extra={"execution_id": execution_id}
        )

    async def get(self, execution_id: str) -> Execution:
        async with self.backend.db.transaction(write=False) as connection:
            execution = await self.backend.executions.get(connection, execution_id)
        if execution is None:
            raise ExecutionNotFound(execution_id)
        return execution

    async def logs(
        self,
        execution_id: str,
        after_id: int = 0,
        min_level: str | None = None,
        task_run_id: str | None = None,
    ) -> list[LogEntry]:
        async with self.backend.db.transaction(write=False) as connection:
            return await self.backend.logs.fetch(
                connection,
                execution_id,
                after_id=after_id,
                min_level=min_level,
                task_run_id=task_run_id,
            )

    async def wait_until_finished(
        self, execution_id: str, timeout: float | None = None, poll: float = 0.5
    ) -> Execution:
        """Wait until an execution ends, its afterExecution tasks included."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            wake = self.backend.notifier.watch(EXECUTION)
            async with self.backend.db.transaction(write=False) as connection:
                finished = await self.backend.executions.finished(connection, execution_id)
            if finished is None:
                raise ExecutionNotFound(execution_id)
            if finished:
                return await self.get(execution_id)
            remaining = poll if deadline is None else min(poll, deadline - loop.time())
            if remaining <= 0:
                raise TimeoutError(f"execution {execution_id} did not end in {timeout} s")
            await self.backend.notifier.wait(wake, remaining)


def is_finished(execution: Execution) -> bool:
    """Tell whether an execution ended and nothing of it runs any more."""
    return execution.state.is_terminal and execution.active_count() == 0


__all__ = ["ExecutionService", "FlowDisabled", "InvalidInputs", "is_finished"]
