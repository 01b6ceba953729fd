"""Cron expressions as Kestra's Schedule trigger reads them, evaluated on wall-clock times.

Five fields (minute, hour, day of month, month, day of week), or six with `withSeconds: true`,
seconds first. Each field is `*`, a value, a range `a-b`, a step `*/n`, `a/n` or `a-b/n`, or a
comma-separated list of those. Months accept `JAN`-`DEC` and days of week `SUN`-`SAT`, where
both 0 and 7 are Sunday. `?` is a synonym of `*` in the two day fields. The nicknames
`@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight` and `@hourly` stand for
their usual expressions.

When both day fields are restricted (neither is `*` nor `?`), a day matches if either field
matches it, as POSIX cron has it. The matching works on naive wall-clock datetimes: time zones
and daylight saving time are the caller's business (see `schedule_slots`).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

NICKNAMES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

_MONTHS = {name: index for index, name in enumerate(calendar.month_abbr) if name}
_DAYS = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}

# How far a search for the next or previous match looks before it concludes there is none:
# beyond every leap-year cycle, so `0 0 29 2 *` is still found.
_SEARCH_YEARS = 9


class InvalidCron(ValueError):
    """A cron expression Kestra's Schedule trigger would reject."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int] | None = None


_SECOND = _Field("second", 0, 59)
_MINUTE = _Field("minute", 0, 59)
_HOUR = _Field("hour", 0, 23)
_DAY_OF_MONTH = _Field("day-of-month", 1, 31)
_MONTH = _Field("month", 1, 12, {name.upper(): value for name, value in _MONTHS.items()})
_DAY_OF_WEEK = _Field("day-of-week", 0, 7, _DAYS)


@dataclass(frozen=True)
class CronExpression:
    """A parsed cron expression: the set of accepted values of each field."""

    text: str
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]
    months: frozenset[int]
    # 0 is Sunday, as in cron; 7 is folded into 0.
    days_of_week: frozenset[int]
    day_of_month_restricted: bool
    day_of_week_restricted: bool

    @classmethod
    def parse(cls, text: str, with_seconds: bool = False) -> CronExpression:
        """Parse `text`; raise InvalidCron naming the field and the reason."""
        stripped = text.strip()
        expanded = NICKNAMES.get(stripped.lower())
        if expanded is not None:
            stripped = ("0 " + expanded) if with_seconds else expanded
        fields = stripped.split()
        expected = 6 if with_seconds else 5
        if len(fields) != expected:
            raise InvalidCron(_count_message(len(fields), with_seconds))
        if not with_seconds:
            fields = ["0", *fields]
        second, minute, hour, day_of_month, month, day_of_week = fields
        days_of_week = _parse_field(day_of_week, _DAY_OF_WEEK, day_field=True)
        return cls(
            text=text,
            seconds=_parse_field(second, _SECOND),
            minutes=_parse_field(minute, _MINUTE),
            hours=_parse_field(hour, _HOUR),
            days_of_month=_parse_field(day_of_month, _DAY_OF_MONTH, day_field=True),
            months=_parse_field(month, _MONTH),
            days_of_week=frozenset(value % 7 for value in days_of_week),
            day_of_month_restricted=day_of_month not in ("*", "?"),
            day_of_week_restricted=day_of_week not in ("*", "?"),
        )

    # --- matching -------------------------------------------------------------------------

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        in_month = day.day in self.days_of_month
        # date.weekday() counts from Monday = 0; cron from Sunday = 0.
        in_week = (day.weekday() + 1) % 7 in self.days_of_week
        if self.day_of_month_restricted and self.day_of_week_restricted:
            return in_month or in_week
        return in_month and in_week

    def matches(self, moment: datetime) -> bool:
        return (
            self.matches_day(moment.date())
            and moment.hour in self.hours
            and moment.minute in self.minutes
            and moment.second in self.seconds
        )

    # --- searching ------------------------------------------------------------------------

    def next_after(self, moment: datetime) -> datetime | None:
        """Find the first matching wall-clock time strictly after `moment` (naive)."""
        start = moment.replace(microsecond=0) + timedelta(seconds=1)
        limit = start.date() + timedelta(days=366 * _SEARCH_YEARS)
        day = start.date()
        first_time: time | None = start.time()
        while day <= limit:
            if self.matches_day(day):
                found = self._first_time_of_day(first_time or time(0, 0, 0))
                if found is not None:
                    return datetime.combine(day, found)
            day += timedelta(days=1)
            first_time = None
        return None

    def previous_before(self, moment: datetime) -> datetime | None:
        """Find the last matching wall-clock time strictly before `moment` (naive)."""
        end = moment - timedelta(microseconds=1) if moment.microsecond == 0 else moment
        end = end.replace(microsecond=0)
        limit = end.date() - timedelta(days=366 * _SEARCH_YEARS)
        day = end.date()
        last_time: time | None = end.time()
        while day >= limit:
            if self.matches_day(day):
                found = self._last_time_of_day(last_time or time(23, 59, 59))
                if found is not None:
                    return datetime.combine(day, found)
            day -= timedelta(days=1)
            last_time = None
        return None

    def _first_time_of_day(self, earliest: time) -> time | None:
        for hour in sorted(value for value in self.hours if value >= earliest.hour):
            same_hour = hour == earliest.hour
            for minute in sorted(self.minutes):
                if same_hour and minute < earliest.minute:
                    continue
                same_minute = same_hour and minute == earliest.minute
                for second in sorted(self.seconds):
                    if same_minute and second < earliest.second:
                        continue
                    return time(hour, minute, second)
        return None

    def _last_time_of_day(self, latest: time) -> time | None:
        for hour in sorted((value for value in self.hours if value <= latest.hour), reverse=True):
            same_hour = hour == latest.hour
            for minute in sorted(self.minutes, reverse=True):
                if same_hour and minute > latest.minute:
                    continue
                same_minute = same_hour and minute == latest.minute
                for second in sorted(self.seconds, reverse=True):
                    if same_minute and second > latest.second:
                        continue
                    return time(hour, minute, second)
        return None


def _count_message(found: int, with_seconds: bool) -> str:
    expected = 6 if with_seconds else 5
    layout = "second minute hour day-of-month month day-of-week"
    if not with_seconds:
        layout = layout.removeprefix("second ")
    message = f"expected {expected} fields ({layout}), found {found}"
    if found == 6 and not with_seconds:
        message += "; set withSeconds: true for a seconds field"
    return message


def _parse_field(text: str, field: _Field, day_field: bool = False) -> frozenset[int]:
    if text == "?" and day_field:
        text = "*"
    values: set[int] = set()
    for part in text.split(","):
        values |= _parse_part(part, field)
    return frozenset(values)


def _parse_part(part: str, field: _Field) -> set[int]:
    if not part:
        raise InvalidCron(f"empty list item in the {field.name} field")
    range_text, slash, step_text = part.partition("/")
    step = 1
    if slash:
        step = _number(step_text, field, "step")
        if step < 1:
            raise InvalidCron(f"step {step_text!r} of the {field.name} field must be at least 1")
    if range_text == "*":
        low, high = field.low, field.high
    elif "-" in range_text:
        low_text, _, high_text = range_text.partition("-")
        low, high = _value(low_text, field), _value(high_text, field)
        if low > high:
            raise InvalidCron(
                f"range {range_text!r} of the {field.name} field goes backwards; "
                f"write it from the smaller value"
            )
    else:
        low = _value(range_text, field)
        # `a/n` runs from a to the end of the field, as in cron.
        high = field.high if slash else low
    return set(range(low, high + 1, step))


def _value(text: str, field: _Field) -> int:
    named = field.names.get(text.upper()) if field.names else None
    value = named if named is not None else _number(text, field, "value")
    if not field.low <= value <= field.high:
        raise InvalidCron(f"{field.name} value {text!r} is out of range {field.low}-{field.high}")
    return value


def _number(text: str, field: _Field, what: str) -> int:
    if not text.isdigit():
        raise InvalidCron(f"invalid {what} {text!r} in the {field.name} field")
    return int(text)
