"""Backfills: running the slots of a past window again.

A backfill covers the slots from `start` to `end`, both included: a slot exactly at `end` runs.
`end` defaults to now, and a backfill never runs a slot that the schedule itself will run: the
window stops before the schedule's next slot at the moment the backfill is created. Each slot
of the window runs once, whatever the number of schedulers, because the position of the
backfill is stored in the trigger row that a scheduler locks while it fires. Slots that already
ran on schedule run again, as in Kestra: a backfill replays a window, it does not fill holes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from lanner.errors import LannerError
from lanner.scheduler.state import Backfill
from lanner.scheduler.timetables import Timetable
from lanner.triggers.base import Trigger
from lanner.triggers.schedule import Schedule
from lanner.triggers.zones import parse_zoned, place

logger = logging.getLogger(__name__)


class InvalidBackfill(LannerError):
    """A backfill's window or inputs are invalid; the message names the value to fix."""


def new_backfill(
    timetable: Timetable,
    start: datetime,
    end: datetime | None,
    now: datetime,
    next_slot: datetime | None,
    inputs: dict[str, Any] | None = None,
    labels: list[dict[str, str]] | None = None,
) -> Backfill:
    """Build a backfill of the window [start, end]; raise InvalidBackfill for a bad window."""
    requested_end = end or now
    if start > requested_end:
        raise InvalidBackfill(
            f"backfill start {start.isoformat()} is after its end {requested_end.isoformat()}; "
            "give a start before the end"
        )
    limit = min(requested_end, now)
    if next_slot is not None:
        limit = min(limit, next_slot - timedelta(seconds=1))
    return Backfill(
        start=start,
        end=limit,
        current=start,
        inputs=dict(inputs or {}),
        labels=list(labels or []),
        previous_next_date=next_slot,
    )


def legacy_backfill(
    trigger: Trigger, timetable: Timetable, next_slot: datetime | None, now: datetime
) -> Backfill | None:
    """Read the deprecated `backfill: {start: ...}` property of a new Schedule trigger."""
    if not isinstance(trigger, Schedule) or not trigger.backfill:
        return None
    start_text = trigger.backfill.get("start")
    if not start_text:
        return None
    try:
        start = parse_zoned(str(start_text))
        if start.tzinfo is None:
            start = place(start, timetable.source.zone).instant
        return new_backfill(timetable, start, None, now, next_slot)
    except (ValueError, InvalidBackfill) as error:
        logger.warning("Trigger %s ignores its backfill property: %s", trigger.id, error)
        return None


def parse_backfill_date(text: str, timetable: Timetable, name: str) -> datetime:
    """Read a backfill bound; a date-time without an offset is in the trigger's zone."""
    try:
        parsed = parse_zoned(text)
    except ValueError as error:
        raise InvalidBackfill(
            f"backfill {name} {text!r} is not an ISO-8601 date-time such as 2024-03-01T00:00:00Z"
        ) from error
    if parsed.tzinfo is None:
        return place(parsed, timetable.source.zone).instant
    return parsed
