"""Changing trigger state on request: disable, enable, backfill, unlock, reset.

Each operation first brings the flow's trigger rows up to date, so it works before any
scheduler has seen the flow, then changes the row under its lock.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.triggers import StoredTrigger
from lanner.errors import LannerError
from lanner.flows.executable import ExecutableFlow
from lanner.scheduler.backfills import InvalidBackfill, new_backfill, parse_backfill_date
from lanner.scheduler.recovery import recovery_policy, slot_on_enable
from lanner.scheduler.runtime import TriggerNotFound, TriggerRuntime, find_trigger
from lanner.scheduler.state import TriggerState
from lanner.scheduler.sync import sync_flow_in
from lanner.scheduler.timetables import Timetable, timetable_of
from lanner.timestamps import utc_now
from lanner.triggers.base import Trigger

logger = logging.getLogger(__name__)

Change = Callable[
    [AsyncConnection, StoredTrigger, TriggerState, ExecutableFlow, Trigger], Awaitable[None]
]


async def read_flow_triggers(
    runtime: TriggerRuntime, namespace: str, flow_id: str
) -> list[StoredTrigger]:
    """Return the trigger rows of a flow, brought up to date first."""
    async with runtime.backend.db.transaction() as connection:
        await sync_flow_in(runtime, connection, namespace, flow_id)
        return await runtime.repository.of_flow(connection, namespace, flow_id)


async def change_trigger(
    runtime: TriggerRuntime, key: tuple[str, str, str], change: Change
) -> StoredTrigger:
    """Apply `change` to one trigger row under its lock and store it."""
    namespace, flow_id, trigger_id = key
    async with runtime.backend.db.transaction() as connection:
        await sync_flow_in(runtime, connection, namespace, flow_id)
        row = await runtime.repository.get(connection, namespace, flow_id, trigger_id, lock=True)
        if row is None:
            raise TriggerNotFound(namespace, flow_id, trigger_id)
        try:
            flow = await runtime.flow(connection, namespace, flow_id, row.flow_revision)
        except LannerError as error:
            raise TriggerNotFound(namespace, flow_id, trigger_id) from error
        trigger = find_trigger(flow, trigger_id)
        if trigger is None:
            raise TriggerNotFound(namespace, flow_id, trigger_id)
        state = TriggerState.from_json(row.data)
        await change(connection, row, state, flow, trigger)
        row.data = state.to_json()
        row.updated = utc_now()
        await runtime.repository.update(connection, row)
        return row


class TriggerDisabledInFlow(LannerError):
    """A trigger that the flow disables (`disabled: true`), which no request can enable."""


async def set_disabled(
    runtime: TriggerRuntime, key: tuple[str, str, str], disabled: bool
) -> StoredTrigger:
    """Disable or enable a trigger. An enabled schedule resumes by `recoverMissedSchedules`."""

    async def change(
        connection: AsyncConnection,
        row: StoredTrigger,
        state: TriggerState,
        flow: ExecutableFlow,
        trigger: Trigger,
    ) -> None:
        if not disabled and state.disabled_in_flow:
            raise TriggerDisabledInFlow(
                f"trigger {trigger.id!r} of {flow.flow.namespace}.{flow.flow.id} is disabled in "
                "the flow (the trigger or the flow has `disabled: true`); deploy the flow without "
                "it to enable the trigger"
            )
        if row.disabled == disabled:
            return
        row.disabled = disabled
        if not disabled:
            timetable = _timetable(runtime, flow, trigger)
            if timetable is not None:
                policy = recovery_policy(runtime, trigger)
                state.next_slot = slot_on_enable(timetable, policy, row.last_date, runtime.clock())
        row.next_date = state.attention_date(row.disabled)
        logger.info("Trigger %s %s", key, "disabled" if disabled else "enabled")

    return await change_trigger(runtime, key, change)


async def start_backfill(
    runtime: TriggerRuntime,
    key: tuple[str, str, str],
    start: str,
    end: str | None,
    inputs: dict[str, Any] | None,
    labels: list[dict[str, str]] | None,
) -> StoredTrigger:
    """Start a backfill of the slots from `start` to `end`, both included; `end` defaults to now."""

    async def change(
        connection: AsyncConnection,
        row: StoredTrigger,
        state: TriggerState,
        flow: ExecutableFlow,
        trigger: Trigger,
    ) -> None:
        timetable = _timetable(runtime, flow, trigger)
        if timetable is None:
            raise InvalidBackfill(
                f"trigger {trigger.id!r} is a {trigger.type}; only Schedule and ScheduleOnDates "
                "triggers can be backfilled"
            )
        if state.backfill is not None:
            raise InvalidBackfill(
                f"trigger {trigger.id!r} already has a backfill; delete it before starting another"
            )
        now = runtime.clock()
        state.backfill = new_backfill(
            timetable,
            parse_backfill_date(start, timetable, "start"),
            parse_backfill_date(end, timetable, "end") if end else None,
            now,
            state.next_slot,
            inputs,
            labels,
        )
        row.next_date = state.attention_date(row.disabled)
        logger.info(
            "Trigger %s backfills from %s to %s",
            key,
            state.backfill.start.isoformat(),
            state.backfill.end.isoformat(),
        )

    return await change_trigger(runtime, key, change)


async def change_backfill(
    runtime: TriggerRuntime, key: tuple[str, str, str], action: str
) -> StoredTrigger:
    """Pause, resume (`unpause`) or delete the backfill of a trigger."""

    async def change(
        connection: AsyncConnection,
        row: StoredTrigger,
        state: TriggerState,
        flow: ExecutableFlow,
        trigger: Trigger,
    ) -> None:
        if state.backfill is None:
            raise InvalidBackfill(f"trigger {trigger.id!r} has no backfill to {action}")
        if action == "delete":
            state.backfill = None
        else:
            state.backfill.paused = action == "pause"
        row.next_date = state.attention_date(row.disabled)

    return await change_trigger(runtime, key, change)


async def unlock(runtime: TriggerRuntime, key: tuple[str, str, str]) -> StoredTrigger:
    """Let a trigger fire again although its last execution still runs."""

    async def change(
        connection: AsyncConnection,
        row: StoredTrigger,
        state: TriggerState,
        flow: ExecutableFlow,
        trigger: Trigger,
    ) -> None:
        state.execution_id = None
        row.next_date = state.attention_date(row.disabled)

    return await change_trigger(runtime, key, change)


async def reset(runtime: TriggerRuntime, key: tuple[str, str, str]) -> None:
    """Forget a trigger's state; it starts again from now, enabled, as a new trigger."""
    namespace, flow_id, trigger_id = key
    async with runtime.backend.db.transaction() as connection:
        row = await runtime.repository.get(connection, namespace, flow_id, trigger_id, lock=True)
        if row is None:
            raise TriggerNotFound(namespace, flow_id, trigger_id)
        await runtime.repository.delete(connection, namespace, flow_id, [trigger_id])
        await sync_flow_in(runtime, connection, namespace, flow_id, force=True)


def _timetable(runtime: TriggerRuntime, flow: ExecutableFlow, trigger: Trigger) -> Timetable | None:
    return timetable_of(trigger, flow.flow, runtime.default_zone)


def next_execution_date(state: TriggerState) -> datetime | None:
    """Return the date Kestra reports as `nextExecutionDate`, the backfill's while one runs."""
    if state.backfill is not None and not state.backfill.paused:
        candidates = [date for date in (state.next_slot, state.backfill.current) if date]
        return min(candidates) if candidates else None
    return state.next_slot
