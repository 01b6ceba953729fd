"""Routes that act on an execution: resume, restart, replay, and a task run's state."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from starlette.responses import Response

from lanner.api.dependencies import InstanceDependency, check_text
from lanner.api.errors import ApiError, ErrorBody
from lanner.api.inputs import read_inputs
from lanner.api.responses import JsonResponse
from lanner.executions.views import execution_json
from lanner.states import State

router = APIRouter(prefix="/executions", tags=["Executions"])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No execution has that id."},
    409: {"model": ErrorBody, "description": "The execution's state does not allow it."},
}

ExecutionId = Annotated[str, Path(alias="executionId", description="The execution's id.")]


@router.post("/{executionId}/resume", status_code=204, responses=ERRORS,
             summary="Resume a paused execution")
async def resume(
    execution_id: ExecutionId,
    request: Request,
    instance: InstanceDependency,
    task_run_id: Annotated[
        str | None, Query(alias="taskRunId", description="Resume only this paused task run.")
    ] = None,
) -> Response:
    """Resume paused task runs; the Pause task's `onResume` inputs come as multipart fields."""
    check_text(execution_id, "executionId")
    inputs, files = await read_inputs(request)
    await instance.controls.resume(execution_id, inputs, files, task_run_id)
    return Response(status_code=204)


@router.post("/{executionId}/restart", responses=ERRORS,
             summary="Restart the failed task runs of an execution")
async def restart(execution_id: ExecutionId, instance: InstanceDependency) -> Response:
    check_text(execution_id, "executionId")
    await instance.controls.restart(execution_id)
    return JsonResponse(execution_json(await instance.executions.get(execution_id)))


@router.post("/{executionId}/replay", responses=ERRORS,
             summary="Replay an execution from a task run, as a new execution")
async def replay(
    execution_id: ExecutionId,
    instance: InstanceDependency,
    task_run_id: Annotated[
        str | None,
        Query(alias="taskRunId", description="Run again from this task run; from the start "
              "when omitted."),
    ] = None,
) -> Response:
    check_text(execution_id, "executionId")
    created = await instance.controls.replay(execution_id, task_run_id)
    return JsonResponse(execution_json(created))


@router.post("/{executionId}/state", responses=ERRORS,
             summary="Change the state of an ended task run")
async def change_state(
    execution_id: ExecutionId,
    instance: InstanceDependency,
    body: Annotated[dict[str, Any], Body(examples=[{"taskRunId": "...", "state": "SUCCESS"}])],
) -> Response:
    """Set an ended task run's state by hand; the execution goes on from there."""
    check_text(execution_id, "executionId")
    task_run_id, state_name = body.get("taskRunId"), body.get("state")
    if not isinstance(task_run_id, str) or not isinstance(state_name, str):
        raise ApiError(422, "the body must be {\"taskRunId\": \"...\", \"state\": \"SUCCESS\"}")
    try:
        state = State(state_name)
    except ValueError:
        raise ApiError(422, f"unknown state {state_name!r}: use one of "
                       + ", ".join(item.value for item in State)) from None
    await instance.controls.change_state(execution_id, task_run_id, state)
    return JsonResponse(execution_json(await instance.executions.get(execution_id)))
