"""Tests used with `is` (`x is defined`, `n is even`); undefined values never make them fail
except where the test needs the value itself (`even`, `odd`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sized
from typing import Any

from jinja2.runtime import Undefined

from lanner.errors import ExpressionError
from lanner.expressions.undefined import raise_if_undefined
from lanner.expressions.values import type_name


def is_defined(value: Any) -> bool:
    return not isinstance(value, Undefined)


def is_null(value: Any) -> bool:
    """True for null, and for an undefined value, which Pebble reads as null here."""
    return value is None or isinstance(value, Undefined)


def is_empty(value: Any) -> bool:
    """Pebble's emptiness: undefined, null, blank text, or an empty list or map."""
    if value is None or isinstance(value, Undefined):
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, Sized):
        return len(value) == 0
    return False


def _whole_number(value: Any, test: str) -> int:
    raise_if_undefined(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise ExpressionError(f"the '{test}' test needs a whole number, got {type_name(value)}")
    return int(value)


def is_even(value: Any) -> bool:
    return _whole_number(value, "even") % 2 == 0


def is_odd(value: Any) -> bool:
    return _whole_number(value, "odd") % 2 == 1


def is_iterable(value: Any) -> bool:
    """True for lists (Java's Iterable); maps and text are not iterable in Pebble."""
    return isinstance(value, list | tuple | set | frozenset)


def is_json(value: Any) -> bool:
    """True when the value is text holding valid JSON."""
    if not isinstance(value, str):
        return False
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def is_map(value: Any) -> bool:
    return isinstance(value, Mapping)


TESTS: dict[str, Callable[..., bool]] = {
    "defined": is_defined,
    "null": is_null,
    "none": is_null,
    "empty": is_empty,
    "even": is_even,
    "odd": is_odd,
    "iterable": is_iterable,
    "json": is_json,
    "map": is_map,
}
