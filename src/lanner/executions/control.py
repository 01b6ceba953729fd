"""Acting on an execution from outside: resume, restart, change a task run's state, replay.

Each checks what the request can act on and answers with a clear error when it cannot, then
hands the change to the executor as an executor message (replay creates a new execution).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from lanner.backend.notify import EXECUTOR
from lanner.backend.store import Backend
from lanner.errors import ExecutionNotFound, InvalidInputs, LannerError, TaskRunNotFound
from lanner.executions.builder import (
    ExecutionRequest,
    Expressions,
    build_execution,
    runnable_flow,
)
from lanner.executions.model import Execution, TaskRun
from lanner.executions.replay import copy_before
from lanner.executor.messages import MessageKind
from lanner.flows.cache import FlowCache
from lanner.flows.inputs import UploadedFile, resolve_inputs
from lanner.ids import new_id
from lanner.states import State
from lanner.storage import Storage, execution_file_key, uri_from_key
from lanner.tasks.flow.pause import Pause
from lanner.timestamps import utc_now

logger = logging.getLogger(__name__)


class InvalidRequest(LannerError):
    """The execution is not in a state that allows this request; the message says why."""


class ExecutionControls:
    def __init__(
        self,
        backend: Backend,
        flows: FlowCache,
        storage: Storage,
        encryption_key: str | None,
    ) -> None:
        self.backend = backend
        self.flows = flows
        self.storage = storage
        self.encryption_key = encryption_key

    async def resume(
        self,
        execution_id: str,
        inputs: Mapping[str, Any] | None = None,
        files: Mapping[str, UploadedFile] | None = None,
        task_run_id: str | None = None,
    ) -> None:
        """Resume paused task runs, validating the `onResume` inputs of their Pause task."""
        execution = await self._load(execution_id)
        paused = [run for run in execution.task_runs.values() if run.state is State.PAUSED]
        if task_run_id is not None:
            paused = [run for run in paused if run.id == task_run_id]
        if not paused:
            what = f"task run {task_run_id!r} of " if task_run_id else ""
            raise InvalidRequest(
                f"{what}execution {execution_id} is not paused (state {execution.state.value})"
            )
        resolved = await self._on_resume_inputs(execution, paused[0], inputs or {}, files or {})
        payload: dict[str, Any] = {"inputs": resolved}
        if task_run_id is not None:
            payload["taskRunId"] = task_run_id
        await self._send(execution_id, MessageKind.RESUME, payload)
        logger.info("Resume requested for execution %s", execution_id,
                    extra={"execution_id": execution_id})

    async def restart(self, execution_id: str) -> None:
        """Run the failed and killed task runs of an ended execution again."""
        execution = await self._load(execution_id)
        if execution.state not in (State.FAILED, State.KILLED, State.WARNING, State.CANCELLED):
            raise InvalidRequest(
                f"execution {execution_id} is {execution.state.value}; only FAILED, KILLED, "
                "WARNING or CANCELLED executions can be restarted"
            )
        await self._send(execution_id, MessageKind.RESTART, {})
        logger.info("Restart requested for execution %s", execution_id,
                    extra={"execution_id": execution_id})

    async def change_state(self, execution_id: str, task_run_id: str, state: State) -> None:
        """Set an ended task run's state by hand; the execution goes on from there."""
        execution = await self._load(execution_id)
        task_run = execution.task_runs.get(task_run_id)
        if task_run is None:
            raise TaskRunNotFound(execution_id, task_run_id)
        if not state.is_terminal:
            raise InvalidRequest(
                f"cannot set task run {task_run_id!r} to {state.value}: choose an end state "
                "such as SUCCESS, WARNING or FAILED"
            )
        if not task_run.state.is_terminal:
            raise InvalidRequest(
                f"task run {task_run_id!r} is {task_run.state.value}: only an ended task run "
                "can be set; wait for it to end or kill the execution"
            )
        await self._send(
            execution_id,
            MessageKind.CHANGE_TASK_RUN_STATE,
            {"taskRunId": task_run_id, "state": state.value},
        )

    async def replay(self, execution_id: str, task_run_id: str | None = None) -> Execution:
        """Create a new execution that runs again from a task run (from the start by default).

        Task runs created before the chosen one are copied as they ended; the chosen task and
        everything after it run again.
        """
        source = await self._load(execution_id)
        now = utc_now()
        async with self.backend.db.transaction(write=False) as connection:
            flow = await runnable_flow(
                self.backend, self.flows, connection, source.namespace, source.flow_id,
                source.flow_revision,
            )
        request = ExecutionRequest(
            id=new_id(),
            inputs=source.inputs,
            labels=source.labels,
            trigger=source.trigger,
            resolved=True,
            original_id=source.original_id or source.id,
        )
        replay = await build_execution(flow, request, self.storage, self.encryption_key, now)
        payload: dict[str, Any] = {}
        if task_run_id is not None:
            chosen = source.task_runs.get(task_run_id)
            if chosen is None:
                raise TaskRunNotFound(execution_id, task_run_id)
            start = copy_before(source, replay, chosen, now)
            payload = {"replayFrom": start}
        async with self.backend.db.transaction() as connection:
            await self.backend.executions.insert(connection, replay)
            await self.backend.messages.insert(
                connection,
                [(replay.id, MessageKind.EXECUTION_CREATED.value, payload, None)],
                now,
            )
            await self.backend.notifier.publish(connection, [EXECUTOR])
        self.backend.notifier.after_commit([EXECUTOR])
        logger.info("Execution %s replays execution %s", replay.id, execution_id,
                    extra={"execution_id": replay.id})
        return replay

    async def _on_resume_inputs(
        self,
        execution: Execution,
        paused: TaskRun,
        inputs: Mapping[str, Any],
        files: Mapping[str, UploadedFile],
    ) -> dict[str, Any]:
        async with self.backend.db.transaction(write=False) as connection:
            flow = await self.flows.get(
                connection, execution.namespace, execution.flow_id, execution.flow_revision
            )
        task = flow.task(paused.task_id)
        if not isinstance(task, Pause) or not task.on_resume:
            return dict(inputs)

        async def store_file(input_id: str, filename: str, content: bytes) -> str:
            key = execution_file_key(
                execution.namespace, execution.flow_id, execution.id, "resume", input_id,
                filename,
            )
            await self.storage.put(key, content)
            return uri_from_key(key)

        try:
            return await resolve_inputs(
                task.on_resume,
                dict(inputs),
                files=dict(files),
                render=Expressions(),
                store_file=store_file,
                encryption_key=self.encryption_key,
                variables={"inputs": execution.inputs},
            )
        except InvalidInputs as error:
            error.outcome = f"execution {execution.id} was not resumed"
            raise

    async def latest_paused(self, namespace: str, flow_id: str) -> str | None:
        """Return the id of the latest paused execution of a flow, if any."""
        async with self.backend.db.transaction(write=False) as connection:
            found, _ = await self.backend.executions.search(
                connection, namespace=namespace, flow_id=flow_id, states=[State.PAUSED], size=1
            )
        return found[0].id if found else None

    async def _load(self, execution_id: str) -> Execution:
        async with self.backend.db.transaction(write=False) as connection:
            execution = await self.backend.executions.get(connection, execution_id)
        if execution is None:
            raise ExecutionNotFound(execution_id)
        return execution

    async def _send(self, execution_id: str, kind: MessageKind, payload: dict[str, Any]) -> None:
        now = utc_now()
        async with self.backend.db.transaction() as connection:
            await self.backend.messages.insert(connection, [(execution_id, kind.value, payload,
                                                             None)], now)
            await self.backend.notifier.publish(connection, [EXECUTOR])
        self.backend.notifier.after_commit([EXECUTOR])

