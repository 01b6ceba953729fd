"""Semantics of Pebble's operators, as plain functions the compiled templates call.

Arithmetic follows Java's rules, which Pebble inherits: integer `/` truncates toward zero
(`7 / 2` is 3), `%` keeps the sign of the dividend, and a float on either side makes the
result a float (`7 / 2.0` is 3.5). Comparisons with null are false; `==` is null-safe.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sized
from decimal import Decimal
from typing import Any, Final

from jinja2.exceptions import UndefinedError
from jinja2.runtime import Undefined

from lanner.errors import ExpressionError
from lanner.expressions.errors import UndefinedVariable
from lanner.expressions.text import to_text
from lanner.expressions.undefined import raise_if_undefined
from lanner.expressions.values import MapEntry, is_nan, is_number, type_name

# A guard of our own against `range(1, 10**9)` exhausting memory; Kestra bounds range() too.
MAX_RANGE_SIZE: Final = 1_000_000

_SYMBOLS = {"eq": "==", "ne": "!=", "lt": "<", "lteq": "<=", "gt": ">", "gteq": ">="}


def condition(value: Any) -> bool:
    """Convert a value used by `if`, `and`, `or`, `not` or `? :` to a boolean.

    Pebble's rule: booleans as they are, numbers when non-zero, text when non-empty (so
    "false" is true). Pebble rejects null and containers there; Lanner treats null as false
    and a list or map as true when it is not empty.
    """
    if isinstance(value, bool):
        return value
    raise_if_undefined(value)
    if value is None:
        return False
    if is_number(value):
        return not is_nan(value) and value != 0
    if isinstance(value, str):
        return value != ""
    if isinstance(value, Sized):
        return len(value) > 0
    return True


def values_equal(left: Any, right: Any) -> bool:
    """Null-safe equality; numbers compare by value (1 == 1.0) and booleans only to booleans."""
    raise_if_undefined(left)
    raise_if_undefined(right)
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    return bool(left == right)


def compare(operator: str, left: Any, right: Any) -> bool:
    """Evaluate `==`, `!=`, `<`, `<=`, `>` or `>=` (operator given by its Jinja token name)."""
    if operator == "eq":
        return values_equal(left, right)
    if operator == "ne":
        return not values_equal(left, right)
    raise_if_undefined(left)
    raise_if_undefined(right)
    if left is None or right is None:
        return False
    comparable = (is_number(left) and is_number(right)) or (
        not is_number(left) and not is_number(right)
    )
    try:
        if comparable:
            if operator == "lt":
                return bool(left < right)
            if operator == "lteq":
                return bool(left <= right)
            if operator == "gt":
                return bool(left > right)
            return bool(left >= right)
    except TypeError:
        pass
    raise ExpressionError(
        f"cannot compare {type_name(left)} with {type_name(right)} using '{_SYMBOLS[operator]}'; "
        "convert one side first, for example with the number or date filter"
    )


def _require_numbers(symbol: str, left: Any, right: Any) -> None:
    raise_if_undefined(left)
    raise_if_undefined(right)
    if not (is_number(left) and is_number(right)):
        raise ExpressionError(
            f"cannot apply '{symbol}' to {type_name(left)} and {type_name(right)}; "
            "both sides must be numbers (the number filter converts text)"
        )


def _arithmetic(
    symbol: str,
    left: Any,
    right: Any,
    on_ints: Callable[[int, int], int],
    on_floats: Callable[[float, float], float],
    on_decimals: Callable[[Decimal, Decimal], Decimal],
) -> Any:
    _require_numbers(symbol, left, right)
    if isinstance(left, Decimal) or isinstance(right, Decimal):
        return on_decimals(Decimal(str(left)), Decimal(str(right)))
    if isinstance(left, float) or isinstance(right, float):
        return on_floats(float(left), float(right))
    return on_ints(left, right)


def _truncating_division(left: int, right: int) -> int:
    if right == 0:
        raise ExpressionError("division by zero")
    quotient = abs(left) // abs(right)
    return -quotient if (left < 0) != (right < 0) else quotient


def _float_division(left: float, right: float) -> float:
    if right == 0:
        if left == 0 or math.isnan(left):
            return math.nan
        return math.copysign(math.inf, left) * math.copysign(1.0, right)
    return left / right


def _int_remainder(left: int, right: int) -> int:
    return left - right * _truncating_division(left, right)


def _float_remainder(left: float, right: float) -> float:
    return math.nan if right == 0 else math.fmod(left, right)


def _decimal_division(left: Decimal, right: Decimal) -> Decimal:
    if right == 0:
        raise ExpressionError("division by zero")
    return left / right


def add(left: Any, right: Any) -> Any:
    """`+`: numbers add; with text on either side it concatenates; a list gains items."""
    raise_if_undefined(left)
    raise_if_undefined(right)
    if isinstance(left, str) or isinstance(right, str):
        return to_text(left) + to_text(right)
    if isinstance(left, list | tuple):
        extra = list(right) if isinstance(right, list | tuple) else [right]
        return [*left, *extra]
    return _arithmetic("+", left, right, lambda a, b: a + b, lambda a, b: a + b, lambda a, b: a + b)


def subtract(left: Any, right: Any) -> Any:
    """`-`: numbers subtract; a list loses every item of a right-hand list, or one item."""
    raise_if_undefined(left)
    raise_if_undefined(right)
    if isinstance(left, list | tuple):
        if isinstance(right, list | tuple):
            return [item for item in left if item not in right]
        items = list(left)
        if right in items:
            items.remove(right)
        return items
    return _arithmetic("-", left, right, lambda a, b: a - b, lambda a, b: a - b, lambda a, b: a - b)


def multiply(left: Any, right: Any) -> Any:
    return _arithmetic("*", left, right, lambda a, b: a * b, lambda a, b: a * b, lambda a, b: a * b)


def divide(left: Any, right: Any) -> Any:
    return _arithmetic("/", left, right, _truncating_division, _float_division, _decimal_division)


def remainder(left: Any, right: Any) -> Any:
    return _arithmetic("%", left, right, _int_remainder, _float_remainder, lambda a, b: a % b)


def negate(value: Any) -> Any:
    return multiply(-1, value)


def plus(value: Any) -> Any:
    return multiply(1, value)


def concat(left: Any, right: Any) -> str:
    """`~`: join the text forms; null is empty and lists or maps become JSON."""
    return to_text(left) + to_text(right)


def contains(container: Any, item: Any) -> bool:
    """`contains`: list membership (every item when given a list), map key, or substring."""
    raise_if_undefined(container)
    if container is None:
        return False
    raise_if_undefined(item)
    if isinstance(container, Mapping):
        try:
            return item in container
        except TypeError:
            return False
    if isinstance(container, list | tuple | set | frozenset):
        if isinstance(item, list | tuple | set | frozenset):
            return all(element in container for element in item)
        return item in container
    if isinstance(container, str):
        return to_text(item) in container
    raise ExpressionError(
        f"'contains' works on lists, maps and text, not on {type_name(container)}"
    )


def inclusive_range(start: Any, end: Any, step: Any = 1) -> list[Any]:
    """Pebble's `range` and `..`: numbers or single characters from start to end, end included."""
    for value in (start, end, step):
        raise_if_undefined(value)
    if not is_number(step) or int(step) == 0:
        raise ExpressionError(f"the range step must be a non-zero number, got {to_text(step)!r}")
    increment = int(step)
    if is_number(start) and is_number(end):
        first, last = int(start), int(end)
        _check_range_size(first, last, increment)
        return list(range(first, last + (1 if increment > 0 else -1), increment))
    if isinstance(start, str) and isinstance(end, str) and len(start) == len(end) == 1:
        first, last = ord(start), ord(end)
        _check_range_size(first, last, increment)
        return [chr(code) for code in range(first, last + (1 if increment > 0 else -1), increment)]
    raise ExpressionError(
        "range bounds must be two numbers or two single characters, "
        f"got {type_name(start)} and {type_name(end)}"
    )


def _check_range_size(first: int, last: int, increment: int) -> None:
    size = (last - first) // increment + 1
    if size > MAX_RANGE_SIZE:
        raise ExpressionError(
            f"range from {first} to {last} has {size} items, more than the limit of "
            f"{MAX_RANGE_SIZE}; use a smaller range"
        )


def for_iterable(value: Any) -> Iterable[Any]:
    """Return what a `for` loop iterates: list items, or map entries with `.key` and `.value`."""
    raise_if_undefined(value)
    if value is None:
        return ()
    if isinstance(value, Mapping):
        return [MapEntry(key, item) for key, item in value.items()]
    if isinstance(value, str):
        raise ExpressionError(
            "cannot loop over text; split it first, for example `text | split(',')`"
        )
    if isinstance(value, Iterable):
        return value
    raise ExpressionError(f"cannot loop over {type_name(value)}; a list or a map is needed")


def coalesce_null(left: Callable[[], Any], right: Callable[[], Any]) -> Any:
    """`??`: the left value unless it is undefined or null, else the right value."""
    try:
        value = left()
    except (UndefinedError, UndefinedVariable):
        return right()
    if value is None or isinstance(value, Undefined):
        return right()
    return value


def coalesce_undefined(left: Callable[[], Any], right: Callable[[], Any]) -> Any:
    """`???`: the left value unless it is undefined; a null left value is kept."""
    try:
        value = left()
    except (UndefinedError, UndefinedVariable):
        return right()
    if isinstance(value, Undefined):
        return right()
    return value


def _comparison(operator: str) -> Callable[[Any, Any], bool]:
    def compare_with(left: Any, right: Any) -> bool:
        return compare(operator, left, right)

    return compare_with


# Registered as filters named "pebble:<name>"; see nodes.py.
OPERATORS: Final[dict[str, Callable[..., Any]]] = {
    "condition": condition,
    "eq": _comparison("eq"),
    "ne": _comparison("ne"),
    "lt": _comparison("lt"),
    "lteq": _comparison("lteq"),
    "gt": _comparison("gt"),
    "gteq": _comparison("gteq"),
    "add": add,
    "sub": subtract,
    "mul": multiply,
    "div": divide,
    "mod": remainder,
    "negate": negate,
    "plus": plus,
    "concat": concat,
    "contains": contains,
    "range": inclusive_range,
    "for_iterable": for_iterable,
    "coalesce_null": coalesce_null,
    "coalesce_undefined": coalesce_undefined,
}
