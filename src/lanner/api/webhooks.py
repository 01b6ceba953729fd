"""The webhook route: `GET`, `POST` or `PUT /executions/webhook/{namespace}/{flowId}/{key}`.

It responds with the created execution (200), with 204 and no body when the trigger's
conditions do not hold, and with 404 when no enabled flow has a webhook trigger with that key.
A trigger with `wait: true` responds once the execution has ended, with the execution, or with
the flow's outputs when `returnOutputs` is set.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from lanner.api.dependencies import InstanceDependency, check_text
from lanner.api.errors import ApiError, ErrorBody
from lanner.api.responses import JsonResponse, dumps_json
from lanner.executions.views import execution_json
from lanner.scheduler import runtime_of
from lanner.triggers.webhooks import WebhookNotFound, WebhookRequest, receive_webhook

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/executions/webhook", tags=["Executions"])

# Kestra gives up waiting for the execution of a webhook with `wait: true` after one hour.
MAX_WAIT_SECONDS = 3600.0

RESPONSES: dict[int | str, dict[str, Any]] = {
    204: {"description": "The trigger's conditions do not hold; no execution was created."},
    404: {"model": ErrorBody, "description": "No enabled webhook trigger has that key."},
}


async def webhook(
    namespace: Annotated[str, Path(description="The flow's namespace.")],
    flow_id: Annotated[str, Path(alias="flowId", description="The flow's id.")],
    key: Annotated[str, Path(description="The webhook trigger's key.")],
    request: Request,
    instance: InstanceDependency,
) -> Response:
    """Create an execution with `trigger.body`, `trigger.headers` and `trigger.parameters`."""
    for name, value in (("namespace", namespace), ("flowId", flow_id), ("key", key)):
        check_text(value, name)
    received = WebhookRequest(
        method=request.method,
        headers=list(request.headers.items()),
        parameters=list(request.query_params.multi_items()),
        body=await request.body(),
        content_type=request.headers.get("content-type", ""),
    )
    try:
        result = await receive_webhook(runtime_of(instance), namespace, flow_id, key, received)
    except WebhookNotFound as error:
        raise ApiError(404, str(error)) from error
    execution = result.execution
    if execution is None:
        return Response(status_code=204)
    if not result.trigger.wait:
        return JsonResponse(execution_json(execution))

    ended = await instance.executions.wait_until_finished(execution.id, MAX_WAIT_SECONDS)
    status = 500 if ended.state.value == "FAILED" else 200
    if result.trigger.return_outputs:
        content_type = result.trigger.response_content_type or "application/json"
        outputs = ended.outputs or {}
        if content_type.startswith("text/plain"):
            text = outputs if isinstance(outputs, str) else dumps_json(outputs)
            return Response(text, status_code=status, media_type=content_type)
        return JsonResponse(outputs, status_code=status)
    return JsonResponse(execution_json(ended), status_code=status)


# One route per method, so that each has its own operation in the OpenAPI document.
for _method in ("GET", "POST", "PUT"):
    router.add_api_route(
        "/{namespace}/{flowId}/{key}",
        webhook,
        methods=[_method],
        responses=RESPONSES,
        summary=f"Trigger a flow through its webhook ({_method})",
        operation_id=f"webhook_{_method.lower()}",
    )
