"""Turn supplied values into typed values, and typed values into the JSON stored with an execution.

`parse_value` accepts both the text that the CLI and forms send and the JSON values that the
API and subflows send. It returns a native value (int, datetime, timedelta, list...) that
validators can compare. `to_json_value` turns that native value into the JSON value stored
in the execution and shown to expressions.

Edge cases follow Kestra 1.x where its docs or `FlowInputOutput.parseType` state the behaviour.
Elsewhere the choice is the strict one, with a message that names the expected form:

- None is never parsed. Callers treat it as "not supplied" and use the default, as Kestra does.
- Empty text is a value. STRING, SECRET, SELECT, ENUM and EMAIL keep it, and "" passes Kestra's
  EMAIL pattern. Every other type rejects it as empty.
- INT takes whole numbers only, so "1.0" and 1.5 are rejected, as Java's Integer.valueOf does.
  Values outside the 32-bit range of Kestra's Integer are rejected too. Booleans are not numbers.
- FLOAT takes ints, floats and decimal text. NaN and infinity are rejected because JSON cannot
  hold them. The value is a 64-bit float, while Kestra keeps a 32-bit Float.
- BOOLEAN and BOOL take true and false, or the text "true" and "false" in any case. "yes", "1"
  and "on" are rejected: Kestra's docs require true or false, and Java's Boolean.valueOf would
  silently turn them into false.
- DATETIME needs a date, a 'T', a time and an offset ('Z' or '+02:00'), as Java's Instant.parse
  does. A date-time without an offset is rejected because the moment it names is unknown. The
  value is converted to UTC and written as '2024-01-31T10:00:00Z'.
- DATE takes 'YYYY-MM-DD' only. A date-time is rejected, as Java's LocalDate.parse does, rather
  than silently cut to its date.
- TIME takes 'HH:MM', 'HH:MM:SS' or 'HH:MM:SS.fff' without an offset, and is written 'HH:MM:SS'.
- DURATION takes ISO-8601 text only ('PT5M', 'P1D', 'PT0.5S'). "5m" and bare numbers are
  rejected. It is written as Java's Duration.toString writes it ('PT5M', 'PT24H').
- JSON and YAML keep lists, mappings and scalars as they are and parse text. YAML dates stay text.
- ARRAY and MULTISELECT take a list, or text holding a JSON list. Each item is parsed as the
  item type, and a null item is rejected.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import yaml

from lanner.durations import InvalidDuration, format_duration, parse_duration
from lanner.errors import LannerError

TEXT_TYPES = frozenset({"STRING", "SECRET", "SELECT", "ENUM", "EMAIL"})
LIST_TYPES = frozenset({"ARRAY", "MULTISELECT"})
# Types an ARRAY or MULTISELECT item can have: values that stand alone, without a list of
# choices, a file upload or encryption.
ITEM_TYPES = frozenset(
    {
        "STRING",
        "INT",
        "FLOAT",
        "BOOLEAN",
        "BOOL",
        "DATETIME",
        "DATE",
        "TIME",
        "DURATION",
        "JSON",
        "YAML",
        "URI",
        "EMAIL",
    }
)
# URI schemes a FILE value may use instead of an upload: internal storage, namespace files and
# local files, as Kestra's universal file protocol does.
FILE_URI_SCHEMES = ("kestra", "nsfile", "file")

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1

EXPECTED = {
    "STRING": "text",
    "SECRET": "text",
    "SELECT": "text",
    "ENUM": "text",
    "EMAIL": "an email address such as 'name@example.com'",
    "INT": "a whole number such as 42",
    "FLOAT": "a number such as 3.14",
    "BOOLEAN": "true or false",
    "BOOL": "true or false",
    "DATETIME": "an ISO-8601 date-time with an offset, such as '2024-01-31T10:00:00Z'",
    "DATE": "an ISO-8601 date such as '2024-01-31'",
    "TIME": "an ISO-8601 time without an offset, such as '10:15:30'",
    "DURATION": "an ISO-8601 duration such as 'PT5M', 'PT1H30M' or 'P1D'",
    "JSON": "JSON text such as '{\"key\": 1}', or a list or mapping",
    "YAML": "YAML text, or a list or mapping",
    "URI": "a URI with a scheme, such as 'https://example.com/data.csv'",
    "ARRAY": "a list, or JSON text of a list such as '[1, 2]'",
    "MULTISELECT": 'a list, or JSON text of a list such as \'["a", "b"]\'',
    "FILE": "an uploaded file, or a kestra://, nsfile:// or file:// URI",
}

_INT_TEXT = re.compile(r"[-+]?[0-9]+")
_FLOAT_TEXT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_DATETIME_TEXT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2}(?::[0-9]{2})?)"
)
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME_TEXT = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?")
# Kestra's EMAIL pattern, except that the domain must not start, end or double a dot.
_EMAIL = re.compile(r"[A-Za-z0-9_!#$%&'*+/=?`{|}~^.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
_URI = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://\S+")


class CoercionError(ValueError):
    """A value does not fit a type. The message is a phrase that follows the value itself.

    Callers write "<subject> <value> <message>", as in "value 'x' is not an integer: ...".
    """


class InvalidOutputValue(LannerError):
    """A flow output's value does not fit the output's declared type."""


class _YamlLoader(yaml.SafeLoader):
    """A safe loader that keeps dates as text, so that values stay JSON-serialisable."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_value(type_name: str, value: Any, item_type: str | None = None) -> Any:
    """Parse a supplied value as `type_name`, or raise CoercionError naming the expected form.

    `item_type` is the type of each item of an ARRAY or MULTISELECT value. Without it, the
    items are kept as they are.
    """
    if value is None:
        raise CoercionError("is null: expected " + EXPECTED.get(type_name, "a value"))
    if value == "" and isinstance(value, str) and type_name not in TEXT_TYPES:
        raise CoercionError(
            f"is empty: expected {EXPECTED.get(type_name, 'a value')}. Leave the input out "
            "to use its default"
        )
    if type_name in LIST_TYPES:
        return parse_list(value, item_type)
    parser = _PARSERS.get(type_name)
    if parser is None:
        raise CoercionError(f"has the unknown type {type_name!r}")
    return parser(value)


def to_json_value(type_name: str, value: Any, item_type: str | None = None) -> Any:
    """Turn a parsed value into the JSON value stored with the execution."""
    if type_name in LIST_TYPES:
        return [to_json_value(item_type or "JSON", item) for item in value]
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return format_time(value)
    if isinstance(value, timedelta):
        return format_duration(value)
    return value


def coerce_value(type_name: str, value: Any, item_type: str | None = None) -> Any:
    """Parse a value as `type_name` and return its JSON form, or raise CoercionError."""
    return to_json_value(type_name, parse_value(type_name, value, item_type), item_type)


def coerce_output(type: str, value: Any, output_id: str) -> Any:
    """Coerce a flow output's rendered value to its declared type, as inputs are coerced.

    None stays None: the caller decides whether the output is required. A SECRET output
    comes back as plain text, which the caller encrypts with `encrypt_secret`, because
    only the caller has the encryption key. ARRAY outputs have no item type, so their
    items are kept as they are. Raises InvalidOutputValue naming the output.
    """
    if value is None:
        return None
    try:
        return coerce_value(type, value)
    except CoercionError as error:
        value_text = "<hidden>" if type == "SECRET" else repr(value)
        raise InvalidOutputValue(f"output {output_id!r}: value {value_text} {error}") from None


def parse_text(value: Any) -> str:
    # Kestra turns JSON scalars into their text, and Java writes booleans in lower case.
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    raise CoercionError(f"is {_kind(value)}, not text: expected {EXPECTED['STRING']}")


def parse_email(value: Any) -> str:
    text = parse_text(value)
    if text and not _EMAIL.fullmatch(text):
        raise CoercionError(f"is not a valid email address: expected {EXPECTED['EMAIL']}")
    return text


def parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise CoercionError(f"is a boolean, not an integer: expected {EXPECTED['INT']}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INT_TEXT.fullmatch(value):
        number = int(value)
    else:
        raise CoercionError(f"is not an integer: expected {EXPECTED['INT']}")
    if not INT_MIN <= number <= INT_MAX:
        raise CoercionError(
            f"is outside the INT range {INT_MIN}..{INT_MAX}: use a FLOAT or STRING input "
            "for larger numbers"
        )
    return number


def parse_float(value: Any) -> float:
    if isinstance(value, bool):
        raise CoercionError(f"is a boolean, not a number: expected {EXPECTED['FLOAT']}")
    if isinstance(value, (int, float)) or (isinstance(value, str) and _FLOAT_TEXT.fullmatch(value)):
        number = float(value)
    else:
        raise CoercionError(f"is not a number: expected {EXPECTED['FLOAT']}")
    if not math.isfinite(number):
        raise CoercionError(f"is not a finite number: expected {EXPECTED['FLOAT']}")
    return number


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise CoercionError(f"is not a boolean: expected {EXPECTED['BOOLEAN']}")


def parse_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and _DATETIME_TEXT.fullmatch(value):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise CoercionError(
                f"is an invalid date-time: expected {EXPECTED['DATETIME']}"
            ) from None
    elif isinstance(value, str) and _DATETIME_TEXT.fullmatch(value + "Z"):
        raise CoercionError(
            "is an invalid date-time: it has no offset, so the moment it names is unknown. "
            "Add 'Z' for UTC or an offset such as '+02:00'"
        )
    else:
        raise CoercionError(f"is an invalid date-time: expected {EXPECTED['DATETIME']}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise CoercionError(
            "is an invalid date-time: it has no offset. Add 'Z' for UTC or an offset such "
            "as '+02:00'"
        )
    return parsed.astimezone(UTC)


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        raise CoercionError(f"is a date-time, not a date: expected {EXPECTED['DATE']}")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE_TEXT.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    elif isinstance(value, str) and _DATE_TEXT.match(value):
        raise CoercionError(
            f"is an invalid date: a DATE takes only the date part, such as {value[:10]!r}"
        )
    raise CoercionError(f"is an invalid date: expected {EXPECTED['DATE']}")


def parse_time(value: Any) -> time:
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise CoercionError(f"is a time with an offset: expected {EXPECTED['TIME']}")
        return value
    match = _TIME_TEXT.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise CoercionError(f"is an invalid time: expected {EXPECTED['TIME']}")
    hour, minute, second, fraction = match.groups()
    # Python keeps microseconds, so digits past the sixth are dropped.
    microsecond = int((fraction or "").ljust(6, "0")[:6])
    try:
        return time(int(hour), int(minute), int(second or 0), microsecond)
    except ValueError:
        raise CoercionError(f"is an invalid time: expected {EXPECTED['TIME']}") from None


def parse_duration_value(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise CoercionError(f"is not ISO-8601 text: expected {EXPECTED['DURATION']}")
    try:
        return parse_duration(value)
    except InvalidDuration:
        raise CoercionError(f"is an invalid duration: expected {EXPECTED['DURATION']}") from None


def parse_json(value: Any) -> Any:
    if not isinstance(value, str):
        return _check_json(value, "JSON")
    try:
        return json.loads(value, parse_constant=_reject_constant)
    except ValueError as error:
        raise CoercionError(f"is not valid JSON ({error}): expected {EXPECTED['JSON']}") from None


def parse_yaml(value: Any) -> Any:
    if not isinstance(value, str):
        return _check_json(value, "YAML")
    try:
        parsed = yaml.load(value, Loader=_YamlLoader)
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error)
        raise CoercionError(f"is not valid YAML ({problem})") from None
    return _check_json(parsed, "YAML")


def parse_uri(value: Any) -> str:
    # Kestra's pattern also requires a dotted host, which rejects 'http://localhost:8080'.
    # Lanner requires only a scheme, '://' and no whitespace.
    if isinstance(value, str) and _URI.fullmatch(value):
        return value
    raise CoercionError(f"is not a valid URI: expected {EXPECTED['URI']}")


def parse_file_uri(value: Any) -> str:
    match = _URI.fullmatch(value) if isinstance(value, str) else None
    if match is None or match.group(1).lower() not in FILE_URI_SCHEMES:
        raise CoercionError(
            f"is not a file reference: expected {EXPECTED['FILE']}. Upload the file as a "
            "multipart part named after the input"
        )
    return str(value)


def parse_list(value: Any, item_type: str | None) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value, parse_constant=_reject_constant)
        except ValueError:
            raise CoercionError(f"is not a JSON list: expected {EXPECTED['ARRAY']}") from None
    if not isinstance(value, (list, tuple)):
        raise CoercionError(f"is {_kind(value)}, not a list: expected {EXPECTED['ARRAY']}")
    if item_type is None:
        return [_check_json(item, "JSON") for item in value]
    items: list[Any] = []
    for index, item in enumerate(value):
        try:
            items.append(parse_value(item_type, item))
        except CoercionError as error:
            raise CoercionError(f"has an invalid item at index {index}: {item!r} {error}") from None
    return items


def format_datetime(value: datetime) -> str:
    """Format an aware date-time in UTC, as Java's Instant.toString does: '2024-01-31T10:00:00Z'."""
    utc = value.astimezone(UTC)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}{_fraction(utc.microsecond)}Z"
    )


def format_time(value: time) -> str:
    """Format a time as 'HH:MM:SS', with milliseconds or microseconds when there are any."""
    return f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}{_fraction(value.microsecond)}"


def _fraction(microsecond: int) -> str:
    # Java prints fractions in groups of three digits, while Python's isoformat prints six.
    if microsecond == 0:
        return ""
    if microsecond % 1000 == 0:
        return f".{microsecond // 1000:03d}"
    return f".{microsecond:06d}"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check_json(value: Any, type_name: str) -> Any:
    """Return the value if JSON can represent it, or raise CoercionError naming the bad part."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        raise CoercionError(f"contains {value!r}, which JSON cannot hold")
    if isinstance(value, (list, tuple)):
        return [_check_json(item, type_name) for item in value]
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise CoercionError(f"has the key {key!r}: {type_name} mapping keys must be text")
        return {key: _check_json(item, type_name) for key, item in value.items()}
    raise CoercionError(f"contains {_kind(value)}, which {type_name} values cannot hold")


def _kind(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    return f"a {type(value).__name__}"


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "STRING": parse_text,
    "SECRET": parse_text,
    "SELECT": parse_text,
    "ENUM": parse_text,
    "EMAIL": parse_email,
    "INT": parse_int,
    "FLOAT": parse_float,
    "BOOLEAN": parse_bool,
    "BOOL": parse_bool,
    "DATETIME": parse_datetime,
    "DATE": parse_date,
    "TIME": parse_time,
    "DURATION": parse_duration_value,
    "JSON": parse_json,
    "YAML": parse_yaml,
    "URI": parse_uri,
    "FILE": parse_file_uri,
}
