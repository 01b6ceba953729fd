"""Keeping the trigger rows in step with the deployed flows.

Every trigger of every flow has a row, webhooks and Flow triggers included, so that the API
can list and disable them. When a flow gets a new revision its rows follow it: a new trigger
gets a row, a removed one loses it, a trigger whose slots changed (cron, zone, dates,
conditions) gets its next slot computed again from now, and the others keep theirs. A deleted
flow loses every row, so its triggers stop firing.

A scheduler runs this before each look at due triggers; the API runs it for one flow before
reading or changing its triggers. It is idempotent, and rows already at the flow's revision
are left alone, so several schedulers may run it at once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.triggers import StoredTrigger
from lanner.errors import LannerError
from lanner.flows.executable import ExecutableFlow
from lanner.scheduler.backfills import legacy_backfill
from lanner.scheduler.recovery import recovery_policy, slot_on_enable
from lanner.scheduler.runtime import TriggerRuntime
from lanner.scheduler.state import TriggerState
from lanner.scheduler.timetables import Timetable, fingerprint, timetable_of
from lanner.timestamps import utc_now
from lanner.triggers.base import Trigger
from lanner.triggers.launch import trigger_type

logger = logging.getLogger(__name__)


class FlowSync:
    """Brings the trigger rows of changed flows up to date; remembers flows without triggers."""

    def __init__(self, runtime: TriggerRuntime) -> None:
        self.runtime = runtime
        # Flows seen at a revision that has no trigger, so no row records that they were seen.
        self._seen: dict[tuple[str, str], int] = {}

    async def run(self) -> int:
        """Update the rows of every flow that changed; return how many flows were updated."""
        repository = self.runtime.repository
        async with self.runtime.backend.db.transaction(write=False) as connection:
            states = await repository.flow_states(connection)
            row_revisions = await repository.flow_revisions_of_triggers(connection)
        updated = 0
        for state in states:
            key = (state.namespace, state.id)
            row_revision = row_revisions.get(key)
            if state.deleted:
                if row_revision is not None:
                    await sync_flow(self.runtime, state.namespace, state.id)
                    updated += 1
                continue
            if row_revision == state.revision or (
                row_revision is None and self._seen.get(key) == state.revision
            ):
                continue
            await sync_flow(self.runtime, state.namespace, state.id)
            self._seen[key] = state.revision
            updated += 1
        return updated


async def sync_flow(runtime: TriggerRuntime, namespace: str, flow_id: str) -> None:
    """Bring the trigger rows of one flow up to date with its latest revision."""
    async with runtime.backend.db.transaction() as connection:
        await sync_flow_in(runtime, connection, namespace, flow_id)


async def sync_flow_in(
    runtime: TriggerRuntime,
    connection: AsyncConnection,
    namespace: str,
    flow_id: str,
    force: bool = False,
) -> None:
    """Bring the rows of a flow up to date; `force` even when they are at its revision."""
    repository = runtime.repository
    found = await repository.flow_source(connection, namespace, flow_id, lock=True)
    rows = await repository.of_flow(connection, namespace, flow_id, lock=True)
    if found is None or found[0].deleted:
        if rows:
            trigger_ids = [row.trigger_id for row in rows]
            await repository.delete(connection, namespace, flow_id, trigger_ids)
            logger.info("Removed the triggers of deleted flow %s.%s", namespace, flow_id)
        return
    state, _ = found
    if not force and rows and all(row.flow_revision >= state.revision for row in rows):
        return
    try:
        flow = await runtime.flow(connection, namespace, flow_id, state.revision)
    except LannerError as error:
        logger.error(
            "Cannot read the triggers of flow %s.%s revision %d: %s",
            namespace,
            flow_id,
            state.revision,
            error,
        )
        return

    wanted = {trigger.id: trigger for trigger in flow.flow.triggers or []}
    existing = {row.trigger_id: row for row in rows}
    removed = [trigger_id for trigger_id in existing if trigger_id not in wanted]
    await repository.delete(connection, namespace, flow_id, removed)
    now = runtime.clock()
    for trigger in wanted.values():
        row = existing.get(trigger.id)
        if row is None:
            await repository.insert(connection, _new_row(runtime, flow, trigger, now))
        else:
            _refresh(runtime, flow, trigger, row, now)
            await repository.update(connection, row)
    logger.info(
        "Triggers of flow %s.%s follow revision %d (%d trigger(s), %d removed)",
        namespace,
        flow_id,
        state.revision,
        len(wanted),
        len(removed),
    )


def _timetable(runtime: TriggerRuntime, flow: ExecutableFlow, trigger: Trigger) -> Timetable | None:
    try:
        return timetable_of(trigger, flow.flow, runtime.default_zone)
    except LannerError as error:
        logger.error(
            "Trigger %s of flow %s.%s cannot be scheduled: %s",
            trigger.id,
            flow.flow.namespace,
            flow.flow.id,
            error,
        )
        return None


def _new_row(
    runtime: TriggerRuntime, flow: ExecutableFlow, trigger: Trigger, now: datetime
) -> StoredTrigger:
    state = TriggerState(
        type=trigger_type(trigger),
        fingerprint=fingerprint(trigger, runtime.default_zone),
        disabled_in_flow=flow.flow.disabled or trigger.disabled,
        stop_after=list(trigger.stop_after or []),
    )
    timetable = _timetable(runtime, flow, trigger)
    if timetable is not None:
        state.next_slot = _next_date(timetable, now)
        state.backfill = legacy_backfill(trigger, timetable, state.next_slot, now)
    return StoredTrigger(
        namespace=flow.flow.namespace,
        flow_id=flow.flow.id,
        trigger_id=trigger.id,
        flow_revision=flow.revision,
        next_date=state.attention_date(disabled=False),
        last_date=None,
        disabled=False,
        data=state.to_json(),
        updated=utc_now(),
    )


def _refresh(
    runtime: TriggerRuntime,
    flow: ExecutableFlow,
    trigger: Trigger,
    row: StoredTrigger,
    now: datetime,
) -> None:
    state = TriggerState.from_json(row.data)
    was_disabled = state.disabled_in_flow
    state.type = trigger_type(trigger)
    state.disabled_in_flow = flow.flow.disabled or trigger.disabled
    state.stop_after = list(trigger.stop_after or [])
    new_fingerprint = fingerprint(trigger, runtime.default_zone)
    timetable = _timetable(runtime, flow, trigger)
    if timetable is None:
        state.next_slot = None
    elif new_fingerprint != state.fingerprint:
        state.next_slot = _next_date(timetable, now)
    elif was_disabled and not state.disabled_in_flow and not row.disabled:
        policy = recovery_policy(runtime, trigger)
        state.next_slot = slot_on_enable(timetable, policy, row.last_date, now)
    state.fingerprint = new_fingerprint
    row.flow_revision = flow.revision
    row.data = state.to_json()
    row.next_date = state.attention_date(row.disabled)
    row.updated = utc_now()


def _next_date(timetable: Timetable, now: datetime) -> datetime | None:
    slot = timetable.next(now)
    return slot.date if slot is not None else None
