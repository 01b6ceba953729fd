"""Date filters: `date`, `dateAdd` and the `timestamp` family."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lanner.expressions.dates import (
    add_to_datetime,
    check_locale,
    epoch_microseconds,
    format_datetime,
    resolve_zone,
    to_datetime,
)
from lanner.expressions.undefined import raise_if_undefined


def _format_argument(format_: Any) -> Any:
    return "iso" if format_ is None else format_


def date(
    value: Any,
    format: Any = None,
    timeZone: Any = None,
    existingFormat: Any = None,
    locale: Any = None,
) -> str | None:
    """Format a date with a Java pattern or a named format (default `iso`) in `timeZone` (UTC)."""
    raise_if_undefined(value)
    if value is None:
        return None
    check_locale(locale)
    zone = resolve_zone(timeZone)
    moment = to_datetime(value, zone, existingFormat)
    return format_datetime(moment, _format_argument(format))


def date_add(
    value: Any,
    amount: Any = None,
    unit: Any = None,
    format: Any = None,
    timeZone: Any = None,
    existingFormat: Any = None,
    locale: Any = None,
) -> str | None:
    """Add `amount` `unit`s (DAYS, HOURS, MONTHS...) and format like `date` (default `iso`)."""
    raise_if_undefined(value)
    if value is None:
        return None
    check_locale(locale)
    zone = resolve_zone(timeZone)
    moment = add_to_datetime(to_datetime(value, zone, existingFormat), amount, unit)
    return format_datetime(moment, _format_argument(format))


def _epoch(divisor: int, multiplier: int = 1) -> Callable[..., int | None]:
    def timestamp(value: Any, existingFormat: Any = None, timeZone: Any = None) -> int | None:
        raise_if_undefined(value)
        if value is None:
            return None
        moment = to_datetime(value, resolve_zone(timeZone), existingFormat)
        return epoch_microseconds(moment) * multiplier // divisor

    return timestamp


DATE_FILTERS: dict[str, Callable[..., Any]] = {
    "date": date,
    "dateAdd": date_add,
    # NOTE: Kestra's timestampMicro returns seconds * 10^9 + microseconds, which looks like a
    # bug; Lanner returns true microseconds since the epoch.
    "timestamp": _epoch(1_000_000),
    "timestampMilli": _epoch(1_000),
    "timestampMicro": _epoch(1),
    "timestampNano": _epoch(1, 1_000),
}
