"""Filters on lists and maps, plus `length`, `default` and `className`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lanner.errors import ExpressionError
from lanner.expressions.filters.common import text_argument, whole_number_argument
from lanner.expressions.predicates import is_empty
from lanner.expressions.text import to_json_text, to_text
from lanner.expressions.undefined import raise_if_undefined
from lanner.expressions.values import MapEntry, java_class_name, type_name


def _require_list(value: Any, filter_name: str) -> None:
    if not isinstance(value, list | tuple):
        raise ExpressionError(f"the {filter_name} filter needs a list, got {type_name(value)}")


def keys(value: Any) -> list[Any] | None:
    """Keys of a map, or the indexes of a list."""
    raise_if_undefined(value)
    if value is None:
        return None
    if isinstance(value, Mapping):
        return list(value.keys())
    _require_list(value, "keys")
    return list(range(len(value)))


def values(value: Any) -> list[Any] | None:
    """Values of a map; a list is returned as it is."""
    raise_if_undefined(value)
    if value is None:
        return None
    if isinstance(value, Mapping):
        return list(value.values())
    _require_list(value, "values")
    return list(value)


def length(value: Any) -> int:
    """Number of items of a list or map, characters of text; null has length 0."""
    raise_if_undefined(value)
    if value is None:
        return 0
    if isinstance(value, str | list | tuple | dict | set | frozenset | Mapping):
        return len(value)
    return len(to_text(value))


def first(value: Any) -> Any:
    """First item of a list or first character of text; null for an empty list."""
    raise_if_undefined(value)
    if value is None or isinstance(value, str):
        return value[:1] if value is not None else None
    _require_list(value, "first")
    return value[0] if value else None


def last(value: Any) -> Any:
    """Last item of a list or last character of text; null for an empty list."""
    raise_if_undefined(value)
    if value is None or isinstance(value, str):
        return value[-1:] if value is not None else None
    _require_list(value, "last")
    return value[-1] if value else None


def reverse(value: Any) -> Any:
    raise_if_undefined(value)
    if value is None:
        return None
    if isinstance(value, str):
        return value[::-1]
    _require_list(value, "reverse")
    return list(reversed(value))


def _sorted(value: Any, descending: bool, filter_name: str) -> list[Any] | None:
    raise_if_undefined(value)
    if value is None:
        return None
    _require_list(value, filter_name)
    try:
        return sorted(value, reverse=descending)
    except TypeError as error:
        kinds = ", ".join(sorted({type_name(item) for item in value}))
        raise ExpressionError(
            f"the {filter_name} filter cannot order a list mixing {kinds}"
        ) from error


def sort(value: Any) -> list[Any] | None:
    return _sorted(value, descending=False, filter_name="sort")


def rsort(value: Any) -> list[Any] | None:
    return _sorted(value, descending=True, filter_name="rsort")


def slice_filter(value: Any, fromIndex: Any = 0, toIndex: Any = None) -> Any:
    """Items or characters from `fromIndex` (included) to `toIndex` (excluded)."""
    raise_if_undefined(value)
    if value is None:
        return None
    start = whole_number_argument(fromIndex, "slice", "fromIndex")
    end = None if toIndex is None else whole_number_argument(toIndex, "slice", "toIndex")
    if isinstance(value, str):
        return value[start:end]
    _require_list(value, "slice")
    return list(value[start:end])


def merge(value: Any, items: Any = None) -> Any:
    """Merge two lists (concatenated) or two maps (right side wins), as Pebble does.

    A list merged into a map adds each item as a key mapping to itself; a map merged into
    a list adds its entries.
    """
    raise_if_undefined(value)
    raise_if_undefined(items)
    if value is None:
        if items is None:
            raise ExpressionError("the merge filter got null on both sides")
        return items
    if items is None:
        return value
    if isinstance(value, Mapping):
        if isinstance(items, Mapping):
            return {**value, **items}
        _require_list(items, "merge")
        return {**value, **{item: item for item in items}}
    _require_list(value, "merge")
    if isinstance(items, Mapping):
        return [*value, *(MapEntry(key, item) for key, item in items.items())]
    _require_list(items, "merge")
    return [*value, *items]


def join(value: Any, separator: Any = None) -> str | None:
    """Join list items as text; items that are lists or maps are written as JSON."""
    raise_if_undefined(value)
    if value is None:
        return None
    _require_list(value, "join")
    glue = "" if separator is None else text_argument(separator, "join", "separator")
    return glue.join(to_text(item) for item in value)


def chunk(value: Any, size: Any = None) -> list[list[Any]] | None:
    """Split a list into lists of `size` items; the last may be shorter."""
    raise_if_undefined(value)
    if value is None:
        return None
    _require_list(value, "chunk")
    count = whole_number_argument(size, "chunk", "size")
    if count < 1:
        raise ExpressionError(f"the chunk filter needs a size of 1 or more, got {count}")
    return [list(value[index : index + count]) for index in range(0, len(value), count)]


def distinct(value: Any) -> list[Any] | None:
    """Remove repeated items, keeping the first of each in order."""
    raise_if_undefined(value)
    if value is None:
        return None
    _require_list(value, "distinct")
    seen: set[str] = set()
    unique: list[Any] = []
    for item in value:
        # Maps and lists are not hashable; their JSON text identifies them.
        identity = to_json_text([item])
        if identity not in seen:
            seen.add(identity)
            unique.append(item)
    return unique


def flatten(value: Any) -> list[Any] | None:
    """Flatten one level: items that are lists are replaced by their items."""
    raise_if_undefined(value)
    if value is None:
        return None
    _require_list(value, "flatten")
    flat: list[Any] = []
    for item in value:
        if isinstance(item, list | tuple):
            flat.extend(item)
        else:
            flat.append(item)
    return flat


def default(value: Any, default_value: Any = None) -> Any:
    """Return `default_value` if the value is undefined, null, blank or empty; else the value."""
    return default_value if is_empty(value) else value


def class_name(value: Any) -> str | None:
    """Java class name Kestra would report for the value (`java.lang.String`...)."""
    raise_if_undefined(value)
    return java_class_name(value)


CONTAINER_FILTERS: dict[str, Callable[..., Any]] = {
    "keys": keys,
    "values": values,
    "length": length,
    "first": first,
    "last": last,
    "reverse": reverse,
    "sort": sort,
    "rsort": rsort,
    "slice": slice_filter,
    "merge": merge,
    "join": join,
    "chunk": chunk,
    "distinct": distinct,
    "flatten": flatten,
    "default": default,
    "className": class_name,
}
