"""Creating, killing and reading executions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from lanner.backend.logs import LogEntry
from lanner.backend.notify import EXECUTION, EXECUTOR
from lanner.backend.store import Backend
from lanner.errors import ExecutionNotFound, FlowNotFound, InvalidInputs, LannerError
from lanner.executions.model import Execution, StateHistory
from lanner.executor.messages import MessageKind
from lanner.expressions import render, render_typed
from lanner.flows.cache import FlowCache
from lanner.flows.inputs import UploadedFile, resolve_inputs
from lanner.ids import new_id
from lanner.states import State
from lanner.storage import Storage, execution_file_key, uri_from_key
from lanner.timestamps import format_timestamp, utc_now

logger = logging.getLogger(__name__)


class FlowDisabled(LannerError):
    """The flow is disabled; enable it (`disabled: false`) to run it."""


class _Expressions:
    def render(self, template: str, context: Mapping[str, Any]) -> str:
        return render(template, context)

    def render_typed(self, value: Any, context: Mapping[str, Any]) -> Any:
        return render_typed(value, context)


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
            if revision is None:
                stored = await self.backend.flows.latest(connection, namespace, flow_id)
                if stored is None or stored.deleted:
                    raise FlowNotFound(namespace, flow_id)
                revision = stored.revision
            else:
                # A deletion is stored as a revision too; it cannot run.
                wanted = await self.backend.flows.revision(connection, namespace, flow_id, revision)
                if wanted is None or wanted.deleted:
                    raise FlowNotFound(namespace, flow_id, revision)
            flow = await self.flows.get(connection, namespace, flow_id, revision)
        if flow.flow.disabled:
            raise FlowDisabled(
                f"flow {namespace}.{flow_id} is disabled; set `disabled: false` to run it"
            )

        execution_id = new_id()
        now = utc_now()

        async def store_file(input_id: str, filename: str, content: bytes) -> str:
            key = execution_file_key(namespace, flow_id, execution_id, "inputs", input_id, filename)
            await self.storage.put(key, content)
            return uri_from_key(key)

        context = {
            "flow": {"id": flow_id, "namespace": namespace, "revision": revision},
            "execution": {"id": execution_id, "startDate": format_timestamp(now)},
            "labels": {label.key: label.value for label in flow.flow.labels},
        }
        resolved = await resolve_inputs(
            flow.flow.inputs or [],
            dict(inputs or {}),
            files=dict(files or {}),
            render=_Expressions(),
            store_file=store_file,
            encryption_key=self.encryption_key,
            variables=context,
        )
        execution = Execution(
            id=execution_id,
            namespace=namespace,
            flow_id=flow_id,
            flow_revision=revision,
            state=State.CREATED,
            histories=[StateHistory(State.CREATED, now)],
            inputs=resolved,
            labels=_merge_labels(
                [{"key": label.key, "value": label.value} for label in flow.flow.labels],
                labels or [],
            ),
            trigger=trigger,
        )
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
            revision,
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


def _merge_labels(
    flow_labels: list[dict[str, str]], labels: list[dict[str, str]]
) -> list[dict[str, str]]:
    merged = {label["key"]: label["value"] for label in flow_labels}
    merged.update({label["key"]: label["value"] for label in labels})
    return [{"key": key, "value": value} for key, value in merged.items()]


__all__ = ["ExecutionService", "FlowDisabled", "InvalidInputs", "is_finished"]
