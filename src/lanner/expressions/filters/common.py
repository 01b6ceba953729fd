"""Helpers shared by the filters: text input handling and Java regular expressions."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from lanner.errors import ExpressionError
from lanner.expressions.text import to_text
from lanner.expressions.undefined import raise_if_undefined

P = ParamSpec("P")
R = TypeVar("R")


def text_filter(
    function: Callable[Concatenate[str, P], R],
) -> Callable[Concatenate[Any, P], R | None]:
    """Adapt a filter written for text: undefined input raises, null gives null, and any
    other value is converted with `to_text` first (so a list arrives as JSON text)."""

    def apply(value: Any, /, *args: P.args, **kwargs: P.kwargs) -> R | None:
        raise_if_undefined(value)
        if value is None:
            return None
        return function(to_text(value), *args, **kwargs)

    apply.__name__ = function.__name__
    apply.__doc__ = function.__doc__
    return apply


def text_argument(value: Any, filter_name: str, argument: str) -> str:
    """Return a filter argument as text; undefined raises and null is rejected."""
    raise_if_undefined(value)
    if value is None:
        raise ExpressionError(f"the {filter_name} filter needs the argument '{argument}'")
    return to_text(value)


def whole_number_argument(value: Any, filter_name: str, argument: str) -> int:
    raise_if_undefined(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise ExpressionError(
            f"the {filter_name} filter needs a whole number for '{argument}', got {value!r}"
        )
    return int(value)


_JAVA_NAMED_GROUP = re.compile(r"\(\?<(?![=!])")


@functools.lru_cache(maxsize=256)
def java_regex(pattern: str) -> re.Pattern[str]:
    """Compile a Java regular expression; `(?<name>...)` groups become Python's `(?P<name>...)`."""
    try:
        return re.compile(_JAVA_NAMED_GROUP.sub("(?P<", pattern))
    except re.error as error:
        raise ExpressionError(f"invalid regular expression {pattern!r}: {error}") from error


def java_replacement(replacement: str) -> str:
    """Convert a Java replacement (`$1`, `${name}`, `\\$`) to Python's `re.sub` syntax."""
    pieces: list[str] = []
    index = 0
    while index < len(replacement):
        char = replacement[index]
        if char == "\\" and index + 1 < len(replacement):
            literal = replacement[index + 1]
            pieces.append("\\\\" if literal == "\\" else literal)
            index += 2
        elif char == "$" and replacement.startswith("{", index + 1):
            end = replacement.index("}", index)
            pieces.append(f"\\g<{replacement[index + 2 : end]}>")
            index = end + 1
        elif char == "$" and index + 1 < len(replacement) and replacement[index + 1].isdigit():
            end = index + 1
            while end < len(replacement) and replacement[end].isdigit():
                end += 1
            pieces.append(f"\\g<{replacement[index + 1 : end]}>")
            index = end
        else:
            pieces.append("\\\\" if char == "\\" else char)
            index += 1
    return "".join(pieces)
