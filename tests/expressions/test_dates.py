"""Date filters and now(): inputs of every kind, named formats, time zones, arithmetic."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from lanner.expressions import ExpressionError, render, render_typed

# The instant Kestra's own date filter tests use: 2013-09-08T16:19:12.123456+01:00.
ZONED = dt.datetime(2013, 9, 8, 16, 19, 12, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1)))
CONTEXT: dict[str, Any] = {
    "zoned": ZONED,
    "instant": ZONED.astimezone(dt.UTC),
    "local": dt.datetime(2013, 9, 8, 16, 19, 12, 123456),
    "day": dt.date(2013, 9, 8),
    "epoch": 1378653552,
    "epoch_millis": 1378653552123,
    "nothing": None,
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            "{{ zoned | date(format='iso', timeZone='Europe/Paris') }}",
            "2013-09-08T17:19:12.123456+02:00",
        ),
        (
            "{{ instant | date(format='iso_sec', timeZone='Europe/Paris') }}",
            "2013-09-08T17:19:12+02:00",
        ),
        ("{{ zoned | date(timeZone='Europe/Paris') }}", "2013-09-08T17:19:12.123456+02:00"),
        ("{{ zoned | date }}", "2013-09-08T15:19:12.123456Z"),
        (
            "{{ local | date('yyyy-MM-dd HH:mm:ss.SSSSSSXXX', timeZone='Europe/Paris') }}",
            "2013-09-08 16:19:12.123456+02:00",
        ),
        (
            "{{ local | date('yyyy-MM-dd HH:mm:ss.SSSSSSXXX', timeZone='UTC') }}",
            "2013-09-08 16:19:12.123456Z",
        ),
        ("{{ day | date('yyyy-MM-dd HH:mm') }}", "2013-09-08 00:00"),
        (
            "{{ 'July 24, 2001' | date('yyyy-MM-dd', existingFormat='MMMM dd, yyyy') }}",
            "2001-07-24",
        ),
        (
            "{{ '2013-09-08T17:19:12+02:00' | date(timeZone='Europe/Paris') }}",
            "2013-09-08T17:19:12.000000+02:00",
        ),
        (
            "{{ '2013-09-08T17:19:12' | date(timeZone='Europe/Paris') }}",
            "2013-09-08T17:19:12.000000+02:00",
        ),
        ("{{ '2013-09-08' | date(timeZone='Europe/Paris') }}", "2013-09-08T00:00:00.000000+02:00"),
        ("{{ '2013-09-08T15:19:12Z' | date('HH:mm') }}", "15:19"),
        ("{{ '2013-09-08T17:19:12+02:00[Europe/Paris]' | date('HH:mm VV') }}", "15:19 UTC"),
        (
            "{{ 'Tue, 08 Feb 2022 19:38:26 GMT' | date(existingFormat='rfc_1123_date_time', "
            "timeZone='Europe/Paris') }}",
            "2022-02-08T20:38:26.000000+01:00",
        ),
        ("{{ epoch | date('iso') }}", "2013-09-08T15:19:12.000000Z"),
        ("{{ epoch_millis | date('iso') }}", "2013-09-08T15:19:12.123000Z"),
        ("{{ zoned | date('yyyy-MM-dd', locale='en_US') }}", "2013-09-08"),
        ("{{ nothing | date('yyyy') }}", ""),
    ],
)
def test_date_filter(template: str, expected: str) -> None:
    assert render(template, CONTEXT) == expected


@pytest.mark.parametrize(
    ("format_name", "expected"),
    [
        ("iso", "2013-09-08T17:19:12.123456+02:00"),
        ("iso_sec", "2013-09-08T17:19:12+02:00"),
        ("sql", "2013-09-08 17:19:12.123456"),
        ("sql_seq", "2013-09-08 17:19:12"),
        ("iso_date_time", "2013-09-08T17:19:12.123456+02:00[Europe/Paris]"),
        ("iso_zoned_date_time", "2013-09-08T17:19:12.123456+02:00[Europe/Paris]"),
        ("iso_offset_date_time", "2013-09-08T17:19:12.123456+02:00"),
        ("iso_date", "2013-09-08+02:00"),
        ("iso_time", "17:19:12.123456+02:00"),
        ("iso_local_date", "2013-09-08"),
        ("iso_local_time", "17:19:12.123456"),
        ("iso_local_date_time", "2013-09-08T17:19:12.123456"),
        ("iso_offset_time", "17:19:12.123456+02:00"),
        ("iso_instant", "2013-09-08T15:19:12.123456Z"),
        ("iso_ordinal_date", "2013-251+02:00"),
        ("iso_week_date", "2013-W36-7+02:00"),
        ("rfc_1123_date_time", "Sun, 8 Sep 2013 17:19:12 +0200"),
        ("short", "9/8/13, 5:19 PM"),
        ("medium", "Sep 8, 2013, 5:19:12 PM"),
        ("long", "September 8, 2013 at 5:19:12 PM CEST"),
        ("full", "Sunday, September 8, 2013 at 5:19:12 PM Central European Summer Time"),
    ],
)
def test_named_formats(format_name: str, expected: str) -> None:
    template = f"{{{{ zoned | date('{format_name}', timeZone='Europe/Paris') }}}}"
    assert render(template, CONTEXT) == expected


def test_iso_local_time_strips_trailing_fraction_zeros() -> None:
    moment = {"m": dt.datetime(2024, 1, 1, 10, 15, 30, 120000, tzinfo=dt.UTC)}
    assert render("{{ m | date('iso_local_time') }}", moment) == "10:15:30.12"
    assert render("{{ m | date('iso_instant') }}", moment) == "2024-01-01T10:15:30.120Z"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            "{{ zoned | dateAdd(-1, 'DAYS', timeZone='Europe/Paris') }}",
            "2013-09-07T17:19:12.123456+02:00",
        ),
        ("{{ zoned | dateAdd(2, 'HOURS', format='HH:mm') }}", "17:19"),
        ("{{ '2024-01-31' | dateAdd(1, 'MONTHS', format='yyyy-MM-dd') }}", "2024-02-29"),
        ("{{ '2024-02-29' | dateAdd(1, 'YEARS', format='yyyy-MM-dd') }}", "2025-02-28"),
        ("{{ '2024-01-01' | dateAdd(2, 'WEEKS', format='yyyy-MM-dd') }}", "2024-01-15"),
        ("{{ '2024-01-01T00:00:00Z' | dateAdd(90, 'MINUTES') }}", "2024-01-01T01:30:00.000000Z"),
        ("{{ '2024-01-01T00:00:00Z' | dateAdd(1500, 'MILLIS', format='ss.SSS') }}", "01.500"),
        ("{{ '2024-01-01T00:00:00Z' | dateAdd(-30, 'SECONDS', format='HH:mm:ss') }}", "23:59:30"),
        ("{{ '2024-01-01T00:00:00Z' | dateAdd(1, 'HALF_DAYS', format='HH') }}", "12"),
        ("{{ '2024-01-01' | dateAdd(1, 'DECADES', format='yyyy') }}", "2034"),
        ("{{ '2024-01-01' | dateAdd(1, 'days', format='dd') }}", "02"),
    ],
)
def test_date_add(template: str, expected: str) -> None:
    assert render(template, CONTEXT) == expected


def test_date_add_days_across_dst() -> None:
    template = "{{ '2024-03-30T12:00:00' | dateAdd(1, 'DAYS', timeZone='Europe/Paris') }}"
    assert render(template, {}) == "2024-03-31T12:00:00.000000+02:00"


def test_date_add_hours_across_dst() -> None:
    template = "{{ '2024-03-31T01:30:00' | dateAdd(1, 'HOURS', timeZone='Europe/Paris') }}"
    assert render(template, {}) == "2024-03-31T03:30:00.000000+02:00"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ zoned | timestamp(timeZone='Europe/Paris') }}", 1378653552),
        ("{{ zoned | timestampMilli }}", 1378653552123),
        ("{{ zoned | timestampMicro }}", 1378653552123456),
        ("{{ zoned | timestampNano(timeZone='Europe/Paris') }}", 1378653552123456000),
        ("{{ '1970-01-01T00:00:01Z' | timestamp }}", 1),
        ("{{ '1969-12-31T23:59:59.5Z' | timestamp }}", -1),
        ("{{ '24/07/2001' | timestamp(existingFormat='dd/MM/yyyy') }}", 995932800),
        ("{{ (zoned | timestamp) > (zoned | dateAdd(-1, 'DAYS') | timestamp) }}", True),
    ],
)
def test_timestamps(template: str, expected: Any) -> None:
    assert render_typed(template, CONTEXT) == expected


def test_now_is_aware_utc_datetime() -> None:
    before = dt.datetime.now(dt.UTC)
    value = render_typed("{{ now() }}", {})
    after = dt.datetime.now(dt.UTC)
    assert isinstance(value, dt.datetime)
    assert value.utcoffset() == dt.timedelta(0)
    assert before <= value <= after


def test_now_in_time_zone() -> None:
    value = render_typed("{{ now(timeZone='Asia/Kolkata') }}", {})
    assert value.utcoffset() == dt.timedelta(hours=5, minutes=30)
    assert value.tzinfo == ZoneInfo("Asia/Kolkata")


def test_now_with_format_returns_text() -> None:
    expected_days = {dt.datetime.now(dt.UTC).date().isoformat()}
    value = render_typed("{{ now(format='iso_local_date') }}", {})
    expected_days.add(dt.datetime.now(dt.UTC).date().isoformat())
    assert value in expected_days


def test_now_renders_like_java_instant() -> None:
    text = render("{{ now() }}", {})
    assert text.endswith("Z")
    assert dt.datetime.fromisoformat(text).tzinfo is not None


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ 'not a date' | date('yyyy') }}", "cannot read date 'not a date'"),
        ("{{ zoned | date('yyyy', timeZone='Mars/Base') }}", "unknown time zone 'Mars/Base'"),
        ("{{ zoned | date('yyyy', locale='fr_FR') }}", "locale 'fr_FR' is not supported"),
        ("{{ zoned | dateAdd(1, 'FORTNIGHTS') }}", "unknown time unit 'FORTNIGHTS'"),
        ("{{ zoned | dateAdd(1.5, 'DAYS') }}", "whole number"),
        ("{{ zoned | date('yyyy-ii') }}", "unknown pattern letter 'i'"),
        ("{{ [1] | date('yyyy') }}", "cannot read a date from list"),
        ("{{ missing | date('yyyy') }}", "undefined variable 'missing'"),
    ],
)
def test_date_errors(template: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        render(template, CONTEXT)
