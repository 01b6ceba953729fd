"""Effects of one execution on others: subflow children, new attempts, concurrency slots.

All of it happens inside the transaction of the batch that caused it: a child execution is
inserted with the parent's changes, the end of a child is reported to its parent with the
child's end, and the next queued execution of a flow is woken with the end of the one that
held its slot.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.store import Backend
from lanner.errors import LannerError
from lanner.executions.builder import ExecutionRequest, build_execution, runnable_flow
from lanner.executions.model import Execution
from lanner.executor.effects import LogLine, NewExecution
from lanner.executor.messages import ExecutorMessage, MessageKind
from lanner.flows.cache import FlowCache
from lanner.flows.executable import ExecutableFlow
from lanner.states import State
from lanner.storage import Storage
from lanner.timestamps import format_timestamp

logger = logging.getLogger(__name__)

FollowUp = tuple[str, str, dict[str, Any], datetime | None]


async def grant_slot(
    backend: Backend,
    connection: AsyncConnection,
    flow: ExecutableFlow,
    execution: Execution,
    messages: list[ExecutorMessage],
) -> bool:
    """Tell the start of an execution whether its flow's concurrency limit leaves it a slot.

    The flow's row is locked while the running executions are counted, so that two executions
    of the same flow starting at once on two executors are counted one after the other.
    Returns True when the lock was taken.
    """
    concurrency = flow.flow.concurrency
    if concurrency is None or execution.state not in (State.CREATED, State.QUEUED):
        return False
    starts = [message for message in messages if message.kind is MessageKind.EXECUTION_CREATED]
    if not starts:
        return False
    await backend.executions.lock_flow(connection, execution.namespace, execution.flow_id)
    running = await backend.executions.count_running(
        connection, execution.namespace, execution.flow_id, execution.id
    )
    for message in starts:
        message.payload["slot"] = running < concurrency.limit
    return True


async def wake_queued(
    backend: Backend, connection: AsyncConnection, flow: ExecutableFlow, execution: Execution
) -> list[FollowUp]:
    """Ask the oldest queued executions of a flow to start, one per free slot.

    Counting free slots under the flow's lock, instead of waking one execution per end, keeps
    the limit filled when two executions end at once: both would otherwise wake the same
    queued execution, and the other slot would stay empty. A woken execution that finds no
    free slot stays queued.
    """
    concurrency = flow.flow.concurrency
    if concurrency is None:
        return []
    await backend.executions.lock_flow(connection, execution.namespace, execution.flow_id)
    running = await backend.executions.count_running(
        connection, execution.namespace, execution.flow_id, execution.id
    )
    free = concurrency.limit - running
    if free <= 0:
        return []
    queued = await backend.executions.oldest_queued(
        connection, execution.namespace, execution.flow_id, free, execution.id
    )
    return [(queued_id, MessageKind.EXECUTION_CREATED.value, {}, None) for queued_id in queued]


def report_to_parent(execution: Execution) -> list[FollowUp]:
    """Tell the Subflow task run waiting for an execution that it has ended."""
    parent = execution.parent
    if not parent or not parent.get("wait") or execution.state is State.RETRIED:
        return []
    payload = {
        "taskRunId": parent["taskRunId"],
        "attempt": parent["attempt"],
        "executionId": execution.id,
        "state": execution.state.value,
        "outputs": execution.outputs or {},
    }
    if execution.end_date is not None:
        payload["endDate"] = format_timestamp(execution.end_date)
    return [(str(parent["executionId"]), MessageKind.SUBFLOW_ENDED.value, payload, None)]


async def create_executions(
    backend: Backend,
    flows: FlowCache,
    storage: Storage,
    encryption_key: str | None,
    connection: AsyncConnection,
    source: Execution,
    wanted: list[NewExecution],
    now: datetime,
) -> tuple[list[FollowUp], list[tuple[str, LogLine]]]:
    """Insert the executions a batch asked for; a failure fails the task run that asked.

    Returns the messages to send and the log lines to write, each with its execution id.
    """
    follow_ups: list[FollowUp] = []
    logs: list[tuple[str, LogLine]] = []
    for new in wanted:
        try:
            execution = await _build(backend, flows, storage, encryption_key, connection, new, now)
        except LannerError as error:
            follow_ups += _creation_failed(source, new, error, now, logs)
            continue
        await backend.executions.insert(connection, execution)
        follow_ups.append((execution.id, MessageKind.EXECUTION_CREATED.value, {}, new.deliver_at))
        parent = new.parent
        if parent and not parent.get("wait") and not new.resolved:
            # A Subflow that does not wait succeeds once its child exists.
            follow_ups.append(_result(parent, State.SUCCESS, {"executionId": execution.id}))
        logger.info(
            "Created execution %s of flow %s.%s for execution %s",
            execution.id,
            new.namespace,
            new.flow_id,
            (parent or {}).get("executionId", new.original_id),
            extra={"execution_id": execution.id},
        )
    return follow_ups, logs


async def _build(
    backend: Backend,
    flows: FlowCache,
    storage: Storage,
    encryption_key: str | None,
    connection: AsyncConnection,
    new: NewExecution,
    now: datetime,
) -> Execution:
    flow = await runnable_flow(backend, flows, connection, new.namespace, new.flow_id, new.revision)
    request = ExecutionRequest(
        id=new.id,
        inputs=new.inputs,
        labels=new.labels,
        trigger=new.trigger,
        parent=new.parent,
        resolved=new.resolved,
        original_id=new.original_id,
        attempt_number=new.attempt_number,
        first_attempt_date=format_timestamp(now),
    )
    return await build_execution(flow, request, storage, encryption_key, now)


def _creation_failed(
    source: Execution,
    new: NewExecution,
    error: LannerError,
    now: datetime,
    logs: list[tuple[str, LogLine]],
) -> list[FollowUp]:
    parent = new.parent
    if new.resolved:
        # A failed execution retried as a new one that cannot start: the retry ends there.
        logs.append((source.id, LogLine("ERROR", f"the new attempt could not start: {error}", now)))
        if parent and parent.get("wait"):
            payload = {
                "taskRunId": parent["taskRunId"],
                "attempt": parent["attempt"],
                "executionId": source.id,
                "state": State.FAILED.value,
                "outputs": {},
            }
            return [(str(parent["executionId"]), MessageKind.SUBFLOW_ENDED.value, payload, None)]
        return []
    assert parent is not None
    message = f"subflow {new.namespace}.{new.flow_id} could not start: {error}"
    logs.append(
        (
            source.id,
            LogLine(
                "ERROR",
                message,
                now,
                task_run_id=str(parent["taskRunId"]),
                task_id=parent.get("taskId"),
                attempt=parent.get("attempt"),
            ),
        )
    )
    # The child was never created, so no executionId output points at it.
    return [_result(parent, State.FAILED, {})]


def _result(parent: dict[str, Any], state: State, outputs: dict[str, Any]) -> FollowUp:
    payload = {
        "taskRunId": parent["taskRunId"],
        "attempt": parent["attempt"],
        "state": state.value,
        "outputs": outputs,
    }
    return (str(parent["executionId"]), MessageKind.TASK_RUN_RESULT.value, payload, None)
