"""Conversion of expression values to text, the way Kestra writes them.

Kestra prints maps and lists as compact JSON (Jackson), booleans as `true`/`false`,
null as the empty string, doubles with Java's `Double.toString` and instants with
`Instant.toString`. Interpolation (the environment's finalize hook), `~`, `+` with text
and the text filters all convert through `to_text`, so Python's repr (single quotes,
`True`, `None`) does not appear in rendered properties.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any

from jinja2.runtime import Undefined

from lanner.durations import format_duration
from lanner.expressions.errors import UndefinedVariable
from lanner.expressions.undefined import raise_if_undefined, undefined_path
from lanner.expressions.values import MapEntry

_FALSE_TEXTS = frozenset({"false", "0", "-0", ""})


def to_text(value: Any) -> str:
    """Convert a value to the text Kestra would print for it.

    None becomes "", booleans "true"/"false", maps and lists compact JSON, floats Java
    style (1.0, 1.0E10), datetimes ISO-8601 (`2024-03-07T07:42:00Z` in UTC). Raises the
    undefined-variable error when `value` is undefined.
    """
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double_text(value)
    if isinstance(value, MapEntry):
        return f"{to_text(value.key)}={to_text(value.value)}"
    if isinstance(value, dict | list | tuple | set | frozenset | Mapping):
        return to_json_text(value)
    if isinstance(value, Undefined):
        raise_if_undefined(value)
    return _scalar_text(value)


def _scalar_text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return datetime_text(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return format_duration(value)
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def java_double_text(value: float) -> str:
    """Format a float like Java's `Double.toString`: shortest digits, E notation if large or small.

    Plain from 1e-3 to 1e7 (1.0, 0.001), else 1.0E7 and 1.0E-4.
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        # Python's repr gives the same shortest digits and always keeps a ".0" in this range.
        return repr(value)
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    scientific_exponent = len(digits) - 1 + exponent
    head = str(digits[0])
    tail = "".join(str(digit) for digit in digits[1:]) or "0"
    return f"{'-' if sign else ''}{head}.{tail}E{scientific_exponent}"


def datetime_text(value: dt.datetime) -> str:
    """Format a datetime like Java's `Instant.toString` (UTC, `Z`) or `OffsetDateTime` (offset).

    The fraction appears only when non-zero, as 3 or 6 digits. A naive datetime has no offset.
    """
    text = (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )
    if value.microsecond:
        if value.microsecond % 1000 == 0:
            text += f".{value.microsecond // 1000:03d}"
        else:
            text += f".{value.microsecond:06d}"
    offset = value.utcoffset()
    if offset is None:
        return text
    return text + offset_text(offset)


def offset_text(offset: dt.timedelta) -> str:
    """Format a UTC offset as Java's ZoneOffset id: `Z`, `+01:00` or `-03:30:15`."""
    total = int(offset.total_seconds())
    if total == 0:
        return "Z"
    sign = "+" if total > 0 else "-"
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}"
    if seconds:
        text += f":{seconds:02d}"
    return text


def to_json_text(value: Any) -> str:
    """Serialise a value as compact JSON like Jackson: no spaces, non-ASCII kept, nulls kept."""
    parts: list[str] = []
    _write_json(value, parts.append)
    return "".join(parts)


def _write_json(value: Any, write: Callable[[str], object]) -> None:
    if isinstance(value, str):
        write(encode_basestring(value))
    elif value is None:
        write("null")
    elif isinstance(value, bool):
        write("true" if value else "false")
    elif isinstance(value, int):
        write(str(value))
    elif isinstance(value, float):
        write(java_double_text(value))
    elif isinstance(value, Decimal):
        write(str(value))
    elif isinstance(value, MapEntry):
        _write_json_object({value.key: value.value}, write)
    elif isinstance(value, Mapping):
        _write_json_object(value, write)
    elif isinstance(value, list | tuple | set | frozenset):
        write("[")
        for index, item in enumerate(value):
            if index:
                write(",")
            _write_json(item, write)
        write("]")
    elif isinstance(value, Undefined):
        raise_if_undefined(value)
    else:
        write(encode_basestring(_scalar_text(value)))


def _write_json_object(value: Mapping[Any, Any], write: Callable[[str], object]) -> None:
    write("{")
    for index, (key, item) in enumerate(value.items()):
        if index:
            write(",")
        write(encode_basestring(key if isinstance(key, str) else to_text(key) or "null"))
        write(":")
        _write_json(item, write)
    write("}")


def to_plain(value: Any) -> Any:
    """Convert a value to plain JSON types (dict, list, str, int, float, bool, None).

    Dates become ISO text and other objects their text form. The jq and YAML libraries
    accept only the plain types, so values pass through here first.
    """
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, MapEntry):
        return {to_text(value.key): to_plain(value.value)}
    if isinstance(value, Mapping):
        return {
            key if isinstance(key, str) else to_text(key): to_plain(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [to_plain(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return to_text(value)


def is_truthy(value: Any) -> bool:
    """Apply Kestra's condition rule (runIf, If, conditions) to a rendered value.

    False are: None, False, and a value whose text is exactly "false", "0", "-0" or empty.
    Kestra compares the rendered text, so the float 0.0 (text "0.0"), " false " and "False"
    are true, like empty lists. Raises the undefined-variable error for an undefined value.
    """
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, Undefined):
        path = undefined_path(value)
        raise UndefinedVariable(f"undefined variable '{path}' used as a condition", path)
    return to_text(value) not in _FALSE_TEXTS
