"""Creating the execution a trigger starts, inside the caller's transaction.

A scheduler creates the execution of a slot and advances the trigger in one transaction. The
executor creates the executions of Flow triggers in the transaction that ends the upstream
execution. So this module never opens a transaction of its own. The trigger's variables become
`execution.trigger`, which expressions read as `{{ trigger.* }}`; its `id` and `type` are kept
beside them so that the executor can find the trigger again (for `stopAfter`).

Inputs that cannot be rendered or resolved do not lose the trigger event: the execution is
created FAILED, with a log line that says why, as Kestra does.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.notify import EXECUTION, EXECUTOR
from lanner.backend.store import Backend
from lanner.errors import InvalidInputs, LannerError
from lanner.executions.model import Execution, StateHistory
from lanner.executor.context import InstanceContext
from lanner.executor.messages import MessageKind
from lanner.expressions import render, render_typed
from lanner.flows.executable import ExecutableFlow
from lanner.flows.inputs import resolve_inputs
from lanner.ids import new_id
from lanner.states import State
from lanner.timestamps import format_timestamp
from lanner.triggers.base import Trigger

logger = logging.getLogger(__name__)


@dataclass
class Launch:
    """An execution request from a trigger."""

    flow: ExecutableFlow
    trigger: Trigger
    # `{{ trigger.* }}`: the slot's dates, the webhook request, the upstream execution.
    variables: dict[str, Any]
    # Inputs and labels added to the trigger's own, as a backfill gives them.
    inputs: Mapping[str, Any] | None = None
    labels: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Launched:
    execution: Execution
    # Channels to notify once the transaction commits.
    channels: set[str]


class _Expressions:
    def render(self, template: str, context: Mapping[str, Any]) -> str:
        return render(template, context)

    def render_typed(self, value: Any, context: Mapping[str, Any]) -> Any:
        return render_typed(value, context)


async def _no_files(input_id: str, filename: str, content: bytes) -> str:
    raise LannerError(f"input {input_id!r}: a trigger cannot upload the file {filename!r}")


async def launch(
    connection: AsyncConnection,
    backend: Backend,
    request: Launch,
    now: datetime,
    *,
    encryption_key: str | None = None,
    instance: InstanceContext | None = None,
) -> Launched:
    """Create and store the execution that `request` describes, and queue it for the executor."""
    flow = request.flow.flow
    execution_id = new_id()
    trigger_data = {"id": request.trigger.id, "type": trigger_type(request.trigger)}
    trigger_data.update(request.variables)
    context = _context(request, execution_id, now, instance)
    execution = Execution(
        id=execution_id,
        namespace=flow.namespace,
        flow_id=flow.id,
        flow_revision=request.flow.revision,
        state=State.CREATED,
        histories=[StateHistory(State.CREATED, now)],
        trigger=trigger_data,
    )
    try:
        execution.labels = _labels(request, context)
        own_inputs = getattr(request.trigger, "inputs", None) or {}
        supplied = dict(render_typed(dict(own_inputs), context) or {})
        supplied.update(render_typed(dict(request.inputs or {}), context))
        execution.inputs = await resolve_inputs(
            flow.inputs or [],
            supplied,
            files={},
            render=_Expressions(),
            store_file=_no_files,
            encryption_key=encryption_key,
            variables=context,
        )
    except (InvalidInputs, LannerError) as error:
        return await _store_failed(connection, backend, execution, request, error, now)

    await backend.executions.insert(connection, execution)
    await backend.messages.insert(
        connection, [(execution.id, MessageKind.EXECUTION_CREATED.value, {}, None)], now
    )
    await backend.notifier.publish(connection, [EXECUTOR])
    logger.info(
        "Trigger %s of flow %s.%s created execution %s",
        request.trigger.id,
        flow.namespace,
        flow.id,
        execution.id,
        extra={"execution_id": execution.id},
    )
    return Launched(execution, {EXECUTOR, EXECUTION})


def trigger_type(trigger: Trigger) -> str:
    """Kestra's current name of the trigger's type, whichever name the flow used."""
    return trigger.type_names[0] if trigger.type_names else trigger.type


def _context(
    request: Launch, execution_id: str, now: datetime, instance: InstanceContext | None
) -> dict[str, Any]:
    flow = request.flow.flow
    context: dict[str, Any] = {
        "flow": {"id": flow.id, "namespace": flow.namespace, "revision": request.flow.revision},
        "execution": {"id": execution_id, "startDate": format_timestamp(now)},
        "trigger": request.variables,
        "labels": flow.label_map(),
        "vars": flow.variables or {},
    }
    if instance is not None:
        context["envs"] = instance.envs
        context["globals"] = instance.globals
    return context


def _labels(request: Launch, context: Mapping[str, Any]) -> list[dict[str, str]]:
    merged = request.flow.flow.label_map()
    for label in request.trigger.labels or []:
        merged[label.key] = render(label.value, context)
    for extra in request.labels:
        merged[extra["key"]] = extra["value"]
    return [{"key": key, "value": value} for key, value in merged.items()]


async def _store_failed(
    connection: AsyncConnection,
    backend: Backend,
    execution: Execution,
    request: Launch,
    error: LannerError,
    now: datetime,
) -> Launched:
    execution.set_state(State.FAILED, now)
    await backend.executions.insert(connection, execution)
    message = f"trigger {request.trigger.id!r} could not create the execution: {error}"
    await backend.logs.insert(
        connection,
        [
            {
                "execution_id": execution.id,
                "namespace": execution.namespace,
                "flow_id": execution.flow_id,
                "task_run_id": None,
                "task_id": None,
                "attempt": None,
                "level": "ERROR",
                "message": message,
                "timestamp": now,
            }
        ],
    )
    logger.warning(
        "Trigger %s of flow %s.%s created execution %s as FAILED: %s",
        request.trigger.id,
        execution.namespace,
        execution.flow_id,
        execution.id,
        error,
        extra={"execution_id": execution.id},
    )
    return Launched(execution, {EXECUTION})
