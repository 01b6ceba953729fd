"""Java `DateTimeFormatter` patterns, such as `yyyy-MM-dd'T'HH:mm:ss.SSSXXX`, in Python.

Kestra's `date` filters take Java patterns, which differ from `strftime`. This module
parses a pattern into fields and literals, formats an aware datetime with it, and parses
text with it. Names are English only (Java's `Locale.US`): the week-based fields (`Y`,
`w`, `W`, `e`, `c`) use the US week, which starts on Sunday.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lanner.errors import ExpressionError
from lanner.expressions.text import offset_text

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_QUARTERS = ("1st quarter", "2nd quarter", "3rd quarter", "4th quarter")

# Letter -> largest count Java accepts (None: any count).
_MAX_COUNT: dict[str, int | None] = {
    "G": 5, "u": None, "y": None, "Y": None, "Q": 5, "q": 5, "M": 5, "L": 5, "w": 2, "W": 1,
    "E": 5, "e": 5, "c": 5, "F": 1, "d": 2, "D": 3, "a": 1, "h": 2, "K": 2, "k": 2, "H": 2,
    "m": 2, "s": 2, "S": 9, "A": 19, "n": 19, "N": 19, "V": 2, "z": 4, "O": 4, "X": 5,
    "x": 5, "Z": 5,
}  # fmt: skip

# Long names Java prints for `zzzz`; other zones print their id. NOTE: a partial table.
_LONG_ZONE_NAMES = {
    "UTC": "Coordinated Universal Time",
    "GMT": "Greenwich Mean Time",
    "CET": "Central European Standard Time",
    "CEST": "Central European Summer Time",
    "EET": "Eastern European Standard Time",
    "EEST": "Eastern European Summer Time",
    "WET": "Western European Standard Time",
    "WEST": "Western European Summer Time",
    "BST": "British Summer Time",
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
}

# Zone abbreviations accepted when parsing `z`, mapped to the zone Java resolves them to.
ZONE_ABBREVIATIONS = {
    "UTC": "UTC", "UT": "UTC", "GMT": "UTC", "Z": "UTC",
    "CET": "Europe/Paris", "CEST": "Europe/Paris", "EET": "Europe/Athens",
    "EEST": "Europe/Athens", "WET": "Europe/Lisbon", "WEST": "Europe/Lisbon",
    "BST": "Europe/London", "EST": "America/New_York", "EDT": "America/New_York",
    "CST": "America/Chicago", "CDT": "America/Chicago", "MST": "America/Denver",
    "MDT": "America/Denver", "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
}  # fmt: skip


class InvalidPattern(ExpressionError):
    """A date pattern is not a valid Java DateTimeFormatter pattern."""


@dataclass(frozen=True)
class Field:
    """A run of one pattern letter, such as `yyyy` (letter "y", count 4)."""

    letter: str
    count: int


@dataclass(frozen=True)
class Literal:
    """Text copied as it is, such as `-` or the quoted `'T'`."""

    text: str


@dataclass(frozen=True)
class Optional:
    """`[` (start) or `]` (end) of an optional section."""

    start: bool


Part = Field | Literal | Optional


@functools.lru_cache(maxsize=256)
def parse_pattern(pattern: str) -> tuple[Part, ...]:
    """Split a Java pattern into fields, literals and optional-section markers."""
    parts: list[Part] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char.isascii() and char.isalpha():
            end = index
            while end < len(pattern) and pattern[end] == char:
                end += 1
            parts.append(_field(pattern, char, end - index))
            index = end
        elif char == "'":
            text, index = _quoted(pattern, index)
            parts.append(Literal(text))
        elif char in "[]":
            parts.append(Optional(start=char == "["))
            index += 1
        elif char in "#{}":
            raise InvalidPattern(f"invalid date pattern {pattern!r}: '{char}' is reserved")
        else:
            parts.append(Literal(char))
            index += 1
    return tuple(parts)


def _field(pattern: str, letter: str, count: int) -> Field:
    if letter not in _MAX_COUNT:
        raise InvalidPattern(
            f"invalid date pattern {pattern!r}: unknown pattern letter '{letter}'; "
            "quote literal text, for example 'T'"
        )
    maximum = _MAX_COUNT[letter]
    if maximum is not None and count > maximum:
        raise InvalidPattern(
            f"invalid date pattern {pattern!r}: too many pattern letters '{letter * count}'"
        )
    if letter == "V" and count != 2:
        raise InvalidPattern(f"invalid date pattern {pattern!r}: the zone id needs exactly 'VV'")
    if letter == "O" and count not in (1, 4):
        raise InvalidPattern(f"invalid date pattern {pattern!r}: use 'O' or 'OOOO'")
    return Field(letter, count)


def _quoted(pattern: str, start: int) -> tuple[str, int]:
    """Read a quoted literal starting at `start`; `''` is one quote, inside or outside quotes."""
    if pattern.startswith("''", start):
        return "'", start + 2
    text: list[str] = []
    index = start + 1
    while index < len(pattern):
        if pattern[index] == "'":
            if pattern.startswith("''", index):
                text.append("'")
                index += 2
                continue
            return "".join(text), index + 1
        text.append(pattern[index])
        index += 1
    raise InvalidPattern(f"invalid date pattern {pattern!r}: a quote is not closed")


def format_pattern(value: dt.datetime, pattern: str) -> str:
    """Format an aware datetime with a Java pattern."""
    pieces: list[str] = []
    for part in parse_pattern(pattern):
        if isinstance(part, Literal):
            pieces.append(part.text)
        elif isinstance(part, Field):
            pieces.append(_format_field(value, part.letter, part.count))
    return "".join(pieces)


def _format_field(value: dt.datetime, letter: str, count: int) -> str:
    formatter = _FIELD_FORMATTERS[letter]
    return formatter(value, count)


def _number(number: int, count: int) -> str:
    return f"{number:0{count}d}"


def _text(full: str, count: int) -> str:
    """Java text styles: 1-3 letters short, 4 full, 5 narrow."""
    if count == 4:
        return full
    if count == 5:
        return full[0]
    return full[:3]


def us_day_of_week(day: dt.date) -> int:
    """Day of week in the US week: Sunday is 1, Saturday is 7."""
    return day.isoweekday() % 7 + 1


def us_week_fields(day: dt.date) -> tuple[int, int]:
    """Return (week-based year, week of that year) for the US week (Sunday start, 1 minimal day)."""
    week_start = day - dt.timedelta(days=us_day_of_week(day) - 1)
    if (week_start + dt.timedelta(days=6)).year > day.year:
        return day.year + 1, 1
    january_first = dt.date(day.year, 1, 1)
    first_week_start = january_first - dt.timedelta(days=us_day_of_week(january_first) - 1)
    return day.year, (week_start - first_week_start).days // 7 + 1


def _year(value: dt.datetime, count: int) -> str:
    return _number(value.year % 100, 2) if count == 2 else _number(value.year, count)


def _week_year(value: dt.datetime, count: int) -> str:
    year = us_week_fields(value.date())[0]
    return _number(year % 100, 2) if count == 2 else _number(year, count)


def _quarter(value: dt.datetime, count: int) -> str:
    quarter = (value.month - 1) // 3 + 1
    if count == 3:
        return f"Q{quarter}"
    if count == 4:
        return _QUARTERS[quarter - 1]
    return _number(quarter, 2 if count == 2 else 1)


def _month(value: dt.datetime, count: int) -> str:
    if count <= 2:
        return _number(value.month, count)
    return _text(MONTHS[value.month - 1], count)


def _localized_day_of_week(value: dt.datetime, count: int) -> str:
    if count <= 2:
        return _number(us_day_of_week(value.date()), count)
    return _text(DAYS[value.weekday()], count)


def _era(value: dt.datetime, count: int) -> str:
    if count == 4:
        return "Anno Domini"
    return "A" if count == 5 else "AD"


def _hour_of_am_pm(value: dt.datetime, count: int, clock: bool) -> str:
    hour = value.hour % 12
    return _number(12 if clock and hour == 0 else hour, count)


def _fraction(value: dt.datetime, count: int) -> str:
    return f"{value.microsecond:06d}000"[:count]


def _offset_parts(value: dt.datetime) -> tuple[str, int, int, int, int]:
    offset = value.utcoffset() or dt.timedelta()
    total = int(offset.total_seconds())
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    return ("-" if total < 0 else "+"), hours, minutes, seconds, total


def _offset_x(value: dt.datetime, count: int, zero_as_z: bool) -> str:
    sign, hours, minutes, seconds, total = _offset_parts(value)
    if total == 0 and zero_as_z:
        return "Z"
    text = f"{sign}{hours:02d}"
    if count == 1:
        return text + (f"{minutes:02d}" if minutes else "")
    separator = ":" if count in (3, 5) else ""
    text += f"{separator}{minutes:02d}"
    if count >= 4 and seconds:
        text += f"{separator}{seconds:02d}"
    return text


def _offset_z(value: dt.datetime, count: int) -> str:
    if count == 4:
        return _offset_localized(value, 4)
    if count == 5:
        return _offset_x(value, 5, zero_as_z=True)
    return _offset_x(value, 2, zero_as_z=False)


def _offset_localized(value: dt.datetime, count: int) -> str:
    sign, hours, minutes, seconds, total = _offset_parts(value)
    if total == 0:
        return "GMT"
    if count == 1:
        text = f"GMT{sign}{hours}"
        if minutes or seconds:
            text += f":{minutes:02d}"
    else:
        text = f"GMT{sign}{hours:02d}:{minutes:02d}"
    if seconds:
        text += f":{seconds:02d}"
    return text


def zone_id(value: dt.datetime) -> str:
    """Return the Java zone id of a datetime: a region such as `Europe/Paris`, or an offset."""
    zone = value.tzinfo
    if isinstance(zone, ZoneInfo):
        return zone.key
    return offset_text(value.utcoffset() or dt.timedelta())


def _zone_name(value: dt.datetime, count: int) -> str:
    if not isinstance(value.tzinfo, ZoneInfo):
        return zone_id(value)
    short = value.tzname() or zone_id(value)
    if count == 4:
        return _LONG_ZONE_NAMES.get(short, zone_id(value))
    return short


_FIELD_FORMATTERS = {
    "G": _era,
    "u": _year,
    "y": _year,
    "Y": _week_year,
    "Q": _quarter,
    "q": _quarter,
    "M": _month,
    "L": _month,
    "w": lambda value, count: _number(us_week_fields(value.date())[1], count),
    "W": lambda value, count: _number(
        (value.day - 1 + us_day_of_week(value.date().replace(day=1)) - 1) // 7 + 1, count
    ),
    "E": lambda value, count: _text(DAYS[value.weekday()], count),
    "e": _localized_day_of_week,
    "c": _localized_day_of_week,
    "F": lambda value, count: _number((value.day - 1) // 7 + 1, count),
    "d": lambda value, count: _number(value.day, count),
    "D": lambda value, count: _number(value.timetuple().tm_yday, count),
    "a": lambda value, count: "AM" if value.hour < 12 else "PM",
    "h": lambda value, count: _hour_of_am_pm(value, count, clock=True),
    "K": lambda value, count: _hour_of_am_pm(value, count, clock=False),
    "k": lambda value, count: _number(value.hour or 24, count),
    "H": lambda value, count: _number(value.hour, count),
    "m": lambda value, count: _number(value.minute, count),
    "s": lambda value, count: _number(value.second, count),
    "S": _fraction,
    "A": lambda value, count: _number(
        (value.hour * 3600 + value.minute * 60 + value.second) * 1000 + value.microsecond // 1000,
        count,
    ),
    "n": lambda value, count: _number(value.microsecond * 1000, count),
    "N": lambda value, count: _number(
        (value.hour * 3600 + value.minute * 60 + value.second) * 10**9 + value.microsecond * 1000,
        count,
    ),
    "V": lambda value, count: zone_id(value),
    "z": _zone_name,
    "O": _offset_localized,
    "X": lambda value, count: _offset_x(value, count, zero_as_z=True),
    "x": lambda value, count: _offset_x(value, count, zero_as_z=False),
    "Z": _offset_z,
}


# Parsing --------------------------------------------------------------------------------

_OFFSET_RE = r"Z|UTC|GMT(?:[+-]\d{1,2}(?::?\d{2}(?::?\d{2})?)?)?|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?"
_ZONE_RE = r"[A-Za-z][A-Za-z0-9_/+\-]*"


def _names(names: tuple[str, ...], count: int) -> str:
    choices = [name if count == 4 else name[:3] for name in names]
    if count == 5:
        choices = [name[0] for name in names]
    return "(?i:" + "|".join(re.escape(choice) for choice in choices) + ")"


def _field_regex(field: Field) -> str:
    letter, count = field.letter, field.count
    if letter in "yuY":
        return r"\d{2}" if count == 2 else rf"[+-]?\d{{{max(count, 1)},10}}"
    if letter in "ML" and count >= 3:
        return _names(MONTHS, count)
    if letter in "ML":
        return r"\d{1,2}" if count == 1 else r"\d{2}"
    if letter in "dHhKkmswW":
        return r"\d{1,2}" if count == 1 else r"\d{2}"
    if letter == "E" or (letter in "ec" and count >= 3):
        return _names(DAYS, count)
    if letter in "DS":
        return r"\d{1,3}" if letter == "D" and count == 1 else rf"\d{{{count}}}"
    if letter in "AnNecFqQ":
        return r"Q\d|\d+|[A-Za-z ]+" if letter in "qQ" else r"\d+"
    if letter == "a":
        return "(?i:AM|PM)"
    if letter == "G":
        return "(?i:AD|BC|Anno Domini|Before Christ|A|B)"
    if letter in "XxZO":
        return _OFFSET_RE
    return _ZONE_RE


@functools.lru_cache(maxsize=256)
def _compiled_parser(pattern: str) -> tuple[re.Pattern[str], tuple[tuple[str, Field], ...]]:
    regex: list[str] = []
    groups: list[tuple[str, Field]] = []
    for part in parse_pattern(pattern):
        if isinstance(part, Literal):
            regex.append(re.escape(part.text))
        elif isinstance(part, Optional):
            regex.append("(?:" if part.start else ")?")
        else:
            name = f"f{len(groups)}"
            groups.append((name, part))
            regex.append(f"(?P<{name}>{_field_regex(part)})")
    try:
        return re.compile("".join(regex) + r"\Z"), tuple(groups)
    except re.error as error:
        raise InvalidPattern(f"invalid date pattern {pattern!r}: unbalanced '[' or ']'") from error


def parse_with_pattern(text: str, pattern: str, default_zone: dt.tzinfo) -> dt.datetime:
    """Parse text written with a Java pattern into an aware datetime.

    Missing time fields default to midnight, a missing zone to `default_zone`.
    """
    regex, groups = _compiled_parser(pattern)
    match = regex.match(text)
    if match is None:
        raise ExpressionError(f"date {text!r} does not match the pattern {pattern!r}")
    found: dict[str, str] = {}
    for name, field in groups:
        value = match.group(name)
        if value is not None and field.letter not in found:
            found[field.letter] = value
    return _resolve(found, text, pattern, default_zone)


def _resolve(
    found: dict[str, str], text: str, pattern: str, default_zone: dt.tzinfo
) -> dt.datetime:
    year_text = found.get("y") or found.get("u") or found.get("Y")
    if year_text is None:
        raise ExpressionError(f"date {text!r} has no year for the pattern {pattern!r}")
    year = int(year_text)
    if len(year_text) == 2:
        year += 2000
    if "D" in found and "M" not in found and "L" not in found:
        day = dt.date(year, 1, 1) + dt.timedelta(days=int(found["D"]) - 1)
    else:
        month_text = found.get("M") or found.get("L")
        if month_text is None or "d" not in found:
            raise ExpressionError(
                f"date {text!r} needs a month and a day for the pattern {pattern!r}"
            )
        day = dt.date(year, _month_number(month_text), int(found["d"]))
    clock = dt.time(
        _hour(found),
        int(found.get("m", 0)),
        int(found.get("s", 0)),
        int(found["S"].ljust(6, "0")[:6]) if "S" in found else 0,
    )
    zone = _zone(found, default_zone)
    return dt.datetime.combine(day, clock).replace(tzinfo=zone)


def _month_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    lowered = text.lower()
    for index, name in enumerate(MONTHS):
        if name.lower().startswith(lowered):
            return index + 1
    raise ExpressionError(f"unknown month name {text!r}")


def _hour(found: dict[str, str]) -> int:
    if "H" in found:
        return int(found["H"])
    if "k" in found:
        return int(found["k"]) % 24
    hour = int(found.get("h", found.get("K", "0"))) % 12
    return hour + 12 if found.get("a", "AM").upper() == "PM" else hour


def _zone(found: dict[str, str], default_zone: dt.tzinfo) -> dt.tzinfo:
    for letter in "XxZO":
        if letter in found:
            return parse_offset(found[letter])
    name = found.get("V") or found.get("z")
    if name is None:
        return default_zone
    return zone_named(ZONE_ABBREVIATIONS.get(name, name))


def parse_offset(text: str) -> dt.tzinfo:
    """Parse an offset such as `Z`, `+02`, `+0200`, `-03:30`, `+02:00:15` or `GMT+2`."""
    body = text.removeprefix("GMT").removeprefix("UTC")
    if body in ("", "Z"):
        return dt.UTC
    sign = -1 if body[0] == "-" else 1
    if ":" in body:
        numbers = [int(piece) for piece in body[1:].split(":")]
    else:
        digits = body[1:]
        # Hours take what is left after two-digit minutes and seconds: +2, +0200, +020015.
        if len(digits) <= 2:
            numbers = [int(digits)]
        elif len(digits) <= 4:
            numbers = [int(digits[:-2]), int(digits[-2:])]
        else:
            numbers = [int(digits[:-4]), int(digits[-4:-2]), int(digits[-2:])]
    hours, minutes, seconds = [*numbers, 0, 0][:3]
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes, seconds=seconds))


def zone_named(name: str) -> dt.tzinfo:
    """Return the zone for a Java zone id: a region (`Europe/Paris`), `UTC`, `Z` or an offset."""
    if name in ("Z", "UTC", "GMT", "UT"):
        return ZoneInfo("UTC")
    if name[:1] in "+-" or name.startswith(("GMT+", "GMT-", "UTC+", "UTC-")):
        try:
            return parse_offset(name)
        except ValueError:
            pass
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ExpressionError(
            f"unknown time zone {name!r}; use a region id such as 'Europe/Paris', 'UTC' "
            "or an offset such as '+02:00'"
        ) from error
