"""Dates in expressions: reading values as datetimes, Kestra's named formats, and arithmetic.

Values given to the date filters may be datetimes, dates, ISO-8601 text (with or without
an offset, or a date alone), text in an `existingFormat`, or epoch numbers. Times without
a zone are read in the `timeZone` argument, which defaults to UTC.
"""

from __future__ import annotations

import calendar
import datetime as dt
import email.utils
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from lanner.errors import ExpressionError
from lanner.expressions.java_time import (
    DAYS,
    MONTHS,
    format_pattern,
    parse_with_pattern,
    zone_named,
)
from lanner.expressions.text import datetime_text, offset_text
from lanner.expressions.undefined import raise_if_undefined
from lanner.expressions.values import is_number, type_name

# Kestra formats in the JVM's default zone; Lanner servers run in UTC, so UTC is the default.
DEFAULT_ZONE: Final = ZoneInfo("UTC")
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# Epoch numbers at or above this are milliseconds: as seconds they would be after year 5000.
_MILLISECONDS_THRESHOLD: Final = 100_000_000_000


def resolve_zone(name: Any) -> dt.tzinfo:
    """Return the zone for a `timeZone` argument; None means UTC."""
    raise_if_undefined(name)
    if name is None:
        return DEFAULT_ZONE
    if not isinstance(name, str):
        raise ExpressionError(
            f"timeZone must be text such as 'Europe/Paris', got {type_name(name)}"
        )
    return zone_named(name)


def check_locale(locale: Any) -> None:
    """Accept English locales only: month and day names are only available in English."""
    raise_if_undefined(locale)
    if locale is None:
        return
    if not isinstance(locale, str) or locale.replace("-", "_").split("_")[0].lower() != "en":
        raise ExpressionError(
            f"locale {locale!r} is not supported: dates are formatted with English names only; "
            "remove the locale argument or use 'en'"
        )


def to_datetime(value: Any, zone: dt.tzinfo, existing_format: str | None = None) -> dt.datetime:
    """Read a value as an aware datetime in `zone`.

    Aware datetimes are converted to `zone`; naive ones, dates and text without an
    offset are taken as local times in `zone`. Numbers are epoch seconds, or epoch
    milliseconds when at least 1e11.
    """
    raise_if_undefined(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(zone) if value.tzinfo is not None else value.replace(tzinfo=zone)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=zone)
    if is_number(value):
        seconds = Decimal(str(value))
        if abs(seconds) >= _MILLISECONDS_THRESHOLD:
            seconds /= 1000
        return (_EPOCH + dt.timedelta(seconds=float(seconds))).astimezone(zone)
    if isinstance(value, str):
        return parse_text(value, zone, existing_format)
    raise ExpressionError(
        f"cannot read a date from {type_name(value)}; give a date, ISO-8601 text or epoch seconds"
    )


def parse_text(text: str, zone: dt.tzinfo, existing_format: str | None) -> dt.datetime:
    """Parse date text, with `existing_format` (a Java pattern or a format name) or as ISO-8601."""
    if existing_format is not None:
        name = existing_format.lower()
        if name == "rfc_1123_date_time":
            try:
                return email.utils.parsedate_to_datetime(text).astimezone(zone)
            except (TypeError, ValueError) as error:
                raise ExpressionError(f"date {text!r} is not an RFC 1123 date") from error
        if not name.startswith("iso"):
            return parse_with_pattern(text, existing_format, zone).astimezone(zone)
    return _parse_iso(text.strip(), zone)


def _parse_iso(text: str, zone: dt.tzinfo) -> dt.datetime:
    region: dt.tzinfo | None = None
    if text.endswith("]") and "[" in text:
        text, _, region_name = text[:-1].partition("[")
        region = zone_named(region_name)
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise ExpressionError(
            f"cannot read date {text!r}; give ISO-8601 text such as 2024-03-07T07:42:00Z "
            "or 2024-03-07, or pass existingFormat with its Java pattern"
        ) from error
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=region or zone)
    return parsed.astimezone(zone)


def _local_date(value: dt.datetime) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _local_time(value: dt.datetime) -> str:
    """ISO local time: seconds always; the fraction only when non-zero, without trailing zeros."""
    text = f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    if value.microsecond:
        text += "." + f"{value.microsecond:06d}".rstrip("0")
    return text


def _offset(value: dt.datetime) -> str:
    return offset_text(value.utcoffset() or dt.timedelta())


def _region(value: dt.datetime) -> str:
    return f"[{value.tzinfo.key}]" if isinstance(value.tzinfo, ZoneInfo) else ""


def _rfc_1123(value: dt.datetime) -> str:
    offset = value.utcoffset() or dt.timedelta()
    zone = "GMT" if not offset else _offset(value).replace(":", "")
    return (
        f"{DAYS[value.weekday()][:3]}, {value.day} {MONTHS[value.month - 1][:3]} "
        f"{value.year:04d} {value.hour:02d}:{value.minute:02d}:{value.second:02d} {zone}"
    )


def _pattern(pattern: str) -> Callable[[dt.datetime], str]:
    return lambda value: format_pattern(value, pattern)


def _week_date(value: dt.datetime) -> str:
    iso = value.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}-{iso.weekday}{_offset(value)}"


# Kestra's named formats. The four styles are Java's US English styles.
# NOTE: Java 20 and later print U+202F before AM/PM in the styles; these use a plain space.
NAMED_FORMATS: dict[str, Callable[[dt.datetime], str]] = {
    "iso": _pattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX"),
    "iso_sec": _pattern("yyyy-MM-dd'T'HH:mm:ssXXX"),
    "sql": _pattern("yyyy-MM-dd HH:mm:ss.SSSSSS"),
    "sql_seq": _pattern("yyyy-MM-dd HH:mm:ss"),
    "iso_date_time": lambda v: f"{_local_date(v)}T{_local_time(v)}{_offset(v)}{_region(v)}",
    "iso_date": lambda v: f"{_local_date(v)}{_offset(v)}",
    "iso_time": lambda v: f"{_local_time(v)}{_offset(v)}",
    "iso_local_date": _local_date,
    "iso_instant": lambda v: datetime_text(v.astimezone(dt.UTC)),
    "iso_local_date_time": lambda v: f"{_local_date(v)}T{_local_time(v)}",
    "iso_local_time": _local_time,
    "iso_offset_date_time": lambda v: f"{_local_date(v)}T{_local_time(v)}{_offset(v)}",
    "iso_offset_time": lambda v: f"{_local_time(v)}{_offset(v)}",
    "iso_ordinal_date": lambda v: f"{v.year:04d}-{v.timetuple().tm_yday:03d}{_offset(v)}",
    "iso_week_date": _week_date,
    "iso_zoned_date_time": lambda v: f"{_local_date(v)}T{_local_time(v)}{_offset(v)}{_region(v)}",
    "rfc_1123_date_time": _rfc_1123,
    "short": _pattern("M/d/yy, h:mm a"),
    "medium": _pattern("MMM d, y, h:mm:ss a"),
    "long": _pattern("MMMM d, y 'at' h:mm:ss a z"),
    "full": _pattern("EEEE, MMMM d, y 'at' h:mm:ss a zzzz"),
}


def format_datetime(value: dt.datetime, format_: Any) -> str:
    """Format with a named format (`iso`, `sql`, `iso_date`...) or a Java pattern."""
    raise_if_undefined(format_)
    if not isinstance(format_, str):
        raise ExpressionError(f"date format must be text, got {type_name(format_)}")
    named = NAMED_FORMATS.get(format_)
    return named(value) if named is not None else format_pattern(value, format_)


# Microseconds per unit; datetimes hold microseconds, so NANOS round to the nearest one.
_EXACT_UNITS: Final = {
    "NANOS": Decimal("0.001"),
    "MICROS": Decimal(1),
    "MILLIS": Decimal(1000),
    "SECONDS": Decimal(1_000_000),
    "MINUTES": Decimal(60_000_000),
    "HOURS": Decimal(3_600_000_000),
    "HALF_DAYS": Decimal(43_200_000_000),
}
_DAY_UNITS: Final = {"DAYS": 1, "WEEKS": 7}
_MONTH_UNITS: Final = {
    "MONTHS": 1,
    "YEARS": 12,
    "DECADES": 120,
    "CENTURIES": 1200,
    "MILLENNIA": 12000,
}


def add_to_datetime(value: dt.datetime, amount: Any, unit: Any) -> dt.datetime:
    """Add `amount` of a Java ChronoUnit (`DAYS`, `HOURS`, `MONTHS`...) like ZonedDateTime.plus.

    Time units add exact durations. Days, weeks, months and years move the wall-clock date
    and keep the time of day. The day is clamped to the month's length, so Jan 31 plus one
    month is Feb 28 or 29.
    """
    raise_if_undefined(amount)
    raise_if_undefined(unit)
    if not is_number(amount) or int(amount) != amount:
        raise ExpressionError(f"dateAdd amount must be a whole number, got {amount!r}")
    count = int(amount)
    name = str(unit).upper()
    if name in _EXACT_UNITS:
        microseconds = round(_EXACT_UNITS[name] * count)
        shifted = value.astimezone(dt.UTC) + dt.timedelta(microseconds=microseconds)
        return shifted.astimezone(value.tzinfo)
    if name in _DAY_UNITS:
        local = value.replace(tzinfo=None) + dt.timedelta(days=count * _DAY_UNITS[name])
        return local.replace(tzinfo=value.tzinfo)
    if name in _MONTH_UNITS:
        return _add_months(value, count * _MONTH_UNITS[name])
    units = ", ".join([*_EXACT_UNITS, *_DAY_UNITS, *_MONTH_UNITS])
    raise ExpressionError(f"unknown time unit {unit!r}; use one of {units}")


def _add_months(value: dt.datetime, months: int) -> dt.datetime:
    year, month_index = divmod(value.month - 1 + months, 12)
    year += value.year
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise ExpressionError(f"date {datetime_text(value)} plus {months} months is out of range")
    day = min(value.day, calendar.monthrange(year, month_index + 1)[1])
    return value.replace(year=year, month=month_index + 1, day=day)


def epoch_microseconds(value: dt.datetime) -> int:
    """Whole microseconds since 1970-01-01T00:00:00Z."""
    return (value - _EPOCH) // dt.timedelta(microseconds=1)
