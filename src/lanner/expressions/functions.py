"""Functions callable in expressions: `range(1, 3)`, `now()`, `fromJson(text)`, `kv('key')`..."""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import Callable
from typing import Any, Final

import yaml
from jinja2.runtime import Context
from jinja2.utils import pass_context

from lanner.errors import ExpressionError
from lanner.expressions.dates import check_locale, format_datetime, resolve_zone
from lanner.expressions.operators import compare, inclusive_range
from lanner.expressions.services import context_data, current_state
from lanner.expressions.text import to_json_text
from lanner.expressions.undefined import raise_if_undefined
from lanner.expressions.values import is_number, type_name

# render() re-renders its output until it stops changing; more passes than this means a loop.
MAX_RENDER_PASSES: Final = 32


def range_function(start: Any, end: Any, step: Any = 1) -> list[Any]:
    """`range(start, end[, step])`: Pebble's range, which includes `end`."""
    return inclusive_range(start, end, step)


def now(timeZone: Any = None, format: Any = None, locale: Any = None) -> Any:
    """`now()`: the current time, aware, in UTC or `timeZone`; text when `format` is given."""
    zone = resolve_zone(timeZone)
    moment = dt.datetime.now(zone)
    if format is None:
        return moment
    check_locale(locale)
    return format_datetime(moment, format)


def from_json(text: Any) -> Any:
    """`fromJson(text)` (and its older name `json(text)`): parse JSON text; null stays null."""
    raise_if_undefined(text)
    if text is None or not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError as error:
        raise ExpressionError(f"fromJson could not parse {_shorten(text)!r}: {error}") from error


def from_yaml(text: Any) -> Any:
    """`fromYaml(text)` (and `yaml(text)`): parse YAML text with the safe loader."""
    raise_if_undefined(text)
    if text is None or not isinstance(text, str):
        return text
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ExpressionError(f"fromYaml could not parse {_shorten(text)!r}: {error}") from error


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


@pass_context
def render_function(context: Context, template: Any, recursive: Any = True) -> Any:
    """`render(text)`: render text again with the same variables, until it stops changing.

    Lets a variable hold an expression (`vars.x: "{{ inputs.a }}"`); values that are not
    text are returned as they are.
    """
    from lanner.expressions.rendering import render

    raise_if_undefined(template)
    if not isinstance(template, str):
        return template
    variables = context_data(context.get_all(), context.environment.globals)
    text = template
    for _ in range(MAX_RENDER_PASSES):
        rendered = render(text, variables)
        if recursive is False or rendered == text:
            return rendered
        text = rendered
    raise ExpressionError(
        f"render() output still changed after {MAX_RENDER_PASSES} passes; a variable probably "
        "renders itself"
    )


@pass_context
def render_once(context: Context, template: Any) -> Any:
    """`renderOnce(text)`: render text again once (`render(text, recursive=false)`)."""
    result: Any = render_function(context, template, False)
    return result


def _extreme(operator: str, values: tuple[Any, ...]) -> Any:
    if len(values) == 1 and isinstance(values[0], list | tuple):
        values = tuple(values[0])
    best: Any = None
    for value in values:
        raise_if_undefined(value)
        if value is not None and (best is None or compare(operator, value, best)):
            best = value
    return best


def max_function(*values: Any) -> Any:
    """`max(a, b, ...)` or `max(list)`: the largest value; nulls are ignored."""
    return _extreme("gt", values)


def min_function(*values: Any) -> Any:
    """`min(a, b, ...)` or `min(list)`: the smallest value; nulls are ignored."""
    return _extreme("lt", values)


def uuid_function() -> str:
    return str(uuid.uuid4())


def random_int(lower: Any, upper: Any) -> int:
    """`randomInt(lower, upper)`: a random integer, `lower` included and `upper` excluded."""
    for value in (lower, upper):
        raise_if_undefined(value)
        if not is_number(value) or int(value) != value:
            raise ExpressionError(f"randomInt needs whole numbers, got {type_name(value)}")
    low, high = int(lower), int(upper)
    if high < low:
        raise ExpressionError(f"randomInt upper bound {high} is less than the lower bound {low}")
    if high == low:
        return low
    return random.randrange(low, high)


def kv(key: Any, namespace: Any = None, errorOnMissing: Any = True) -> Any:
    """`kv(key, namespace, errorOnMissing)`: a KV store value, through the caller's service."""
    raise_if_undefined(key)
    raise_if_undefined(namespace)
    return current_state().services.kv(str(key), namespace, bool(errorOnMissing))


def secret(name: Any) -> str:
    """`secret(name)`: a secret's value, through the caller's service."""
    raise_if_undefined(name)
    return current_state().services.secret(str(name))


def read(path: Any, namespace: Any = None) -> str:
    """`read(path)`: the text of a storage URI or namespace file, through the caller's service."""
    raise_if_undefined(path)
    raise_if_undefined(namespace)
    return current_state().services.read(str(path), namespace)


@pass_context
def print_context(context: Context) -> str:
    """`printContext()`: every variable of the render as JSON, for debugging."""
    return to_json_text(context_data(context.get_all(), context.environment.globals))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "range": range_function,
    "now": now,
    "fromJson": from_json,
    "json": from_json,
    "fromYaml": from_yaml,
    "yaml": from_yaml,
    "render": render_function,
    "renderOnce": render_once,
    "max": max_function,
    "min": min_function,
    "uuid": uuid_function,
    "randomInt": random_int,
    "kv": kv,
    "secret": secret,
    "read": read,
    "printContext": print_context,
}
