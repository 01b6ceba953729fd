"""Cron expressions: parsing, each kind of field, and searching wall-clock times."""

from __future__ import annotations

from datetime import datetime

import pytest

from lanner.triggers.cron import CronExpression, InvalidCron


def following(cron: str, start: str, count: int, with_seconds: bool = False) -> list[str]:
    expression = CronExpression.parse(cron, with_seconds)
    moment = datetime.fromisoformat(start)
    found = []
    for _ in range(count):
        moment = expression.next_after(moment)
        assert moment is not None
        found.append(moment.isoformat(sep=" "))
    return found


@pytest.mark.parametrize(
    ("cron", "expected"),
    [
        ("30 6 * * *", ["2024-01-01 06:30:00", "2024-01-02 06:30:00"]),
        ("*/20 * * * *", ["2024-01-01 00:20:00", "2024-01-01 00:40:00"]),
        ("5,35 * * * *", ["2024-01-01 00:05:00", "2024-01-01 00:35:00"]),
        ("0 9-10 * * *", ["2024-01-01 09:00:00", "2024-01-01 10:00:00"]),
        ("0 8-18/5 * * *", ["2024-01-01 08:00:00", "2024-01-01 13:00:00"]),
        ("10/25 * * * *", ["2024-01-01 00:10:00", "2024-01-01 00:35:00"]),
        ("0 0 * * MON-FRI", ["2024-01-01 00:00:00", "2024-01-02 00:00:00"]),
        ("0 0 1 JAN,JUL *", ["2024-07-01 00:00:00", "2025-01-01 00:00:00"]),
        ("0 0 * * 7", ["2024-01-07 00:00:00", "2024-01-14 00:00:00"]),
        ("0 0 29 2 *", ["2024-02-29 00:00:00", "2028-02-29 00:00:00"]),
        ("@hourly", ["2024-01-01 01:00:00", "2024-01-01 02:00:00"]),
        ("@weekly", ["2024-01-07 00:00:00", "2024-01-14 00:00:00"]),
        ("@monthly", ["2024-02-01 00:00:00", "2024-03-01 00:00:00"]),
    ],
)
def test_cron_kinds(cron: str, expected: list[str]) -> None:
    start = "2024-01-01 00:00:00" if cron != "0 0 * * MON-FRI" else "2023-12-31 12:00:00"
    if cron == "0 0 1 JAN,JUL *":
        start = "2024-01-01 00:00:00"
    assert following(cron, start, 2) == expected


def test_cron_with_seconds() -> None:
    assert following("*/20 * * * * *", "2024-01-01 00:00:00", 3, with_seconds=True) == [
        "2024-01-01 00:00:20",
        "2024-01-01 00:00:40",
        "2024-01-01 00:01:00",
    ]


def test_cron_both_day_fields_either() -> None:
    # POSIX cron: with both day fields restricted, a day matching either one runs.
    dates = following("0 9 13 * FRI", "2024-09-01 00:00:00", 4)

    assert dates == [
        "2024-09-06 09:00:00",
        "2024-09-13 09:00:00",
        "2024-09-20 09:00:00",
        "2024-09-27 09:00:00",
    ]


def test_cron_previous() -> None:
    expression = CronExpression.parse("*/15 * * * *")

    previous = expression.previous_before(datetime(2024, 1, 1, 0, 30))

    assert previous == datetime(2024, 1, 1, 0, 15)


def test_cron_never_matching() -> None:
    assert CronExpression.parse("0 0 31 2 *").next_after(datetime(2024, 1, 1)) is None


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        ("* * * *", "expected 5 fields"),
        ("60 * * * *", "minute value '60' is out of range 0-59"),
        ("* 24 * * *", "hour value '24' is out of range"),
        ("* * 0 * *", "day-of-month value '0'"),
        ("* * * 13 *", "month value '13'"),
        ("* * * * 8", "day-of-week value '8'"),
        ("*/0 * * * *", "step '0'"),
        ("5-1 * * * *", "goes backwards"),
        ("L * * * *", "invalid value 'L'"),
        ("0 * * * * *", "set withSeconds: true"),
    ],
)
def test_cron_rejected_with_reason(cron: str, message: str) -> None:
    with pytest.raises(InvalidCron, match=message):
        CronExpression.parse(cron)
