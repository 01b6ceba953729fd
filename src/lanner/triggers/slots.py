"""The dates at which Schedule and ScheduleOnDates triggers fire: their slots.

A Schedule slot is a wall-clock time the cron matches in the trigger's zone, placed on the time
line (see `zones.place`): a time skipped by a spring-forward change runs at the first instant
after the gap, and a time repeated by a fall-back change runs once, at its first occurrence.
Slots are whole seconds; every instant here is an aware UTC datetime.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Protocol

from lanner.triggers.cron import CronExpression
from lanner.triggers.zones import format_in_zone, parse_zoned, place, wall_time

logger = logging.getLogger(__name__)

# A daylight saving change moves clocks by at most two hours (Antarctica/Troll); searching
# backwards starts this much later in wall-clock time so that no slot of a repeated hour is
# missed.
_LARGEST_CLOCK_CHANGE = timedelta(hours=3)

# Candidates tried when looking for a slot that also meets the trigger's conditions. Kestra
# looks up to ten years ahead; a bound on candidates keeps a condition that never holds on a
# per-second cron from blocking the scheduler.
MAX_CONDITION_CANDIDATES = 20_000


@dataclass(frozen=True)
class Slot:
    date: datetime
    # The wall-clock time the slot stands for; it differs from `date` read in the zone only
    # when the time fell in a spring-forward gap.
    wall: datetime
    in_gap: bool = False


class SlotSource(Protocol):
    """The slots of one trigger."""

    zone: tzinfo

    def next_slot(self, after: datetime) -> Slot | None:
        """Return the first slot strictly after `after`."""
        ...

    def previous_slot(self, before: datetime) -> Slot | None:
        """Return the last slot strictly before `before`."""
        ...


class CronSlots:
    """The slots of a cron expression in a zone."""

    def __init__(self, expression: CronExpression, zone: tzinfo) -> None:
        self.expression = expression
        self.zone = zone

    def next_slot(self, after: datetime) -> Slot | None:
        candidate = self.expression.next_after(wall_time(after, self.zone))
        while candidate is not None:
            placement = place(candidate, self.zone)
            # A wall time of a repeated hour read again on its second pass, or a gap time
            # merged into the end of its gap, is no new slot.
            if placement.instant > after:
                return Slot(placement.instant, candidate, placement.in_gap)
            candidate = self.expression.next_after(candidate)
        return None

    def previous_slot(self, before: datetime) -> Slot | None:
        start = wall_time(before, self.zone) + _LARGEST_CLOCK_CHANGE
        candidate = self.expression.previous_before(start)
        while candidate is not None:
            placement = place(candidate, self.zone)
            if placement.instant < before:
                return Slot(placement.instant, candidate, placement.in_gap)
            candidate = self.expression.previous_before(candidate)
        return None


class DateSlots:
    """The slots of a ScheduleOnDates trigger: its dates, sorted."""

    def __init__(self, dates: Sequence[datetime], zone: tzinfo) -> None:
        self.dates = sorted(set(dates))
        self.zone = zone

    @classmethod
    def parse(cls, texts: Sequence[str], zone: tzinfo) -> DateSlots:
        """Read ISO-8601 dates; one without an offset is a wall-clock time in `zone`."""
        dates = []
        for text in texts:
            parsed = parse_zoned(text)
            if parsed.tzinfo is None:
                dates.append(place(parsed, zone).instant)
            else:
                dates.append(parsed)
        return cls([date.replace(microsecond=0) for date in dates], zone)

    def next_slot(self, after: datetime) -> Slot | None:
        for date in self.dates:
            if date > after:
                return Slot(date, wall_time(date, self.zone))
        return None

    def previous_slot(self, before: datetime) -> Slot | None:
        for date in reversed(self.dates):
            if date < before:
                return Slot(date, wall_time(date, self.zone))
        return None


SlotFilter = Callable[[Slot], bool]


def next_accepted(source: SlotSource, after: datetime, accept: SlotFilter | None) -> Slot | None:
    """Return the first slot after `after` that `accept` takes, or None past the search bound."""
    slot = source.next_slot(after)
    if accept is None:
        return slot
    for _ in range(MAX_CONDITION_CANDIDATES):
        if slot is None or accept(slot):
            return slot
        slot = source.next_slot(slot.date)
    logger.warning(
        "No slot after %s meets the trigger's conditions within %d candidates",
        after.isoformat(),
        MAX_CONDITION_CANDIDATES,
    )
    return None


def previous_accepted(
    source: SlotSource, before: datetime, accept: SlotFilter | None
) -> Slot | None:
    """Return the last slot before `before` that `accept` takes, or None past the search bound."""
    slot = source.previous_slot(before)
    if accept is None:
        return slot
    for _ in range(MAX_CONDITION_CANDIDATES):
        if slot is None or accept(slot):
            return slot
        slot = source.previous_slot(slot.date)
    return None


def slot_variables(
    slot: Slot, source: SlotSource, accept: SlotFilter | None = None
) -> dict[str, str]:
    """Build `trigger.date`, `trigger.next` and `trigger.previous` of a slot, in its zone.

    With conditions, `next` and `previous` are the nearest slots that meet them, as in Kestra.
    """
    variables = {"date": format_in_zone(slot.date, source.zone)}
    following = next_accepted(source, slot.date, accept)
    if following is not None:
        variables["next"] = format_in_zone(following.date, source.zone)
    preceding = previous_accepted(source, slot.date, accept)
    if preceding is not None:
        variables["previous"] = format_in_zone(preceding.date, source.zone)
    return variables


def describe_gap(slot: Slot, zone: tzinfo) -> str:
    """Explain a slot moved out of a spring-forward gap, for the scheduler's log."""
    return (
        f"the wall-clock time {slot.wall.isoformat(sep=' ')} does not exist in {zone} "
        f"(clocks go forward); it runs at {format_in_zone(slot.date, zone)}, the first instant "
        "after the gap"
    )
