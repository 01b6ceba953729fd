"""Execution routes: create, read, search, kill, and follow over server-sent events."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
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
from lanner.api.inputs import read_inputs
from lanner.api.responses import JsonResponse, dumps_json
from lanner.backend.notify import EXECUTION
from lanner.errors import ExecutionNotFound, Problem
from lanner.executions.model import Execution
from lanner.executions.service import is_finished
from lanner.executions.views import execution_json
from lanner.instance import Instance
from lanner.states import State

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/executions", tags=["Executions"])

MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 1000
MAX_REVISION = 2**31 - 1
# Kestra gives up waiting for an execution created with `wait=true` after one hour.
MAX_WAIT_SECONDS = 3600.0

CREATE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": False,
        "description": "One form field per input, named by the input's id; a file part for each "
        "FILE input.",
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "additionalProperties": {"type": "string"}}
            }
        },
    }
}
CREATE_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No flow (or revision) has that namespace and id."},
    409: {"model": ErrorBody, "description": "The flow is disabled."},
    422: {
        "model": ErrorBody,
        "description": "Inputs or labels are invalid; `problems` lists each.",
    },
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No execution has that id."}
}

ExecutionId = Annotated[str, Path(description="The execution's id.")]


@router.get("/search", summary="Search for executions")
async def search_executions(
    instance: InstanceDependency,
    namespace: Annotated[
        str | None, Query(description="Only executions of this namespace and its children.")
    ] = None,
    flow_id: Annotated[str | None, Query(alias="flowId", description="Only this flow.")] = None,
    state: Annotated[
        list[State] | None, Query(description="Only executions in these states; repeatable.")
    ] = None,
    start_date: Annotated[
        datetime | None, Query(alias="startDate", description="Created at or after this time.")
    ] = None,
    end_date: Annotated[
        datetime | None, Query(alias="endDate", description="Created at or before this time.")
    ] = None,
    labels: Annotated[
        list[str] | None,
        Query(description="Only executions with every one of these `key:value` labels."),
    ] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Executions per page.")] = 10,
) -> Response:
    """Return `{"results": [execution, ...], "total": N}`, newest first.

    Results leave out `taskRunList`: read one execution for its task runs.
    """
    check_text(namespace, "namespace")
    check_text(flow_id, "flowId")
    async with instance.backend.db.transaction(write=False) as connection:
        executions, total = await instance.backend.executions.search(
            connection,
            namespace=namespace,
            flow_id=flow_id,
            states=state,
            start_after=_utc(start_date, "startDate"),
            start_before=_utc(end_date, "endDate"),
            labels=_label_filters(labels or []),
            page=page,
            size=size,
        )
    return JsonResponse({"results": [_summary_json(item) for item in executions], "total": total})


@router.post(
    "/{namespace}/{id}",
    openapi_extra=CREATE_BODY,
    responses=CREATE_ERRORS,
    summary="Create an execution of a flow",
)
async def create_execution(
    namespace: Annotated[str, Path(description="The flow's namespace.")],
    id: Annotated[str, Path(description="The flow's id.")],
    request: Request,
    instance: InstanceDependency,
    labels: Annotated[
        list[str] | None, Query(description="Labels as `key:value`; repeatable.")
    ] = None,
    revision: Annotated[
        int | None,
        Query(ge=1, le=MAX_REVISION, description="Flow revision; the latest if omitted."),
    ] = None,
    wait: Annotated[
        bool, Query(description="Respond only once the execution has ended (at most one hour).")
    ] = False,
) -> Response:
    """Create an execution and return it; inputs come as multipart form fields and files."""
    check_text(namespace, "namespace")
    check_text(id, "id")
    parsed_labels = _parse_labels(labels or [])
    inputs, files = await read_inputs(request)
    execution = await instance.executions.create(
        namespace, id, inputs, files, labels=parsed_labels, revision=revision
    )
    if wait:
        execution = await _wait_until_finished(instance, request, execution)
    return JsonResponse(execution_json(execution))


@router.get("/{executionId}", responses=NOT_FOUND, summary="Get an execution")
async def get_execution(
    execution_id: Annotated[str, Path(alias="executionId", description="The execution's id.")],
    instance: InstanceDependency,
) -> Response:
    check_text(execution_id, "executionId")
    return JsonResponse(execution_json(await instance.executions.get(execution_id)))


@router.delete(
    "/{executionId}/kill",
    status_code=202,
    responses={
        **NOT_FOUND,
        409: {"model": ErrorBody, "description": "The execution has already ended."},
    },
    summary="Kill an execution",
)
async def kill_execution(
    execution_id: Annotated[str, Path(alias="executionId", description="The execution's id.")],
    instance: InstanceDependency,
) -> Response:
    """Ask the executor to kill an execution; respond with 202 once the request is recorded."""
    check_text(execution_id, "executionId")
    async with instance.backend.db.transaction(write=False) as connection:
        state = await instance.backend.executions.state(connection, execution_id)
    if state is None:
        raise ExecutionNotFound(execution_id)
    if state.is_terminal:
        raise ApiError(
            409, f"execution {execution_id!r} already ended in state {state.value}; nothing to kill"
        )
    await instance.executions.kill(execution_id)
    return Response(status_code=202)


@router.get(
    "/{executionId}/follow",
    responses={
        **NOT_FOUND,
        200: {
            "description": "Server-sent events, each holding the execution as JSON: `id: start` "
            "first, `id: progress` on each change, `id: end` once it has ended.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
    },
    summary="Follow an execution",
)
async def follow_execution(
    execution_id: Annotated[str, Path(alias="executionId", description="The execution's id.")],
    instance: InstanceDependency,
) -> Response:
    """Stream the execution each time it changes, and end the stream once it has ended."""
    check_text(execution_id, "executionId")
    # Watch before each read, so that a change committed after the read still wakes the stream.
    wake = instance.backend.notifier.watch(EXECUTION)
    first = await instance.executions.get(execution_id)
    return event_stream(_updates(instance, first, wake), f"execution {execution_id}")


async def _updates(
    instance: Instance, execution: Execution, wake: asyncio.Event
) -> AsyncIterator[str]:
    notifier = instance.backend.notifier
    keep_alive = KeepAlive()
    event_id = "start"
    last = ""
    while True:
        text = dumps_json(execution_json(execution))
        finished = is_finished(execution)
        if finished:
            yield format_event(text, event_id="end")
            return
        if text != last:
            yield format_event(text, event_id=event_id)
            keep_alive.sent()
            event_id, last = "progress", text
        elif keep_alive.due():
            yield KEEP_ALIVE
            keep_alive.sent()

        await wait_any([wake], POLL_INTERVAL)
        wake = notifier.watch(EXECUTION)
        execution = await complete(instance.executions.get(execution.id))


async def _wait_until_finished(
    instance: Instance, request: Request, execution: Execution
) -> Execution:
    """Wait for the end of an execution, giving up early if the client disconnects."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + MAX_WAIT_SECONDS
    wake = instance.backend.notifier.watch(EXECUTION)
    while not is_finished(execution) and loop.time() < deadline:
        if await request.is_disconnected():
            break
        await wait_any([wake], POLL_INTERVAL)
        wake = instance.backend.notifier.watch(EXECUTION)
        execution = await instance.executions.get(execution.id)
    return execution


def _summary_json(execution: Execution) -> dict[str, Any]:
    result = execution_json(execution)
    # NOTE: searches load executions without their task runs, so the list is left out rather
    # than shown empty.
    del result["taskRunList"]
    return result


def _parse_labels(values: list[str]) -> list[dict[str, str]]:
    """Parse `key:value` labels; raise ApiError (422) listing every invalid one."""
    labels = []
    problems = []
    for index, text in enumerate(values):
        key, separator, value = text.partition(":")
        path = f"labels[{index}]"
        if not separator or not key.strip():
            problems.append(Problem(f"invalid label {text!r}: expected key:value", path=path))
        elif "\x00" in text:
            problems.append(
                Problem(f"invalid label {text!r}: NUL characters are not allowed", path=path)
            )
        elif key.startswith("system.") and key != "system.correlationId":
            # Kestra keeps `system.` labels for itself, except the correlation id.
            problems.append(
                Problem(f"invalid label {key!r}: system labels are set by Lanner only", path=path)
            )
        else:
            labels.append({"key": key, "value": value})
    if problems:
        raise ApiError(422, problems[0].message, problems)
    return labels


def _label_filters(values: list[str]) -> list[tuple[str, str]]:
    """Parse `key:value` search filters; system labels may be searched for."""
    filters = []
    for index, text in enumerate(values):
        check_text(text, f"labels[{index}]")
        key, separator, value = text.partition(":")
        if not separator or not key.strip():
            raise ApiError(422, f"invalid label filter {text!r}: expected key:value")
        filters.append((key, value))
    return filters


def _utc(value: datetime | None, name: str) -> datetime | None:
    """Read a query date as UTC; a date without an offset is taken as UTC."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError as error:
        raise ApiError(422, f"{name} {value.isoformat()} is out of range") from error
