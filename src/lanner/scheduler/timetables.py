"""The timetable of a Schedule or ScheduleOnDates trigger: its slots and its conditions.

A slot whose conditions do not hold is no slot at all: it is skipped, and `trigger.next` and
`trigger.previous` name the nearest slots that meet the conditions, as in Kestra.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lanner.expressions import render_typed
from lanner.flows.model import Flow
from lanner.triggers.base import Trigger
from lanner.triggers.cron import CronExpression
from lanner.triggers.evaluation import ConditionContext, ConditionError, conditions_met
from lanner.triggers.schedule import Schedule, ScheduleOnDates
from lanner.triggers.slots import (
    CronSlots,
    DateSlots,
    Slot,
    SlotSource,
    next_accepted,
    previous_accepted,
    slot_variables,
)
from lanner.triggers.zones import format_in_zone, resolve_zone

logger = logging.getLogger(__name__)

SCHEDULED_TYPES = (Schedule, ScheduleOnDates)
_SECOND = timedelta(seconds=1)


@dataclass
class Timetable:
    trigger: Schedule | ScheduleOnDates
    source: SlotSource
    flow: Flow

    @property
    def conditions(self) -> list[Any]:
        conditions = list(self.trigger.conditions or [])
        if isinstance(self.trigger, Schedule):
            conditions += self.trigger.schedule_conditions or []
        return conditions

    def accepts(self, slot: Slot) -> bool:
        """Tell whether the trigger's conditions hold at a slot; an error counts as no."""
        conditions = self.conditions
        if not conditions:
            return True
        dates = {"date": format_in_zone(slot.date, self.source.zone)}
        following = self.source.next_slot(slot.date)
        if following is not None:
            dates["next"] = format_in_zone(following.date, self.source.zone)
        preceding = self.source.previous_slot(slot.date)
        if preceding is not None:
            dates["previous"] = format_in_zone(preceding.date, self.source.zone)
        variables = {
            "flow": {"id": self.flow.id, "namespace": self.flow.namespace},
            "trigger": dates,
            "schedule": dates,
        }
        try:
            return conditions_met(conditions, ConditionContext(variables, schedule=True))
        except ConditionError as error:
            logger.warning(
                "Trigger %s of flow %s.%s skips the slot %s: %s",
                self.trigger.id,
                self.flow.namespace,
                self.flow.id,
                dates["date"],
                error,
            )
            return False

    def _filter(self) -> Any:
        return self.accepts if self.conditions else None

    def next(self, after: datetime) -> Slot | None:
        return next_accepted(self.source, after, self._filter())

    def at_or_after(self, moment: datetime) -> Slot | None:
        return self.next(moment.replace(microsecond=0) - _SECOND)

    def previous(self, before: datetime) -> Slot | None:
        return previous_accepted(self.source, before, self._filter())

    def variables(self, slot: Slot) -> dict[str, str]:
        return slot_variables(slot, self.source, self._filter())


def timetable_of(trigger: Trigger, flow: Flow, default_zone: str) -> Timetable | None:
    """Build the timetable of a scheduled trigger; None for other trigger types.

    Raise LannerError (an unknown zone, an invalid cron or date) when it cannot be built.
    """
    if isinstance(trigger, Schedule):
        zone = resolve_zone(trigger.timezone or default_zone)
        expression = CronExpression.parse(trigger.cron, trigger.with_seconds)
        return Timetable(trigger, CronSlots(expression, zone), flow)
    if isinstance(trigger, ScheduleOnDates):
        zone = resolve_zone(trigger.timezone or default_zone)
        return Timetable(trigger, DateSlots.parse(_dates(trigger, flow), zone), flow)
    return None


def _dates(trigger: ScheduleOnDates, flow: Flow) -> list[str]:
    context = {"flow": {"id": flow.id, "namespace": flow.namespace}}
    rendered = render_typed(trigger.dates, context)
    if isinstance(rendered, str):
        rendered = [rendered]
    return [str(item) for item in rendered or []]


def fingerprint(trigger: Trigger, default_zone: str) -> str:
    """Digest the properties that decide a trigger's slots."""
    dump = trigger.model_dump(mode="json", by_alias=True, exclude_unset=True)
    decisive = {
        key: dump.get(key)
        for key in ("type", "cron", "withSeconds", "dates", "conditions", "scheduleConditions")
    }
    decisive["timezone"] = dump.get("timezone") or default_zone
    text = json.dumps(decisive, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
