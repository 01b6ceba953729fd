"""Webhook triggers: an HTTP request to a flow's webhook URL creates an execution.

The request is found by namespace, flow id and key. The execution's `trigger.body` is the body
parsed as JSON when it is a JSON object or array, the text otherwise; `trigger.headers` and
`trigger.parameters` map each name to the list of its values, as in Kestra.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lanner.backend.notify import EXECUTOR
from lanner.errors import LannerError
from lanner.executions.model import Execution
from lanner.expressions import render
from lanner.scheduler.runtime import TriggerRuntime
from lanner.timestamps import utc_now
from lanner.triggers.evaluation import ConditionContext, ConditionError, conditions_met
from lanner.triggers.launch import Launch, launch
from lanner.triggers.webhook import Webhook

logger = logging.getLogger(__name__)


class WebhookNotFound(LannerError):
    """No enabled webhook trigger matches the namespace, flow id and key."""


@dataclass(frozen=True)
class WebhookRequest:
    method: str
    headers: Sequence[tuple[str, str]]
    parameters: Sequence[tuple[str, str]]
    body: bytes
    content_type: str = ""


@dataclass(frozen=True)
class WebhookResult:
    # None when the trigger's conditions do not hold: no execution is created.
    execution: Execution | None
    trigger: Webhook


async def receive_webhook(
    runtime: TriggerRuntime, namespace: str, flow_id: str, key: str, request: WebhookRequest
) -> WebhookResult:
    """Create the execution of a webhook request; raise WebhookNotFound if no trigger matches."""
    backend = runtime.backend
    not_found = WebhookNotFound(
        f"no enabled webhook trigger of flow {namespace}.{flow_id} has this key; check the "
        "URL, and that the flow and its trigger are deployed and enabled"
    )
    async with backend.db.transaction() as connection:
        stored = await backend.flows.latest(connection, namespace, flow_id)
        if stored is None or stored.deleted:
            raise not_found
        try:
            flow = await runtime.flow(connection, namespace, flow_id, stored.revision)
        except LannerError as error:
            logger.warning("Webhook of flow %s.%s: %s", namespace, flow_id, error)
            raise not_found from error
        if flow.flow.disabled:
            raise not_found
        trigger = _matching_trigger(flow.flow.triggers or [], namespace, flow_id, key)
        if trigger is None:
            raise not_found
        row = await runtime.repository.get(connection, namespace, flow_id, trigger.id)
        if row is not None and row.disabled:
            raise not_found

        variables = request_variables(request)
        context = ConditionContext(
            {"flow": {"namespace": namespace, "id": flow_id}, "trigger": variables}
        )
        try:
            if not conditions_met(trigger.conditions, context):
                return WebhookResult(None, trigger)
        except ConditionError as error:
            logger.warning(
                "Webhook trigger %s of flow %s.%s: %s", trigger.id, namespace, flow_id, error
            )
            return WebhookResult(None, trigger)
        launched = await launch(
            connection,
            backend,
            Launch(flow=flow, trigger=trigger, variables=variables),
            utc_now(),
            encryption_key=runtime.encryption_key,
            instance=runtime.instance,
        )
    backend.notifier.after_commit(launched.channels | {EXECUTOR})
    return WebhookResult(launched.execution, trigger)


def _matching_trigger(
    triggers: Sequence[Any], namespace: str, flow_id: str, key: str
) -> Webhook | None:
    context = {"flow": {"namespace": namespace, "id": flow_id}}
    for trigger in triggers:
        if not isinstance(trigger, Webhook) or trigger.disabled:
            continue
        try:
            if render(trigger.key, context) == key:
                return trigger
        except LannerError as error:
            logger.warning("Webhook trigger %s: its key cannot be rendered: %s", trigger.id, error)
    return None


def request_variables(request: WebhookRequest) -> dict[str, Any]:
    return {
        "body": parse_body(request.body, request.content_type),
        "headers": _multimap(request.headers),
        "parameters": _multimap(request.parameters),
    }


def parse_body(body: bytes, content_type: str = "") -> Any:
    """Read the body as a JSON object or array when it is one, as text otherwise."""
    if not body:
        return None
    text = body.decode("utf-8", errors="replace")
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            parsed = json.loads(text)
        except ValueError:
            return text
        if isinstance(parsed, (dict, list)):
            return parsed
    return text


def _multimap(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for name, value in pairs:
        result.setdefault(name, []).append(value)
    return result
