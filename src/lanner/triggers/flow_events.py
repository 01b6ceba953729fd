"""What happens to triggers when an execution ends: Flow triggers fire, stopAfter disables.

The executor calls `on_execution_ended` in the transaction that ends an execution, so the
executions of Flow triggers are created exactly when the upstream end is recorded, never twice
and never lost. The flows that have Flow triggers are kept in an index per backend, rebuilt
only when a flow is deployed or deleted; with no Flow trigger anywhere, a call costs one small
aggregate query.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.store import Backend
from lanner.backend.triggers import StoredTrigger, TriggerRepository
from lanner.errors import LannerError
from lanner.executions.model import Execution
from lanner.executor.context import InstanceContext
from lanner.flows.executable import ExecutableFlow
from lanner.flows.parser import parse_flow
from lanner.states import TERMINAL_STATES, State
from lanner.timestamps import utc_now
from lanner.triggers.conditions import ExecutionFlow, FlowCondition, MultipleCondition
from lanner.triggers.evaluation import ConditionContext, ConditionError, conditions_met
from lanner.triggers.flow_trigger import FlowTrigger
from lanner.triggers.launch import Launch, launch, trigger_type
from lanner.triggers.windows import (
    Block,
    block_of_condition,
    block_of_preconditions,
    evaluate_block,
)

logger = logging.getLogger(__name__)

# Text that every flow with a Flow trigger contains: its type, under either name.
FLOW_TRIGGER_TYPES = FlowTrigger.type_names

# The states a Flow trigger reacts to when it sets no `states`, as in Kestra.
DEFAULT_STATES = frozenset(state.value for state in TERMINAL_STATES) | {State.PAUSED.value}


@dataclass
class _Listener:
    """A Flow trigger of a flow, and the upstream flows it can be pinned to."""

    flow: ExecutableFlow
    trigger: FlowTrigger
    blocks: list[Block]


@dataclass
class FlowTriggerIndex:
    """The enabled Flow triggers of the latest flow revisions, by upstream flow."""

    fingerprint: tuple[int, int] | None = None
    # Listeners whose upstream is one known flow, by (namespace, flow id).
    by_upstream: dict[tuple[str, str], list[_Listener]] = field(default_factory=dict)
    # Listeners whose upstream is a namespace, a filter or anything else.
    everywhere: list[_Listener] = field(default_factory=list)

    async def listeners(
        self, repository: TriggerRepository, connection: AsyncConnection, execution: Execution
    ) -> list[_Listener]:
        fingerprint = await repository.flows_fingerprint(connection)
        if fingerprint != self.fingerprint:
            await self._rebuild(repository, connection)
            self.fingerprint = fingerprint
        pinned = self.by_upstream.get((execution.namespace, execution.flow_id), [])
        return [*pinned, *self.everywhere]

    async def _rebuild(self, repository: TriggerRepository, connection: AsyncConnection) -> None:
        self.by_upstream, self.everywhere = {}, []
        for state, source in await repository.sources_containing(connection, FLOW_TRIGGER_TYPES):
            try:
                flow = parse_flow(source, f"{state.namespace}.{state.id}")
            except LannerError as error:
                logger.warning("Flow %s.%s is not indexed: %s", state.namespace, state.id, error)
                continue
            executable = ExecutableFlow.of(flow.model_copy(update={"revision": state.revision}))
            for trigger in flow.triggers or []:
                if isinstance(trigger, FlowTrigger) and not trigger.disabled:
                    self._add(_Listener(executable, trigger, _blocks(trigger)))
        logger.info(
            "Indexed %d Flow trigger(s)",
            sum(len(items) for items in self.by_upstream.values()) + len(self.everywhere),
        )

    def _add(self, listener: _Listener) -> None:
        upstreams = _pinned_upstreams(listener.trigger)
        if upstreams is None:
            self.everywhere.append(listener)
            return
        for upstream in upstreams:
            self.by_upstream.setdefault(upstream, []).append(listener)


def _blocks(trigger: FlowTrigger) -> list[Block]:
    blocks = [
        block_of_condition(condition)
        for condition in trigger.conditions or []
        if isinstance(condition, MultipleCondition)
    ]
    if trigger.preconditions is not None:
        blocks.append(block_of_preconditions(trigger.preconditions))
    return blocks


def _pinned_upstreams(trigger: FlowTrigger) -> set[tuple[str, str]] | None:
    """Return the only upstream flows that can fire `trigger`, or None when any flow can."""
    for condition in trigger.conditions or []:
        if isinstance(condition, (ExecutionFlow, FlowCondition)) and "{{" not in (
            condition.namespace + condition.flow_id
        ):
            return {(condition.namespace, condition.flow_id)}
    preconditions = trigger.preconditions
    if preconditions is None or preconditions.where or not preconditions.flows:
        return None
    if any(upstream.flow_id is None for upstream in preconditions.flows):
        return None
    return {(upstream.namespace, upstream.flow_id or "") for upstream in preconditions.flows}


_INDEXES: weakref.WeakKeyDictionary[Backend, FlowTriggerIndex] = weakref.WeakKeyDictionary()


def _index_of(backend: Backend) -> FlowTriggerIndex:
    index = _INDEXES.get(backend)
    if index is None:
        index = _INDEXES[backend] = FlowTriggerIndex()
    return index


async def on_execution_ended(
    backend: Backend,
    connection: AsyncConnection,
    execution: Execution,
    *,
    now: datetime | None = None,
    encryption_key: str | None = None,
    instance: InstanceContext | None = None,
) -> list[Execution]:
    """React to an execution that reached its state: fire Flow triggers, apply stopAfter.

    Call it in the transaction that stores the state. It may also be called for PAUSED, which
    Flow triggers react to by default. Returns the executions created; they are queued for the
    executor in the same transaction, and the caller notifies the executor channel after the
    commit as it does for its own messages.
    """
    moment = now or utc_now()
    repository = TriggerRepository(skip_locked=backend.db.skip_locked)
    if execution.state.is_terminal:
        await _release_own_trigger(repository, connection, execution, moment)
    listeners = await _index_of(backend).listeners(repository, connection, execution)
    created: list[Execution] = []
    for listener in listeners:
        launched = await _evaluate(
            backend, repository, connection, listener, execution, moment, encryption_key, instance
        )
        if launched is not None:
            created.append(launched)
    return created


async def _evaluate(
    backend: Backend,
    repository: TriggerRepository,
    connection: AsyncConnection,
    listener: _Listener,
    execution: Execution,
    now: datetime,
    encryption_key: str | None,
    instance: InstanceContext | None,
) -> Execution | None:
    flow, trigger = listener.flow.flow, listener.trigger
    # A flow never triggers itself, which would loop forever; Kestra skips it too.
    if (flow.namespace, flow.id) == (execution.namespace, execution.flow_id):
        return None
    if execution.state.value not in (trigger.states or DEFAULT_STATES):
        return None
    context = ConditionContext(_variables(execution, flow.namespace, flow.id), execution)
    try:
        if not conditions_met(trigger.conditions, context):
            return None
    except ConditionError as error:
        logger.warning(
            "Flow trigger %s of flow %s.%s: %s", trigger.id, flow.namespace, flow.id, error
        )
        return None

    row = await repository.get(connection, flow.namespace, flow.id, trigger.id, lock=True)
    if row is not None and row.disabled:
        return None
    met, outputs = True, dict(execution.outputs or {})
    if listener.blocks:
        stored = row is not None
        row = row or _new_row(listener)
        met, outputs = _evaluate_blocks(listener, row, execution, context, now)
        row.updated = utc_now()
        if stored:
            await repository.update(connection, row)
        else:
            await repository.insert(connection, row)
    if not met:
        return None
    variables = _trigger_variables(execution, outputs)
    launched = await launch(
        connection,
        backend,
        Launch(flow=listener.flow, trigger=trigger, variables=variables),
        utc_now(),
        encryption_key=encryption_key,
        instance=instance,
    )
    return launched.execution


def _evaluate_blocks(
    listener: _Listener,
    row: StoredTrigger,
    execution: Execution,
    context: ConditionContext,
    now: datetime,
) -> tuple[bool, dict[str, Any]]:
    """Count `execution` in every precondition window of the trigger, stored in `row`."""
    outputs: dict[str, Any] = dict(execution.outputs or {})
    windows = dict(row.data.get("windows") or {})
    met = True
    for block in listener.blocks:
        stored = windows.get(block.id)
        complete, window, merged = evaluate_block(block, stored, execution, context, now)
        if window is None:
            windows.pop(block.id, None)
        else:
            windows[block.id] = window
        outputs.update(merged)
        met = met and complete
    row.data = {**row.data, "windows": windows}
    return met, outputs


def _new_row(listener: _Listener) -> StoredTrigger:
    """Build the row of a Flow trigger that no scheduler has synced yet."""
    trigger = listener.trigger
    data = {
        "type": trigger_type(trigger),
        "stopAfter": list(trigger.stop_after or []),
        "disabledInFlow": False,
    }
    return StoredTrigger(
        namespace=listener.flow.flow.namespace,
        flow_id=listener.flow.flow.id,
        trigger_id=trigger.id,
        flow_revision=listener.flow.revision,
        next_date=None,
        last_date=None,
        disabled=False,
        data=data,
    )


def _variables(execution: Execution, namespace: str, flow_id: str) -> dict[str, Any]:
    return {
        "flow": {"namespace": namespace, "id": flow_id},
        "execution": {"id": execution.id, "state": execution.state.value},
        "trigger": _trigger_variables(execution, execution.outputs or {}),
        "outputs": execution.outputs or {},
    }


def _trigger_variables(execution: Execution, outputs: dict[str, Any]) -> dict[str, Any]:
    labels = {
        label["key"]: label["value"]
        for label in execution.labels
        if label["key"] != "system.correlationId"
    }
    return {
        "executionId": execution.id,
        "namespace": execution.namespace,
        "flowId": execution.flow_id,
        "flowRevision": execution.flow_revision,
        "state": execution.state.value,
        "executionLabels": labels,
        "outputs": outputs,
    }


async def _release_own_trigger(
    repository: TriggerRepository,
    connection: AsyncConnection,
    execution: Execution,
    now: datetime,
) -> None:
    """Apply `stopAfter` of the trigger that created `execution`, and let it fire again."""
    trigger_id = (execution.trigger or {}).get("id")
    if not trigger_id:
        return
    row = await repository.get(
        connection, execution.namespace, execution.flow_id, str(trigger_id), lock=True
    )
    if row is None or row.disabled:
        return
    stop_after = row.data.get("stopAfter") or []
    changed = False
    if execution.state.value in stop_after:
        row.disabled = True
        row.next_date = None
        changed = True
        logger.info(
            "Trigger %s of flow %s.%s is disabled: execution %s ended %s, listed in stopAfter",
            trigger_id,
            execution.namespace,
            execution.flow_id,
            execution.id,
            execution.state.value,
            extra={"execution_id": execution.id},
        )
    elif row.data.get("executionId") == execution.id and row.next_date is not None:
        # The trigger waited for this execution; look at it again at once.
        row.next_date = min(row.next_date, now)
        changed = True
    if changed:
        row.updated = utc_now()
        await repository.update(connection, row)
