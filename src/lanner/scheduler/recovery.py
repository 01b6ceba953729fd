"""Slots missed while no scheduler ran, or while a trigger was disabled.

`recoverMissedSchedules` decides, as in Kestra:

- `ALL` (the default unless the `scheduler.recover_missed_schedules` setting differs): every slot
  missed while no scheduler ran fires, oldest first;
- `LAST`: only the most recent missed slot fires;
- `NONE`: no missed slot fires; the trigger waits for its next slot after now.

A scheduler applies the policy when it starts and finds no other scheduler alive (one that
heartbeated within `liveness.heartbeat_timeout`): while another scheduler runs, nothing is
missed. When a trigger is enabled again, the slots of the time it was disabled are not
replayed, except the most recent one under `LAST`; this too is Kestra's rule.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from lanner.errors import LannerError
from lanner.scheduler.runtime import TriggerRuntime, find_trigger
from lanner.scheduler.state import TriggerState
from lanner.scheduler.timetables import Timetable, timetable_of
from lanner.timestamps import utc_now
from lanner.triggers.base import Trigger

logger = logging.getLogger(__name__)

POLICIES = ("ALL", "LAST", "NONE")


def recovery_policy(runtime: TriggerRuntime, trigger: Trigger) -> str:
    return getattr(trigger, "recover_missed_schedules", None) or runtime.default_recovery


def latest_slot_up_to(timetable: Timetable, moment: datetime) -> datetime | None:
    """Return the last slot at or before `moment`."""
    slot = timetable.previous(moment.replace(microsecond=0) + timedelta(seconds=1))
    return slot.date if slot is not None else None


def slot_on_enable(
    timetable: Timetable, policy: str, last_fired: datetime | None, now: datetime
) -> datetime | None:
    """Return the next slot of a trigger enabled again at `now`."""
    if policy == "LAST":
        latest = latest_slot_up_to(timetable, now)
        if latest is not None and (last_fired is None or latest > last_fired):
            return latest
    slot = timetable.next(now)
    return slot.date if slot is not None else None


def recover_slot(
    timetable: Timetable, policy: str, next_slot: datetime, now: datetime
) -> datetime | None:
    """Return where a schedule whose next slot `next_slot` has passed resumes."""
    if policy == "NONE":
        slot = timetable.next(now)
        return slot.date if slot is not None else None
    if policy == "LAST":
        latest = latest_slot_up_to(timetable, now)
        return latest if latest is not None and latest > next_slot else next_slot
    return next_slot


async def recover_missed(
    runtime: TriggerRuntime, scheduler_id: str, heartbeat_timeout: float
) -> int:
    """Apply the missed-slot policies if no other scheduler is alive; return triggers changed."""
    repository = runtime.repository
    now = runtime.clock()
    changed = 0
    async with runtime.backend.db.transaction() as connection:
        # Heartbeats are written with the real time, whatever clock the scheduler runs on.
        since = utc_now() - timedelta(seconds=heartbeat_timeout)
        others = await repository.live_schedulers(connection, since, scheduler_id)
        if others:
            logger.info("Scheduler %s found schedulers alive (%s)", scheduler_id, others[0])
            return 0
        for row in await repository.overdue(connection, now):
            state = TriggerState.from_json(row.data)
            if state.next_slot is None or state.next_slot >= now:
                continue
            try:
                flow = await runtime.flow(connection, row.namespace, row.flow_id, row.flow_revision)
            except LannerError as error:
                logger.warning("Cannot recover trigger %s: %s", row.key, error)
                continue
            trigger = find_trigger(flow, row.trigger_id)
            timetable = timetable_of(trigger, flow.flow, runtime.default_zone) if trigger else None
            if trigger is None or timetable is None:
                continue
            policy = recovery_policy(runtime, trigger)
            resumed = recover_slot(timetable, policy, state.next_slot, now)
            if resumed == state.next_slot:
                continue
            logger.info(
                "Trigger %s of flow %s.%s missed slots since %s; recoverMissedSchedules %s "
                "resumes at %s",
                row.trigger_id,
                row.namespace,
                row.flow_id,
                state.next_slot.isoformat(),
                policy,
                resumed.isoformat() if resumed else "no further slot",
            )
            state.next_slot = resumed
            row.data = state.to_json()
            row.next_date = state.attention_date(row.disabled)
            row.updated = utc_now()
            await repository.update(connection, row)
            changed += 1
    return changed
