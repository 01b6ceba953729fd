"""Schedule slots in time zones: daylight saving changes, odd offsets, the process's TZ."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime

import pytest

from lanner.triggers.cron import CronExpression
from lanner.triggers.slots import CronSlots, DateSlots, slot_variables
from lanner.triggers.zones import format_in_zone, resolve_zone
from tests.triggers.support import at


def slots(cron: str, zone: str, after: str, count: int) -> list[str]:
    source = CronSlots(CronExpression.parse(cron), resolve_zone(zone))
    moment = at(after)
    found = []
    for _ in range(count):
        slot = source.next_slot(moment)
        assert slot is not None
        found.append(format_in_zone(slot.date, source.zone))
        moment = slot.date
    return found


def test_kolkata_daily() -> None:
    source = CronSlots(CronExpression.parse("12 13 * * *"), resolve_zone("Asia/Kolkata"))

    slot = source.next_slot(at("2024-03-07T00:00:00Z"))

    assert slot is not None
    assert slot.date == at("2024-03-07T07:42:00Z")


def test_kathmandu_quarter_hour() -> None:
    assert slots("0 9 * * *", "Asia/Kathmandu", "2024-01-01T00:00:00Z", 2) == [
        "2024-01-01T09:00:00+05:45",
        "2024-01-02T09:00:00+05:45",
    ]
    source = CronSlots(CronExpression.parse("0 9 * * *"), resolve_zone("Asia/Kathmandu"))
    slot = source.next_slot(at("2024-01-01T00:00:00Z"))
    assert slot is not None
    assert slot.date == at("2024-01-01T03:15:00Z")


def test_half_hour_offset_hourly() -> None:
    # Every hour on the hour in Kolkata is half past the hour in UTC.
    source = CronSlots(CronExpression.parse("0 * * * *"), resolve_zone("Asia/Kolkata"))

    slot = source.next_slot(at("2024-01-01T00:00:00Z"))

    assert slot is not None
    assert slot.date == at("2024-01-01T00:30:00Z")


@pytest.mark.parametrize(
    ("zone", "after", "expected"),
    [
        (
            "Europe/Paris",
            "2024-03-30T00:00:00Z",
            ["2024-03-30T02:30:00+01:00", "2024-03-31T03:00:00+02:00", "2024-04-01T02:30:00+02:00"],
        ),
        (
            "America/New_York",
            "2024-03-09T00:00:00Z",
            ["2024-03-09T02:30:00-05:00", "2024-03-10T03:00:00-04:00", "2024-03-11T02:30:00-04:00"],
        ),
        (
            "Australia/Sydney",
            "2024-10-05T00:00:00Z",
            ["2024-10-06T03:00:00+11:00", "2024-10-07T02:30:00+11:00", "2024-10-08T02:30:00+11:00"],
        ),
    ],
)
def test_spring_forward_gap(zone: str, after: str, expected: list[str]) -> None:
    # 02:30 does not exist on the day clocks go forward: it runs at the end of the gap.
    assert slots("30 2 * * *", zone, after, 3) == expected


@pytest.mark.parametrize(
    ("zone", "cron", "after", "expected"),
    [
        (
            "Europe/Paris",
            "30 2 * * *",
            "2024-10-26T00:00:00Z",
            ["2024-10-26T02:30:00+02:00", "2024-10-27T02:30:00+02:00", "2024-10-28T02:30:00+01:00"],
        ),
        (
            "America/New_York",
            "30 1 * * *",
            "2024-11-02T00:00:00Z",
            ["2024-11-02T01:30:00-04:00", "2024-11-03T01:30:00-04:00", "2024-11-04T01:30:00-05:00"],
        ),
        (
            "Australia/Sydney",
            "30 2 * * *",
            "2024-04-05T00:00:00Z",
            ["2024-04-06T02:30:00+11:00", "2024-04-07T02:30:00+11:00", "2024-04-08T02:30:00+10:00"],
        ),
    ],
)
def test_fall_back_runs_once(zone: str, cron: str, after: str, expected: list[str]) -> None:
    # The repeated hour (02:00-03:00 in Paris and Sydney, 01:00-02:00 in New York) runs once.
    assert slots(cron, zone, after, 3) == expected


def test_spring_forward_quarter_hours() -> None:
    # The slots inside the gap merge into one at its end, then every quarter resumes.
    assert slots("*/15 * * * *", "Europe/Paris", "2024-03-31T00:40:00Z", 4) == [
        "2024-03-31T01:45:00+01:00",
        "2024-03-31T03:00:00+02:00",
        "2024-03-31T03:15:00+02:00",
        "2024-03-31T03:30:00+02:00",
    ]


def test_fall_back_hourly() -> None:
    # Each wall-clock hour runs once: 02:00 runs at its first occurrence only.
    assert slots("0 * * * *", "Europe/Paris", "2024-10-26T23:30:00Z", 4) == [
        "2024-10-27T02:00:00+02:00",
        "2024-10-27T03:00:00+01:00",
        "2024-10-27T04:00:00+01:00",
        "2024-10-27T05:00:00+01:00",
    ]


def test_next_from_inside_repeated_hour() -> None:
    source = CronSlots(CronExpression.parse("*/30 * * * *"), resolve_zone("Europe/Paris"))

    # 01:10 UTC is 02:10 on the second pass through the repeated hour.
    slot = source.next_slot(at("2024-10-27T01:10:00Z"))

    assert slot is not None
    assert format_in_zone(slot.date, source.zone) == "2024-10-27T03:00:00+01:00"


def test_previous_in_repeated_hour() -> None:
    source = CronSlots(CronExpression.parse("*/15 * * * *"), resolve_zone("Europe/Paris"))

    slot = source.previous_slot(at("2024-10-27T01:10:00Z"))

    assert slot is not None
    assert format_in_zone(slot.date, source.zone) == "2024-10-27T02:45:00+02:00"


def test_slot_variables() -> None:
    source = CronSlots(CronExpression.parse("0 12 * * *"), resolve_zone("Europe/Paris"))
    slot = source.next_slot(at("2024-06-01T00:00:00Z"))
    assert slot is not None

    variables = slot_variables(slot, source)

    assert variables == {
        "date": "2024-06-01T12:00:00+02:00",
        "next": "2024-06-02T12:00:00+02:00",
        "previous": "2024-05-31T12:00:00+02:00",
    }


def test_utc_written_with_z() -> None:
    source = CronSlots(CronExpression.parse("0 0 * * *"), resolve_zone("UTC"))
    slot = source.next_slot(at("2024-06-01T00:00:00Z"))
    assert slot is not None

    assert slot_variables(slot, source)["date"] == "2024-06-02T00:00:00Z"


def test_fixed_offset_zone() -> None:
    assert slots("0 12 * * *", "+05:30", "2024-01-01T00:00:00Z", 1) == ["2024-01-01T12:00:00+05:30"]


def test_dates_sorted_and_placed() -> None:
    zone = resolve_zone("Europe/Paris")
    source = DateSlots.parse(
        ["2024-06-02T10:00:00", "2024-06-01T10:00:00+00:00", "2024-06-03T10:00:00[Asia/Tokyo]"],
        zone,
    )

    assert source.dates == [
        at("2024-06-01T10:00:00Z"),
        at("2024-06-02T08:00:00Z"),
        at("2024-06-03T01:00:00Z"),
    ]


PROBE = """
from lanner.triggers.cron import CronExpression
from lanner.triggers.slots import CronSlots
from lanner.triggers.zones import resolve_zone
from datetime import datetime, UTC
source = CronSlots(CronExpression.parse("12 13 * * *"), resolve_zone("Asia/Kolkata"))
print(source.next_slot(datetime(2024, 3, 7, tzinfo=UTC)).date.isoformat())
"""


@pytest.mark.parametrize("tz", ["America/Los_Angeles", "Pacific/Chatham", "Asia/Kolkata"])
def test_process_tz_ignored(tz: str) -> None:
    environment = {**os.environ, "TZ": tz}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "2024-03-07T07:42:00+00:00"


def test_naive_now_never_used() -> None:
    # The zone comes from the trigger, never from datetime.now() or time.localtime().
    source = CronSlots(CronExpression.parse("0 0 * * *"), resolve_zone("Pacific/Kiritimati"))
    slot = source.next_slot(datetime(2024, 1, 1, 9, 59, tzinfo=resolve_zone("UTC")))
    assert slot is not None
    assert format_in_zone(slot.date, source.zone) == "2024-01-02T00:00:00+14:00"
