"""Schedule conditions evaluated on a slot's date."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from lanner.triggers import conditions as model
from lanner.triggers.evaluation import ConditionContext, ConditionError, condition_met


def met(condition: Any, date: str) -> bool:
    context = ConditionContext({"trigger": {"date": date}}, schedule=True)
    return condition_met(condition, context)


def build(kind: type[model.Condition], **values: Any) -> Any:
    return kind.model_validate({"type": kind.type_names[0], **values})


def test_day_week() -> None:
    monday = build(model.DayWeek, dayOfWeek="MONDAY")

    assert met(monday, "2024-06-03T10:00:00+02:00")
    assert not met(monday, "2024-06-04T10:00:00+02:00")


def test_day_week_uses_local_day() -> None:
    # 23:30 on Sunday in UTC is already Monday in Tokyo.
    monday = build(model.DayWeek, dayOfWeek="MONDAY")

    assert met(monday, "2024-06-03T08:30:00+09:00")
    assert not met(monday, "2024-06-02T23:30:00Z")


@pytest.mark.parametrize(
    ("day_in_month", "date", "expected"),
    [
        ("FIRST", "2024-06-03T11:00:00Z", True),
        ("FIRST", "2024-06-10T11:00:00Z", False),
        ("SECOND", "2024-06-10T11:00:00Z", True),
        ("LAST", "2024-06-24T11:00:00Z", True),
        ("LAST", "2024-06-17T11:00:00Z", False),
    ],
)
def test_day_week_in_month(day_in_month: str, date: str, expected: bool) -> None:
    condition = build(model.DayWeekInMonth, dayOfWeek="MONDAY", dayInMonth=day_in_month)

    assert met(condition, date) is expected


def test_weekend() -> None:
    weekend = build(model.Weekend)

    assert met(weekend, "2024-06-01T10:00:00Z")
    assert not met(weekend, "2024-06-03T10:00:00Z")


def test_time_between_excludes_bounds() -> None:
    condition = build(model.TimeBetween, after="09:00:00+02:00", before="17:00:00+02:00")

    assert met(condition, "2024-06-03T12:00:00+02:00")
    assert met(condition, "2024-06-03T08:00:00Z")
    assert not met(condition, "2024-06-03T09:00:00+02:00")
    assert not met(condition, "2024-06-03T18:00:00+02:00")


def test_date_time_between_includes_bounds() -> None:
    condition = build(
        model.DateTimeBetween, after="2024-06-01T00:00:00Z", before="2024-06-30T00:00:00Z"
    )

    assert met(condition, "2024-06-01T00:00:00Z")
    assert met(condition, "2024-06-30T02:00:00+02:00")
    assert not met(condition, "2024-07-01T00:00:00Z")


def test_not_and_or() -> None:
    weekday = build(model.Not, conditions=[{"type": "io.kestra.plugin.core.condition.Weekend"}])
    either = build(
        model.Or,
        conditions=[
            {"type": "io.kestra.plugin.core.condition.DayWeek", "dayOfWeek": "MONDAY"},
            {"type": "io.kestra.plugin.core.condition.DayWeek", "dayOfWeek": "FRIDAY"},
        ],
    )

    assert met(weekday, "2024-06-03T10:00:00Z")
    assert not met(weekday, "2024-06-02T10:00:00Z")
    assert met(either, "2024-06-07T10:00:00Z")
    assert not met(either, "2024-06-05T10:00:00Z")


def test_expression() -> None:
    condition = build(model.Expression, expression="{{ trigger.date | date('HH') == '10' }}")

    assert met(condition, "2024-06-03T10:00:00Z")


def test_execution_condition_in_schedule() -> None:
    condition = build(model.ExecutionFlow, namespace="company", flowId="upstream")

    with pytest.raises(ConditionError, match="applies to Flow triggers only"):
        met(condition, "2024-06-03T10:00:00Z")


@pytest.mark.skipif(
    importlib.util.find_spec("holidays") is None, reason="the holidays package is not installed"
)
def test_public_holiday() -> None:
    france = build(model.PublicHoliday, country="FR")

    assert met(france, "2024-07-14T11:00:00+02:00")
    assert not met(france, "2024-07-15T11:00:00+02:00")


def test_public_holiday_needs_country() -> None:
    condition = build(model.PublicHoliday)

    with pytest.raises(ConditionError, match="country"):
        met(condition, "2024-07-14T11:00:00+02:00")
