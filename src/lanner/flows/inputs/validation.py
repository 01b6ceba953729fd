"""Parse a value for one input definition and apply the input's validators.

Both the flow checks (literal defaults) and execution-time resolution (supplied values and
rendered defaults) go through `parse_input_value`, so a default is held to the same rules as
a value a user supplies. All bounds are inclusive, as Kestra's `min`/`max` and `after`/`before`
are, and so are Lanner's `minLength`/`maxLength`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from lanner.durations import format_duration
from lanner.flows.inputs.coercion import CoercionError, format_datetime, format_time, parse_value
from lanner.flows.inputs.models import (
    AnyInput,
    ArrayInput,
    DateInput,
    DateTimeInput,
    DurationInput,
    EnumInput,
    FileInput,
    FloatInput,
    IntInput,
    MultiselectInput,
    SecretInput,
    SelectInput,
    StringInput,
    TimeInput,
)


def item_type_of(input: AnyInput) -> str | None:
    """Return the item type of a list input, or None for other inputs."""
    if isinstance(input, (ArrayInput, MultiselectInput)):
        return input.item_type
    return None


def declared_choices(input: AnyInput) -> list[str] | None:
    """Return the literal `values` (or MULTISELECT's older `options`) of a choice input."""
    if isinstance(input, (SelectInput, EnumInput)):
        return input.values
    if isinstance(input, MultiselectInput):
        return input.values if input.values is not None else input.options
    return None


def allows_custom_value(input: AnyInput) -> bool:
    if isinstance(input, (SelectInput, MultiselectInput)):
        return input.allow_custom_value or input.allow_input
    return False


def shown_value(input: AnyInput, value: Any) -> str:
    """Return the value as messages show it: its repr, or a mask for SECRET inputs."""
    return "<hidden>" if isinstance(input, SecretInput) else repr(value)


def parse_input_value(
    input: AnyInput, value: Any, *, choices: Sequence[str] | None = None, check_choices: bool = True
) -> Any:
    """Parse `value` as the input's type and apply its validators, or raise CoercionError.

    `choices` replaces the declared `values`, for SELECT and MULTISELECT inputs whose values
    come from an `expression`. With `check_choices` false, membership in the values is not
    checked, because the values are not known yet.
    """
    parsed = parse_value(input.type, value, item_type_of(input))
    _check_bounds(input, parsed)
    _check_pattern(input, parsed)
    if check_choices and not allows_custom_value(input):
        allowed = choices if choices is not None else declared_choices(input)
        if allowed is not None:
            _check_choices(input, parsed, allowed)
    if isinstance(input, FileInput) and isinstance(parsed, str):
        check_file_extension(input, _uri_file_name(parsed))
    return parsed


def check_file_extension(input: FileInput, file_name: str) -> None:
    """Raise CoercionError unless the file name ends with one of `allowedFileExtensions`."""
    if not input.allowed_file_extensions:
        return
    allowed = [extension.lower() for extension in input.allowed_file_extensions]
    extension = posixpath.splitext(file_name)[1].lower()
    if extension not in allowed:
        raise CoercionError(
            f"has the file name {file_name!r}, whose extension is not one of "
            f"allowedFileExtensions {input.allowed_file_extensions}"
        )


def _check_bounds(input: AnyInput, parsed: Any) -> None:
    if isinstance(input, (IntInput, FloatInput, DurationInput)):
        if input.min is not None and parsed < input.min:
            raise CoercionError(f"is less than min {show_bound(input.min)}")
        if input.max is not None and parsed > input.max:
            raise CoercionError(f"is greater than max {show_bound(input.max)}")
    if isinstance(input, (DateTimeInput, DateInput, TimeInput)):
        after, before = input.after, input.before
        if after is not None and parsed < after:
            raise CoercionError(f"is earlier than after {show_bound(after)}")
        if before is not None and parsed > before:
            raise CoercionError(f"is later than before {show_bound(before)}")
    if isinstance(input, StringInput):
        if input.min_length is not None and len(parsed) < input.min_length:
            raise CoercionError(
                f"is {len(parsed)} characters long, shorter than minLength {input.min_length}"
            )
        if input.max_length is not None and len(parsed) > input.max_length:
            raise CoercionError(
                f"is {len(parsed)} characters long, longer than maxLength {input.max_length}"
            )


def _check_pattern(input: AnyInput, parsed: Any) -> None:
    if not isinstance(input, (StringInput, SecretInput)) or input.validator is None:
        return
    try:
        # NOTE: Kestra compiles the validator as a Java regex. Python's `re` agrees on common
        # syntax but lacks some Java constructs, such as \p{Alpha}, which the flow check reports.
        matched = re.fullmatch(input.validator, parsed) is not None
    except re.error as error:
        raise CoercionError(
            f"cannot be checked: the validator is an invalid regex ({error})"
        ) from None
    if not matched:
        raise CoercionError(f"does not match the validator regex {input.validator!r}")


def _check_choices(input: AnyInput, parsed: Any, allowed: Sequence[str]) -> None:
    if isinstance(input, MultiselectInput):
        item_type = input.item_type
        typed_allowed = [_parse_choice(item_type, choice) for choice in allowed]
        for item in parsed:
            if item not in typed_allowed:
                raise CoercionError(
                    f"has the item {item!r}, which is not in values {list(allowed)}"
                )
        return
    if parsed not in allowed:
        raise CoercionError(f"is not in values {list(allowed)}")


def _parse_choice(item_type: str, choice: str) -> Any:
    # MULTISELECT values are written as text, so items of another type compare as that type.
    try:
        return parse_value(item_type, choice)
    except CoercionError:
        return choice


def _uri_file_name(uri: str) -> str:
    return posixpath.basename(unquote(urlsplit(uri).path))


def show_bound(bound: Any) -> str:
    """Format a bound for messages in the ISO form users write it in."""
    if isinstance(bound, datetime):
        return repr(format_datetime(bound))
    if isinstance(bound, date):
        return repr(bound.isoformat())
    if isinstance(bound, time):
        return repr(format_time(bound))
    if isinstance(bound, timedelta):
        return repr(format_duration(bound))
    return repr(bound)
