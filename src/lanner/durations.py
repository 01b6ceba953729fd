"""ISO-8601 durations (`PT1M30S`, `P1DT2H`, `PT0.5S`), as Kestra writes them."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(
    r"""^(?P<sign>[-+])?P
    (?:(?P<weeks>\d+(?:[.,]\d+)?)W)?
    (?:(?P<days>\d+(?:[.,]\d+)?)D)?
    (?:T
        (?:(?P<hours>[-+]?\d+(?:[.,]\d+)?)H)?
        (?:(?P<minutes>[-+]?\d+(?:[.,]\d+)?)M)?
        (?:(?P<seconds>[-+]?\d+(?:[.,]\d+)?)S)?
    )?$""",
    re.VERBOSE | re.IGNORECASE,
)


class InvalidDuration(ValueError):
    """A text is not an ISO-8601 duration such as PT30S or P1DT2H."""


def parse_duration(text: str) -> timedelta:
    """Parse an ISO-8601 duration; raise InvalidDuration naming the text otherwise."""
    match = _DURATION.match(text.strip())
    if match is None or text.strip().upper().endswith("T") or text.strip().upper() in ("P", "-P"):
        raise InvalidDuration(
            f"invalid duration {text!r}: expected an ISO-8601 duration such as PT30S, PT5M or P1D"
        )
    parts = {
        name: float(value.replace(",", "."))
        for name, value in match.groupdict().items()
        if name != "sign" and value is not None
    }
    duration = timedelta(**parts)
    return -duration if match.group("sign") == "-" else duration


def format_duration(duration: timedelta) -> str:
    """Format a timedelta as an ISO-8601 duration, the way Java's Duration.toString does."""
    total = duration.total_seconds()
    if total == 0:
        return "PT0S"
    sign = "-" if total < 0 else ""
    total = abs(total)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{int(hours)}H"
    if minutes:
        text += f"{int(minutes)}M"
    if seconds:
        rounded = round(seconds, 6)
        text += f"{int(rounded)}S" if rounded == int(rounded) else f"{rounded:g}S"
    return sign + text
