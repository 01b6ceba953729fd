"""Small value types and type descriptions shared by operators, filters and text conversion."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any, NamedTuple


class MapEntry(NamedTuple):
    """One key and value of a map, as a `for` loop over a map yields them (Pebble's Map.Entry)."""

    key: Any
    value: Any


def is_number(value: object) -> bool:
    """Return whether `value` is a number; booleans are not numbers, as in Java."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


_JAVA_INT_RANGE = range(-(2**31), 2**31)
_JAVA_LONG_RANGE = range(-(2**63), 2**63)


def java_class_name(value: object) -> str | None:
    """Return the Java class Kestra would report for `value` (the `className` filter).

    Lanner has no Java objects, so this maps each Python type to the class Kestra's
    JSON deserializer would have produced. Flows that compare class names keep working.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "java.lang.Boolean"
    if isinstance(value, int):
        if value in _JAVA_INT_RANGE:
            return "java.lang.Integer"
        if value in _JAVA_LONG_RANGE:
            return "java.lang.Long"
        return "java.math.BigInteger"
    if isinstance(value, float):
        return "java.lang.Double"
    if isinstance(value, Decimal):
        return "java.math.BigDecimal"
    if isinstance(value, str):
        return "java.lang.String"
    if isinstance(value, dict):
        return "java.util.LinkedHashMap"
    if isinstance(value, list | tuple):
        return "java.util.ArrayList"
    if isinstance(value, dt.datetime):
        return "java.time.ZonedDateTime" if value.tzinfo is not None else "java.time.LocalDateTime"
    if isinstance(value, dt.date):
        return "java.time.LocalDate"
    if isinstance(value, dt.time):
        return "java.time.LocalTime"
    if isinstance(value, dt.timedelta):
        return "java.time.Duration"
    return type(value).__name__


def type_name(value: object) -> str:
    """Describe the type of `value` in the words a flow author uses (text, number, list, map)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dt.datetime | dt.date):
        return "date"
    return type(value).__name__
