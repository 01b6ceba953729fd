"""Property types shared by task, trigger and flow models.

Most Kestra properties are dynamic: the value may be written literally (`timeout: PT5M`) or as
an expression rendered at run time (`timeout: "{{ inputs.limit }}"`). The types here accept
both and keep an expression as text until it is rendered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ConfigDict, PlainSerializer
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticKnownError

from lanner.durations import InvalidDuration, format_duration, parse_duration

TASK_ID_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$")
FLOW_ID_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$")
NAMESPACE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass(frozen=True)
class TypeKind:
    """The name of what a union chosen by its `type` property contains, such as "input".

    Put it in the union's `Annotated` metadata: validation problems then read "unknown input
    type 'X'" rather than pydantic's message about tags.
    """

    name: str


MODEL_CONFIG = ConfigDict(
    extra="forbid",
    populate_by_name=False,
    alias_generator=to_camel,
    arbitrary_types_allowed=True,
    frozen=True,
    serialize_by_alias=True,
)


def is_expression(value: object) -> bool:
    """Tell whether a value is text holding an expression or a tag."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _duration(value: Any) -> Any:
    if isinstance(value, timedelta) or is_expression(value):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except InvalidDuration as error:
            raise ValueError(str(error)) from None
    raise ValueError(f"invalid duration {value!r}: expected an ISO-8601 duration such as PT30S")


def _serialize_duration(value: timedelta | str) -> str:
    return value if isinstance(value, str) else format_duration(value)


# A duration written as ISO-8601 text, or an expression rendered to one at run time.
Duration = Annotated[
    timedelta | str,
    BeforeValidator(_duration),
    PlainSerializer(_serialize_duration),
]


def _dynamic_int(value: Any) -> Any:
    if is_expression(value):
        return value
    if isinstance(value, bool):
        raise ValueError(f"invalid integer {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[-+]?\d+", value.strip()):
        return int(value)
    raise ValueError(f"invalid integer {value!r}: expected a whole number or an expression")


DynamicInt = Annotated[int | str, BeforeValidator(_dynamic_int)]


def _not_negative(value: int | str) -> int | str:
    if isinstance(value, int) and value < 0:
        raise PydanticKnownError("greater_than_equal", {"ge": 0})
    return value


# A whole number of at least 0, or an expression whose rendered value the task checks at run time.
DynamicNonNegativeInt = Annotated[DynamicInt, AfterValidator(_not_negative)]


def _dynamic_bool(value: Any) -> Any:
    if isinstance(value, bool) or is_expression(value):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"invalid boolean {value!r}: expected true, false or an expression")


DynamicBool = Annotated[bool | str, BeforeValidator(_dynamic_bool)]


def _text(value: Any) -> Any:
    # Kestra reads scalar YAML values into text properties as their text.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


# A text property: YAML numbers and booleans written there become their text.
Text = Annotated[str, BeforeValidator(_text)]


def _static_duration(value: Any) -> Any:
    if is_expression(value):
        raise ValueError(f"expressions are not allowed here, write a literal duration: {value!r}")
    return _duration(value)


# A duration that must be written literally, for properties Kestra does not render.
StaticDuration = Annotated[
    timedelta,
    BeforeValidator(_static_duration),
    PlainSerializer(_serialize_duration),
]
