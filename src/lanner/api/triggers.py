"""Trigger routes, with Kestra's paths: search, list a flow's triggers, disable, backfill.

A trigger's state is shown as Kestra's trigger context: `namespace`, `flowId`, `triggerId`,
`date` (its last slot), `nextExecutionDate`, `backfill`, `stopAfter`, `disabled`,
`executionId` (its last execution) and `updatedDate`.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from lanner.api.dependencies import InstanceDependency, check_text
from lanner.api.errors import ApiError, ErrorBody
from lanner.api.responses import JsonResponse
from lanner.backend.triggers import StoredTrigger
from lanner.errors import LannerError
from lanner.instance import Instance
from lanner.scheduler import TriggerNotFound, TriggerRuntime, control, runtime_of
from lanner.scheduler.runtime import find_trigger
from lanner.scheduler.state import TriggerState
from lanner.scheduler.sync import FlowSync
from lanner.timestamps import format_timestamp

router = APIRouter(prefix="/triggers", tags=["Triggers"])

MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 1000

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No trigger has that namespace, flow id and id."},
    400: {"model": ErrorBody, "description": "The change does not apply to this trigger."},
}


class BackfillBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    start: str
    end: str | None = None
    inputs: dict[str, Any] | None = None
    labels: list[dict[str, str]] | dict[str, str] | None = None


class TriggerBody(BaseModel):
    """A trigger as Kestra's API takes it: its ids, plus what to change."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    namespace: str
    flow_id: str = Field(alias="flowId")
    trigger_id: str = Field(alias="triggerId")
    disabled: bool | None = None
    backfill: BackfillBody | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.namespace, self.flow_id, self.trigger_id)


class SetDisabledBody(BaseModel):
    triggers: list[TriggerBody] = Field(min_length=1)
    disabled: bool


def trigger_context_json(row: StoredTrigger) -> dict[str, Any]:
    state = TriggerState.from_json(row.data)
    next_date = control.next_execution_date(state)
    return {
        "namespace": row.namespace,
        "flowId": row.flow_id,
        "triggerId": row.trigger_id,
        "flowRevision": row.flow_revision,
        "type": state.type or None,
        "date": format_timestamp(row.last_date) if row.last_date else None,
        "nextExecutionDate": format_timestamp(next_date) if next_date else None,
        "backfill": state.backfill.to_json() if state.backfill else None,
        "stopAfter": state.stop_after or None,
        # Disabled here or in the flow: either way the trigger does not fire.
        "disabled": row.disabled or state.disabled_in_flow,
        "executionId": state.execution_id,
        "updatedDate": format_timestamp(row.updated) if row.updated else None,
    }


def _runtime(instance: Instance) -> TriggerRuntime:
    return runtime_of(instance)


def _flow_sync(request: Request, runtime: TriggerRuntime) -> FlowSync:
    # One per application, so that flows without triggers are parsed once, not per request.
    sync: FlowSync | None = getattr(request.app.state, "lanner_trigger_sync", None)
    if sync is None:
        sync = FlowSync(runtime)
        request.app.state.lanner_trigger_sync = sync
    return sync


async def _guard(operation: Awaitable[StoredTrigger]) -> StoredTrigger:
    try:
        return await operation
    except TriggerNotFound as error:
        raise ApiError(404, str(error)) from error


@router.get("/search", summary="Search for triggers")
async def search_triggers(
    request: Request,
    instance: InstanceDependency,
    namespace: Annotated[
        str | None, Query(description="Only triggers of this namespace and its children.")
    ] = None,
    flow_id: Annotated[str | None, Query(alias="flowId", description="Only this flow.")] = None,
    q: Annotated[
        str | None, Query(description="Text in the trigger, flow or namespace id.")
    ] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Triggers per page.")] = 10,
) -> Response:
    """Return `{"results": [{"abstractTrigger": ..., "triggerContext": ...}], "total": N}`."""
    for name, value in (("namespace", namespace), ("flowId", flow_id), ("q", q)):
        check_text(value, name)
    runtime = _runtime(instance)
    await _flow_sync(request, runtime).run()
    async with instance.backend.db.transaction(write=False) as connection:
        rows, total = await runtime.repository.search(
            connection, namespace=namespace, flow_id=flow_id, query=q, page=page, size=size
        )
        results = []
        for row in rows:
            results.append(
                {
                    "abstractTrigger": await _definition(runtime, connection, row),
                    "triggerContext": trigger_context_json(row),
                }
            )
    return JsonResponse({"results": results, "total": total})


async def _definition(runtime: TriggerRuntime, connection: Any, row: StoredTrigger) -> Any:
    try:
        flow = await runtime.flow(connection, row.namespace, row.flow_id, row.flow_revision)
    except LannerError:
        return None
    trigger = find_trigger(flow, row.trigger_id)
    if trigger is None:
        return None
    return trigger.model_dump(mode="json", by_alias=True, exclude_unset=True)


@router.get("/{namespace}/{flowId}", summary="List the triggers of a flow")
async def flow_triggers(
    namespace: Annotated[str, Path(description="The flow's namespace.")],
    flow_id: Annotated[str, Path(alias="flowId", description="The flow's id.")],
    instance: InstanceDependency,
) -> Response:
    """Return `{"results": [trigger context, ...], "total": N}`."""
    check_text(namespace, "namespace")
    check_text(flow_id, "flowId")
    rows = await control.read_flow_triggers(_runtime(instance), namespace, flow_id)
    return JsonResponse(
        {"results": [trigger_context_json(row) for row in rows], "total": len(rows)}
    )


@router.put("", responses=NOT_FOUND, summary="Disable, enable or backfill a trigger")
async def update_trigger(
    body: Annotated[TriggerBody, Body()], instance: InstanceDependency
) -> Response:
    """Start the backfill given in `backfill`, or else set `disabled`; return the trigger."""
    runtime = _runtime(instance)
    if body.backfill is not None:
        backfill = body.backfill
        labels = backfill.labels
        if isinstance(labels, dict):
            labels = [{"key": key, "value": value} for key, value in labels.items()]
        row = await _guard(
            control.start_backfill(
                runtime, body.key, backfill.start, backfill.end, backfill.inputs, labels
            )
        )
    elif body.disabled is not None:
        row = await _guard(control.set_disabled(runtime, body.key, body.disabled))
    else:
        raise ApiError(400, "nothing to change: give `disabled` or `backfill`")
    return JsonResponse(trigger_context_json(row))


@router.post("/set-disabled/by-triggers", summary="Disable or enable the given triggers")
async def set_disabled_by_triggers(
    body: Annotated[SetDisabledBody, Body()], instance: InstanceDependency
) -> Response:
    """Return `{"count": N}`, the triggers found and set; unknown ones are skipped."""
    keys = [trigger.key for trigger in body.triggers]
    count = await _set_disabled_each(_runtime(instance), keys, body.disabled)
    return JsonResponse({"count": count})


@router.post("/set-disabled/by-query", summary="Disable or enable triggers by namespace or text")
async def set_disabled_by_query(
    request: Request,
    instance: InstanceDependency,
    namespace: Annotated[str | None, Query(description="Namespace and its children.")] = None,
    q: Annotated[
        str | None, Query(description="Text in the trigger, flow or namespace id.")
    ] = None,
    disabled: Annotated[bool, Query(description="The state to set.")] = True,
) -> Response:
    check_text(namespace, "namespace")
    check_text(q, "q")
    runtime = _runtime(instance)
    await _flow_sync(request, runtime).run()
    async with instance.backend.db.transaction(write=False) as connection:
        rows, _ = await runtime.repository.search(
            connection, namespace=namespace, query=q, page=1, size=MAX_PAGE_SIZE * 100
        )
    count = await _set_disabled_each(runtime, [row.key for row in rows], disabled)
    return JsonResponse({"count": count})


async def _set_disabled_each(
    runtime: TriggerRuntime, keys: list[tuple[str, str, str]], disabled: bool
) -> int:
    """Set `disabled` on each trigger; return how many were set.

    Unknown triggers are skipped, and so are triggers the flow disables when enabling.
    """
    count = 0
    for key in keys:
        try:
            await control.set_disabled(runtime, key, disabled)
        except (TriggerNotFound, control.TriggerDisabledInFlow):
            continue
        count += 1
    return count


@router.put("/backfill/pause", responses=NOT_FOUND, summary="Pause a backfill")
async def pause_backfill(
    body: Annotated[TriggerBody, Body()], instance: InstanceDependency
) -> Response:
    row = await _guard(control.change_backfill(_runtime(instance), body.key, "pause"))
    return JsonResponse(trigger_context_json(row))


@router.put("/backfill/unpause", responses=NOT_FOUND, summary="Resume a paused backfill")
async def unpause_backfill(
    body: Annotated[TriggerBody, Body()], instance: InstanceDependency
) -> Response:
    row = await _guard(control.change_backfill(_runtime(instance), body.key, "unpause"))
    return JsonResponse(trigger_context_json(row))


@router.post("/backfill/delete", responses=NOT_FOUND, summary="Delete a backfill")
async def delete_backfill(
    body: Annotated[TriggerBody, Body()], instance: InstanceDependency
) -> Response:
    row = await _guard(control.change_backfill(_runtime(instance), body.key, "delete"))
    return JsonResponse(trigger_context_json(row))


@router.post(
    "/{namespace}/{flowId}/{triggerId}/unlock", responses=NOT_FOUND, summary="Unlock a trigger"
)
async def unlock_trigger(
    namespace: Annotated[str, Path(description="The flow's namespace.")],
    flow_id: Annotated[str, Path(alias="flowId", description="The flow's id.")],
    trigger_id: Annotated[str, Path(alias="triggerId", description="The trigger's id.")],
    instance: InstanceDependency,
) -> Response:
    """Let a trigger fire although its last execution still runs."""
    row = await _guard(control.unlock(_runtime(instance), (namespace, flow_id, trigger_id)))
    return JsonResponse(trigger_context_json(row))


@router.delete(
    "/{namespace}/{flowId}/{triggerId}",
    status_code=204,
    responses=NOT_FOUND,
    summary="Reset a trigger's state",
)
async def delete_trigger(
    namespace: Annotated[str, Path(description="The flow's namespace.")],
    flow_id: Annotated[str, Path(alias="flowId", description="The flow's id.")],
    trigger_id: Annotated[str, Path(alias="triggerId", description="The trigger's id.")],
    instance: InstanceDependency,
) -> Response:
    """Forget the trigger's state: it starts again from now, enabled, with no backfill."""
    try:
        await control.reset(_runtime(instance), (namespace, flow_id, trigger_id))
    except TriggerNotFound as error:
        raise ApiError(404, str(error)) from error
    return Response(status_code=204)
