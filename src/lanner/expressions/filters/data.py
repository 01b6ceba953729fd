"""Filters that serialise or query data (`toJson`, `yaml`, `jq`) and handle numbers."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import jq as jq_library
import yaml as yaml_library

from lanner.errors import ExpressionError
from lanner.expressions.filters.common import text_argument
from lanner.expressions.numeric import number_format, parse_number
from lanner.expressions.text import to_json_text, to_plain
from lanner.expressions.undefined import raise_if_undefined
from lanner.expressions.values import is_number, type_name


def to_json(value: Any, includeNulls: Any = None) -> str:
    """Serialise as compact JSON; null becomes "null". Nulls inside maps are kept.

    `includeNulls` is accepted for Kestra compatibility; Lanner always keeps nulls.
    """
    raise_if_undefined(value)
    return to_json_text(value)


def to_yaml(value: Any) -> str:
    """Serialise as block-style YAML, keys in their order; null becomes "null"."""
    raise_if_undefined(value)
    if value is None:
        return "null"
    text = yaml_library.safe_dump(
        to_plain(value), default_flow_style=False, sort_keys=False, allow_unicode=True, width=2**31
    )
    # PyYAML ends a lone scalar with a document end marker that Jackson does not write.
    return text.removesuffix("...\n")


@functools.lru_cache(maxsize=256)
def _jq_program(expression: str) -> Any:
    try:
        return jq_library.compile(expression)
    except ValueError as error:
        raise ExpressionError(f"invalid jq expression {expression!r}: {error}") from error


def jq(value: Any, expression: Any = None) -> list[Any] | None:
    """Apply a jq expression and return the list of its results (use `| first` for one).

    Text input is parsed as JSON first.
    """
    raise_if_undefined(value)
    if value is None:
        return None
    program = _jq_program(text_argument(expression, "jq", "expression"))
    if isinstance(value, str):
        try:
            data = json.loads(value)
        except ValueError as error:
            raise ExpressionError(f"the jq filter needs JSON text, got {value[:60]!r}") from error
    else:
        data = to_plain(value)
    try:
        results: list[Any] = program.input_value(data).all()
    except ValueError as error:
        raise ExpressionError(f"jq expression {expression!r} failed: {error}") from error
    return results


def number(value: Any, type: Any = None) -> int | float | Decimal | None:
    """Parse text as a number; `type` is INT, LONG, FLOAT, DOUBLE, BIGDECIMAL or BIGINTEGER."""
    raise_if_undefined(value)
    if value is None:
        return None
    return parse_number(value, None if type is None else str(type))


def number_format_filter(value: Any, format: Any = None) -> str | None:
    """Format a number with a Java DecimalFormat pattern such as `#,##0.00`."""
    raise_if_undefined(value)
    if value is None:
        return None
    return number_format(
        value, None if format is None else text_argument(format, "numberFormat", "format")
    )


def absolute(value: Any) -> Any:
    raise_if_undefined(value)
    if value is None:
        return None
    if not is_number(value):
        raise ExpressionError(f"the abs filter needs a number, got {type_name(value)}")
    return abs(value)


DATA_FILTERS: dict[str, Callable[..., Any]] = {
    "toJson": to_json,
    "json": to_json,
    "yaml": to_yaml,
    "jq": jq,
    "number": number,
    "numberFormat": number_format_filter,
    "numberformat": number_format_filter,
    "abs": absolute,
}
