"""Cron expressions and time zones as Kestra's Schedule trigger reads them.

Kestra parses cron with five fields (minute, hour, day of month, month, day of week), or six
with `withSeconds: true`, seconds first; the nicknames `@yearly`, `@annually`, `@monthly`,
`@weekly`, `@daily`, `@midnight` and `@hourly` are accepted too. A time zone is what Java's
`ZoneId.of` accepts: an IANA name such as `Europe/Paris`, or a fixed offset.
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo

from lanner.triggers.cron import NICKNAMES, CronExpression, InvalidCron

__all__ = ["NICKNAMES", "InvalidCron", "check_cron", "is_time_zone", "suggest_time_zone"]

_SIGNED = r"[+-]\d{1,2}(?::?\d{2}(?::?\d{2})?)?"
_OFFSET = re.compile(rf"^(?:Z|(?:UTC|GMT|UT)(?:{_SIGNED})?|{_SIGNED})$")


def check_cron(expression: str, with_seconds: bool = False) -> None:
    """Raise InvalidCron, with the reason, when `expression` is not a valid cron."""
    CronExpression.parse(expression, with_seconds)


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_time_zone(name: str) -> bool:
    return name in _zones() or bool(_OFFSET.match(name))


def suggest_time_zone(name: str) -> str | None:
    """Find the IANA zone closest to a misspelled one."""
    by_lower = {zone.lower(): zone for zone in _zones()}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    matches = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.75)
    return by_lower[matches[0]] if matches else None
