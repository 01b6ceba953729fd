"""Time zones of triggers: from a name to a tzinfo, and from wall-clock times to instants.

Everything here computes in the trigger's zone with `zoneinfo`, never in the server's zone, so
the process's `TZ` variable changes nothing.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from lanner.errors import LannerError

_OFFSET = re.compile(
    r"^(?:(?:UTC|GMT|UT)(?=[+-]|$))?(?:(?P<sign>[+-])(?P<hours>\d{1,2})"
    r"(?::?(?P<minutes>\d{2})(?::?(?P<seconds>\d{2}))?)?)?$"
)


class UnknownTimeZone(LannerError):
    """A trigger names a time zone that does not exist."""


@functools.cache
def resolve_zone(name: str) -> tzinfo:
    """Return the zone an IANA name or a fixed offset (`+05:30`, `UTC+2`, `Z`) names."""
    if name in ("Z", "z"):
        return UTC
    match = _OFFSET.match(name)
    if match is not None:
        return _fixed_offset(match)
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise UnknownTimeZone(
            f"unknown time zone {name!r}; use an IANA name such as 'Europe/Paris' or an offset "
            "such as '+02:00'"
        ) from error


def _fixed_offset(match: re.Match[str]) -> tzinfo:
    if match.group("sign") is None:
        return UTC
    seconds = (
        int(match.group("hours")) * 3600
        + int(match.group("minutes") or 0) * 60
        + int(match.group("seconds") or 0)
    )
    if seconds > 18 * 3600:
        raise UnknownTimeZone(f"time zone offset {match.group(0)!r} is beyond 18 hours")
    sign = -1 if match.group("sign") == "-" else 1
    return timezone(timedelta(seconds=sign * seconds))


@dataclass(frozen=True)
class Placement:
    """Where a wall-clock time falls on the time line of a zone."""

    instant: datetime
    # The wall-clock time does not exist (a spring-forward gap): `instant` is the first
    # instant after the gap.
    in_gap: bool


def wall_time(instant: datetime, zone: tzinfo) -> datetime:
    """Return the naive wall-clock time in `zone` at `instant`."""
    return instant.astimezone(zone).replace(tzinfo=None)


def place(wall: datetime, zone: tzinfo) -> Placement:
    """Find the instant of a naive wall-clock time in `zone`.

    A time repeated when clocks go back is placed at its first occurrence. A time skipped when
    clocks go forward is placed at the first instant after the gap, the instant of the change.
    """
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if wall_time(first, zone) == wall:
        return Placement(first, in_gap=False)
    return Placement(_end_of_gap(wall, zone), in_gap=True)


def _end_of_gap(wall: datetime, zone: tzinfo) -> datetime:
    # Within a gap, fold=1 reads the wall time with the offset after the change and fold=0 with
    # the offset before it, so the change lies between the two instants. Zone changes happen
    # on whole seconds, so a binary search on seconds finds the first instant whose wall time
    # is at or after `wall`.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if low > high:
        low, high = high, low
    while (high - low) > timedelta(seconds=1):
        middle = low + timedelta(seconds=int((high - low).total_seconds()) // 2)
        if wall_time(middle, zone) >= wall:
            high = middle
        else:
            low = middle
    return high if wall_time(low, zone) < wall else low


def format_in_zone(instant: datetime, zone: tzinfo) -> str:
    """Format like Java's ISO_OFFSET_DATE_TIME: `2024-03-07T13:12:00+05:30`, `...Z` for UTC."""
    local = instant.astimezone(zone)
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if local.microsecond:
        text += f".{local.microsecond:06d}".rstrip("0")
    offset = local.utcoffset() or timedelta(0)
    if offset == timedelta(0):
        return text + "Z"
    total = int(offset.total_seconds())
    sign = "-" if total < 0 else "+"
    hours, remainder = divmod(abs(total), 3600)
    minutes, seconds = divmod(remainder, 60)
    text += f"{sign}{hours:02d}:{minutes:02d}"
    return text + (f":{seconds:02d}" if seconds else "")


def parse_zoned(text: str) -> datetime:
    """Parse an ISO-8601 date-time as Java writes a ZonedDateTime.

    `2024-03-07T13:12:00+05:30`, `...Z` and `...+01:00[Europe/Paris]` give an aware UTC
    datetime; a bracketed zone alone (`2024-03-07T13:12:00[Asia/Kolkata]`) places the wall time
    in that zone; text without an offset or zone gives a naive datetime for the caller to place.
    A bare date means its midnight. Raise ValueError when the text is no date.
    """
    stripped = text.strip()
    zone_name = None
    if stripped.endswith("]") and "[" in stripped:
        stripped, _, zone_name = stripped[:-1].partition("[")
    parsed = datetime.fromisoformat(stripped)
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    if zone_name:
        return place(parsed, resolve_zone(zone_name)).instant
    return parsed
