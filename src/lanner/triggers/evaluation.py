"""Evaluating trigger conditions (`io.kestra.plugin.core.condition.*`).

A condition reads the variables of its trigger (`trigger.date` of a schedule slot) and, for a
Flow trigger, the upstream execution. Schedule triggers evaluate only the conditions that
Kestra marks as schedule conditions (`SCHEDULE_CONDITIONS`) and ignore the others, as Kestra
does. `MultipleCondition` needs stored state and is evaluated by `lanner.triggers.windows`.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from lanner.errors import LannerError
from lanner.executions.model import Execution
from lanner.expressions import is_truthy, render
from lanner.triggers import conditions as model
from lanner.triggers.zones import resolve_zone

logger = logging.getLogger(__name__)

SCHEDULE_CONDITIONS: tuple[type[model.Condition], ...] = (
    model.DateTimeBetween,
    model.DayWeek,
    model.DayWeekInMonth,
    model.Expression,
    model.Not,
    model.Or,
    model.PublicHoliday,
    model.TimeBetween,
    model.Weekend,
)

_WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_ORDINALS = {"FIRST": 1, "SECOND": 2, "THIRD": 3, "FOURTH": 4}


class ConditionError(LannerError):
    """A condition could not be evaluated; the message names the condition and the cause."""


@dataclass(frozen=True)
class ConditionContext:
    """The input of conditions: expression variables and, for Flow triggers, an execution."""

    variables: Mapping[str, Any]
    execution: Execution | None = None
    # Flow triggers evaluate every condition; schedules only SCHEDULE_CONDITIONS.
    schedule: bool = False


def conditions_met(conditions: Sequence[Any] | None, context: ConditionContext) -> bool:
    """Tell whether every condition holds; MultipleCondition is left to the caller."""
    for condition in conditions or []:
        if isinstance(condition, model.MultipleCondition):
            continue
        if context.schedule and not isinstance(condition, SCHEDULE_CONDITIONS):
            continue
        if not condition_met(condition, context):
            return False
    return True


def condition_met(condition: Any, context: ConditionContext) -> bool:
    """Evaluate one condition; raise ConditionError when it cannot be evaluated."""
    check = _CHECKS.get(type(condition))
    if check is None:
        raise ConditionError(f"condition type {condition.type!r} cannot be evaluated by Lanner")
    try:
        return bool(check(condition, context))
    except ConditionError:
        raise
    except (LannerError, ValueError, KeyError) as error:
        raise ConditionError(f"condition {condition.type!r} failed: {error}") from error


# --- dates ----------------------------------------------------------------------------------


def _render(text: str, context: ConditionContext) -> str:
    return render(text, context.variables).strip()


def _local_date(text: str) -> datetime:
    """Read a date-time keeping its own offset, so that its day and time are local ones."""
    stripped = text.strip()
    zone_name = None
    if stripped.endswith("]") and "[" in stripped:
        stripped, _, zone_name = stripped[:-1].partition("[")
    parsed = datetime.fromisoformat(stripped)
    if zone_name:
        zone = resolve_zone(zone_name)
        return parsed.astimezone(zone) if parsed.tzinfo else parsed.replace(tzinfo=zone)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date_of(condition: Any, context: ConditionContext) -> datetime:
    rendered = _render(condition.date, context)
    try:
        return _local_date(rendered)
    except ValueError as error:
        raise ConditionError(
            f"condition {condition.type!r}: date {rendered!r} is not an ISO-8601 date-time"
        ) from error


def _date_time_between(condition: model.DateTimeBetween, context: ConditionContext) -> bool:
    current = _date_of(condition, context)
    after = _local_date(_render(condition.after, context)) if condition.after else None
    before = _local_date(_render(condition.before, context)) if condition.before else None
    if after is None and before is None:
        raise ConditionError("DateTimeBetween needs `after`, `before` or both")
    # Both bounds are included, as in Kestra.
    return (after is None or current >= after) and (before is None or current <= before)


def _day_week(condition: model.DayWeek, context: ConditionContext) -> bool:
    return _WEEKDAYS[_date_of(condition, context).weekday()] == condition.day_of_week


def _day_week_in_month(condition: model.DayWeekInMonth, context: ConditionContext) -> bool:
    current = _date_of(condition, context).date()
    if _WEEKDAYS[current.weekday()] != condition.day_of_week:
        return False
    if condition.day_in_month == "LAST":
        days_in_month = calendar.monthrange(current.year, current.month)[1]
        return current.day + 7 > days_in_month
    return (current.day - 1) // 7 + 1 == _ORDINALS[condition.day_in_month]


def _weekend(condition: model.Weekend, context: ConditionContext) -> bool:
    return _date_of(condition, context).weekday() >= 5


def _time_between(condition: model.TimeBetween, context: ConditionContext) -> bool:
    current = _date_of(condition, context)
    offset = current.utcoffset()
    moment = _seconds_utc(current.time(), offset.total_seconds() if offset else 0)
    after = _offset_time(_render(condition.after, context), offset) if condition.after else None
    before = _offset_time(_render(condition.before, context), offset) if condition.before else None
    if after is None and before is None:
        raise ConditionError("TimeBetween needs `after`, `before` or both")
    # Both bounds are excluded and times compare as instants of one day, as Java's OffsetTime.
    return (after is None or moment > after) and (before is None or moment < before)


def _offset_time(text: str, default_offset: Any) -> float:
    """Read `16:00:00+02:00`; a time without an offset takes the tested date's offset."""
    parsed = time.fromisoformat(text.replace("Z", "+00:00"))
    offset = parsed.utcoffset()
    if offset is None:
        offset = default_offset
    return _seconds_utc(parsed.replace(tzinfo=None), offset.total_seconds() if offset else 0)


def _seconds_utc(moment: time, offset_seconds: float) -> float:
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6
    return seconds - offset_seconds


def _public_holiday(condition: model.PublicHoliday, context: ConditionContext) -> bool:
    try:
        import holidays
    except ImportError as error:
        raise ConditionError(
            "PublicHoliday needs the Python package `holidays`; install it in Lanner's "
            "environment (pip install holidays)"
        ) from error
    country = _render(condition.country, context) if condition.country else None
    if not country:
        raise ConditionError(
            "PublicHoliday needs `country`, an ISO 3166-1 alpha-2 code such as 'FR'"
        )
    subdivision = _render(condition.sub_division, context) if condition.sub_division else None
    day: date = _date_of(condition, context).date()
    try:
        calendar_of_country = holidays.country_holidays(
            country.upper(), subdiv=subdivision, years=day.year
        )
    except NotImplementedError as error:
        raise ConditionError(
            f"PublicHoliday: no holiday calendar for country {country!r}"
            + (f" and subdivision {subdivision!r}" if subdivision else "")
        ) from error
    return day in calendar_of_country


# --- expressions ----------------------------------------------------------------------------


def _expression(condition: model.Expression, context: ConditionContext) -> bool:
    return is_truthy(render(condition.expression, context.variables))


def _execution_outputs(condition: model.ExecutionOutputs, context: ConditionContext) -> bool:
    execution = _execution(condition, context)
    if not execution.outputs:
        return False
    variables = {
        **context.variables,
        "outputs": execution.outputs,
        "trigger": {**context.variables.get("trigger", {}), "outputs": execution.outputs},
    }
    return is_truthy(render(condition.expression, variables))


# --- the upstream execution -----------------------------------------------------------------


def _execution(condition: Any, context: ConditionContext) -> Execution:
    if context.execution is None:
        raise ConditionError(
            f"condition {condition.type!r} tests an execution and applies to Flow triggers only"
        )
    return context.execution


def _execution_flow(condition: model.ExecutionFlow, context: ConditionContext) -> bool:
    execution = _execution(condition, context)
    return execution.namespace == _render(
        condition.namespace, context
    ) and execution.flow_id == _render(condition.flow_id, context)


def _flow_condition(condition: model.FlowCondition, context: ConditionContext) -> bool:
    execution = _execution(condition, context)
    return execution.namespace == condition.namespace and execution.flow_id == condition.flow_id


def _execution_namespace(condition: model.ExecutionNamespace, context: ConditionContext) -> bool:
    comparison = condition.comparison or ("PREFIX" if condition.prefix else "EQUALS")
    return namespace_matches(
        _execution(condition, context).namespace, condition.namespace, comparison
    )


def _flow_namespace(condition: model.FlowNamespaceCondition, context: ConditionContext) -> bool:
    comparison = "PREFIX" if condition.prefix else "EQUALS"
    return namespace_matches(
        _execution(condition, context).namespace, condition.namespace, comparison
    )


def namespace_matches(namespace: str, expected: str, comparison: str) -> bool:
    """Compare namespaces as Kestra does: PREFIX and SUFFIX compare plain text."""
    if comparison == "PREFIX":
        return namespace.startswith(expected)
    if comparison == "SUFFIX":
        return namespace.endswith(expected)
    return namespace == expected


def _execution_status(condition: model.ExecutionStatus, context: ConditionContext) -> bool:
    state = _execution(condition, context).state.value
    if condition.in_ is not None and state not in condition.in_:
        return False
    return not (condition.not_in is not None and state in condition.not_in)


def _execution_labels(condition: model.ExecutionLabels, context: ConditionContext) -> bool:
    labels = {label["key"]: label["value"] for label in _execution(condition, context).labels}
    return all(labels.get(label.key) == _render(label.value, context) for label in condition.labels)


def _has_retry_attempt(condition: model.HasRetryAttempt, context: ConditionContext) -> bool:
    execution = _execution(condition, context)
    for task_run in execution.task_runs.values():
        if len(task_run.attempts) < 2:
            continue
        for attempt in task_run.attempts:
            state = attempt.state.value
            if condition.in_ is not None and state not in condition.in_:
                continue
            if condition.not_in is not None and state in condition.not_in:
                continue
            return True
    return False


# --- combinations ---------------------------------------------------------------------------


def _not(condition: model.Not, context: ConditionContext) -> bool:
    return not any(_combined(item, context) for item in condition.conditions)


def _or(condition: model.Or, context: ConditionContext) -> bool:
    return any(_combined(item, context) for item in condition.conditions)


def _combined(condition: Any, context: ConditionContext) -> bool:
    if context.schedule and not isinstance(condition, SCHEDULE_CONDITIONS):
        # NOTE: Kestra evaluates only schedule conditions in a schedule; a nested one of
        # another kind counts as not met.
        return False
    return condition_met(condition, context)


_CHECKS: dict[type[Any], Any] = {
    model.DateTimeBetween: _date_time_between,
    model.DayWeek: _day_week,
    model.DayWeekInMonth: _day_week_in_month,
    model.ExecutionFlow: _execution_flow,
    model.ExecutionLabels: _execution_labels,
    model.ExecutionNamespace: _execution_namespace,
    model.ExecutionOutputs: _execution_outputs,
    model.ExecutionStatus: _execution_status,
    model.Expression: _expression,
    model.FlowCondition: _flow_condition,
    model.FlowNamespaceCondition: _flow_namespace,
    model.HasRetryAttempt: _has_retry_attempt,
    model.Not: _not,
    model.Or: _or,
    model.PublicHoliday: _public_holiday,
    model.TimeBetween: _time_between,
    model.Weekend: _weekend,
}
