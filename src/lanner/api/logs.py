"""Log routes: the log lines of an execution, and a live stream of them."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from lanner.api.dependencies import InstanceDependency, check_text
from lanner.api.errors import ApiError, ErrorBody
from lanner.api.events import (
    KEEP_ALIVE,
    POLL_INTERVAL,
    KeepAlive,
    complete,
    event_stream,
    format_event,
    wait_any,
)
from lanner.api.responses import JsonResponse, dumps_json
from lanner.backend.logs import LEVELS, LogEntry
from lanner.backend.notify import EXECUTION, EXECUTOR
from lanner.errors import ExecutionNotFound
from lanner.executions.service import is_finished
from lanner.executions.views import log_json
from lanner.instance import Instance

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/logs", tags=["Logs"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No execution has that id."}
}

ExecutionId = Annotated[str, Path(alias="executionId", description="The execution's id.")]
MinLevel = Annotated[
    str | None,
    Query(
        alias="minLevel", description="Lowest level returned: TRACE, DEBUG, INFO, WARN or ERROR."
    ),
]


@router.get("/{executionId}", responses=NOT_FOUND, summary="List the logs of an execution")
async def list_logs(
    execution_id: ExecutionId,
    instance: InstanceDependency,
    min_level: MinLevel = None,
    task_run_id: Annotated[
        str | None, Query(alias="taskRunId", description="Only the lines of this task run.")
    ] = None,
    task_id: Annotated[
        str | None, Query(alias="taskId", description="Only the lines of this task.")
    ] = None,
    attempt: Annotated[
        int | None, Query(ge=0, le=2**31 - 1, description="Only the lines of this attempt.")
    ] = None,
) -> Response:
    """Return the execution's log lines, oldest first."""
    check_text(execution_id, "executionId")
    check_text(task_run_id, "taskRunId")
    level = _level(min_level)
    await _check_execution(instance, execution_id)
    entries = await instance.executions.logs(execution_id, min_level=level, task_run_id=task_run_id)
    selected = [
        entry
        for entry in entries
        if (task_id is None or entry.task_id == task_id)
        and (attempt is None or entry.attempt == attempt)
    ]
    return JsonResponse([log_json(entry) for entry in selected])


@router.get(
    "/{executionId}/follow",
    responses={
        **NOT_FOUND,
        200: {
            "description": "Server-sent events: `id: start` with an empty object, then one "
            "`id: progress` event per log line as JSON, and `id: end` with an empty object "
            "once the execution has ended and all its lines were sent.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
    },
    summary="Follow the logs of an execution",
)
async def follow_logs(
    execution_id: ExecutionId,
    instance: InstanceDependency,
    min_level: MinLevel = None,
    task_run_id: Annotated[
        str | None, Query(alias="taskRunId", description="Only the lines of this task run.")
    ] = None,
) -> Response:
    """Stream the execution's log lines, the stored ones first, then new ones as they arrive."""
    check_text(execution_id, "executionId")
    check_text(task_run_id, "taskRunId")
    level = _level(min_level)
    await _check_execution(instance, execution_id)
    lines = _new_lines(instance, execution_id, level, task_run_id)
    return event_stream(lines, f"logs of execution {execution_id}")


async def _new_lines(
    instance: Instance, execution_id: str, level: str | None, task_run_id: str | None
) -> AsyncIterator[str]:
    notifier = instance.backend.notifier
    keep_alive = KeepAlive()
    sent: set[int] = set()
    last_id = 0
    yield format_event("{}", event_id="start")
    while True:
        # Workers write log lines with their task results, which wake the executor; the
        # executor's changes wake execution watchers. Watch both before reading.
        wakes = [notifier.watch(EXECUTOR), notifier.watch(EXECUTION)]
        finished = await complete(_finished(instance, execution_id))
        entries = await complete(
            instance.executions.logs(
                execution_id, after_id=last_id, min_level=level, task_run_id=task_run_id
            )
        )
        for entry in entries:
            yield _line_event(entry)
            sent.add(entry.id)
            last_id = max(last_id, entry.id)
        if entries:
            keep_alive.sent()

        if finished:
            # Concurrent workers may commit lines out of id order, so a line with an id below
            # `last_id` can appear late: send whatever the id cursor skipped before ending.
            everything = await complete(
                instance.executions.logs(execution_id, min_level=level, task_run_id=task_run_id)
            )
            for entry in everything:
                if entry.id not in sent:
                    yield _line_event(entry)
            yield format_event("{}", event_id="end")
            return
        if keep_alive.due():
            yield KEEP_ALIVE
            keep_alive.sent()
        await wait_any(wakes, POLL_INTERVAL)


def _line_event(entry: LogEntry) -> str:
    return format_event(dumps_json(log_json(entry)), event_id="progress")


async def _finished(instance: Instance, execution_id: str) -> bool:
    async with instance.backend.db.transaction(write=False) as connection:
        state = await instance.backend.executions.state(connection, execution_id)
    if state is None:
        raise ExecutionNotFound(execution_id)
    if not state.is_terminal:
        return False
    # A terminal execution may still run afterExecution tasks: load it to count them.
    return is_finished(await instance.executions.get(execution_id))


async def _check_execution(instance: Instance, execution_id: str) -> None:
    async with instance.backend.db.transaction(write=False) as connection:
        state = await instance.backend.executions.state(connection, execution_id)
    if state is None:
        raise ExecutionNotFound(execution_id)


def _level(value: str | None) -> str | None:
    """Read a level name case-insensitively; WARNING is taken as WARN."""
    if value is None:
        return None
    level = value.strip().upper()
    level = "WARN" if level == "WARNING" else level
    if level not in LEVELS:
        raise ApiError(422, f"invalid minLevel {value!r}: expected one of {', '.join(LEVELS)}")
    return level
