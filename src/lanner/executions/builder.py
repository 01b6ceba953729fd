"""Building a new execution of a flow revision: its inputs resolved, its labels merged.

The API creates executions this way, and so does the executor for a Subflow's child and for
a failed execution retried as a new one, inside the transaction of the batch that asks for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.store import Backend
from lanner.errors import FlowNotFound, LannerError
from lanner.executions.model import Execution, StateHistory
from lanner.expressions import render, render_typed
from lanner.flows.cache import FlowCache
from lanner.flows.executable import ExecutableFlow
from lanner.flows.inputs import UploadedFile, resolve_inputs
from lanner.states import State
from lanner.storage import Storage, execution_file_key, uri_from_key
from lanner.timestamps import format_timestamp


class FlowDisabled(LannerError):
    """The flow is disabled; enable it (`disabled: false`) to run it."""


class Expressions:
    def render(self, template: str, context: Mapping[str, Any]) -> str:
        return render(template, context)

    def render_typed(self, value: Any, context: Mapping[str, Any]) -> Any:
        return render_typed(value, context)


async def runnable_flow(
    backend: Backend,
    flows: FlowCache,
    connection: AsyncConnection,
    namespace: str,
    flow_id: str,
    revision: int | None,
) -> ExecutableFlow:
    """Load the revision to run (the latest by default); raise FlowNotFound or FlowDisabled."""
    if revision is None:
        stored = await backend.flows.latest(connection, namespace, flow_id)
        if stored is None or stored.deleted:
            raise FlowNotFound(namespace, flow_id)
        revision = stored.revision
    else:
        # A deletion is stored as a revision too; it cannot run.
        wanted = await backend.flows.revision(connection, namespace, flow_id, revision)
        if wanted is None or wanted.deleted:
            raise FlowNotFound(namespace, flow_id, revision)
    flow = await flows.get(connection, namespace, flow_id, revision)
    if flow.flow.disabled:
        raise FlowDisabled(
            f"flow {namespace}.{flow_id} is disabled; set `disabled: false` to run it"
        )
    return flow


@dataclass
class ExecutionRequest:
    """What a new execution starts from."""

    id: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    files: Mapping[str, UploadedFile] = field(default_factory=dict)
    labels: list[dict[str, str]] = field(default_factory=list)
    trigger: dict[str, Any] | None = None
    # The execution and task run that started this one (a Subflow), if any.
    parent: dict[str, Any] | None = None
    # True when `inputs` are already resolved and must be kept as they are.
    resolved: bool = False
    original_id: str | None = None
    attempt_number: int = 1
    first_attempt_date: str | None = None


async def build_execution(
    flow: ExecutableFlow,
    request: ExecutionRequest,
    storage: Storage,
    encryption_key: str | None,
    now: datetime,
) -> Execution:
    """Build a CREATED execution; raise InvalidInputs listing every bad input."""
    namespace, flow_id = flow.flow.namespace, flow.flow.id

    async def store_file(input_id: str, filename: str, content: bytes) -> str:
        key = execution_file_key(namespace, flow_id, request.id, "inputs", input_id, filename)
        await storage.put(key, content)
        return uri_from_key(key)

    if request.resolved:
        inputs = dict(request.inputs)
    else:
        variables = {
            "flow": {"id": flow_id, "namespace": namespace, "revision": flow.revision},
            "execution": {"id": request.id, "startDate": format_timestamp(now)},
            "labels": {label.key: label.value for label in flow.flow.labels},
        }
        inputs = await resolve_inputs(
            flow.flow.inputs or [],
            dict(request.inputs),
            files=dict(request.files),
            render=Expressions(),
            store_file=store_file,
            encryption_key=encryption_key,
            variables=variables,
        )
    internal: dict[str, Any] = {}
    if request.attempt_number > 1:
        internal["attemptNumber"] = request.attempt_number
        internal["firstAttemptDate"] = request.first_attempt_date
    return Execution(
        id=request.id,
        namespace=namespace,
        flow_id=flow_id,
        flow_revision=flow.revision,
        state=State.CREATED,
        histories=[StateHistory(State.CREATED, now)],
        inputs=inputs,
        labels=merge_labels(
            [{"key": label.key, "value": label.value} for label in flow.flow.labels],
            request.labels,
        ),
        trigger=request.trigger,
        parent=request.parent,
        original_id=request.original_id,
        internal=internal,
    )


def merge_labels(
    flow_labels: list[dict[str, str]], labels: list[dict[str, str]]
) -> list[dict[str, str]]:
    """Merge labels given to an execution over its flow's; the given ones win."""
    merged = {label["key"]: label["value"] for label in flow_labels}
    merged.update({label["key"]: label["value"] for label in labels})
    return [{"key": key, "value": value} for key, value in merged.items()]
