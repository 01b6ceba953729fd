"""Java DateTimeFormatter patterns: formatting every supported letter, quoting and parsing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from lanner.errors import ExpressionError
from lanner.expressions.java_time import (
    InvalidPattern,
    format_pattern,
    parse_with_pattern,
    us_week_fields,
)

UTC_MOMENT = dt.datetime(2024, 3, 7, 7, 42, 5, 123456, tzinfo=ZoneInfo("UTC"))
PARIS_MOMENT = UTC_MOMENT.astimezone(ZoneInfo("Europe/Paris"))
KOLKATA_MOMENT = UTC_MOMENT.astimezone(ZoneInfo("Asia/Kolkata"))


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("yyyy-MM-dd", "2024-03-07"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-03-07T07:42:05.123Z"),
        ("yy", "24"),
        ("y", "2024"),
        ("yyyyy", "02024"),
        ("uuuu", "2024"),
        ("G", "AD"),
        ("GGGG", "Anno Domini"),
        ("M", "3"),
        ("MM", "03"),
        ("MMM", "Mar"),
        ("MMMM", "March"),
        ("MMMMM", "M"),
        ("LLLL", "March"),
        ("d", "7"),
        ("dd", "07"),
        ("D", "67"),
        ("DDD", "067"),
        ("E", "Thu"),
        ("EEE", "Thu"),
        ("EEEE", "Thursday"),
        ("EEEEE", "T"),
        ("e", "5"),
        ("ee", "05"),
        ("eee", "Thu"),
        ("cccc", "Thursday"),
        ("Q", "1"),
        ("QQ", "01"),
        ("QQQ", "Q1"),
        ("QQQQ", "1st quarter"),
        ("w", "10"),
        ("ww", "10"),
        ("W", "2"),
        ("F", "1"),
        ("Y", "2024"),
        ("a", "AM"),
        ("h", "7"),
        ("hh", "07"),
        ("K", "7"),
        ("k", "7"),
        ("H", "7"),
        ("HH", "07"),
        ("m", "42"),
        ("mm", "42"),
        ("s", "5"),
        ("ss", "05"),
        ("S", "1"),
        ("SSS", "123"),
        ("SSSSSS", "123456"),
        ("SSSSSSSSS", "123456000"),
        ("n", "123456000"),
        ("A", "27725123"),
        ("X", "Z"),
        ("XX", "Z"),
        ("XXX", "Z"),
        ("x", "+00"),
        ("xx", "+0000"),
        ("xxx", "+00:00"),
        ("Z", "+0000"),
        ("ZZZZ", "GMT"),
        ("ZZZZZ", "Z"),
        ("O", "GMT"),
        ("OOOO", "GMT"),
        ("VV", "UTC"),
        ("z", "UTC"),
        ("zzzz", "Coordinated Universal Time"),
        ("'at' h a", "at 7 AM"),
        ("''", "'"),
        ("'o''clock'", "o'clock"),
        ("HH'h'mm", "07h42"),
        ("[yyyy]", "2024"),
        ("dd.MM.yyyy, HH:mm", "07.03.2024, 07:42"),
        ("EEE, d MMM yyyy HH:mm:ss Z", "Thu, 7 Mar 2024 07:42:05 +0000"),
    ],
)
def test_format_in_utc(pattern: str, expected: str) -> None:
    assert format_pattern(UTC_MOMENT, pattern) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("HH:mm", "08:42"),
        ("X", "+01"),
        ("XX", "+0100"),
        ("XXX", "+01:00"),
        ("XXXXX", "+01:00"),
        ("x", "+01"),
        ("Z", "+0100"),
        ("ZZZZ", "GMT+01:00"),
        ("ZZZZZ", "+01:00"),
        ("O", "GMT+1"),
        ("OOOO", "GMT+01:00"),
        ("VV", "Europe/Paris"),
        ("z", "CET"),
        ("zzzz", "Central European Standard Time"),
    ],
)
def test_format_zone_fields_in_paris(pattern: str, expected: str) -> None:
    assert format_pattern(PARIS_MOMENT, pattern) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("X", "+0530"), ("XXX", "+05:30"), ("O", "GMT+5:30"), ("HH:mm", "13:12")],
)
def test_format_half_hour_offset(pattern: str, expected: str) -> None:
    assert format_pattern(KOLKATA_MOMENT, pattern) == expected


@pytest.mark.parametrize(
    ("hour", "pattern", "expected"),
    [
        (0, "h a", "12 AM"),
        (0, "K", "0"),
        (0, "k", "24"),
        (12, "h a", "12 PM"),
        (12, "K", "0"),
        (23, "hh:mm a", "11:00 PM"),
    ],
)
def test_format_clock_hours(hour: int, pattern: str, expected: str) -> None:
    moment = dt.datetime(2024, 1, 1, hour, tzinfo=dt.UTC)
    assert format_pattern(moment, pattern) == expected


@pytest.mark.parametrize(
    ("day", "week_year", "week"),
    [
        (dt.date(2024, 1, 1), 2024, 1),
        (dt.date(2024, 12, 28), 2024, 52),
        (dt.date(2024, 12, 29), 2025, 1),
        (dt.date(2023, 1, 1), 2023, 1),
        (dt.date(2022, 1, 1), 2022, 1),
        (dt.date(2022, 1, 2), 2022, 2),
    ],
)
def test_us_week_fields(day: dt.date, week_year: int, week: int) -> None:
    assert us_week_fields(day) == (week_year, week)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("yyyy-bb", "unknown pattern letter 'b'"),
        ("ddd", "too many pattern letters"),
        ("V", "VV"),
        ("'open", "quote is not closed"),
        ("yyyy#", "reserved"),
        ("T", "unknown pattern letter 'T'"),
    ],
)
def test_invalid_patterns(pattern: str, message: str) -> None:
    with pytest.raises(InvalidPattern, match=message):
        format_pattern(UTC_MOMENT, pattern)


@pytest.mark.parametrize(
    ("text", "pattern", "expected"),
    [
        ("07/03/2024 07:42", "dd/MM/yyyy HH:mm", dt.datetime(2024, 3, 7, 7, 42, tzinfo=dt.UTC)),
        ("20240307", "yyyyMMdd", dt.datetime(2024, 3, 7, tzinfo=dt.UTC)),
        ("July 24, 2001", "MMMM dd, yyyy", dt.datetime(2001, 7, 24, tzinfo=dt.UTC)),
        (
            "Mar 7, 2024 3:05 PM",
            "MMM d, yyyy h:mm a",
            dt.datetime(2024, 3, 7, 15, 5, tzinfo=dt.UTC),
        ),
        ("2024-067", "yyyy-DDD", dt.datetime(2024, 3, 7, tzinfo=dt.UTC)),
        ("24-03-07", "yy-MM-dd", dt.datetime(2024, 3, 7, tzinfo=dt.UTC)),
        (
            "2024-03-07T07:42:05.123",
            "yyyy-MM-dd'T'HH:mm:ss.SSS",
            dt.datetime(2024, 3, 7, 7, 42, 5, 123000, tzinfo=dt.UTC),
        ),
        (
            "2024-03-07 07:42:05+02:00",
            "yyyy-MM-dd HH:mm:ssXXX",
            dt.datetime(2024, 3, 7, 5, 42, 5, tzinfo=dt.UTC),
        ),
        (
            "2024-03-07 07:42:05 -0500",
            "yyyy-MM-dd HH:mm:ss Z",
            dt.datetime(2024, 3, 7, 12, 42, 5, tzinfo=dt.UTC),
        ),
        (
            "2024-03-07 07:42 PST",
            "yyyy-MM-dd HH:mm z",
            dt.datetime(2024, 3, 7, 15, 42, tzinfo=dt.UTC),
        ),
        (
            "2024-03-07 07:42 Europe/Paris",
            "yyyy-MM-dd HH:mm VV",
            dt.datetime(2024, 3, 7, 6, 42, tzinfo=dt.UTC),
        ),
        ("Thu, 7 Mar 2024", "EEE, d MMM yyyy", dt.datetime(2024, 3, 7, tzinfo=dt.UTC)),
        ("2024-03-07", "yyyy-MM-dd[ HH:mm]", dt.datetime(2024, 3, 7, tzinfo=dt.UTC)),
        ("2024-03-07 10:30", "yyyy-MM-dd[ HH:mm]", dt.datetime(2024, 3, 7, 10, 30, tzinfo=dt.UTC)),
    ],
)
def test_parse_with_pattern(text: str, pattern: str, expected: dt.datetime) -> None:
    assert parse_with_pattern(text, pattern, dt.UTC) == expected


def test_parse_without_zone_uses_default_zone() -> None:
    parsed = parse_with_pattern("2024-03-07 10:00", "yyyy-MM-dd HH:mm", ZoneInfo("Europe/Paris"))
    assert parsed.utcoffset() == dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "pattern", "message"),
    [
        ("2024/03/07", "yyyy-MM-dd", "does not match"),
        ("03-07", "MM-dd", "has no year"),
        ("2024", "yyyy", "needs a month and a day"),
    ],
)
def test_parse_errors(text: str, pattern: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        parse_with_pattern(text, pattern, dt.UTC)
