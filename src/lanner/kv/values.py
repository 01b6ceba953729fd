"""Typed KV values: Kestra's seven types, how they are stored, and how text becomes one.

A KV value keeps its type: a DATETIME reads back as a datetime, a DURATION as a timedelta.
In the database a value is a JSON document `{"type": ..., "value": ...}` whose `value` is
the JSON form of the typed value (ISO-8601 text for dates, datetimes and durations).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from enum import StrEnum
from typing import Any

from lanner.durations import InvalidDuration, format_duration, parse_duration
from lanner.expressions import to_text
from lanner.kv.errors import InvalidKvValue
from lanner.timestamps import format_timestamp


class KvType(StrEnum):
    STRING = "STRING"
    NUMBER = "NUMBER"
    BOOLEAN = "BOOLEAN"
    DATETIME = "DATETIME"
    DATE = "DATE"
    DURATION = "DURATION"
    JSON = "JSON"


# Unquoted text that reads as a date, a datetime or a duration rather than as a string.
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_DURATION = re.compile(r"^[-+]?P[\dTWDHMS.,]+$", re.IGNORECASE)


def type_of(value: Any) -> KvType:
    """Return the KV type a Python value is stored as."""
    if isinstance(value, str):
        return KvType.STRING
    if isinstance(value, bool):
        return KvType.BOOLEAN
    if isinstance(value, int | float):
        return KvType.NUMBER
    if isinstance(value, dt.datetime):
        return KvType.DATETIME
    if isinstance(value, dt.date):
        return KvType.DATE
    if isinstance(value, dt.timedelta):
        return KvType.DURATION
    return KvType.JSON


def encode(value: Any, kv_type: KvType) -> dict[str, Any]:
    """Return the stored document of a typed value."""
    return {"type": kv_type.value, "value": _json_form(value, kv_type)}


def decode(document: Any) -> tuple[KvType, Any]:
    """Return the type and the typed value of a stored document."""
    if not isinstance(document, dict) or "type" not in document:
        # NOTE: rows written by hand without the envelope are read as JSON values.
        return KvType.JSON, document
    kv_type = KvType(document["type"])
    stored = document.get("value")
    if kv_type is KvType.DATETIME:
        return kv_type, _parse_datetime(str(stored))
    if kv_type is KvType.DATE:
        return kv_type, dt.date.fromisoformat(str(stored))
    if kv_type is KvType.DURATION:
        return kv_type, parse_duration(str(stored))
    return kv_type, stored


def json_form(value: Any) -> Any:
    """Return a typed value as JSON data: dates, datetimes and durations as ISO-8601 text."""
    return _json_form(value, type_of(value))


def _json_form(value: Any, kv_type: KvType) -> Any:
    if kv_type is KvType.DATETIME:
        return format_timestamp(value)
    if kv_type is KvType.DATE:
        return value.isoformat()
    if kv_type is KvType.DURATION:
        return format_duration(value)
    if kv_type is KvType.JSON:
        return json.loads(json.dumps(value, default=_json_default))
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return format_timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return format_duration(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"a {type(value).__name__} cannot be stored in the KV store")


def convert(value: Any, kv_type: KvType, key: str) -> Any:
    """Convert a value to `kv_type`; text is parsed, other values must already match.

    Raises InvalidKvValue naming the key when the value cannot be read as that type.
    """
    if kv_type is KvType.STRING:
        return value if isinstance(value, str) else to_text(value)
    if not isinstance(value, str):
        return _check_type(value, kv_type, key)
    text = value.strip()
    try:
        return _parse_text(text, kv_type)
    except (ValueError, InvalidDuration) as error:
        raise InvalidKvValue(
            f"invalid {kv_type.value} value {_shorten(value)!r} for key {key!r}: {error}"
        ) from None


def _parse_text(text: str, kv_type: KvType) -> Any:
    if kv_type is KvType.NUMBER:
        number = json.loads(text)
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ValueError("expected a number such as 42 or 3.5")
        return number
    if kv_type is KvType.BOOLEAN:
        if text.lower() not in ("true", "false"):
            raise ValueError("expected true or false")
        return text.lower() == "true"
    if kv_type is KvType.DATETIME:
        return _parse_datetime(text)
    if kv_type is KvType.DATE:
        return _parse_date(text)
    if kv_type is KvType.DURATION:
        return parse_duration(text)
    return json.loads(text)


def _check_type(value: Any, kv_type: KvType, key: str) -> Any:
    actual = type_of(value)
    if actual is kv_type:
        return value
    if kv_type is KvType.DATE and actual is KvType.DATETIME:
        return value.astimezone(dt.UTC).date()
    if kv_type is KvType.JSON:
        return value
    raise InvalidKvValue(
        f"invalid {kv_type.value} value for key {key!r}: got a {actual.value} value"
    )


def from_text(text: str) -> tuple[KvType, Any]:
    """Read a value written as text, the way the API reads a request body.

    JSON reads as its type (a number, a boolean, a quoted string, an object or an array);
    unquoted ISO-8601 dates, datetimes and durations read as DATE, DATETIME and DURATION.
    Any other text is a STRING.
    """
    stripped = text.strip()
    try:
        value = json.loads(stripped)
    except ValueError:
        return _unquoted(text)
    return type_of(value), value


def _unquoted(text: str) -> tuple[KvType, Any]:
    stripped = text.strip()
    try:
        if _DATE.match(stripped):
            return KvType.DATE, dt.date.fromisoformat(stripped)
        if _DATETIME.match(stripped):
            return KvType.DATETIME, _parse_datetime(stripped)
        if _DURATION.match(stripped):
            return KvType.DURATION, parse_duration(stripped)
    except (ValueError, InvalidDuration):
        pass
    return KvType.STRING, text


def _parse_datetime(text: str) -> dt.datetime:
    """Parse an ISO-8601 datetime; one without an offset is taken as UTC."""
    try:
        moment = dt.datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("expected an ISO-8601 datetime such as 2024-03-07T07:42:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _parse_date(text: str) -> dt.date:
    if _DATE.match(text):
        return dt.date.fromisoformat(text)
    try:
        return _parse_datetime(text).date()
    except ValueError:
        raise ValueError("expected an ISO-8601 date such as 2024-03-07") from None


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
