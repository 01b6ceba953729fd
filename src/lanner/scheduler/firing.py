"""Firing the due slots of one claimed trigger, in the transaction that holds its row.

The executions of the slots and the trigger's new position are written together, so a slot
fires exactly once: a scheduler that dies before committing leaves the row as it was, and the
next claim fires the same slots again from the start.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.triggers import StoredTrigger
from lanner.errors import LannerError
from lanner.executions.model import Execution
from lanner.flows.executable import ExecutableFlow
from lanner.scheduler.runtime import TriggerRuntime, find_trigger
from lanner.scheduler.state import TriggerState
from lanner.scheduler.timetables import Timetable, timetable_of
from lanner.timestamps import utc_now
from lanner.triggers.base import Trigger
from lanner.triggers.launch import Launch, launch
from lanner.triggers.slots import Slot, describe_gap
from lanner.triggers.zones import format_in_zone, wall_time

logger = logging.getLogger(__name__)


@dataclass
class Fired:
    executions: list[Execution] = field(default_factory=list)
    channels: set[str] = field(default_factory=set)


@dataclass
class _Firing:
    runtime: TriggerRuntime
    connection: AsyncConnection
    row: StoredTrigger
    flow: ExecutableFlow
    trigger: Trigger
    timetable: Timetable
    state: TriggerState
    now: datetime
    max_slots: int
    fired: Fired = field(default_factory=Fired)

    @property
    def one_at_a_time(self) -> bool:
        return not self.trigger.allow_concurrent

    def room(self) -> bool:
        if self.one_at_a_time and self.fired.executions:
            return False
        return len(self.fired.executions) < self.max_slots


async def fire_due(
    runtime: TriggerRuntime,
    connection: AsyncConnection,
    row: StoredTrigger,
    now: datetime,
    max_slots: int,
    lock_retry: timedelta,
) -> Fired:
    """Fire the slots of `row` due at `now`, at most `max_slots`, and store its new position."""
    state = TriggerState.from_json(row.data)
    loaded = await _load(runtime, connection, row)
    if loaded is None:
        row.next_date = None
        await _save(runtime, connection, row, state)
        return Fired()
    flow, trigger, timetable = loaded

    if await _previous_still_runs(runtime, connection, trigger, state):
        row.next_date = now + lock_retry
        row.updated = utc_now()
        await runtime.repository.update(connection, row)
        return Fired()

    firing = _Firing(runtime, connection, row, flow, trigger, timetable, state, now, max_slots)
    await _fire_schedule(firing)
    if state.backfill is not None and not state.backfill.paused and firing.room():
        await _fire_backfill(firing)
    row.next_date = state.attention_date(row.disabled)
    await _save(runtime, connection, row, state)
    return firing.fired


async def _load(
    runtime: TriggerRuntime, connection: AsyncConnection, row: StoredTrigger
) -> tuple[ExecutableFlow, Trigger, Timetable] | None:
    try:
        flow = await runtime.flow(connection, row.namespace, row.flow_id, row.flow_revision)
        trigger = find_trigger(flow, row.trigger_id)
        timetable = timetable_of(trigger, flow.flow, runtime.default_zone) if trigger else None
    except LannerError as error:
        logger.error("Trigger %s cannot fire and is set aside: %s", row.key, error)
        return None
    if trigger is None or timetable is None:
        return None
    return flow, trigger, timetable


async def _previous_still_runs(
    runtime: TriggerRuntime, connection: AsyncConnection, trigger: Trigger, state: TriggerState
) -> bool:
    """Tell whether the trigger must wait: its last execution runs and it allows no other."""
    if trigger.allow_concurrent or state.execution_id is None:
        return False
    execution_state = await runtime.repository.execution_state(connection, state.execution_id)
    return execution_state is not None and not execution_state.is_terminal


async def _fire_schedule(firing: _Firing) -> None:
    state = firing.state
    delay = getattr(firing.trigger, "late_maximum_delay", None)
    while state.next_slot is not None and state.next_slot <= firing.now and firing.room():
        slot = _slot_at(firing.timetable, state.next_slot)
        following = firing.timetable.next(slot.date)
        state.next_slot = following.date if following is not None else None
        if delay is not None and slot.date + delay < firing.now:
            logger.warning(
                "Trigger %s of flow %s.%s skips the slot %s: it is later than lateMaximumDelay",
                firing.trigger.id,
                firing.flow.flow.namespace,
                firing.flow.flow.id,
                slot.date.isoformat(),
            )
            continue
        await _launch_slot(firing, slot)
        firing.row.last_date = slot.date


async def _fire_backfill(firing: _Firing) -> None:
    backfill = firing.state.backfill
    assert backfill is not None
    slot = firing.timetable.at_or_after(backfill.current)
    while slot is not None and slot.date <= backfill.end and firing.room():
        await _launch_slot(firing, slot, backfill.inputs, backfill.labels)
        backfill.current = slot.date + timedelta(seconds=1)
        slot = firing.timetable.next(slot.date)
    if slot is None or slot.date > backfill.end:
        logger.info(
            "Backfill of trigger %s of flow %s.%s from %s to %s is complete",
            firing.trigger.id,
            firing.flow.flow.namespace,
            firing.flow.flow.id,
            backfill.start.isoformat(),
            backfill.end.isoformat(),
        )
        firing.state.backfill = None


async def _launch_slot(
    firing: _Firing,
    slot: Slot,
    inputs: dict[str, object] | None = None,
    labels: list[dict[str, str]] | None = None,
) -> None:
    zone = firing.timetable.source.zone
    if slot.in_gap:
        logger.info("Trigger %s: %s", firing.trigger.id, describe_gap(slot, zone))
    request = Launch(
        flow=firing.flow,
        trigger=firing.trigger,
        variables=firing.timetable.variables(slot),
        inputs=inputs,
        labels=list(labels or []),
    )
    launched = await launch(
        firing.connection,
        firing.runtime.backend,
        request,
        utc_now(),
        encryption_key=firing.runtime.encryption_key,
        instance=firing.runtime.instance,
    )
    firing.state.execution_id = launched.execution.id
    firing.fired.executions.append(launched.execution)
    firing.fired.channels |= launched.channels
    logger.debug("Slot %s fired", format_in_zone(slot.date, zone))


def _slot_at(timetable: Timetable, date: datetime) -> Slot:
    slot = timetable.at_or_after(date)
    if slot is not None and slot.date == date:
        return slot
    # The stored slot no longer matches the timetable (it was computed by an older release):
    # it still fires at its date.
    return Slot(date, wall_time(date, timetable.source.zone))


async def _save(
    runtime: TriggerRuntime, connection: AsyncConnection, row: StoredTrigger, state: TriggerState
) -> None:
    row.data = state.to_json()
    row.updated = utc_now()
    await runtime.repository.update(connection, row)
